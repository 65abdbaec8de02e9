/**
 * Test harness: runs `coinhts` in-process through `runCli` with captured output and a controlled
 * environment (restored afterwards), plus temporary folders removed at the end of the file.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { runCli, type CliIo } from '../src/main';

/** What a run printed and returned. */
export interface CliRun {
  readonly code: number;
  readonly out: string;
  readonly err: string;
}

/** Repository root (for fixtures and the bundled sample). */
export const REPO_ROOT = resolve(__dirname, '..', '..', '..');
/** The original coin_hts fixtures. */
export const FIXTURES = join(REPO_ROOT, 'libs', 'engine', 'test', 'fixtures', 'coin_hts');

/** Options of {@link runCoinhts}. */
export interface RunOptions {
  /** Environment for this run: a value sets the variable, `undefined` removes it. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly isTty?: boolean;
  /** Sees every stderr write as it happens (e.g. to press Ctrl-C on the first progress line). */
  readonly onStderr?: (s: string) => void;
}

/**
 * Runs the CLI. Unless `env` says otherwise: DATA_ROOT unset (the bundled sample), COINHTS_TZ
 * Asia/Seoul, COINHTS_DEBUG unset. RESULTS_STORE should always be a fresh temp folder (`file:${dir}`).
 */
export async function runCoinhts(argv: readonly string[], options: RunOptions = {}): Promise<CliRun> {
  // Service-less by default: no DATABASE_URL (the embedded index), the store from COINHTS_RESULTS_DIR.
  const env: Record<string, string | undefined> = { DATA_ROOT: undefined, COINHTS_TZ: 'Asia/Seoul', COINHTS_DEBUG: undefined, DATABASE_URL: undefined, DB_SCHEMA: undefined, ...options.env };
  const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
  const set = (vars: Record<string, string | undefined>): void => {
    for (const [k, v] of Object.entries(vars)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  };
  set(env);
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIo = {
    stdout: (s) => out.push(s),
    stderr: (s) => { err.push(s); options.onStderr?.(s); },
    isTty: options.isTty ?? false,
  };
  try {
    const code = await runCli(argv, io);
    return { code, out: out.join(''), err: err.join('') };
  } finally {
    set(saved);
  }
}

/** Creates temporary folders under one root and removes the root with `cleanup()`. */
export function tempDirs(prefix: string): { make: (name: string) => string; cleanup: () => void } {
  const root = mkdtempSync(join(tmpdir(), `coinhts-${prefix}-`));
  let n = 0;
  return {
    make: (name) => join(root, `${name}-${++n}`),
    cleanup: () => rmSync(root, { recursive: true, force: true }),
  };
}

/** Parses CSV text written by the CLI (no quoted fields in numeric tables) into header + rows. */
export function readCsv(text: string): { header: string[]; rows: string[][] } {
  const lines = text.trimEnd().split('\n');
  return { header: lines[0].split(','), rows: lines.slice(1).filter((l) => l !== '').map((l) => l.split(',')) };
}

/** A CSV column by name, as numbers (empty cells become NaN). */
export function numbers(csv: { header: string[]; rows: string[][] }, column: string): number[] {
  const c = csv.header.indexOf(column);
  if (c < 0) throw new Error(`no column ${column} in ${csv.header.join(',')}`);
  return csv.rows.map((r) => (r[c] === '' ? NaN : Number(r[c])));
}
