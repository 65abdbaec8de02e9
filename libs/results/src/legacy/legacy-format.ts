import { LegacyFileError } from '../errors';
import { isPlainObject, isUuid } from '../validation';

/** One signal row of the original's `SymbolResult.signals` (REFERENCE §1.7). */
export interface LegacySignal {
  /** Symbol as requested. */
  readonly symbol: string;
  /** Side lower-cased, `buy` in practice. */
  readonly type: string;
  /** ISO 8601 time of the signal bar (async results end in `+00:00Z`, REFERENCE §12.19). */
  readonly timestamp: string;
  /** Close of the signal bar (KRW). */
  readonly entry_price: number;
  /** Close `hold_period_bars` later (KRW). */
  readonly exit_price: number;
  /** Return as a **fraction** (0.02 = 2 %). */
  readonly return_pct: number;
}

/** One point of the original's performance curve. */
export interface LegacyCurvePoint {
  /** Signal date `YYYY-MM-DD`. */
  readonly timestamp: string;
  /** Compounded equity (starts from 1). */
  readonly equity: number;
  /** Always null in the original. */
  readonly drawdown: number | null;
}

/** The original's per-symbol result. */
export interface LegacySymbolResult {
  /** Symbol. */
  readonly symbol: string;
  /** UI toggle (absent in old files = true). */
  readonly is_active?: boolean;
  /** Signal rows. */
  readonly signals: readonly LegacySignal[];
  /** Share of winning signals, **fraction** 0..1. */
  readonly win_rate: number;
  /** Mean return in **percent**. */
  readonly avg_return: number;
  /** The original's additive maximum drawdown in percent (REFERENCE §1.6). */
  readonly max_drawdown: number;
  /** Holding period in bars (a constant). */
  readonly avg_hold_bars: number;
  /** Equity points, or null when there were no signals. */
  readonly performance_curve: readonly LegacyCurvePoint[] | null;
}

/** The original's `BacktestResponse` (REFERENCE §4.2), as stored in `results/{run_id}.json` and `tasks/{id}/result.json`. */
export interface LegacyBacktestResponse {
  /** Schema version, `1.1.0` (absent in the oldest files). */
  readonly version?: string;
  /** Run id (uuid4). */
  readonly run_id: string;
  /** Strategy name. */
  readonly strategy: string;
  /** Parameters as sent. */
  readonly params: Readonly<Record<string, unknown>>;
  /** First day, `YYYY-MM-DD` (interpreted in KST by the original). */
  readonly start_date: string;
  /** Last day, `YYYY-MM-DD`. */
  readonly end_date: string;
  /** Timeframe as sent (e.g. `1d`, `1H`). */
  readonly timeframe: string;
  /** Per-symbol results. */
  readonly symbols: readonly LegacySymbolResult[];
  /** Σ signals over symbols. */
  readonly total_signals: number;
  /** Wall time in **seconds**. */
  readonly execution_time: number;
  /** Where and when it ran. */
  readonly metadata?: { readonly execution_date?: string; readonly environment?: string; readonly execution_host?: string };
  /** Always null in the original. */
  readonly description?: string | null;
}

/** The original's async task `manifest.json` (REFERENCE §6.2). */
export interface LegacyManifest {
  /** Task id (= run id). */
  readonly task_id: string;
  /** `completed` or `failed`. */
  readonly status: 'completed' | 'failed';
  /** Strategy name. */
  readonly strategy: string;
  /** Parameters. */
  readonly params: Readonly<Record<string, unknown>>;
  /** Symbol names. */
  readonly symbols: readonly string[];
  /** First day. */
  readonly start_date: string;
  /** Last day. */
  readonly end_date: string;
  /** Timeframe. */
  readonly timeframe: string;
  /** Files of the task with size and MD5 (hex, of the whole file). */
  readonly result_files: readonly { readonly name: string; readonly path: string; readonly size_bytes: number; readonly checksum: string }[];
  /** Timing and host. */
  readonly metadata?: { readonly started_at?: string; readonly finished_at?: string; readonly duration_ms?: number; readonly execution_host?: string; readonly environment?: string };
  /** Counters. */
  readonly summary?: Readonly<Record<string, unknown>>;
  /** Error flag and message. */
  readonly error?: { readonly occurred?: boolean; readonly message?: string | null };
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2}Z?)?$/;

