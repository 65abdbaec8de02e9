import { appendFile, copyFile, mkdtemp, readFile, rm, stat, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EmbeddedRunIndex } from './embedded-run-index';
import { contractRun, describeRunIndexContract } from './testing';

describeRunIndexContract('EmbeddedRunIndex (JSON lines)', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'runs-embedded-'));
  return { index: new EmbeddedRunIndex({ file: join(dir, 'runs-index.jsonl') }), close: () => rm(dir, { recursive: true, force: true }) };
});

describe('EmbeddedRunIndex on disk', () => {
  let dir: string;
  let file: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'runs-embedded-'));
    file = join(dir, 'runs-index.jsonl');
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('a second instance (another process) sees what the first wrote, and vice versa', async () => {
    const a = new EmbeddedRunIndex({ file });
    const b = new EmbeddedRunIndex({ file });
    await a.put(contractRun(1), null);
    expect((await b.get(contractRun(1).id)).tradeCount).toBe(1);
    await b.put(contractRun(2), null);
    await b.delete(contractRun(1).id);
    expect((await a.list()).items.map((r) => r.id)).toEqual([contractRun(2).id]);
  });

  it('a torn last line (crash mid-write) is skipped, and the next write starts on a new line', async () => {
    const a = new EmbeddedRunIndex({ file });
    await a.put(contractRun(1), null);
    // What a crash in the middle of the second append leaves: half a line, no newline.
    await appendFile(file, '{"v":1,"op":"put","run":{"id":"00000000-0000-4000-8000-0000000');
    const b = new EmbeddedRunIndex({ file });
    expect((await b.list()).items.map((r) => r.id)).toEqual([contractRun(1).id]);
    await b.put(contractRun(3), null);
    const c = new EmbeddedRunIndex({ file });
    expect((await c.list()).items.map((r) => r.id)).toEqual([contractRun(3).id, contractRun(1).id]);
    expect(c.skippedLines).toBe(1);
    const lines = (await readFile(file, 'utf8')).split('\n');
    expect(lines).toHaveLength(4); // run 1, the torn fragment, run 3, and the empty string after the last newline
  });

  it('a damaged line in the middle is skipped; the other runs are listed', async () => {
    await writeFile(file, `${JSON.stringify({ v: 1, op: 'put', run: { ...(await new EmbeddedRunIndex({ file: join(dir, 'x.jsonl') }).put(contractRun(1), null)) } })}\n#garbage\n`);
    const idx = new EmbeddedRunIndex({ file });
    await idx.put(contractRun(2), null);
    expect((await idx.list()).items.map((r) => r.id)).toEqual([contractRun(2).id, contractRun(1).id]);
    expect(idx.skippedLines).toBe(1);
  });

  it('compact keeps exactly the live runs, one line each', async () => {
    const idx = new EmbeddedRunIndex({ file });
    for (const n of [1, 2, 3]) await idx.put(contractRun(n), null);
    await idx.put(contractRun(2, { status: 'failed' }), null);
    await idx.delete(contractRun(1).id);
    await idx.compact();
    const lines = (await readFile(file, 'utf8')).trim().split('\n');
    expect(lines).toHaveLength(2);
    const other = new EmbeddedRunIndex({ file });
    expect((await other.list()).items.map((r) => [r.id, r.status])).toEqual([[contractRun(3).id, 'completed'], [contractRun(2).id, 'failed']]);
  });

  describe('snapshot (runs-index.jsonl.snapshot)', () => {
    const snapshot = () => `${file}.snapshot`;
    const ids = async (idx: EmbeddedRunIndex, filter = {}) => (await idx.list(filter, { limit: 500 })).items.map((r) => r.id);
    /** 30 runs, every third on KRW-ETH, then run 5 updated and run 7 deleted. */
    const fill = async (idx: EmbeddedRunIndex) => {
      for (let n = 1; n <= 30; n++) await idx.put(contractRun(n, n % 3 === 0 ? { symbols: ['KRW-ETH'], symbolResults: [] } : {}), null);
      await idx.put(contractRun(5, { status: 'failed' }), null);
      await idx.delete(contractRun(7).id);
    };
    // Written by hand: 1..30 without 7, newest (highest n) first; ETH ones are the multiples of 3.
    const all = Array.from({ length: 30 }, (_, i) => 30 - i).filter((n) => n !== 7).map((n) => contractRun(n).id);
    const eth = [30, 27, 24, 21, 18, 15, 12, 9, 6, 3].map((n) => contractRun(n).id);

    it('is written every `snapshotEvery` lines; a fresh instance reads it plus the lines after it and lists the same runs', async () => {
      const idx = new EmbeddedRunIndex({ file, snapshotEvery: 10 });
      await fill(idx);
      expect((await stat(snapshot())).size).toBeGreaterThan(0);
      const fresh = new EmbeddedRunIndex({ file, snapshotEvery: 0 });
      expect(await ids(fresh)).toEqual(all);
      expect(await ids(fresh, { symbol: 'KRW-ETH' })).toEqual(eth);
      expect((await fresh.get(contractRun(5).id)).status).toBe('failed');
      expect((await fresh.get(contractRun(4).id)).symbolResults).toEqual([{ symbol: 'KRW-BTC', metrics: { bars: 366 }, totalReturnPct: null, winRate: 0.5, maxDrawdownPct: null, tradeCount: 4 }]);
      await expect(fresh.get(contractRun(7).id)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    });

    it('a torn or damaged snapshot is ignored: the log is read from the start', async () => {
      await fill(new EmbeddedRunIndex({ file, snapshotEvery: 10 }));
      const good = await readFile(snapshot());
      await writeFile(snapshot(), good.subarray(0, Math.floor(good.byteLength / 2))); // a crash mid-write of the snapshot
      expect(await ids(new EmbeddedRunIndex({ file, snapshotEvery: 0 }))).toEqual(all);
      const flipped = Buffer.from(good);
      flipped[flipped.byteLength - 10] ^= 0x01; // one bit of the body: the SHA-256 no longer matches
      await writeFile(snapshot(), flipped);
      expect(await ids(new EmbeddedRunIndex({ file, snapshotEvery: 0 }), { symbol: 'KRW-ETH' })).toEqual(eth);
      await writeFile(snapshot(), 'garbage');
      expect(await ids(new EmbeddedRunIndex({ file, snapshotEvery: 0 }))).toEqual(all);
    });

    it('a snapshot of a log that was since compacted (replaced) or cut short is ignored', async () => {
      const idx = new EmbeddedRunIndex({ file, snapshotEvery: 10 });
      await fill(idx);
      const before = join(dir, 'old.snapshot');
      await copyFile(snapshot(), before);
      await idx.compact();
      await copyFile(before, snapshot()); // the old snapshot names the old file: its offsets mean nothing now
      expect(await ids(new EmbeddedRunIndex({ file, snapshotEvery: 0 }))).toEqual(all);
      // A log shorter than the part the snapshot covers.
      await fill(new EmbeddedRunIndex({ file, snapshotEvery: 10 }));
      const text = await readFile(file, 'utf8');
      await truncate(file, Buffer.byteLength(text.slice(0, text.indexOf('\n') + 1))); // only the first line (run 1) is left
      expect(await ids(new EmbeddedRunIndex({ file, snapshotEvery: 0 }))).toEqual([contractRun(1).id]);
    });

    it('a log rewritten in place (same file, other content) does not match its snapshot: the log is read', async () => {
      await fill(new EmbeddedRunIndex({ file, snapshotEvery: 10 }));
      const text = await readFile(file, 'utf8');
      await writeFile(file, text.replace('"strategy":"volume_zone_breakout"', '"strategy":"edited_by_hand"')); // the first line: run 1
      const fresh = new EmbeddedRunIndex({ file, snapshotEvery: 0 });
      expect(await ids(fresh, { strategy: 'edited_by_hand' })).toEqual([contractRun(1).id]);
    });

    it('an instance holding the old offsets notices a compaction by another instance and reads the new file', async () => {
      const reader = new EmbeddedRunIndex({ file, snapshotEvery: 10 });
      await fill(reader);
      const other = new EmbeddedRunIndex({ file });
      // reader knows the runs only by offsets (a fresh one that loaded the snapshot)
      const fresh = new EmbeddedRunIndex({ file, snapshotEvery: 0 });
      expect(await ids(fresh, { symbol: 'KRW-ETH' })).toEqual(eth);
      await other.compact();
      expect(await ids(fresh)).toEqual(all);
      expect((await fresh.get(contractRun(1).id)).tradeCount).toBe(1);
    });

    it('a crash after the append and before the snapshot: the snapshot covers a prefix, the rest is read from the log', async () => {
      const idx = new EmbeddedRunIndex({ file, snapshotEvery: 10 });
      await fill(idx);
      // Appends past the snapshot without writing a new one (snapshotEvery 0), then a torn line.
      const late = new EmbeddedRunIndex({ file, snapshotEvery: 0 });
      await late.put(contractRun(40), null);
      await appendFile(file, '{"v":1,"op":"put","run":{"id":"torn');
      const fresh = new EmbeddedRunIndex({ file, snapshotEvery: 0 });
      expect(await ids(fresh)).toEqual([contractRun(40).id, ...all]);
      expect(fresh.skippedLines).toBe(0); // the torn fragment has no newline yet: not a line
    });
  });
});
