/**
 * {@link EmbeddedRunIndex}: the run index without a server, in one append-only file
 * (`runs-index.jsonl` in the store folder) plus a snapshot of its list columns
 * (`runs-index.jsonl.snapshot`). Why a JSON-lines log and not SQLite: it needs no native module
 * (the CLI installs anywhere Node runs), a crash can only ever tear the last line, and the whole
 * file is rebuildable from the archives' manifests. Rules:
 *
 * - Every change is one line `{"v":1,"op":"put","run":{…}}` or `{"v":1,"op":"del","id":"…"}`,
 *   written with a single `write` in append mode and `fsync`ed before the call returns. The log
 *   is the truth; the snapshot is a cache that can always be thrown away.
 * - A line that does not parse (a torn last line after a crash, or garbage) is skipped and
 *   counted in {@link EmbeddedRunIndex.skippedLines}; it never breaks a listing. An append after
 *   a torn tail starts on a new line, so the torn bytes stay one skipped line.
 * - Why a snapshot: a CLI command is a fresh process, and parsing 10,000 JSON lines to list 100
 *   runs took ~340 ms. The snapshot holds, per live run, only what filters and sorts need
 *   (id, time, strategy, symbols, kind, status, the four headline numbers, idempotency key) and
 *   where its line is in the log (byte offset and length). A fresh process reads the snapshot,
 *   parses only the log lines appended after it, filters on the columns, and parses just the
 *   lines of the runs it returns.
 * - The snapshot names the log it describes (inode and size covered) and carries the SHA-256 of
 *   its body; one that does not match (torn, damaged, older than a compaction, a log that shrank)
 *   is ignored and the log is read from the start. It is rewritten (temporary file + rename, no
 *   fsync needed: a torn one is detected) when at least `snapshotEvery` lines were read past it,
 *   and by {@link EmbeddedRunIndex.compact}; a failure to write it is ignored (read-only folder).
 * - Readers keep the state in memory and read only what was appended since (by file size); a
 *   file that shrank or was replaced (compaction) is read again from the start.
 * - Concurrent writers (two CLI processes) append whole lines; last line per id wins.
 *   {@link EmbeddedRunIndex.compact} rewrites the file (temporary file + rename) and must not run
 *   while another process writes.
 */
