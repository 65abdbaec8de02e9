import { appendFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
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
});