/**
 * Epoch ms of a timestamp written by the original: an offset followed by a stray `Z`
 * (`+00:00Z`, REFERENCE §12.19) is accepted, and a time without offset (Python's naive
 * `utcnow().isoformat()`) is read as UTC. NaN when unparsable.
 */
export function parseLegacyTime(s: string): number {
  const m = ISO_TIME.exec(s);
  if (!m) return Number.NaN;
  let text = s;
  if (/[+-]\d{2}:\d{2}Z$/.test(text)) text = text.slice(0, -1);
  else if (m[2] === undefined) text += 'Z';
  return Date.parse(text);
}

/** Epoch ms of midnight of a `YYYY-MM-DD` day in Korea (UTC+9, no DST), the zone the original read dates in. */
export function kstMidnight(day: string): number {
  const [y, mo, d] = day.split('-').map(Number);
  return Date.UTC(y, mo - 1, d) - 9 * 3_600_000;
}

function validDay(s: unknown): boolean {
  if (typeof s !== 'string' || !DATE.test(s)) return false;
  const [y, m, d] = s.split('-').map(Number);
  const t = new Date(Date.UTC(y, m - 1, d));
  return t.getUTCFullYear() === y && t.getUTCMonth() === m - 1 && t.getUTCDate() === d;
}

/** Collects field problems of one file; reported together in one {@link LegacyFileError}. */
class FieldCheck {
  readonly problems: string[] = [];
  constructor(private readonly obj: Record<string, unknown>) {}

  private get(path: string): unknown {
    return this.obj[path];
  }

  str(path: string, optional = false): void {
    const v = this.get(path);
    if (v === undefined && optional) return;
    if (typeof v !== 'string' || v.length === 0) this.problems.push(`${path} (${v === undefined ? 'missing' : 'must be a non-empty string'})`);
  }

  num(path: string, v: unknown, min = -Infinity): void {
    if (typeof v !== 'number' || !Number.isFinite(v) || v < min) this.problems.push(`${path} (${v === undefined ? 'missing' : `must be a number${min > -Infinity ? ` >= ${min}` : ''}`})`);
  }

  day(path: string): void {
    if (!validDay(this.get(path))) this.problems.push(`${path} (must be a YYYY-MM-DD date)`);
  }

  add(problem: string): void {
    this.problems.push(problem);
  }
}

function parseJson(file: string, bytes: Uint8Array): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(bytes).toString('utf8'));
  } catch (err) {
    throw new LegacyFileError(file, `not valid JSON (${(err as Error).message})`, { cause: err });
  }
  if (!isPlainObject(parsed)) throw new LegacyFileError(file, 'must contain a JSON object');
  return parsed;
}

function fail(file: string, what: string, problems: readonly string[]): never {
  const shown = problems.slice(0, 8).join('; ');
  throw new LegacyFileError(file, `not a valid ${what}: ${shown}${problems.length > 8 ? `; and ${problems.length - 8} more` : ''}`);
}

