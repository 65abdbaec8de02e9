import type { Dirent } from 'node:fs';
import { createHash } from 'node:crypto';
import { readFile, readdir, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { LegacyFileError, ResultsError } from '../errors';
import { validateRunInput, type RunInput, type StoredRun } from '../run-types';
import { parseLegacyManifest, parseLegacyResult, type LegacyBacktestResponse, type LegacyManifest } from './legacy-format';
import { legacyToRun } from './legacy-mapping';

/** One file of an imported run, kept byte for byte. */
export interface LegacyArchiveFile {
  /** Name inside the run's archive, e.g. `legacy/result.json.gz`. */
  readonly name: string;
  /** Content. */
  readonly bytes: Uint8Array;
}

/** What is archived for an imported run: the original's summary and its files. */
export interface RunArchivePayload {
  /** JSON summary of the original run. */
  readonly summary: unknown;
  /** The original files (gzip). */
  readonly files?: readonly LegacyArchiveFile[];
}

/**
 * Where imported runs go: `@coinhts/runs`' `legacyImportTarget` (archive in the one format +
 * index row), so an imported run is listed and read like every other run.
 */
export interface LegacyImportTarget {
  /** Stores one run (an upsert by id); the archive's stored size is reported back. */
  save(run: RunInput, payload: RunArchivePayload): Promise<Pick<StoredRun, 'archive'>>;
  /** Which of `ids` are already stored. */
  existingIds(ids: readonly string[]): Promise<ReadonlySet<string>>;
}

/** Options of {@link importLegacyResults}. */
export interface LegacyImportOptions {
  /** The original's DATA_ROOT: a folder holding `results/` and/or `tasks/`. */
  readonly dir: string;
  /** Where runs go. Not touched in a dry run (except for the `resume` look-up). */
  readonly target: LegacyImportTarget;
  /** Parse, check and measure everything, write nothing (default false). */
  readonly dryRun?: boolean;
  /** Runs handled per batch: one id look-up and one progress report per batch (default 100, 1..10000). */
  readonly batchSize?: number;
  /** Skip run ids that already have a row (default false: re-import, which is an idempotent upsert). */
  readonly resume?: boolean;
  /** Called after each batch. */
  readonly onProgress?: (progress: LegacyImportProgress) => void;
}

/** Progress after a batch. */
export interface LegacyImportProgress {
  /** Runs handled so far. */
  readonly done: number;
  /** Runs found. */
  readonly total: number;
  /** Imported so far. */
  readonly imported: number;
  /** Skipped so far (resume). */
  readonly skipped: number;
  /** Failed so far. */
  readonly failed: number;
}

/** One imported (or, in a dry run, importable) run. */
export interface LegacyImportedRun {
  /** Run id. */
  readonly runId: string;
  /** `results/{id}.json` or `tasks/{id}/`. */
  readonly source: string;
  /** `completed` or `failed`. */
  readonly status: string;
  /** Bytes of the original JSON file(s). */
  readonly jsonBytes: number;
  /** Bytes of the archive as stored (manifest included); in a dry run the payload bytes (manifest excluded). */
  readonly archiveBytes: number;
}

/** A file (or task folder) that could not be imported. */
export interface LegacyImportFailure {
  /** Path of the offending file or folder. */
  readonly file: string;
  /** Error code (`INVALID_FILE`, `INVALID_PARAMS`, …). */
  readonly code: string;
  /** What is wrong. */
  readonly message: string;
}

/** Result of {@link importLegacyResults}. */
export interface LegacyImportReport {
  /** True when nothing was written. */
  readonly dryRun: boolean;
  /** Runs found (result files plus task folders). */
  readonly scanned: number;
  /** Runs imported (in a dry run: that would be imported). */
  readonly imported: readonly LegacyImportedRun[];
  /** Run ids skipped because they were already imported (`resume`). */
  readonly skipped: readonly string[];
  /** Files that failed; the others were still imported. */
  readonly failed: readonly LegacyImportFailure[];
  /** Σ JSON bytes of the imported runs. */
  readonly jsonBytes: number;
  /** Σ archive bytes of the imported runs. */
  readonly archiveBytes: number;
  /** archiveBytes / jsonBytes (0 when nothing was imported). */
  readonly sizeRatio: number;
  /** Set when the import stopped early because the database or the archive store failed; rerun with `resume`. */
  readonly aborted?: { readonly code: string; readonly message: string };
}

interface Candidate {
  readonly kind: 'sync' | 'async';
  /** File (sync) or folder (async). */
  readonly path: string;
  /** Run id expected from the name. */
  readonly idHint: string;
}

async function listDir(path: string): Promise<Dirent[] | null> {
  try {
    return await readdir(path, { withFileTypes: true });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new LegacyFileError(path, `cannot be listed (${(err as Error).message})`, { cause: err });
  }
}

/** Every result file and task folder under `dir`, sorted by name. The original's `results/index.json` is not a run. */
export async function findLegacyRuns(dir: string): Promise<readonly Candidate[]> {
  const results = await listDir(join(dir, 'results'));
  const tasks = await listDir(join(dir, 'tasks'));
  if (results === null && tasks === null) throw new LegacyFileError(dir, 'contains neither results/ nor tasks/ (expected the original DATA_ROOT)');
  const out: Candidate[] = [];
  for (const e of (results ?? []).filter((e) => e.isFile() && e.name.endsWith('.json') && e.name !== 'index.json').sort((a, b) => a.name.localeCompare(b.name))) {
    out.push({ kind: 'sync', path: join(dir, 'results', e.name), idHint: e.name.slice(0, -'.json'.length).toLowerCase() });
  }
  for (const e of (tasks ?? []).filter((e) => e.isDirectory()).sort((a, b) => a.name.localeCompare(b.name))) {
    out.push({ kind: 'async', path: join(dir, 'tasks', e.name), idHint: e.name.toLowerCase() });
  }
  return out;
}

async function readIfExists(path: string): Promise<Buffer | null> {
  try {
    return await readFile(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new LegacyFileError(path, `cannot be read (${(err as Error).message})`, { cause: err });
  }
}

/** Reads, parses and cross-checks one candidate; every problem is a {@link LegacyFileError} naming the file. */
async function loadCandidate(c: Candidate): Promise<{ run: ReturnType<typeof legacyToRun>['run']; payload: RunArchivePayload; jsonBytes: number }> {
  if (c.kind === 'sync') {
    const bytes = await readFile(c.path);
    const result = parseLegacyResult(c.path, bytes);
    if (result.run_id.toLowerCase() !== c.idHint) throw new LegacyFileError(c.path, `run_id ${result.run_id} does not match the file name`);
    const { mtimeMs } = await stat(c.path);
    return { ...legacyToRun({ kind: 'sync', result, resultBytes: bytes, fileMtimeMs: mtimeMs }), jsonBytes: bytes.byteLength };
  }
  const resultPath = join(c.path, 'result.json');
  const manifestPath = join(c.path, 'manifest.json');
  const resultBytes = await readIfExists(resultPath);
  const manifestBytes = await readIfExists(manifestPath);
  if (!resultBytes && !manifestBytes) throw new LegacyFileError(c.path, 'holds neither result.json nor manifest.json');
  let manifest: LegacyManifest | undefined;
  if (manifestBytes) {
    manifest = parseLegacyManifest(manifestPath, manifestBytes);
    if (manifest.task_id.toLowerCase() !== c.idHint) throw new LegacyFileError(manifestPath, `task_id ${manifest.task_id} does not match the folder name`);
  }
  let result: LegacyBacktestResponse | undefined;
  if (resultBytes) {
    result = parseLegacyResult(resultPath, resultBytes);
    if (result.run_id.toLowerCase() !== c.idHint) throw new LegacyFileError(resultPath, `run_id ${result.run_id} does not match the folder name`);
    const listed = manifest?.result_files.find((f) => f.name === 'result.json' || f.path === 'result.json');
    if (listed) {
      const md5 = createHash('md5').update(resultBytes).digest('hex');
      if (listed.size_bytes !== resultBytes.byteLength || listed.checksum.toLowerCase() !== md5) {
        throw new LegacyFileError(resultPath, `does not match manifest.json (size ${resultBytes.byteLength} vs ${listed.size_bytes}, MD5 ${md5} vs ${listed.checksum}): the file was changed or damaged`);
      }
    }
  } else if (manifest?.status === 'completed') {
    throw new LegacyFileError(resultPath, 'is missing although manifest.json says the task completed');
  }
  const { mtimeMs } = await stat(manifestBytes ? manifestPath : resultPath);
  const mapped = legacyToRun({ kind: 'async', result, resultBytes: resultBytes ?? undefined, manifest, manifestBytes: manifestBytes ?? undefined, fileMtimeMs: mtimeMs });
  return { ...mapped, jsonBytes: (resultBytes?.byteLength ?? 0) + (manifestBytes?.byteLength ?? 0) };
}

function payloadBytes(p: RunArchivePayload): number {
  return Buffer.byteLength(JSON.stringify(p.summary ?? null)) + (p.files ?? []).reduce((s, f) => s + f.bytes.byteLength, 0);
}

/** Errors that say the import cannot go on (the next runs would fail the same way). */
const SYSTEMIC = new Set(['UNAVAILABLE', 'STORAGE_FAILED', 'QUERY_FAILED']);

/**
 * Imports the original system's results (`results/{run_id}.json`, REFERENCE §6.1) and async task
 * folders (`tasks/{id}/result.json` + `manifest.json`, §6.2) as runs with archives. A bad file is
 * reported (its path and what is wrong) and the import goes on with the others; a database or
 * archive-store failure stops the import (`aborted`), and a rerun with `resume` continues.
 * Re-importing without `resume` is safe: saves are upserts by run id.
 */
export async function importLegacyResults(options: LegacyImportOptions): Promise<LegacyImportReport> {
  const batchSize = options.batchSize ?? 100;
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 10_000) {
    throw new LegacyFileError(options.dir, `batch size must be an integer in [1, 10000] (got ${batchSize})`);
  }
  const dryRun = options.dryRun ?? false;
  const candidates = await findLegacyRuns(options.dir);
  const imported: LegacyImportedRun[] = [];
  const skipped: string[] = [];
  const failed: LegacyImportFailure[] = [];
  const seen = new Map<string, string>();
  let aborted: LegacyImportReport['aborted'];
  let done = 0;
  outer: for (let i = 0; i < candidates.length; i += batchSize) {
    const batch = candidates.slice(i, i + batchSize);
    let existing: ReadonlySet<string> = new Set();
    if (options.resume) {
      try {
        existing = await options.target.existingIds(batch.map((c) => c.idHint));
      } catch (err) {
        aborted = { code: (err as { code?: string }).code ?? 'UNKNOWN', message: (err as Error).message };
        break;
      }
    }
    for (const c of batch) {
      const source = c.kind === 'sync' ? `results/${basename(c.path)}` : `tasks/${basename(c.path)}/`;
      if (existing.has(c.idHint)) {
        skipped.push(c.idHint);
        done++;
        continue;
      }
      try {
        const { run, payload, jsonBytes } = await loadCandidate(c);
        const earlier = seen.get(run.id);
        if (earlier) throw new LegacyFileError(c.path, `run id ${run.id} was already imported from ${earlier} in this import`);
        validateRunInput(run);
        let archiveBytes: number;
        if (dryRun) archiveBytes = payloadBytes(payload);
        else archiveBytes = (await options.target.save(run, payload)).archive?.totalBytes ?? 0;
        seen.set(run.id, source);
        imported.push({ runId: run.id, source, status: run.status, jsonBytes, archiveBytes });
      } catch (err) {
        const code = err instanceof ResultsError ? err.code : 'UNKNOWN';
        if (SYSTEMIC.has(code)) {
          aborted = { code, message: (err as Error).message };
          break outer;
        }
        const message = err instanceof LegacyFileError ? err.reason : (err as Error).message;
        failed.push({ file: err instanceof LegacyFileError ? err.file : c.path, code, message });
      }
      done++;
    }
    options.onProgress?.({ done, total: candidates.length, imported: imported.length, skipped: skipped.length, failed: failed.length });
  }
  const jsonBytes = imported.reduce((s, r) => s + r.jsonBytes, 0);
  const archiveBytes = imported.reduce((s, r) => s + r.archiveBytes, 0);
  return {
    dryRun,
    scanned: candidates.length,
    imported,
    skipped,
    failed,
    jsonBytes,
    archiveBytes,
    sizeRatio: jsonBytes > 0 ? archiveBytes / jsonBytes : 0,
    ...(aborted ? { aborted } : {}),
  };
}
