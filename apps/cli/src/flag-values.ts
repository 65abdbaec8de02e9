import { CliUsageError } from './errors';

/** Commander reducer for a repeatable flag (`--param a=1 --param b=2`). */
export function collect(value: string, previous: readonly string[] = []): string[] {
  return [...previous, value];
}

/**
 * A flag value as a user types it: JSON when it parses (`20`, `0.5`, `true`, `null`, `"x"`,
 * `{"kind":"notional","krw":1e6}`), otherwise the text itself (`signal-close`). Validation is
 * left to the schema that receives the value, so its message names the field and the range.
 */
export function parseLooseValue(text: string): unknown {
  const t = text.trim();
  if (t === '') return '';
  try {
    return JSON.parse(t) as unknown;
  } catch {
    return text;
  }
}

/**
 * `key=value` entries of a repeatable flag as an object; a dotted key (`sizing.kind=notional`)
 * builds a nested object. A key given twice or an entry without `=` is a usage error.
 */
export function parseKeyValues(entries: readonly string[] | undefined, flag: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const entry of entries ?? []) {
    const eq = entry.indexOf('=');
    const key = eq > 0 ? entry.slice(0, eq).trim() : '';
    if (!key) throw new CliUsageError(`${flag} expects key=value (got "${entry}")`);
    const path = key.split('.');
    let node = out;
    for (const part of path.slice(0, -1)) {
      const next = node[part];
      if (next !== undefined && (typeof next !== 'object' || next === null || Array.isArray(next))) throw new CliUsageError(`${flag} ${key}: ${part} is already set to a value`);
      node = (node[part] ??= {}) as Record<string, unknown>;
    }
    const leaf = path[path.length - 1];
    if (leaf in node) throw new CliUsageError(`${flag} ${key} is given twice`);
    node[leaf] = parseLooseValue(entry.slice(eq + 1));
  }
  return out;
}

/**
 * Resolves parameter names typed by the user against the known ones: an exact name, or an
 * unambiguous prefix (`fast` for `fast_period`). Names matching nothing or several are left as
 * typed, so the strategy's schema reports them with the list of known parameters.
 */
export function resolveNames<T>(given: Readonly<Record<string, T>>, known: readonly string[]): Record<string, T> {
  const out: Record<string, T> = {};
  for (const [name, value] of Object.entries(given)) {
    let resolved = name;
    if (!known.includes(name)) {
      const candidates = known.filter((k) => k.startsWith(name));
      if (candidates.length === 1) resolved = candidates[0];
    }
    if (resolved in out) throw new CliUsageError(`${name} and another name both mean ${resolved}; give it once`);
    out[resolved] = value;
  }
  return out;
}

/** Parses a whole number in [min, max] for `flag`. */
export function intFlag(flag: string, min: number, max = Number.MAX_SAFE_INTEGER): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!/^\s*\d+\s*$/.test(value) || n < min || n > max) throw new CliUsageError(`${flag} must be a whole number from ${min}${max < Number.MAX_SAFE_INTEGER ? ` to ${max}` : ' up'} (got "${value}")`);
    return n;
  };
}

function numberOrPercent(flag: string, value: string, what: string): { n: number; percent: boolean } {
  const t = value.trim();
  const percent = t.endsWith('%');
  const n = Number(percent ? t.slice(0, -1) : t);
  if (t === '' || t === '%' || !Number.isFinite(n)) throw new CliUsageError(`${flag} expects ${what} (got "${value}")`);
  return { n, percent };
}

/** The friendly portfolio flags of `backtest` and `sweep`, as commander gives them. */
export interface FriendlyOptionFlags {
  readonly capital?: string;
  readonly fee?: string;
  readonly slippage?: string;
  readonly stopLoss?: string;
  readonly takeProfit?: string;
  readonly trailingStop?: string;
  readonly holdBars?: string;
  readonly fill?: string;
  readonly option?: readonly string[];
}

/** What each friendly flag sets, for help texts and docs. */
export const FRIENDLY_FLAGS = [
  ['--capital <krw>', 'initial_capital', 'starting cash, KRW (default 10000000)'],
  ['--fee <rate>', 'fee_rate', 'fee per fill: a fraction (0.001) or a percent (0.1%) (default 0.1%)'],
  ['--slippage <rate>', 'slippage_rate', 'adverse slippage per fill: a fraction (0.0002) or a percent (0.02%) (default 0.02%)'],
  ['--stop-loss <pct>', 'stop_loss_pct', 'stop-loss, percent below the entry fill (2 or 2%)'],
  ['--take-profit <pct>', 'take_profit_pct', 'take-profit, percent above the entry fill'],
  ['--trailing-stop <pct>', 'trailing_stop_pct', 'trailing stop, percent below the highest high since entry'],
  ['--hold-bars <n>', 'hold_bars', 'time exit after n bars; "strategy" (default: the strategy\'s hold period) or "none"'],
  ['--fill <rule>', 'fill', 'next-open (default: decide at the close, fill at the next open) or signal-close (the original)'],
] as const;

/**
 * Portfolio options from `--option key=value` entries plus the friendly flags. Values are not
 * range-checked here: the engine's options schema does that and names the option and its range.
 */
export function portfolioOptionsFromFlags(f: FriendlyOptionFlags): Record<string, unknown> {
  const options = parseKeyValues(f.option, '--option');
  const set = (flag: string, key: string, value: unknown): void => {
    if (key in options) throw new CliUsageError(`${flag} and --option ${key} both set ${key}; give it once`);
    options[key] = value;
  };
  if (f.capital !== undefined) set('--capital', 'initial_capital', numberOrPercent('--capital', f.capital.replace(/_/g, ''), 'an amount in KRW, e.g. 10000000').n);
  for (const [flag, key, value] of [['--fee', 'fee_rate', f.fee], ['--slippage', 'slippage_rate', f.slippage]] as const) {
    if (value === undefined) continue;
    const { n, percent } = numberOrPercent(flag, value, 'a fraction (0.001) or a percent (0.1%)');
    set(flag, key, percent ? n / 100 : n);
  }
  for (const [flag, key, value] of [['--stop-loss', 'stop_loss_pct', f.stopLoss], ['--take-profit', 'take_profit_pct', f.takeProfit], ['--trailing-stop', 'trailing_stop_pct', f.trailingStop]] as const) {
    if (value !== undefined) set(flag, key, numberOrPercent(flag, value, 'a percent, e.g. 2 or 2%').n);
  }
  if (f.holdBars !== undefined) {
    const t = f.holdBars.trim();
    set('--hold-bars', 'hold_bars', t === 'none' || t === 'null' ? null : t === 'strategy' ? 'strategy' : parseLooseValue(t));
  }
  if (f.fill !== undefined) set('--fill', 'fill', f.fill.trim());
  return options;
}
