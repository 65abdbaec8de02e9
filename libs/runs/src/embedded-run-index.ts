/**
 * {@link EmbeddedRunIndex}: the run index without a server, in one append-only file
 * (`runs-index.jsonl` in the store folder). Why a JSON-lines log and not SQLite: it needs no
 * native module (the CLI installs anywhere Node runs), a crash can only ever tear the last line,
 * and the whole file is rebuildable from the archives' manifests. Rules:
 *
 * - Every change is one line `{"v":1,"op":"put","run":{…}}` or `{"v":1,"op":"del","id":"…"}`,
 *   written with a single `write` in append mode and `fsync`ed before the call returns.
 * - A line that does not parse (a torn last line after a crash, or garbage) is skipped and
 *   counted in {@link EmbeddedRunIndex.skippedLines}; it never breaks a listing. An append after
 *   a torn tail starts on a new line, so the torn bytes stay one skipped line.
 * - Readers keep the state in memory and read only what was appended since (by file size); a
 *   file that shrank or was replaced (compaction) is read again from the start.
 * - Concurrent writers (two CLI processes) append whole lines; last line per id wins.
 *   {@link EmbeddedRunIndex.compact} rewrites the file (temporary file + rename) and must not run
 *   while another process writes.
 */
import { randomUUID } from 'node:crypto';
import { mkdir, open, rename, rm, stat, type FileHandle } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import {
  compareRunsNewestFirst, cursorAfter, normalizeRunQuery, ResultConflictError, ResultNotFoundError, runMatches, validateRunInput,
  type ArchiveRef, type PageRequest, type RunInput, type RunListFilter, type RunPage, type StoredRun,
} from '@coinhts/results/model';
import type { RunIndex } from './run-index';

/** Name of the index file inside the store folder. */
export const EMBEDDED_INDEX_FILE = 'runs-index.jsonl';

/** Options of {@link EmbeddedRunIndex}. */
export interface EmbeddedRunIndexOptions {
  /** Path of the index file (e.g. `{store}/runs-index.jsonl`); its folder is created on first write. */
  readonly file: string;
  /** Clock, epoch ms (default `Date.now`). */
  readonly now?: () => number;
  /** `fsync` every append (default true; benchmarks of the in-memory part may turn it off). */
  readonly fsync?: boolean;
}

type LogLine = { readonly v: 1; readonly op: 'put'; readonly run: StoredRun } | { readonly v: 1; readonly op: 'del'; readonly id: string };

const ms = (v: number | Date | null | undefined): number | null => (v === undefined || v === null ? null : v instanceof Date ? v.getTime() : v);

/** A run index in an append-only JSON-lines file (see the module comment). */
export class EmbeddedRunIndex implements RunIndex {
  private readonly file: string;
  private readonly now: () => number;
  private readonly fsync: boolean;
  private runs = new Map<string, StoredRun>();
  private sorted: StoredRun[] | null = null;
  private offset = 0;
  private ino = -1;
  private endsWithNewline = true;
  private skipped = 0;
  private chain: Promise<unknown> = Promise.resolve();

  /** @param options - file, clock, fsync */
  constructor(options: EmbeddedRunIndexOptions) {
    this.file = options.file;
    this.now = options.now ?? Date.now;
    this.fsync = options.fsync ?? true;
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

  /** Reads what was appended since the last refresh (everything, if the file was replaced). */
  private async refresh(): Promise<void> {
    let info;
    try {
      info = await stat(this.file);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      if (this.offset !== 0 || this.runs.size > 0) this.reset(-1);
      return;
    }
    if (info.ino !== this.ino || info.size < this.offset) this.reset(info.ino);
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
      const text = buf.subarray(0, read);
      // Only whole lines are applied; a trailing fragment is either being written right now or torn.
      const lastNl = text.lastIndexOf(0x0a);
      if (lastNl < 0) {
        this.endsWithNewline = false;
        return;
      }
      this.apply(text.subarray(0, lastNl + 1).toString('utf8'));
      this.offset += lastNl + 1;
      this.endsWithNewline = lastNl + 1 === read;
    } finally {
      await fh.close();
    }
  }

