/**
 * Runs PostgreSQL's client programs (pg_dump, pg_restore, psql) against a `postgres://` URL. The
 * URL is handed over as PG* environment variables, so the password never appears in the process
 * list, and every run is bounded by a timeout.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';

/** A client program failed; `stderr` holds the end of what it printed. */
export class PgToolError extends Error {
  readonly code = 'PG_TOOL_FAILED' as const;
  constructor(readonly program: string, readonly exitCode: number | null, readonly stderr: string, options?: { cause?: unknown }) {
    super(`${program} failed (exit ${exitCode ?? 'signal'}): ${stderr.trim().split('\n').slice(-8).join('\n') || 'no output'}`, options);
    this.name = 'PgToolError';
  }
}

/** libpq environment for a `postgres://user:pass@host:port/db?sslmode=…` URL. */
export function pgEnvironment(url: string): Record<string, string> {
  const u = new URL(url);
  const env: Record<string, string> = {};
  if (u.hostname) env['PGHOST'] = decodeURIComponent(u.hostname.replace(/^\[|\]$/g, ''));
  if (u.port) env['PGPORT'] = u.port;
  if (u.username) env['PGUSER'] = decodeURIComponent(u.username);
  if (u.password) env['PGPASSWORD'] = decodeURIComponent(u.password);
  const db = decodeURIComponent(u.pathname.replace(/^\//, ''));
  if (db) env['PGDATABASE'] = db;
  const sslmode = u.searchParams.get('sslmode');
  if (sslmode) env['PGSSLMODE'] = sslmode;
  return env;
}

/** Name of the database a URL points at. */
export function databaseName(url: string): string {
  return pgEnvironment(url)['PGDATABASE'] ?? 'postgres';
}

/** The same server, another database. */
export function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${encodeURIComponent(database)}`;
  return u.toString();
}

/** Options of {@link runPgTool}. */
export interface PgToolOptions {
  /** Server and database. */
  readonly url: string;
  /** Folder of the programs; unset = PATH. */
  readonly binDir?: string;
  /** Kill the program after this long (default 6 h: big dumps take a while). */
  readonly timeoutMs?: number;
}

/** Runs `program args…`; resolves with stdout, rejects with {@link PgToolError}. */
export function runPgTool(program: 'pg_dump' | 'pg_restore' | 'psql', args: readonly string[], options: PgToolOptions): Promise<string> {
  const file = options.binDir ? join(options.binDir, program) : program;
  const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('PG')));
  return new Promise((resolve, reject) => {
    const child = spawn(file, [...args], { env: { ...base, ...pgEnvironment(options.url) }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      err = (err + d.toString()).slice(-16_384);
    });
    const timer = setTimeout(() => {
      err += `\n(killed after ${options.timeoutMs ?? 21_600_000} ms)`;
      child.kill('SIGKILL');
    }, options.timeoutMs ?? 21_600_000);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(new PgToolError(program, null, `${e.message}${(e as NodeJS.ErrnoException).code === 'ENOENT' ? ` (install postgresql-client or set PG_BIN_DIR)` : ''}`, { cause: e }));
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve(out);
      else reject(new PgToolError(program, code, err));
    });
  });
}
