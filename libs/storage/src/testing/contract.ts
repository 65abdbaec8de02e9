/**
 * The one contract every {@link StorageProvider} must pass. Run it from a test file of each
 * implementation:
 *
 * ```ts
 * describeStorageProviderContract('LocalFsStorageProvider', async () => ({ provider, tamper, dispose }));
 * ```
 *
 * Expected checksums come from `node:crypto` (and two published SHA-256 test vectors), never from
 * the provider under test.
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { StorageErrorCode } from '../errors';
import type { ObjectSummary, StorageProvider } from '../provider';

/** What a contract run needs from the implementation's test file. */
export interface StorageProviderContractHarness {
  /** The provider under test, pointing at a fresh, empty namespace (folder, bucket, prefix). */
  readonly provider: StorageProvider;
  /**
   * Changes the stored bytes of `key` behind the provider's back while keeping its recorded
   * checksum (flip one byte on disk; overwrite the S3 object with a raw PutObject carrying the old
   * `sha256` metadata). The next read must fail with `INTEGRITY_MISMATCH`.
   */
  tamper(key: string): Promise<void>;
  /** Removes everything the harness created (folder, bucket). */
  dispose(): Promise<void>;
}

/** Options of {@link describeStorageProviderContract}. */
export interface StorageProviderContractOptions {
  /** Size of the "large object" case in bytes. Default 12 MiB (multipart on S3 with 5 MiB parts). */
  readonly largeObjectBytes?: number;
  /** Jest timeout of each test in ms. Default 30 000. */
  readonly timeoutMs?: number;
}

/** Published SHA-256 test vectors (FIPS 180-2 / NIST examples). */
const SHA256_OF_EMPTY = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
const SHA256_OF_ABC = 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad';

const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

async function collect(stream: AsyncIterable<unknown>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk as Uint8Array));
  return Buffer.concat(chunks);
}

async function readViaStream(provider: StorageProvider, key: string): Promise<Buffer> {
  const { body } = await provider.getStream(key);
  return collect(body);
}

async function expectCode(promise: Promise<unknown>, code: StorageErrorCode): Promise<void> {
  await expect(promise).rejects.toMatchObject({ code });
}

/** A stream that yields `goodBytes` bytes and then fails with `error`. */
function failingStream(goodBytes: number, error: Error): Readable {
  let sent = false;
  return new Readable({
    read() {
      if (!sent) {
        sent = true;
        this.push(Buffer.alloc(goodBytes, 7));
      } else this.destroy(error);
    },
  });
}

/**
 * Declares the StorageProvider contract as a Jest `describe` block.
 * @param name - implementation name shown in test output
 * @param factory - builds a harness over a fresh namespace; called once, disposed after the block
 * @param options - large-object size and timeouts
 */
