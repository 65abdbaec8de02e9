import { createHash } from 'node:crypto';
import { mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LocalDirArchiveStore } from './local-archive-store';

const RUN = '3b241101-e2bb-4255-8caf-4136c566a962';
// SHA-256 test vectors from FIPS 180-2, appendix B.1 ("abc") and of the empty string.
const SHA_ABC = 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad';
const SHA_EMPTY = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

let root: string;
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'results-archive-'));
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('LocalDirArchiveStore', () => {
  it('writes summary, files and a manifest with SHA-256 of each file, and reports the manifest hash and total size', async () => {
    const store = new LocalDirArchiveStore({ root, now: () => Date.UTC(2024, 0, 2) });
    const res = await store.write(RUN, { summary: { a: 1 }, files: [{ name: 'abc.txt', bytes: Buffer.from('abc') }, { name: 'tables/empty.bin', bytes: new Uint8Array(0) }] });
    const folder = join(root, 'backtests', RUN);
    expect(fileURLToPath(res.location)).toBe(folder + '/');
    expect(res.files).toEqual([
      { name: 'summary.json', bytes: 7, sha256: createHash('sha256').update('{"a":1}').digest('hex') },
      { name: 'abc.txt', bytes: 3, sha256: SHA_ABC },
      { name: 'tables/empty.bin', bytes: 0, sha256: SHA_EMPTY },
    ]);
    const manifestBytes = await readFile(join(folder, 'manifest.json'));
    expect(res.manifestSha256).toBe(createHash('sha256').update(manifestBytes).digest('hex'));
    expect(res.totalBytes).toBe(7 + 3 + 0 + manifestBytes.byteLength);
    const manifest = JSON.parse(manifestBytes.toString('utf8'));
    expect(manifest).toEqual({ schemaVersion: 1, runId: RUN, createdAt: '2024-01-02T00:00:00.000Z', files: res.files });
    expect((await readFile(join(folder, 'abc.txt'))).toString()).toBe('abc');
    expect(await store.exists(RUN)).toBe(true);
    expect(await store.verify(RUN)).toEqual([]);
  });

  it('replaces a previous archive completely (files of the old payload do not survive) and leaves no temporary folders', async () => {
    const store = new LocalDirArchiveStore({ root });
    await store.write(RUN, { summary: 1, files: [{ name: 'old.bin', bytes: Buffer.from('x') }] });
    await store.write(RUN, { summary: 2 });
    expect((await readdir(join(root, 'backtests', RUN))).sort()).toEqual(['manifest.json', 'summary.json']);
    expect(await readdir(join(root, 'backtests'))).toEqual([RUN]);
  });

  it('detects a file changed after writing', async () => {
    const store = new LocalDirArchiveStore({ root });
    await store.write(RUN, { summary: 1, files: [{ name: 'abc.txt', bytes: Buffer.from('abc') }] });
    await writeFile(join(root, 'backtests', RUN, 'abc.txt'), 'abd');
    expect(await store.verify(RUN)).toEqual(['abc.txt']);
  });

  it('rejects path escapes, the reserved manifest name and non-UUID run ids', async () => {
    const store = new LocalDirArchiveStore({ root });
    for (const name of ['../x', 'a/../../x', '/etc/passwd', 'manifest.json', 'sp ace']) {
      await expect(store.write(RUN, { summary: 1, files: [{ name, bytes: new Uint8Array(1) }] })).rejects.toMatchObject({ code: 'INVALID_PARAMS' });
    }
    await expect(store.write('../../etc', { summary: 1 })).rejects.toMatchObject({ code: 'INVALID_PARAMS' });
    await expect(stat(join(root, 'backtests', RUN))).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('lists archives with their write time, deletes them, and treats a missing archive as absent', async () => {
    const store = new LocalDirArchiveStore({ root });
    expect(await store.exists(RUN)).toBe(false);
    const listEmpty: string[] = [];
    for await (const e of store.list()) listEmpty.push(e.runId);
    expect(listEmpty).toEqual([]);
    const before = Date.now();
    await store.write(RUN, { summary: null });
    const listed = [];
    for await (const e of store.list()) listed.push(e);
    expect(listed.map((e) => e.runId)).toEqual([RUN]);
    expect(listed[0].writtenAt).toBeGreaterThanOrEqual(before - 1000);
    await store.delete(RUN);
    await store.delete(RUN);
    expect(await store.exists(RUN)).toBe(false);
  });

  it('reports an unwritable root as STORAGE_FAILED with the cause kept', async () => {
    const file = join(root, 'not-a-dir');
    await writeFile(file, 'x');
    const store = new LocalDirArchiveStore({ root: file });
    const err = await store.write(RUN, { summary: 1 }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'STORAGE_FAILED', runId: RUN });
    expect((err as Error).cause).toBeDefined();
  });
});