/** Parses and checks a BacktestResponse file; every problem found is named in one `INVALID_FILE` error. */
export function parseLegacyResult(file: string, bytes: Uint8Array): LegacyBacktestResponse {
  const o = parseJson(file, bytes);
  const c = new FieldCheck(o);
  c.str('version', true);
  if (!isUuid(o.run_id)) c.add(`run_id (${o.run_id === undefined ? 'missing' : 'must be a UUID'})`);
  c.str('strategy');
  if (o.params !== undefined && !isPlainObject(o.params)) c.add('params (must be an object)');
  c.day('start_date');
  c.day('end_date');
  if (validDay(o.start_date) && validDay(o.end_date) && (o.start_date as string) > (o.end_date as string)) c.add('end_date (before start_date)');
  if (o.timeframe !== undefined) c.str('timeframe');
  c.num('total_signals', o.total_signals, 0);
  c.num('execution_time', o.execution_time, 0);
  if (o.metadata !== undefined && o.metadata !== null && !isPlainObject(o.metadata)) c.add('metadata (must be an object)');
  const md = isPlainObject(o.metadata) ? o.metadata : {};
  if (md.execution_date !== undefined && (typeof md.execution_date !== 'string' || Number.isNaN(parseLegacyTime(md.execution_date)))) c.add('metadata.execution_date (not an ISO time)');
  let signalCount = 0;
  if (!Array.isArray(o.symbols) || o.symbols.length === 0) c.add('symbols (must be a non-empty array of symbol results)');
  else {
    const seen = new Set<string>();
    o.symbols.forEach((s: unknown, i: number) => {
      const at = `symbols[${i}]`;
      if (!isPlainObject(s)) return c.add(`${at} (must be an object)`);
      if (typeof s.symbol !== 'string' || s.symbol.length === 0) c.add(`${at}.symbol (missing)`);
      else if (seen.has(s.symbol)) c.add(`${at}.symbol (${s.symbol} appears twice)`);
      else seen.add(s.symbol);
      c.num(`${at}.win_rate`, s.win_rate, 0);
      if (typeof s.win_rate === 'number' && s.win_rate > 1) c.add(`${at}.win_rate (must be a fraction 0..1)`);
      c.num(`${at}.avg_return`, s.avg_return);
      c.num(`${at}.max_drawdown`, s.max_drawdown, 0);
      c.num(`${at}.avg_hold_bars`, s.avg_hold_bars, 0);
      if (s.is_active !== undefined && typeof s.is_active !== 'boolean') c.add(`${at}.is_active (must be a boolean)`);
      if (s.performance_curve !== null && s.performance_curve !== undefined && !Array.isArray(s.performance_curve)) c.add(`${at}.performance_curve (must be an array or null)`);
      if (!Array.isArray(s.signals)) return c.add(`${at}.signals (must be an array)`);
      signalCount += s.signals.length;
      s.signals.forEach((g: unknown, j: number) => {
        const sat = `${at}.signals[${j}]`;
        if (!isPlainObject(g)) return c.add(`${sat} (must be an object)`);
        if (typeof g.timestamp !== 'string' || Number.isNaN(parseLegacyTime(g.timestamp))) c.add(`${sat}.timestamp (not an ISO time)`);
        c.num(`${sat}.entry_price`, g.entry_price, 0);
        c.num(`${sat}.exit_price`, g.exit_price, 0);
        c.num(`${sat}.return_pct`, g.return_pct, -1);
      });
    });
  }
  if (c.problems.length === 0 && signalCount !== o.total_signals) c.add(`total_signals (${String(o.total_signals)} but the symbols hold ${signalCount} signal rows)`);
  if (c.problems.length) fail(file, 'backtest result', c.problems);
  return { ...o, params: (o.params ?? {}) as Record<string, unknown>, timeframe: (o.timeframe ?? '1d') as string } as unknown as LegacyBacktestResponse;
}

/** Parses and checks an async task `manifest.json`. */
export function parseLegacyManifest(file: string, bytes: Uint8Array): LegacyManifest {
  const o = parseJson(file, bytes);
  const c = new FieldCheck(o);
  if (!isUuid(o.task_id)) c.add(`task_id (${o.task_id === undefined ? 'missing' : 'must be a UUID'})`);
  if (o.status !== 'completed' && o.status !== 'failed') c.add('status (must be completed or failed)');
  c.str('strategy');
  if (o.params !== undefined && !isPlainObject(o.params)) c.add('params (must be an object)');
  if (!Array.isArray(o.symbols) || o.symbols.length === 0 || !o.symbols.every((s) => typeof s === 'string' && s.length > 0)) c.add('symbols (must be a non-empty array of names)');
  c.day('start_date');
  c.day('end_date');
  if (o.timeframe !== undefined) c.str('timeframe');
  if (!Array.isArray(o.result_files)) c.add('result_files (must be an array)');
  else
    o.result_files.forEach((f: unknown, i: number) => {
      if (!isPlainObject(f) || typeof f.name !== 'string' || typeof f.size_bytes !== 'number' || typeof f.checksum !== 'string' || !/^[0-9a-f]{32}$/i.test(f.checksum)) {
        c.add(`result_files[${i}] (needs name, size_bytes and an MD5 hex checksum)`);
      }
    });
  const md = isPlainObject(o.metadata) ? o.metadata : {};
  for (const k of ['started_at', 'finished_at'] as const) {
    if (md[k] !== undefined && md[k] !== null && (typeof md[k] !== 'string' || Number.isNaN(parseLegacyTime(md[k] as string)))) c.add(`metadata.${k} (not an ISO time)`);
  }
  if (md.duration_ms !== undefined && md.duration_ms !== null) c.num('metadata.duration_ms', md.duration_ms, 0);
  if (c.problems.length) fail(file, 'task manifest', c.problems);
  return { ...o, params: (o.params ?? {}) as Record<string, unknown>, timeframe: (o.timeframe ?? '1d') as string } as unknown as LegacyManifest;
}
