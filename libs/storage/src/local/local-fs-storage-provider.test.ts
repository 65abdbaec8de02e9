/** What is specific to the local provider: its on-disk layout, temporaries, folder conflicts, concurrency. */
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, rename, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { LocalFsStorageProvider } from './local-fs-storage-provider';

const sha256 = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');
async function collect(stream: AsyncIterable<unknown>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

describe('LocalFsStorageProvider on disk', () => {
  let root: string;
  let provider: LocalFsStorageProvider;

  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'coinhts-localfs-unit-'));
    provider = new LocalFsStorageProvider({ rootDir: root });
  });
  afterEach(() => rm(root, { recursive: true, force: true }));

  it('keeps the content as a plain file at objects/<key> and a sidecar JSON at meta/<key>', async () => {
    const bytes = Buffer.from('plain content');
    await provider.put('backtests/r1/trades.parquet', bytes, { contentType: 'application/vnd.apache.parquet', metadata: { a: 'b' } });
    expect(provider.pathOf('backtests/r1/trades.parquet')).toBe(join(root, 'objects', 'backtests', 'r1', 'trades.parquet'));
    expect(await readFile(join(root, 'objects/backtests/r1/trades.parquet'))).toEqual(bytes);
    const sidecar = JSON.parse(await readFile(join(root, 'meta/backtests/r1/trades.parquet'), 'utf8'));
    expect(sidecar).toMatchObject({
      formatVersion: 1, key: 'backtests/r1/trades.parquet', size: bytes.byteLength, sha256: sha256(bytes),
      contentType: 'application/vnd.apache.parquet', metadata: { a: 'b' },
    });
    expect(typeof sidecar.writeId).toBe('string');
    expect(await readdir(join(root, 'tmp'))).toEqual([]);
  });

  it('leaves no temporary files after a failed upload', async () => {
    const failing = new Readable({ read() { this.destroy(new Error('nope')); } });
    await expect(provider.put('x', failing)).rejects.toThrow('nope');
    expect(await readdir(join(root, 'tmp'))).toEqual([]);
    await expect(readdir(join(root, 'objects'))).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('content without a sidecar (a write that crashed before its commit) is not an object', async () => {
    await provider.put('a/x', Buffer.from('x'));
    await unlink(join(root, 'meta/a/x'));
    await expect(provider.head('a/x')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect((await provider.list()).items).toEqual([]);
  });

  it('a sidecar whose content file vanished is INTEGRITY_MISMATCH, not a silent empty read', async () => {
    await provider.put('a/x', Buffer.from('x'));
    await unlink(join(root, 'objects/a/x'));
    await expect(provider.getBytes('a/x')).rejects.toMatchObject({ code: 'INTEGRITY_MISMATCH' });
    await expect(provider.verify('a/x')).rejects.toMatchObject({ code: 'INTEGRITY_MISMATCH' });
    await expect(provider.getStream('a/x')).rejects.toMatchObject({ code: 'INTEGRITY_MISMATCH' });
  });

  it('content files restored from a backup (new inodes, same bytes) read fine; different bytes do not', async () => {
    await provider.put('a/x', Buffer.from('original'));
    const copy = join(root, 'copy');
    await writeFile(copy, 'original');
    await rename(copy, provider.pathOf('a/x'));
    expect(Buffer.from(await provider.getBytes('a/x')).toString()).toBe('original');
    expect(Buffer.from(await collect((await provider.getStream('a/x')).body)).toString()).toBe('original');
    await writeFile(copy, 'replaced');
    await rename(copy, provider.pathOf('a/x'));
    await expect(provider.getBytes('a/x')).rejects.toMatchObject({ code: 'INTEGRITY_MISMATCH' });
    await expect(provider.verify('a/x')).rejects.toMatchObject({ code: 'INTEGRITY_MISMATCH' });
  });

  it('a damaged sidecar is INTEGRITY_MISMATCH', async () => {
    await provider.put('a/x', Buffer.from('x'));
    await writeFile(join(root, 'meta/a/x'), '{"formatVersion":1,');
    await expect(provider.head('a/x')).rejects.toMatchObject({ code: 'INTEGRITY_MISMATCH' });
  });

  it('a file appended to on disk is caught while streaming (longer than recorded)', async () => {
    await provider.put('a/x', Buffer.from('0123456789'));
    await writeFile(provider.pathOf('a/x'), 'more', { flag: 'a' });
    const { body } = await provider.getStream('a/x');
    await expect((async () => { for await (const _ of body) { /* drain */ } })()).rejects.toMatchObject({ code: 'INTEGRITY_MISMATCH', expectedSize: 10 });
  });

  it('rejects a key that would need a file and a folder of the same name (INVALID_KEY), both ways round', async () => {
    await provider.put('a/b', Buffer.from('1'));
    await expect(provider.put('a', Buffer.from('2'))).rejects.toMatchObject({ code: 'INVALID_KEY' });
    await provider.put('c', Buffer.from('3'));
    await expect(provider.put('c/d', Buffer.from('4'))).rejects.toMatchObject({ code: 'INVALID_KEY' });
    expect(await readdir(join(root, 'tmp'))).toEqual([]);
    // Reads of the "folder" key are simply not found.
    await expect(provider.head('a')).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('delete prunes empty folders, so the name can later hold an object', async () => {
    await provider.put('a/b/c', Buffer.from('1'));
    await provider.delete('a/b/c');
    await expect(readdir(join(root, 'objects'))).resolves.toEqual([]);
    await expect(readdir(join(root, 'meta'))).resolves.toEqual([]);
    await provider.put('a', Buffer.from('now a file'));
    expect(Buffer.from(await provider.getBytes('a')).toString()).toBe('now a file');
  });

  it('readers racing with overwrites only ever see one complete version, never a mismatch', async () => {
    const versions = Array.from({ length: 6 }, () => randomBytes(200_000));
    const known = new Set(versions.map(sha256));
    await provider.put('race', versions[0]);
    const writes = (async () => {
      for (let round = 0; round < 5; round++) for (const v of versions) await provider.put('race', v);
    })();
    const seen: string[] = [];
    const reads = (async () => {
      for (let i = 0; i < 60; i++) seen.push(sha256(await provider.getBytes('race')));
    })();
    await Promise.all([writes, reads]);
    expect(seen.every((s) => known.has(s))).toBe(true);
  });

  it('pages in UTF-8 byte order across keys above U+FFFF (the cursor compares UTF-8 bytes too)', async () => {
    const expected = ['B', 'a', 'é', '\ufffd', '😀', '😀x'].map((s) => `o/${s}`);
    for (const k of [...expected].reverse()) await provider.put(k, Buffer.from('x'));
    const keys: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await provider.list({ prefix: 'o/', limit: 2, cursor });
      keys.push(...page.items.map((i) => i.key));
      cursor = page.nextCursor;
    } while (cursor !== undefined);
    expect(keys).toEqual(expected);
  });

  it('list walks only the folder of the prefix and pages with an opaque cursor', async () => {
    for (const k of ['p/1', 'p/2', 'p/3', 'q/1']) await provider.put(k, Buffer.from(k));
    const first = await provider.list({ prefix: 'p/', limit: 2 });
    expect(first.items.map((i) => i.key)).toEqual(['p/1', 'p/2']);
    expect(first.nextCursor).toMatch(/^k1\./);
    const second = await provider.list({ prefix: 'p/', limit: 2, cursor: first.nextCursor });
    expect(second).toMatchObject({ items: [{ key: 'p/3', size: 3 }], nextCursor: undefined });
    await expect(provider.list({ cursor: 'not-a-cursor' })).rejects.toMatchObject({ code: 'INVALID_KEY' });
    await expect(provider.list({ limit: 0 })).rejects.toThrow(RangeError);
  });
});