import { createHash, randomUUID } from 'node:crypto';
import { mkdir, open, readFile, rename, rm, stat, writeFile, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import {
  compareRunsNewestFirst, cursorAfter, normalizeRunQuery, ResultConflictError, ResultNotFoundError, runMatches, validateRunInput,
  type ArchiveRef, type PageRequest, type RunInput, type RunKind, type RunListFilter, type RunPage, type RunStatus, type StoredRun,
} from '@coinhts/results/model';
import type { RunIndex } from './run-index';

/** Name of the index file inside the store folder. */
export const EMBEDDED_INDEX_FILE = 'runs-index.jsonl';
/** Suffix of the snapshot file next to the index file (`runs-index.jsonl.snapshot`). */
export const EMBEDDED_INDEX_SNAPSHOT_SUFFIX = '.snapshot';
/** First field of a snapshot's header line. */
const SNAPSHOT_FORMAT = 'coinhts.run-index-snapshot';

/** Options of {@link EmbeddedRunIndex}. */
export interface EmbeddedRunIndexOptions {
  /** Path of the index file (e.g. `{store}/runs-index.jsonl`); its folder is created on first write. */
  readonly file: string;
  /** Clock, epoch ms (default `Date.now`). */
  readonly now?: () => number;
  /** `fsync` every append (default true; benchmarks of the in-memory part may turn it off). */
  readonly fsync?: boolean;
  /** Rewrite the snapshot once this many log lines were read past it (default 200; 0 = never, except on compact). */
  readonly snapshotEvery?: number;
}

type LogLine = { readonly v: 1; readonly op: 'put'; readonly run: StoredRun } | { readonly v: 1; readonly op: 'del'; readonly id: string };

/** What the index keeps in memory per live run: the list columns, where its line is, and the parsed row once read. */
interface Entry {
  readonly id: string;
  readonly createdAt: number;
  readonly strategy: string;
  readonly symbols: readonly string[];
  readonly kind: RunKind;
  readonly status: RunStatus;
  readonly totalReturnPct: number | null;
  readonly sharpe: number | null;
  readonly maxDrawdownPct: number | null;
  readonly tradeCount: number | null;
  readonly idempotencyKey: string | null;
  /** Byte offset of the run's `put` line in the log. */
  readonly offset: number;
  /** Its length in bytes (without the newline). */
  readonly length: number;
  /** The parsed row, once read. */
  run?: StoredRun;
}

/** The snapshot's body: one array per column, rows newest first; strings that repeat go through a dictionary. */
interface SnapshotBody {
  readonly id: string[];
  readonly createdAt: number[];
  readonly strategies: string[];
  readonly strategy: number[];
  readonly symbolNames: string[];
  readonly symbols: number[][];
  readonly kinds: RunKind[];
  readonly kind: number[];
  readonly statuses: RunStatus[];
  readonly status: number[];
  readonly totalReturnPct: (number | null)[];
  readonly sharpe: (number | null)[];
  readonly maxDrawdownPct: (number | null)[];
  readonly tradeCount: (number | null)[];
  /** [row, key] for the rows that have an idempotency key. */
  readonly idempotencyKey: [number, string][];
  readonly offset: number[];
  readonly length: number[];
}

interface SnapshotHeader {
  readonly format: typeof SNAPSHOT_FORMAT;
  readonly v: 1;
  /** Inode of the log it describes. */
  readonly logIno: number;
  /** Bytes of the log it covers (whole lines). */
  readonly logSize: number;
  /** Lines skipped in that part of the log. */
  readonly skipped: number;
  /** SHA-256 of the body line. */
  readonly sha256: string;
  /** SHA-256 of the last (up to) 4 KiB of the covered part of the log: a log rewritten in place does not match. */
  readonly logTailSha256: string;
}

/** Bytes at the end of the covered log that the snapshot's header hashes. */
const LOG_TAIL_BYTES = 4096;

/** The log changed under a read (compacted by another process): start again from the file. */
class StaleRead extends Error {}

const ms = (v: number | Date | null | undefined): number | null => (v === undefined || v === null ? null : v instanceof Date ? v.getTime() : v);

function entryOf(run: StoredRun, offset: number, length: number): Entry {
  return {
    id: run.id, createdAt: run.createdAt, strategy: run.strategy, symbols: run.symbols, kind: run.kind, status: run.status,
    totalReturnPct: run.totalReturnPct, sharpe: run.sharpe, maxDrawdownPct: run.maxDrawdownPct, tradeCount: run.tradeCount,
    idempotencyKey: run.idempotencyKey, offset, length, run,
  };
}

/** Index of `value` in `dict`, adding it when new. */
function intern<T>(dict: T[], index: Map<T, number>, value: T): number {
  let i = index.get(value);
  if (i === undefined) {
    i = dict.length;
    dict.push(value);
    index.set(value, i);
  }
  return i;
}

/** A run index in an append-only JSON-lines file (see the module comment). */
export class EmbeddedRunIndex implements RunIndex {
  private readonly file: string;
  private readonly snapshotFile: string;
  private readonly now: () => number;
  private readonly fsync: boolean;
  private readonly snapshotEvery: number;
  private entries = new Map<string, Entry>();
  private sorted: Entry[] | null = null;
  private offset = 0;
  private ino = -1;
  private endsWithNewline = true;
  private skipped = 0;
  /** Lines read past the snapshot (or since the start, without one). */
  private linesPastSnapshot = 0;
  /** Set after a read found the snapshot's offsets wrong: the log is read in full until the snapshot is rewritten. */
  private distrustSnapshot = false;
  private chain: Promise<unknown> = Promise.resolve();

  /** @param options - file, clock, fsync, snapshot interval */
  constructor(options: EmbeddedRunIndexOptions) {
    this.file = options.file;
    this.snapshotFile = `${options.file}${EMBEDDED_INDEX_SNAPSHOT_SUFFIX}`;
    this.now = options.now ?? Date.now;
    this.fsync = options.fsync ?? true;
    this.snapshotEvery = options.snapshotEvery ?? 200;
  }

  /** Lines skipped so far because they did not parse (a torn tail after a crash, or damage). */
  get skippedLines(): number {
    return this.skipped;
  }

  /** Runs one operation at a time in this process (appends and reads share the file offset). */
  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const p = this.chain.then(fn, fn);
    this.chain = p.catch(() => undefined);
    return p;
  }

  /** Runs `fn` after a refresh; if the log was replaced under it (compaction), once more from the file. */
  private async fresh<T>(fn: () => Promise<T>): Promise<T> {
    await this.refresh();
    try {
      return await fn();
    } catch (err) {
      if (!(err instanceof StaleRead)) throw err;
      this.reset(-1);
      this.distrustSnapshot = true;
      await this.refresh();
      await this.maybeSnapshot(true);
      return fn();
    }
  }

  /** Reads what was appended since the last refresh (everything, if the file was replaced; from the snapshot on, if it fits). */
  private async refresh(): Promise<void> {
    let info;
    try {
      info = await stat(this.file);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      if (this.offset !== 0 || this.entries.size > 0) this.reset(-1);
      return;
    }
    if (info.ino !== this.ino || info.size < this.offset) this.reset(info.ino);
    if (this.offset === 0 && info.size > 0 && !this.distrustSnapshot) await this.loadSnapshot(info.ino, info.size);
    if (info.size === this.offset) return;
    const fh = await open(this.file, 'r');
    try {
      const length = info.size - this.offset;
      const buf = Buffer.allocUnsafe(length);
      let read = 0;
      while (read < length) {
        const r = await fh.read(buf, read, length - read, this.offset + read);
        if (r.bytesRead === 0) break;
        read += r.bytesRead;
      }
      // Only whole lines are applied; a trailing fragment is either being written right now or torn.
      const lastNl = buf.subarray(0, read).lastIndexOf(0x0a);
      if (lastNl < 0) {
        this.endsWithNewline = false;
        return;
      }
      this.applyLines(buf, lastNl + 1, this.offset);
      this.offset += lastNl + 1;
      this.endsWithNewline = lastNl + 1 === read;
    } finally {
      await fh.close();
    }
  }

  private reset(ino: number): void {
    this.entries = new Map();
    this.sorted = null;
    this.offset = 0;
    this.ino = ino;
    this.skipped = 0;
    this.linesPastSnapshot = 0;
    this.endsWithNewline = true;
  }

  /** Applies the whole lines of `buf[0, end)`, which starts at byte `base` of the log. */
  private applyLines(buf: Buffer, end: number, base: number): void {
    let start = 0;
    while (start < end) {
      const nl = buf.indexOf(0x0a, start);
      if (nl < 0 || nl >= end) break;
      if (nl > start) this.applyLine(buf.toString('utf8', start, nl), base + start, nl - start);
      start = nl + 1;
    }
    this.sorted = null;
  }

  private applyLine(text: string, offset: number, length: number): void {
    this.linesPastSnapshot++;
    let entry: LogLine;
    try {
      entry = JSON.parse(text) as LogLine;
    } catch {
      this.skipped++;
      return;
    }
    if (entry?.v !== 1) this.skipped++;
    else if (entry.op === 'put' && typeof entry.run?.id === 'string') this.entries.set(entry.run.id, entryOf(entry.run, offset, length));
    else if (entry.op === 'del' && typeof entry.id === 'string') this.entries.delete(entry.id);
    else this.skipped++;
  }

  /**
   * Loads the snapshot when it describes this log (same inode, covers at most its size, ends on a
   * line boundary, body hash matches); anything else leaves the state empty (the log is read in full).
   */
  private async loadSnapshot(ino: number, size: number): Promise<void> {
    let text: string;
    try {
      text = await readFile(this.snapshotFile, 'utf8');
    } catch {
      return;
    }
    try {
      const nl = text.indexOf('\n');
      if (nl < 0) return;
      const header = JSON.parse(text.slice(0, nl)) as Partial<SnapshotHeader>;
      if (header.format !== SNAPSHOT_FORMAT || header.v !== 1 || header.logIno !== ino || typeof header.logSize !== 'number' || header.logSize > size || header.logSize <= 0) return;
      const bodyText = text.slice(nl + 1);
      if (createHash('sha256').update(bodyText).digest('hex') !== header.sha256) return;
      if ((await this.logTailHash(header.logSize)) !== header.logTailSha256) return;
      const b = JSON.parse(bodyText) as SnapshotBody;
      const entries = new Map<string, Entry>();
      const sorted: Entry[] = [];
      const keys = new Map(b.idempotencyKey);
      for (let i = 0; i < b.id.length; i++) {
        const e: Entry = {
          id: b.id[i], createdAt: b.createdAt[i], strategy: b.strategies[b.strategy[i]], symbols: b.symbols[i].map((s) => b.symbolNames[s]),
          kind: b.kinds[b.kind[i]], status: b.statuses[b.status[i]], totalReturnPct: b.totalReturnPct[i], sharpe: b.sharpe[i],
          maxDrawdownPct: b.maxDrawdownPct[i], tradeCount: b.tradeCount[i], idempotencyKey: keys.get(i) ?? null, offset: b.offset[i], length: b.length[i],
        };
        entries.set(e.id, e);
        sorted.push(e);
      }
      this.entries = entries;
      this.sorted = sorted;
      this.offset = header.logSize;
      this.skipped = typeof header.skipped === 'number' ? header.skipped : 0;
      this.linesPastSnapshot = 0;
      this.endsWithNewline = true;
    } catch {
      // A damaged snapshot is no snapshot: the log is read from the start.
      this.reset(ino);
    }
  }

  /** SHA-256 of the last (up to) {@link LOG_TAIL_BYTES} bytes of the log before byte `end`. */
  private async logTailHash(end: number): Promise<string> {
    const fh = await open(this.file, 'r');
    try {
      const start = Math.max(0, end - LOG_TAIL_BYTES);
      const b = Buffer.alloc(end - start);
      const { bytesRead } = await fh.read(b, 0, b.byteLength, start);
      return createHash('sha256').update(b.subarray(0, bytesRead)).digest('hex');
    } finally {
      await fh.close();
    }
  }

  /** Rewrites the snapshot when enough lines were read past it (or `force`); failures are ignored. */
  private async maybeSnapshot(force = false): Promise<void> {
    if (this.offset === 0 || this.ino < 0) return;
    if (!force && (this.snapshotEvery <= 0 || this.linesPastSnapshot < this.snapshotEvery)) return;
    const rows = this.sortedEntries();
    const strategies: string[] = [], symbolNames: string[] = [], kinds: RunKind[] = [], statuses: RunStatus[] = [];
    const si = new Map<string, number>(), yi = new Map<string, number>(), ki = new Map<RunKind, number>(), ti = new Map<RunStatus, number>();
    const body: SnapshotBody = {
      id: rows.map((e) => e.id), createdAt: rows.map((e) => e.createdAt),
      strategies, strategy: rows.map((e) => intern(strategies, si, e.strategy)),
      symbolNames, symbols: rows.map((e) => e.symbols.map((s) => intern(symbolNames, yi, s))),
      kinds, kind: rows.map((e) => intern(kinds, ki, e.kind)),
      statuses, status: rows.map((e) => intern(statuses, ti, e.status)),
      totalReturnPct: rows.map((e) => e.totalReturnPct), sharpe: rows.map((e) => e.sharpe),
      maxDrawdownPct: rows.map((e) => e.maxDrawdownPct), tradeCount: rows.map((e) => e.tradeCount),
      idempotencyKey: rows.flatMap((e, i): [number, string][] => (e.idempotencyKey === null ? [] : [[i, e.idempotencyKey]])),
      offset: rows.map((e) => e.offset), length: rows.map((e) => e.length),
    };
    const bodyText = JSON.stringify(body);
    const tmp = join(dirname(this.snapshotFile), `.${basename(this.snapshotFile)}.${randomUUID()}.tmp`);
    try {
      const header: SnapshotHeader = {
        format: SNAPSHOT_FORMAT, v: 1, logIno: this.ino, logSize: this.offset, skipped: this.skipped,
        sha256: createHash('sha256').update(bodyText).digest('hex'), logTailSha256: await this.logTailHash(this.offset),
      };
      await writeFile(tmp, `${JSON.stringify(header)}\n${bodyText}`);
      await rename(tmp, this.snapshotFile);
      this.linesPastSnapshot = 0;
      this.distrustSnapshot = false;
    } catch {
      await rm(tmp, { force: true }).catch(() => undefined);
    }
  }

  private sortedEntries(): Entry[] {
    this.sorted ??= [...this.entries.values()].sort(compareRunsNewestFirst);
    return this.sorted;
  }

  /**
   * Parses the log lines of the entries not read yet (one read per line, or the whole file for
   * many). Throws {@link StaleRead} when a line is not the run's `put` any more (log replaced).
   */
  private async load(entries: readonly Entry[]): Promise<StoredRun[]> {
    const missing = entries.filter((e) => e.run === undefined);
    if (missing.length > 0) {
      const fh = await open(this.file, 'r').catch((err: NodeJS.ErrnoException) => {
        if (err.code === 'ENOENT') throw new StaleRead();
        throw err;
      });
      try {
        if ((await fh.stat()).ino !== this.ino) throw new StaleRead();
        const parse = (e: Entry, text: string): void => {
          let line: LogLine;
          try {
            line = JSON.parse(text) as LogLine;
          } catch {
            throw new StaleRead();
          }
          if (line?.op !== 'put' || line.run?.id !== e.id) throw new StaleRead();
          e.run = line.run;
        };
        if (missing.length > 64) {
          const all = await fh.readFile();
          for (const e of missing) parse(e, all.toString('utf8', e.offset, e.offset + e.length));
        } else {
          await Promise.all(missing.map(async (e) => {
            const buf = Buffer.allocUnsafe(e.length);
            const { bytesRead } = await fh.read(buf, 0, e.length, e.offset);
            parse(e, buf.toString('utf8', 0, bytesRead));
          }));
        }
      } finally {
        await fh.close();
      }
    }
    return entries.map((e) => e.run as StoredRun);
  }

  private async append(entry: LogLine): Promise<void> {
    await mkdir(dirname(this.file), { recursive: true });
    const fh: FileHandle = await open(this.file, 'a+');
    try {
      const info = await fh.stat();
      // After a torn tail the new entry starts on its own line (the fragment stays one skipped line).
      const torn = info.size > 0 && !(info.size === this.offset ? this.endsWithNewline : await this.fileEndsWithNewline(fh, info.size));
      await fh.write(`${torn ? '\n' : ''}${JSON.stringify(entry)}\n`);
      if (this.fsync) await fh.sync();
    } finally {
      await fh.close();
    }
  }

  private async fileEndsWithNewline(fh: FileHandle, size: number): Promise<boolean> {
    const b = Buffer.alloc(1);
    await fh.read(b, 0, 1, size - 1);
    return b[0] === 0x0a;
  }

  /** {@inheritDoc RunIndex.put} */
  put(run: RunInput, archive: ArchiveRef | null): Promise<StoredRun> {
    return this.serial(() => this.fresh(async () => {
      validateRunInput(run);
      if (run.idempotencyKey) {
        for (const other of this.entries.values()) {
          if (other.idempotencyKey === run.idempotencyKey && other.id !== run.id) {
            throw new ResultConflictError(`Idempotency key "${run.idempotencyKey}" already belongs to run ${other.id}`, 'idempotency_key', other.id);
          }
        }
      }
      const known = this.entries.get(run.id);
      const before = known ? (await this.load([known]))[0] : undefined;
      const now = this.now();
      const stored: StoredRun = {
        id: run.id,
        kind: run.kind,
        status: run.status,
        strategy: run.strategy,
        params: run.params ?? {},
        symbols: [...run.symbols],
        timeframe: run.timeframe ?? null,
        periodStart: ms(run.periodStart),
        periodEnd: ms(run.periodEnd),
        metrics: run.metrics ?? {},
        totalReturnPct: run.totalReturnPct ?? null,
        sharpe: run.sharpe ?? null,
        maxDrawdownPct: run.maxDrawdownPct ?? null,
        tradeCount: run.tradeCount ?? null,
        archive: archive ?? before?.archive ?? null,
        durationMs: run.durationMs ?? null,
        startedAt: ms(run.startedAt),
        finishedAt: ms(run.finishedAt),
        error: run.error ?? null,
        idempotencyKey: run.idempotencyKey ?? null,
        createdAt: before?.createdAt ?? ms(run.createdAt) ?? now,
        updatedAt: now,
        symbolResults: run.symbolResults === undefined
          ? before?.symbolResults ?? []
          : [...run.symbolResults].sort((a, b) => (a.symbol < b.symbol ? -1 : a.symbol > b.symbol ? 1 : 0)).map((s) => ({
            symbol: s.symbol, metrics: s.metrics ?? {}, totalReturnPct: s.totalReturnPct ?? null, winRate: s.winRate ?? null,
            maxDrawdownPct: s.maxDrawdownPct ?? null, tradeCount: s.tradeCount ?? null,
          })),
      };
      // JSON round trip: what is returned now is exactly what a reader of the file gets later.
      const entry = JSON.parse(JSON.stringify({ v: 1, op: 'put', run: stored })) as LogLine;
      await this.append(entry);
      await this.refresh();
      await this.maybeSnapshot();
      return (await this.load([this.entries.get(run.id) as Entry]))[0];
    }));
  }

  /** {@inheritDoc RunIndex.get} */
  get(id: string): Promise<StoredRun> {
    return this.serial(() => this.fresh(async () => {
      const entry = this.entries.get(id);
      if (!entry) throw new ResultNotFoundError('run', id);
      return (await this.load([entry]))[0];
    }));
  }

  /** {@inheritDoc RunIndex.findByIdempotencyKey} */
  findByIdempotencyKey(key: string): Promise<StoredRun | null> {
    return this.serial(() => this.fresh(async () => {
      for (const entry of this.entries.values()) if (entry.idempotencyKey === key) return (await this.load([entry]))[0];
      return null;
    }));
  }

  /** {@inheritDoc RunIndex.list} */
  list(filter: RunListFilter = {}, page: PageRequest = {}): Promise<RunPage> {
    return this.serial(() => this.fresh(async () => {
      const q = normalizeRunQuery(filter, page);
      await this.maybeSnapshot();
      const picked: Entry[] = [];
      let more = false;
      for (const entry of this.sortedEntries()) {
        if (q.after && compareRunsNewestFirst(entry, q.after) <= 0) continue;
        if (!runMatches(entry, q)) continue;
        if (picked.length === q.limit) {
          more = true;
          break;
        }
        picked.push(entry);
      }
      const items = (await this.load(picked)).map(({ symbolResults: _omitted, ...listed }) => listed);
      const last = items[items.length - 1];
      return { items, nextCursor: more && last ? cursorAfter(last) : null };
    }));
  }

  /** {@inheritDoc RunIndex.delete} */
  delete(id: string): Promise<boolean> {
    return this.serial(() => this.fresh(async () => {
      if (!this.entries.has(id)) return false;
      await this.append({ v: 1, op: 'del', id });
      await this.refresh();
      await this.maybeSnapshot();
      return true;
    }));
  }

  /** {@inheritDoc RunIndex.archiveRefs} */
  archiveRefs(): Promise<readonly { readonly id: string; readonly location: string | null; readonly createdAt: number }[]> {
    return this.serial(() => this.fresh(async () => {
      const runs = await this.load([...this.sortedEntries()].reverse());
      return runs.map((r) => ({ id: r.id, location: r.archive?.location ?? null, createdAt: r.createdAt }));
    }));
  }

  /**
   * Rewrites the file with one line per live run (temporary file, fsync, rename), dropping
   * deleted runs, superseded lines and skipped lines, and writes a snapshot of it. Not safe while
   * another process writes.
   */
  compact(): Promise<void> {
    return this.serial(async () => {
      const runs = await this.fresh(() => this.load([...this.sortedEntries()].reverse()));
      await mkdir(dirname(this.file), { recursive: true });
      const tmp = join(dirname(this.file), `.${EMBEDDED_INDEX_FILE}.${randomUUID()}.tmp`);
      const fh = await open(tmp, 'w');
      try {
        await fh.write(runs.map((run) => `${JSON.stringify({ v: 1, op: 'put', run })}\n`).join(''));
        await fh.sync();
      } catch (err) {
        await fh.close();
        await rm(tmp, { force: true });
        throw err;
      }
      await fh.close();
      await rename(tmp, this.file);
      const dir = await open(dirname(this.file), 'r');
      try {
        await dir.sync();
      } finally {
        await dir.close();
      }
      this.reset(-1);
      await rm(this.snapshotFile, { force: true });
      await this.refresh();
      await this.maybeSnapshot(true);
    });
  }
}
