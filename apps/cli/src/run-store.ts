import { randomBytes } from 'node:crypto';
import { appendFile, mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { BacktestSummary } from '@coinhts/engine';
import {
  ARCHIVE_FILES, ArchiveReader, DEFAULT_ARCHIVE_PREFIX, ArchiveWriter, LocalFsStorageProvider,
  type ArchiveContents, type ArchiveManifest, type JsonObject,
} from '@coinhts/storage';
import { CliUsageError } from './errors';
import type { ResultTables } from './result-tables';

/** One line of the local run index (`runs.jsonl` in the results folder). */
export interface RunRecord {
  readonly run_id: string;
  /** When the run was saved, ISO 8601 UTC. */
  readonly created_at: string;
  readonly strategy: string;
  readonly symbols: readonly string[];
  readonly timeframe: string;
  /** First and last bar, ISO 8601 UTC. */
  readonly start: string;
  readonly end: string;
  readonly bars: number;
  readonly signals: number;
  readonly trades: number;
  readonly total_return_pct: number | null;
  readonly sharpe: number | null;
  readonly max_drawdown_pct: number | null;
  /** Where the candles came from: `store:DIR` or `csv:FILE`. */
  readonly source: string;
}

/** A listed run: its record, and whether its archive is still complete on disk. */
export interface ListedRun extends RunRecord {
  /** False when the index names a run whose archive is gone or incomplete. */
  readonly archived: boolean;
}

/** Name of the index file inside the results folder. */
export const RUN_INDEX_FILE = 'runs.jsonl';

function recordOf(runId: string, createdAt: string, summary: BacktestSummary, source: string): RunRecord {
  const p = summary.portfolio;
  return {
    run_id: runId,
    created_at: createdAt,
    strategy: summary.strategy.name,
    symbols: summary.symbols.map((s) => s.symbol),
    timeframe: [...new Set(summary.symbols.map((s) => s.timeframe))].join(','),
    start: summary.period.start,
    end: summary.period.end,
    bars: summary.period.bars,
    signals: summary.signal_study.signals,
    trades: p.trade_count,
    total_return_pct: p.total_return_pct,
    sharpe: p.sharpe,
    max_drawdown_pct: p.max_drawdown_pct,
    source,
  };
}

/** True when a parsed summary has the fields a run record needs (archives written by this CLI do). */
function looksLikeSummary(x: JsonObject): boolean {
  const s = x as unknown as Partial<BacktestSummary>;
  return typeof s.strategy?.name === 'string' && Array.isArray(s.symbols) && typeof s.period?.start === 'string' && typeof s.portfolio === 'object';
}

/**
 * The embedded result store: run archives (summary + Parquet tables + manifest, through
 * @coinhts/storage's local-filesystem provider) under the results folder, plus `runs.jsonl`, an
 * append-only index so listing does not open every archive. The archives are the truth: a
 * complete archive missing from the index (e.g. the process died between the two writes) is
 * still listed, and an indexed run whose archive is gone is marked as such.
 */
export class LocalRunStore {
  private readonly provider: LocalFsStorageProvider;
  private readonly writer: ArchiveWriter;
  private readonly reader: ArchiveReader;
  private readonly now: () => Date;

  constructor(readonly dir: string, options: { readonly now?: () => Date } = {}) {
    this.provider = new LocalFsStorageProvider({ rootDir: dir });
    this.writer = new ArchiveWriter(this.provider);
    this.reader = new ArchiveReader(this.provider);
    this.now = options.now ?? (() => new Date());
  }

  private get indexPath(): string {
    return join(this.dir, RUN_INDEX_FILE);
  }

  /** A new run id: UTC time, strategy, random suffix (sorts by time, unique across processes). */
  newRunId(strategy: string): string {
    const t = this.now().toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
    return `${t}-${strategy.replace(/[^A-Za-z0-9_]/g, '')}-${randomBytes(3).toString('hex')}`;
  }

  /** Archives a run (summary as the canonical JSON text, tables as Parquet) and indexes it. */
  async save(summary: BacktestSummary, summaryJson: string, tables: ResultTables, source: string): Promise<RunRecord> {
    const runId = this.newRunId(summary.strategy.name);
    const manifest = await this.writer.write(runId, { summary: JSON.parse(summaryJson) as JsonObject, tables });
    const record = recordOf(runId, manifest.createdAt, summary, source);
    await mkdir(this.dir, { recursive: true });
    await appendFile(this.indexPath, `${JSON.stringify(record)}\n`);
    return record;
  }

  /** Every run, newest first (index records, plus complete archives the index lacks). */
  async list(): Promise<ListedRun[]> {
    const records = new Map<string, RunRecord>();
    const text = await readFile(this.indexPath, 'utf8').catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return '';
      throw err;
    });
    for (const line of text.split('\n')) {
      if (!line.trim()) continue;
      try {
        const r = JSON.parse(line) as RunRecord;
        if (typeof r.run_id === 'string') records.set(r.run_id, r);
      } catch {
        // A torn last line (a crash mid-append) is skipped; the archive listing below still finds the run.
      }
    }
    const archives = await this.reader.listArchives().catch((err: { code?: string }) => {
      if (err.code === 'NOT_FOUND') return [];
      throw err;
    });
    const complete = new Set(archives.filter((a) => a.complete).map((a) => a.runId));
    const out: ListedRun[] = [...records.values()].map((r) => ({ ...r, archived: complete.has(r.run_id) }));
    for (const runId of complete) {
      if (records.has(runId)) continue;
      const manifest = await this.reader.readManifest(runId);
      const summary = await this.reader.readSummary(runId, manifest);
      if (looksLikeSummary(summary)) out.push({ ...recordOf(runId, manifest.createdAt, summary as unknown as BacktestSummary, 'unknown (not in the index)'), archived: true });
    }
    return out.sort((a, b) => (a.created_at === b.created_at ? (a.run_id < b.run_id ? 1 : -1) : a.created_at < b.created_at ? 1 : -1));
  }

  private async withRun<T>(runId: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      const code = (err as { code?: string }).code;
      if (code === 'NOT_FOUND' || code === 'INVALID_KEY') {
        throw new CliUsageError(`no run "${runId}" in ${this.dir}${code === 'NOT_FOUND' && /missing/.test((err as Error).message) ? ` (${(err as Error).message})` : ''}; list the runs with: coinhts results list`);
      }
      throw err;
    }
  }

  /** Reads a whole run, checking every file against its manifest (SHA-256, size, rows, schema). */
  read(runId: string): Promise<ArchiveContents> {
    return this.withRun(runId, () => this.reader.read(runId));
  }

  /** Re-hashes every file of a run against its manifest and returns the stored bytes of each (manifest included). */
  async readVerifiedFiles(runId: string): Promise<{ manifest: ArchiveManifest; files: { name: string; bytes: Uint8Array }[] }> {
    return this.withRun(runId, async () => {
      const manifest = await this.reader.verifyArchive(runId);
      const names = [...manifest.files.map((f) => f.name), ARCHIVE_FILES.manifest];
      const files = await Promise.all(names.map(async (name) => ({ name, bytes: await this.provider.getBytes(`${DEFAULT_ARCHIVE_PREFIX}${runId}/${name}`) })));
      return { manifest, files };
    });
  }
}
