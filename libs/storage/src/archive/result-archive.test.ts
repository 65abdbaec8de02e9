/**
 * Result archives on the local-filesystem provider (and the in-memory fake where only the
 * archive logic matters). Expected checksums are computed here with node:crypto over the files
 * on disk; expected values are the inputs.
 */
import { createHash } from 'node:crypto';
import { mkdtemp, open, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as arrow from 'apache-arrow';
import { LocalFsStorageProvider } from '../local/local-fs-storage-provider';
import type { PutOptions, PutSource, StoredObject } from '../provider';
import { InMemoryStorageProvider } from '../testing/in-memory-storage-provider';
import { sampleArchiveInput as sampleRun } from '../testing/sample-archive';
import type { ColumnarTable } from './columnar';
import { encodeParquet } from './parquet-codec';
import { ArchiveReader, ArchiveWriter, type ArchiveInput } from './result-archive';

const sha256 = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');
const FIXED_NOW = new Date('2025-01-02T03:04:05.678Z');

function sameBytes(a: ArrayBufferView, b: ArrayBufferView): boolean {
  return Buffer.compare(Buffer.from(a.buffer, a.byteOffset, a.byteLength), Buffer.from(b.buffer, b.byteOffset, b.byteLength)) === 0;
}

function expectSameTable(actual: ColumnarTable, expected: ColumnarTable): void {
  expect(actual.schema).toEqual(expected.schema);
  expect(Object.keys(actual.schema)).toEqual(Object.keys(expected.schema));
  for (const [name, type] of Object.entries(expected.schema)) {
    const a = (actual.columns as Record<string, unknown>)[name];
    const e = (expected.columns as Record<string, unknown>)[name];
    if (type === 'utf8') expect(a).toEqual(e);
    else expect({ name, identical: sameBytes(a as ArrayBufferView, e as ArrayBufferView) }).toEqual({ name, identical: true });
  }
}

/** Records the order of writes and can fail a chosen one (an interrupted archive write). */
class RecordingProvider extends InMemoryStorageProvider {
  readonly log: string[] = [];
  failOn: ((key: string) => boolean) | undefined;
  override async put(key: string, source: PutSource, options?: PutOptions): Promise<StoredObject> {
    this.log.push(`put ${key}`);
    if (this.failOn?.(key)) throw new Error(`disk unplugged while writing ${key}`);
    return super.put(key, source, options);
  }
  override async delete(key: string): Promise<void> {
    this.log.push(`delete ${key}`);
    return super.delete(key);
  }
}

describe('result archive on the local filesystem', () => {
  let root: string;
  let storage: LocalFsStorageProvider;
  let writer: ArchiveWriter;
  let reader: ArchiveReader;

  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'coinhts-archive-'));
    storage = new LocalFsStorageProvider({ rootDir: root, fsync: false });
    writer = new ArchiveWriter(storage, { now: () => FIXED_NOW });
    reader = new ArchiveReader(storage);
  });
  afterEach(() => rm(root, { recursive: true, force: true }));

  it('round-trips summary and tables exactly (floats bit for bit, -0, NaN, unicode)', async () => {
    const input = sampleRun();
    await writer.write('run-1', input);
    const back = await reader.read('run-1');
    expect(back.summary).toEqual(input.summary);
    for (const t of ['signals', 'trades', 'equity'] as const) expectSameTable(back.tables[t], input.tables[t]);
    expect(Object.is((back.tables.signals.columns['price'] as Float64Array)[2], -0)).toBe(true);
  });

  it('lays the run out as backtests/{runId}/ with five files and a manifest of sizes and SHA-256s of what is on disk', async () => {
    const manifest = await writer.write('run-1', sampleRun());
    expect((await storage.list({ prefix: 'backtests/run-1/' })).items.map((i) => i.key)).toEqual([
      'backtests/run-1/equity.parquet', 'backtests/run-1/manifest.json', 'backtests/run-1/signals.parquet',
      'backtests/run-1/summary.json', 'backtests/run-1/trades.parquet',
    ]);
    expect(manifest).toMatchObject({ format: 'coinhts.result-archive', formatVersion: 1, runId: 'run-1', createdAt: '2025-01-02T03:04:05.678Z' });
    expect(manifest.files.map((f) => f.name)).toEqual(['summary.json', 'signals.parquet', 'trades.parquet', 'equity.parquet']);
    for (const entry of manifest.files) {
      const onDisk = await readFile(storage.pathOf(`backtests/run-1/${entry.name}`));
      expect({ name: entry.name, size: entry.size, sha256: entry.sha256 }).toEqual({ name: entry.name, size: onDisk.byteLength, sha256: sha256(onDisk) });
    }
    expect(manifest.files.find((f) => f.name === 'trades.parquet')).toMatchObject({
      table: 'trades', rows: 2, contentType: 'application/vnd.apache.parquet',
      schema: { symbol: 'utf8', entry_time: 'timestamp_ms', exit_time: 'timestamp_ms', entry_price: 'f64', exit_price: 'f64', pnl: 'f64', hold_bars: 'i32', open: 'bool' },
    });
    const stored = JSON.parse(await readFile(storage.pathOf('backtests/run-1/manifest.json'), 'utf8'));
    expect(stored).toEqual(JSON.parse(JSON.stringify(manifest)));
    expect(await reader.readManifest('run-1')).toEqual(manifest);
  });

  it('readArrowTable gives Arrow tables with the declared types', async () => {
    await writer.write('run-1', sampleRun());
    const trades = await reader.readArrowTable('run-1', 'trades');
    expect(trades).toBeInstanceOf(arrow.Table);
    expect(trades.numRows).toBe(2);
    expect(trades.schema.fields.map((f) => `${f.name}:${String(f.type)}`)).toEqual([
      'symbol:Utf8', 'entry_time:Timestamp<MILLISECOND, UTC>', 'exit_time:Timestamp<MILLISECOND, UTC>', 'entry_price:Float64',
      'exit_price:Float64', 'pnl:Float64', 'hold_bars:Int32', 'open:Bool',
    ]);
    expect(trades.getChild('exit_time')!.get(1)).toBeNull();
  });

  it('round-trips empty tables', async () => {
    const input = sampleRun();
    const empty: ArchiveInput = {
      summary: {},
      tables: {
        signals: { schema: input.tables.signals.schema, columns: { time: new Float64Array(0), symbol: [], side: [], price: new Float64Array(0), confidence: new Float64Array(0) } },
        trades: { schema: { pnl: 'f64', open: 'bool', n: 'i64' }, columns: { pnl: new Float64Array(0), open: new Uint8Array(0), n: new BigInt64Array(0) } },
        equity: { schema: { time: 'timestamp_ms' }, columns: { time: new Float64Array(0) } },
      },
    };
    await writer.write('empty', empty);
    const back = await reader.read('empty');
    expect(back.summary).toEqual({});
    for (const t of ['signals', 'trades', 'equity'] as const) expectSameTable(back.tables[t], empty.tables[t]);
    expect(back.manifest.files.filter((f) => f.table).map((f) => f.rows)).toEqual([0, 0, 0]);
  });

  it('a byte flipped in a stored Parquet file is INTEGRITY_MISMATCH on read and on verifyArchive', async () => {
    await writer.write('run-1', sampleRun());
    const fh = await open(storage.pathOf('backtests/run-1/trades.parquet'), 'r+');
    const b = Buffer.alloc(1);
    await fh.read(b, 0, 1, 40);
    b[0] ^= 0x01;
    await fh.write(b, 0, 1, 40);
    await fh.close();
    await expect(reader.readTable('run-1', 'trades')).rejects.toMatchObject({ code: 'INTEGRITY_MISMATCH' });
    await expect(reader.read('run-1')).rejects.toMatchObject({ code: 'INTEGRITY_MISMATCH' });
    await expect(reader.verifyArchive('run-1')).rejects.toMatchObject({ code: 'INTEGRITY_MISMATCH' });
    // The other tables are still readable.
    await expect(reader.readTable('run-1', 'equity')).resolves.toBeDefined();
  });

  it('a file replaced through the store after the manifest (its own checksum fine) is INTEGRITY_MISMATCH against the manifest', async () => {
    await writer.write('run-1', sampleRun());
    await storage.put('backtests/run-1/equity.parquet', encodeParquet(sampleRun(2).tables.equity));
    await expect(reader.readTable('run-1', 'equity')).rejects.toMatchObject({ code: 'INTEGRITY_MISMATCH' });
    await expect(reader.verifyArchive('run-1')).rejects.toMatchObject({ code: 'INTEGRITY_MISMATCH' });
  });

  it('a file missing from a complete archive is NOT_FOUND; so is a run that was never written', async () => {
    await writer.write('run-1', sampleRun());
    await storage.delete('backtests/run-1/signals.parquet');
    await expect(reader.readTable('run-1', 'signals')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(reader.verifyArchive('run-1')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(reader.readTable('run-1', 'trades')).resolves.toBeDefined();
    await expect(reader.read('never-written')).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('a damaged manifest or undecodable Parquet behind a matching manifest is CORRUPT_ARCHIVE', async () => {
    const manifest = await writer.write('run-1', sampleRun());
    // Garbage where trades.parquet was, and a manifest that vouches for the garbage.
    const garbage = Buffer.from('PAR1 this is not parquet PAR1');
    const stored = await storage.put('backtests/run-1/trades.parquet', garbage);
    const patched = { ...manifest, files: manifest.files.map((f) => (f.name === 'trades.parquet' ? { ...f, size: stored.size, sha256: stored.sha256 } : f)) };
    await storage.put('backtests/run-1/manifest.json', Buffer.from(JSON.stringify(patched)));
    await expect(reader.readTable('run-1', 'trades')).rejects.toMatchObject({ code: 'CORRUPT_ARCHIVE' });
    await storage.put('backtests/run-1/manifest.json', Buffer.from('{"format":"coinhts.result-archive",'));
    await expect(reader.readManifest('run-1')).rejects.toMatchObject({ code: 'CORRUPT_ARCHIVE' });
    await storage.put('backtests/run-1/manifest.json', Buffer.from(JSON.stringify({ ...manifest, formatVersion: 99 })));
    await expect(reader.readManifest('run-1')).rejects.toMatchObject({ code: 'CORRUPT_ARCHIVE' });
    await storage.put('backtests/run-1/manifest.json', Buffer.from(JSON.stringify({ ...manifest, runId: 'run-2' })));
    await expect(reader.readManifest('run-1')).rejects.toMatchObject({ code: 'CORRUPT_ARCHIVE' });
  });

  it('rewriting a run replaces every file and the manifest', async () => {
    await writer.write('run-1', sampleRun(1));
    const second = sampleRun(3);
    const manifest = await writer.write('run-1', second);
    const back = await reader.read('run-1');
    expect(back.manifest).toEqual(manifest);
    expect(back.summary).toEqual(second.summary);
    for (const t of ['signals', 'trades', 'equity'] as const) expectSameTable(back.tables[t], second.tables[t]);
    expect((await storage.list({ prefix: 'backtests/run-1/' })).items).toHaveLength(5);
  });

  it('deleteArchive removes the whole run (idempotently) and listArchives tells complete from incomplete runs', async () => {
    await writer.write('run-a', sampleRun());
    await writer.write('run-b', sampleRun());
    // An interrupted write: files but no manifest.
    await storage.put('backtests/run-c/summary.json', Buffer.from('{}'));
    const listed = await reader.listArchives();
    expect(listed.map((r) => [r.runId, r.complete, r.files])).toEqual([['run-a', true, 5], ['run-b', true, 5], ['run-c', false, 1]]);
    const a = listed[0];
    const sizes = (await storage.list({ prefix: 'backtests/run-a/' })).items.reduce((s, i) => s + i.size, 0);
    expect(a.totalBytes).toBe(sizes);
    await writer.deleteArchive('run-a');
    await writer.deleteArchive('run-a');
    await writer.deleteArchive('run-c');
    expect((await reader.listArchives()).map((r) => r.runId)).toEqual(['run-b']);
    await expect(reader.read('run-a')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect((await storage.list({ prefix: 'backtests/run-a/' })).items).toEqual([]);
  });

  it('rejects run ids that are not one safe key segment with INVALID_KEY', async () => {
    for (const runId of ['', '../x', 'a/b', '.hidden', 'x'.repeat(129), 'sp ace', 'ünï']) {
      await expect(writer.write(runId, sampleRun())).rejects.toMatchObject({ code: 'INVALID_KEY' });
      await expect(reader.read(runId)).rejects.toMatchObject({ code: 'INVALID_KEY' });
      await expect(writer.deleteArchive(runId)).rejects.toMatchObject({ code: 'INVALID_KEY' });
    }
    await expect(writer.write('3f2504e0-4f89-11d3-9a0c-0305e82c3301', sampleRun())).resolves.toBeDefined();
  });
});

describe('result archive write protocol (in-memory store)', () => {
  it('writes the manifest last, after deleting the old one first', async () => {
    const store = new RecordingProvider();
    await new ArchiveWriter(store).write('r', sampleRun());
    expect(store.log[0]).toBe('delete backtests/r/manifest.json');
    expect(store.log[store.log.length - 1]).toBe('put backtests/r/manifest.json');
    expect(store.log.slice(1, -1).sort()).toEqual([
      'put backtests/r/equity.parquet', 'put backtests/r/signals.parquet', 'put backtests/r/summary.json', 'put backtests/r/trades.parquet',
    ]);
  });

  it('an interrupted rewrite leaves the run incomplete (NOT_FOUND), never old and new files mixed under a manifest', async () => {
    const store = new RecordingProvider();
    const writer = new ArchiveWriter(store);
    const reader = new ArchiveReader(store);
    await writer.write('r', sampleRun(1));
    store.failOn = (key) => key.endsWith('trades.parquet');
    await expect(writer.write('r', sampleRun(5))).rejects.toThrow('disk unplugged');
    await expect(reader.read('r')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect((await reader.listArchives()).map((r) => [r.runId, r.complete])).toEqual([['r', false]]);
    store.failOn = undefined;
    await writer.write('r', sampleRun(5));
    expect((await reader.read('r')).summary).toEqual(sampleRun(5).summary);
  });

  it('a malformed input is rejected before anything is written or deleted', async () => {
    const store = new RecordingProvider();
    const writer = new ArchiveWriter(store);
    await writer.write('r', sampleRun());
    store.log.length = 0;
    const bad = sampleRun();
    const nanSummary = { ...bad, summary: { sharpe: NaN } };
    await expect(writer.write('r', nanSummary)).rejects.toThrow(TypeError);
    await expect(writer.write('r', { ...bad, summary: { when: new Date() as unknown as string } })).rejects.toThrow(TypeError);
    const shortColumn = { ...bad, tables: { ...bad.tables, equity: { ...bad.tables.equity, columns: { ...bad.tables.equity.columns, drawdown: new Float64Array(1) } } } };
    await expect(writer.write('r', shortColumn)).rejects.toThrow(RangeError);
    expect(store.log).toEqual([]);
    await expect(new ArchiveReader(store).read('r')).resolves.toBeDefined();
  });

  it('stores -0 in the summary as 0 (JSON has no negative zero) and keeps unicode', async () => {
    const store = new InMemoryStorageProvider();
    const input = { ...sampleRun(), summary: { z: -0, s: 'é 😀 \u2028' } };
    await new ArchiveWriter(store).write('r', input);
    const summary = await new ArchiveReader(store).readSummary('r');
    expect(Object.is(summary['z'], 0)).toBe(true);
    expect(summary['s']).toBe('é 😀 \u2028');
  });

  it('uses another prefix when told', async () => {
    const store = new InMemoryStorageProvider();
    await new ArchiveWriter(store, { prefix: 'tenant/results/' }).write('r', sampleRun());
    expect((await store.list()).items.every((i) => i.key.startsWith('tenant/results/r/'))).toBe(true);
    await expect(new ArchiveReader(store, { prefix: 'tenant/results/' }).read('r')).resolves.toBeDefined();
    expect(() => new ArchiveReader(store, { prefix: 'no-slash' })).toThrow(expect.objectContaining({ code: 'INVALID_KEY' }));
  });
});
