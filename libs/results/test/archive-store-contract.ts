// The one contract every RunArchiveStore must pass (style rule 4). Run it from a test file of each implementation.
import { createHash } from 'node:crypto';
import type { RunArchiveStore } from '../src';

/** What a contract run needs from the implementation's test file. */
export interface RunArchiveStoreHarness<P> {
  /** A store on a fresh, empty namespace. */
  readonly store: RunArchiveStore<P>;
  /** A valid payload; different `n` give different content. */
  payload(n: number): P;
  /** The stored bytes of `manifest.json` of a run, read behind the store's back. */
  readManifestBytes(runId: string): Promise<Uint8Array>;
  /** Removes what the harness created. */
  dispose(): Promise<void>;
}

const ID_A = 'aaaaaaaa-0000-4000-8000-000000000001';
const ID_B = 'bbbbbbbb-0000-4000-8000-000000000002';
const HEX64 = /^[0-9a-f]{64}$/;

export function describeRunArchiveStoreContract<P>(name: string, makeHarness: () => Promise<RunArchiveStoreHarness<P>>): void {
  describe(`RunArchiveStore contract: ${name}`, () => {
    let h: RunArchiveStoreHarness<P>;
    beforeAll(async () => {
      h = await makeHarness();
    });
    afterAll(async () => {
      await h.dispose();
    });

    it('reports no archive before the first write', async () => {
      expect(await h.store.exists(ID_A)).toBe(false);
      const ids: string[] = [];
      for await (const e of h.store.list()) ids.push(e.runId);
      expect(ids).toEqual([]);
    });

    it('writes an archive whose manifest hash is the SHA-256 of the stored manifest bytes', async () => {
      const res = await h.store.write(ID_A, h.payload(1));
      expect(await h.store.exists(ID_A)).toBe(true);
      expect(res.location).toContain(ID_A);
      const manifest = await h.readManifestBytes(ID_A);
      expect(res.manifestSha256).toBe(createHash('sha256').update(manifest).digest('hex'));
      expect(res.files.length).toBeGreaterThan(0);
      for (const f of res.files) expect(f.sha256).toMatch(HEX64);
      expect(res.totalBytes).toBe(res.files.reduce((s, f) => s + f.bytes, 0) + manifest.byteLength);
    });

    it('replaces an archive on a second write (new content, new manifest hash)', async () => {
      const first = createHash('sha256').update(await h.readManifestBytes(ID_A)).digest('hex');
      const res = await h.store.write(ID_A, h.payload(2));
      expect(res.manifestSha256).not.toBe(first);
      expect(await h.store.exists(ID_A)).toBe(true);
    });

    it('lists every archive with a recent write time', async () => {
      const before = Date.now();
      await h.store.write(ID_B, h.payload(3));
      const entries: { runId: string; writtenAt: number }[] = [];
      for await (const e of h.store.list()) entries.push(e);
      expect(entries.map((e) => e.runId).sort()).toEqual([ID_A, ID_B]);
      const b = entries.find((e) => e.runId === ID_B);
      expect(Math.abs((b?.writtenAt ?? 0) - before)).toBeLessThan(60_000); // S3 keeps 1 s resolution
    });

    it('deletes an archive; deleting a missing one is not an error', async () => {
      await h.store.delete(ID_B);
      await h.store.delete(ID_B);
      expect(await h.store.exists(ID_B)).toBe(false);
      const ids: string[] = [];
      for await (const e of h.store.list()) ids.push(e.runId);
      expect(ids).toEqual([ID_A]);
    });

    it('refuses a run id that would escape its folder (INVALID_PARAMS)', async () => {
      await expect(h.store.write('../escape', h.payload(4))).rejects.toMatchObject({ code: 'INVALID_PARAMS' });
    });
  });
}