  private reset(ino: number): void {
    this.runs = new Map();
    this.sorted = null;
    this.offset = 0;
    this.ino = ino;
    this.skipped = 0;
    this.endsWithNewline = true;
  }

  private apply(text: string): void {
    for (const line of text.split('\n')) {
      if (line === '') continue;
      let entry: LogLine;
      try {
        entry = JSON.parse(line) as LogLine;
      } catch {
        this.skipped++;
        continue;
      }
      if (entry?.v !== 1) {
        this.skipped++;
        continue;
      }
      if (entry.op === 'put' && typeof entry.run?.id === 'string') this.runs.set(entry.run.id, entry.run);
      else if (entry.op === 'del' && typeof entry.id === 'string') this.runs.delete(entry.id);
      else this.skipped++;
    }
    this.sorted = null;
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
    return this.serial(async () => {
      validateRunInput(run);
      await this.refresh();
      if (run.idempotencyKey) {
        for (const other of this.runs.values()) {
          if (other.idempotencyKey === run.idempotencyKey && other.id !== run.id) {
            throw new ResultConflictError(`Idempotency key "${run.idempotencyKey}" already belongs to run ${other.id}`, 'idempotency_key', other.id);
          }
        }
      }
      const before = this.runs.get(run.id);
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
      return this.runs.get(run.id) as StoredRun;
    });
  }

  /** {@inheritDoc RunIndex.get} */
  get(id: string): Promise<StoredRun> {
    return this.serial(async () => {
      await this.refresh();
      const run = this.runs.get(id);
      if (!run) throw new ResultNotFoundError('run', id);
      return run;
    });
  }

  /** {@inheritDoc RunIndex.findByIdempotencyKey} */
  findByIdempotencyKey(key: string): Promise<StoredRun | null> {
    return this.serial(async () => {
      await this.refresh();
      for (const run of this.runs.values()) if (run.idempotencyKey === key) return run;
      return null;
    });
  }

  /** {@inheritDoc RunIndex.list} */
  list(filter: RunListFilter = {}, page: PageRequest = {}): Promise<RunPage> {
    return this.serial(async () => {
      const q = normalizeRunQuery(filter, page);
      await this.refresh();
      this.sorted ??= [...this.runs.values()].sort(compareRunsNewestFirst);
      const items: StoredRun[] = [];
      let more = false;
      for (const run of this.sorted) {
        if (q.after && compareRunsNewestFirst(run, q.after) <= 0) continue;
        if (!runMatches(run, q)) continue;
        if (items.length === q.limit) {
          more = true;
          break;
        }
        const { symbolResults: _omitted, ...listed } = run;
        items.push(listed);
      }
      const last = items[items.length - 1];
      return { items, nextCursor: more && last ? cursorAfter(last) : null };
    });
  }

  /** {@inheritDoc RunIndex.delete} */
  delete(id: string): Promise<boolean> {
    return this.serial(async () => {
      await this.refresh();
      if (!this.runs.has(id)) return false;
      await this.append({ v: 1, op: 'del', id });
      await this.refresh();
      return true;
    });
  }

  /** {@inheritDoc RunIndex.archiveRefs} */
  archiveRefs(): Promise<readonly { readonly id: string; readonly location: string | null; readonly createdAt: number }[]> {
    return this.serial(async () => {
      await this.refresh();
      return [...this.runs.values()].sort((a, b) => -compareRunsNewestFirst(a, b)).map((r) => ({ id: r.id, location: r.archive?.location ?? null, createdAt: r.createdAt }));
    });
  }

  /**
   * Rewrites the file with one line per live run (temporary file, fsync, rename), dropping
   * deleted runs, superseded lines and skipped lines. Not safe while another process writes.
   */
  compact(): Promise<void> {
    return this.serial(async () => {
      await this.refresh();
      await mkdir(dirname(this.file), { recursive: true });
      const tmp = join(dirname(this.file), `.${EMBEDDED_INDEX_FILE}.${randomUUID()}.tmp`);
      const fh = await open(tmp, 'w');
      try {
        const lines = [...this.runs.values()].sort((a, b) => -compareRunsNewestFirst(a, b)).map((run) => `${JSON.stringify({ v: 1, op: 'put', run })}\n`);
        await fh.write(lines.join(''));
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
      await this.refresh();
    });
  }
}