export function describeStorageProviderContract(
  name: string,
  factory: () => Promise<StorageProviderContractHarness>,
  options: StorageProviderContractOptions = {},
): void {
  const largeBytes = options.largeObjectBytes ?? 12 * 1024 * 1024;
  const timeout = options.timeoutMs ?? 30_000;

  describe(`StorageProvider contract: ${name}`, () => {
    let harness: StorageProviderContractHarness | undefined;
    let scratch = '';
    const provider = (): StorageProvider => {
      if (!harness) throw new Error('contract harness was not created (see the beforeAll error)');
      return harness.provider;
    };
    // Every test works under its own random prefix so tests never see each other's objects.
    const ns = (): string => `contract-${randomUUID()}/`;

    beforeAll(async () => {
      harness = await factory();
      scratch = await mkdtemp(join(tmpdir(), 'coinhts-contract-'));
    }, timeout);
    afterAll(async () => {
      await harness?.dispose();
      if (scratch) await rm(scratch, { recursive: true, force: true });
    }, timeout);

    it('round-trips bytes and returns the size and SHA-256 of the content (FIPS 180-2 vector for "abc")', async () => {
      const key = `${ns()}abc.txt`;
      const stored = await provider().put(key, Buffer.from('abc', 'utf8'));
      expect(stored).toEqual({ key, size: 3, sha256: SHA256_OF_ABC });
      expect(Buffer.from(await provider().getBytes(key)).toString('utf8')).toBe('abc');
    }, timeout);

    it('round-trips an empty object (SHA-256 of the empty string)', async () => {
      const key = `${ns()}empty`;
      expect(await provider().put(key, new Uint8Array(0))).toEqual({ key, size: 0, sha256: SHA256_OF_EMPTY });
      expect((await provider().getBytes(key)).byteLength).toBe(0);
      expect(await readViaStream(provider(), key)).toHaveLength(0);
      expect(await provider().head(key)).toMatchObject({ size: 0, sha256: SHA256_OF_EMPTY });
    }, timeout);

    it('records content type and metadata (unicode values included) and reports them from head', async () => {
      const key = `${ns()}결과/summary ✓.json`;
      const bytes = Buffer.from(JSON.stringify({ total: 1.5, note: 'écart' }), 'utf8');
      const before = Date.now();
      await provider().put(key, bytes, { contentType: 'application/json', metadata: { 'run-id': 'r-1', note: 'é 한국 😀 a=b&c' } });
      const after = Date.now();
      const info = await provider().head(key);
      expect(info).toMatchObject({
        key, size: bytes.byteLength, sha256: sha256(bytes), contentType: 'application/json',
        metadata: { 'run-id': 'r-1', note: 'é 한국 😀 a=b&c' },
      });
      expect(Object.keys(info.metadata).sort()).toEqual(['note', 'run-id']);
      // S3 keeps whole seconds; allow that plus clock granularity.
      expect(info.lastModified.getTime()).toBeGreaterThanOrEqual(before - 2000);
      expect(info.lastModified.getTime()).toBeLessThanOrEqual(after + 2000);
    }, timeout);

    it('defaults the content type to application/octet-stream and metadata to {}', async () => {
      const key = `${ns()}plain.bin`;
      await provider().put(key, Buffer.from([1, 2, 3]));
      expect(await provider().head(key)).toMatchObject({ contentType: 'application/octet-stream', metadata: {} });
    }, timeout);

    it('round-trips a file: put from a path, getToFile into a folder that does not exist yet', async () => {
      const key = `${ns()}data/file.bin`;
      const bytes = randomBytes(300_000);
      const source = join(scratch, `${randomUUID()}.src`);
      await writeFile(source, bytes);
      const stored = await provider().put(key, { filePath: source }, { contentType: 'application/x-test' });
      expect(stored).toEqual({ key, size: bytes.byteLength, sha256: sha256(bytes) });
      const target = join(scratch, randomUUID(), 'nested', 'out.bin');
      const info = await provider().getToFile(key, target);
      expect(info).toMatchObject({ key, size: bytes.byteLength, sha256: sha256(bytes), contentType: 'application/x-test' });
      expect(sha256(await readFile(target))).toBe(sha256(bytes));
    }, timeout);

    it('round-trips a stream of many chunks (Buffers and strings) and reads it back as a verified stream', async () => {
      const key = `${ns()}stream.txt`;
      const parts: (Buffer | string)[] = [];
      for (let i = 0; i < 200; i++) parts.push(i % 2 === 0 ? Buffer.from(`chunk ${i};`) : `문자열 ${i};`);
      const expected = Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'utf8') : p)));
      const stored = await provider().put(key, Readable.from(parts));
      expect(stored.sha256).toBe(sha256(expected));
      const { info, body } = await provider().getStream(key);
      expect(info).toMatchObject({ size: expected.byteLength, sha256: sha256(expected) });
      expect((await collect(body)).equals(expected)).toBe(true);
    }, timeout);

    it('accepts any async iterable of chunks as a source', async () => {
      const key = `${ns()}gen.bin`;
      async function* gen(): AsyncGenerator<Uint8Array> {
        for (let i = 0; i < 10; i++) yield new Uint8Array([i, i, i]);
      }
      await provider().put(key, gen());
      const bytes = Buffer.from(await provider().getBytes(key));
      expect([...bytes]).toEqual(Array.from({ length: 30 }, (_, i) => Math.floor(i / 3)));
    }, timeout);

    it(`round-trips a large object (${largeBytes} bytes) from a stream, read back to a file and as a stream`, async () => {
      const key = `${ns()}large.bin`;
      const bytes = randomBytes(largeBytes);
      const chunks: Buffer[] = [];
      for (let o = 0; o < bytes.byteLength; o += 1 << 20) chunks.push(bytes.subarray(o, o + (1 << 20)));
      const stored = await provider().put(key, Readable.from(chunks));
      expect(stored).toEqual({ key, size: largeBytes, sha256: sha256(bytes) });
      const target = join(scratch, `${randomUUID()}.large`);
      await provider().getToFile(key, target);
      expect(sha256(await readFile(target))).toBe(sha256(bytes));
      expect(sha256(await readViaStream(provider(), key))).toBe(sha256(bytes));
      await expect(provider().verify(key)).resolves.toMatchObject({ size: largeBytes, sha256: sha256(bytes) });
    }, timeout * 2);

    it('overwriting a key replaces content, content type and metadata', async () => {
      const key = `${ns()}over.txt`;
      await provider().put(key, Buffer.from('first version'), { contentType: 'text/plain', metadata: { v: '1', old: 'x' } });
      await provider().put(key, Buffer.from('second'), { contentType: 'text/csv', metadata: { v: '2' } });
      expect(Buffer.from(await provider().getBytes(key)).toString()).toBe('second');
      expect(await provider().head(key)).toMatchObject({ size: 6, contentType: 'text/csv', metadata: { v: '2' } });
      expect((await provider().head(key)).metadata).not.toHaveProperty('old');
    }, timeout);

    it('lists by prefix in pages: every key once, ascending, cursor undefined on the last page', async () => {
      const base = ns();
      const inside = ['a/1', 'a/2', 'a/3/x', 'a/4', 'a/5', 'a/6', 'a/7'].map((k) => base + k);
      const outside = [`${base}b/1`, `${base}a-sibling`, `${base}`.slice(0, -1) + 'x'];
      for (const k of [...inside, ...outside]) await provider().put(k, Buffer.from(k));
      const pages: (readonly ObjectSummary[])[] = [];
      let cursor: string | undefined;
      do {
        const page = await provider().list({ prefix: `${base}a/`, limit: 3, cursor });
        pages.push(page.items);
        cursor = page.nextCursor;
        expect(pages.length).toBeLessThan(10);
      } while (cursor !== undefined);
      expect(pages.map((p) => p.length)).toEqual([3, 3, 1]);
      const listed = pages.flat();
      expect(listed.map((i) => i.key)).toEqual(inside);
      for (const item of listed) {
        expect(item.size).toBe(Buffer.byteLength(item.key));
        expect(item.lastModified).toBeInstanceOf(Date);
      }
    }, timeout);

    it('lists with a partial-segment prefix, and an unknown prefix gives an empty last page', async () => {
      const base = ns();
      for (const k of ['run-1/m.json', 'run-2/m.json', 'rx/m.json', 'other']) await provider().put(base + k, Buffer.from('x'));
      const page = await provider().list({ prefix: `${base}run-` });
      expect(page.items.map((i) => i.key)).toEqual([`${base}run-1/m.json`, `${base}run-2/m.json`]);
      expect(page.nextCursor).toBeUndefined();
      expect(await provider().list({ prefix: `${base}nothing/` })).toEqual({ items: [], nextCursor: undefined });
    }, timeout);

    it('lists keys in UTF-8 byte order (as S3), not JavaScript UTF-16 order', async () => {
      const base = ns();
      // Hand-ordered by UTF-8 bytes: B (42) < a (61) < é (C3 A9) < U+FFFD (EF BF BD) < 😀 (F0 9F 98 80).
      // UTF-16 order would put 😀 (D83D …) before U+FFFD.
      const expected = ['B', 'a', 'é', '\ufffd', '😀'].map((s) => `${base}${s}`);
      for (const k of [...expected].reverse()) await provider().put(k, Buffer.from('x'));
      // One page: s3rver 3.7 sorts pages by UTF-8 but compares its marker in UTF-16, so it drops
      // keys above U+FFFF when paging past them. Paging across such keys is tested per provider.
      expect((await provider().list({ prefix: base })).items.map((i) => i.key)).toEqual(expected);
    }, timeout);

    it('delete removes the object and is idempotent (deleting twice or a key never written succeeds)', async () => {
      const base = ns();
      const key = `${base}del/x.bin`;
      await provider().put(key, Buffer.from('bye'));
      await provider().put(`${base}del/keep.bin`, Buffer.from('stay'));
      await provider().delete(key);
      await expectCode(provider().head(key), 'NOT_FOUND');
      await expect(provider().delete(key)).resolves.toBeUndefined();
      await expect(provider().delete(`${base}never/written`)).resolves.toBeUndefined();
      expect((await provider().list({ prefix: base })).items.map((i) => i.key)).toEqual([`${base}del/keep.bin`]);
    }, timeout);

    it('reports NOT_FOUND from every read of a missing key and leaves no file behind on getToFile', async () => {
      const key = `${ns()}missing.bin`;
      await expectCode(provider().head(key), 'NOT_FOUND');
      await expectCode(provider().getBytes(key), 'NOT_FOUND');
      await expectCode(readViaStream(provider(), key), 'NOT_FOUND');
      await expectCode(provider().verify(key), 'NOT_FOUND');
      const target = join(scratch, `${randomUUID()}.missing`);
      await expectCode(provider().getToFile(key, target), 'NOT_FOUND');
      await expect(stat(target)).rejects.toMatchObject({ code: 'ENOENT' });
    }, timeout);

    it('detects tampered content: INTEGRITY_MISMATCH from getBytes, getStream, getToFile and verify; no file left', async () => {
      const key = `${ns()}tampered.bin`;
      await provider().put(key, randomBytes(100_000), { metadata: { kind: 'victim' } });
      if (!harness) throw new Error('no harness');
      await harness.tamper(key);
      await expectCode(provider().getBytes(key), 'INTEGRITY_MISMATCH');
      await expectCode(provider().verify(key), 'INTEGRITY_MISMATCH');
      await expectCode(readViaStream(provider(), key), 'INTEGRITY_MISMATCH');
      const target = join(scratch, `${randomUUID()}.tampered`);
      await expectCode(provider().getToFile(key, target), 'INTEGRITY_MISMATCH');
      await expect(stat(target)).rejects.toMatchObject({ code: 'ENOENT' });
    }, timeout);

    it('verify confirms an intact object and returns what is recorded', async () => {
      const key = `${ns()}intact.bin`;
      const bytes = randomBytes(4096);
      await provider().put(key, bytes, { contentType: 'application/x-a', metadata: { a: 'b' } });
      expect(await provider().verify(key)).toMatchObject({ key, size: 4096, sha256: sha256(bytes), contentType: 'application/x-a', metadata: { a: 'b' } });
    }, timeout);

    it('an upload whose source stream fails mid-way rejects with that error and leaves no object', async () => {
      const base = ns();
      const key = `${base}interrupted.bin`;
      const boom = new Error('source exploded');
      await expect(provider().put(key, failingStream(1024 * 1024, boom))).rejects.toBe(boom);
      await expectCode(provider().head(key), 'NOT_FOUND');
      expect((await provider().list({ prefix: base })).items).toEqual([]);
    }, timeout);

    it('a failed overwrite leaves the previous object intact (never lost)', async () => {
      const key = `${ns()}keep.bin`;
      const original = randomBytes(10_000);
      await provider().put(key, original, { metadata: { v: '1' } });
      await expect(provider().put(key, failingStream(64 * 1024, new Error('disk pulled')))).rejects.toThrow('disk pulled');
      expect(sha256(await provider().getBytes(key))).toBe(sha256(original));
      expect(await provider().head(key)).toMatchObject({ metadata: { v: '1' } });
    }, timeout);

    it('an upload aborted through its AbortSignal rejects and leaves no object', async () => {
      const base = ns();
      const key = `${base}aborted.bin`;
      const controller = new AbortController();
      let sent = 0;
      const source = new Readable({
        read() {
          sent += 1;
          if (sent === 3) controller.abort(new Error('user cancelled'));
          this.push(sent > 50 ? null : Buffer.alloc(256 * 1024, sent));
        },
      });
      await expect(provider().put(key, source, { signal: controller.signal })).rejects.toThrow('user cancelled');
      await expectCode(provider().head(key), 'NOT_FOUND');
      expect((await provider().list({ prefix: base })).items).toEqual([]);
    }, timeout);

    it('a missing source file rejects with the filesystem error and leaves no object', async () => {
      const key = `${ns()}nofile.bin`;
      await expect(provider().put(key, { filePath: join(scratch, 'does-not-exist.bin') })).rejects.toMatchObject({ code: 'ENOENT' });
      await expectCode(provider().head(key), 'NOT_FOUND');
    }, timeout);

    it('rejects invalid keys with INVALID_KEY on every operation', async () => {
      const bad = ['', '/lead', 'trail/', 'a//b', '../up', 'a/../b', './a', 'a/./b', '..', 'back\\slash', 'nul\u0000', 'tab\there',
        'lone\ud800', 'x'.repeat(1025), `${'y'.repeat(256)}/z`];
      for (const key of bad) {
        await expectCode(provider().put(key, Buffer.from('x')), 'INVALID_KEY');
        await expectCode(provider().getBytes(key), 'INVALID_KEY');
        await expectCode(provider().head(key), 'INVALID_KEY');
        await expectCode(provider().delete(key), 'INVALID_KEY');
      }
      await expectCode(provider().list({ prefix: '/abs' }), 'INVALID_KEY');
      await expectCode(provider().list({ prefix: 'a/../b' }), 'INVALID_KEY');
    }, timeout);

    it('accepts keys with spaces, unicode and punctuation up to the length limit', async () => {
      const base = ns();
      // 1024 bytes exactly, in segments of at most 255 bytes.
      let long = base;
      while (Buffer.byteLength(long) < 1024 - 201) long += `${'s'.repeat(200)}/`;
      long += 'k'.repeat(1024 - Buffer.byteLength(long));
      expect(Buffer.byteLength(long)).toBe(1024);
      for (const key of [`${base}with space/ünï €/😀 (1)+[x]=y,z;~!@#$%^&'?*:|<>"`, long]) {
        await provider().put(key, Buffer.from(key));
        expect(Buffer.from(await provider().getBytes(key)).toString()).toBe(key);
      }
    }, timeout);

    it('rejects invalid metadata with INVALID_METADATA and writes nothing', async () => {
      const key = `${ns()}meta.bin`;
      const invalid: Record<string, string>[] = [{ Upper: 'x' }, { 'has space': 'x' }, { sha256: 'x' }, { 'coinhts-x': 'x' }, { big: 'v'.repeat(2000) }, { '': 'x' }];
      for (const metadata of invalid) {
        await expectCode(provider().put(key, Buffer.from('x'), { metadata }), 'INVALID_METADATA');
      }
      await expectCode(provider().head(key), 'NOT_FOUND');
    }, timeout);
  });
}
