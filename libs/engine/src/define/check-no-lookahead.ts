import { candleAt, sliceCandles, type CandleColumns } from '../core/candles';
import type { SignalColumns } from '../core/signals';
import type { StrategyDefinition } from '../core/strategy';
import { parseStrategyParams } from '../strategies/params';
import type { DefinedStrategy } from './define-strategy';

/** One bar's decision: side (−1, 0, 1), confidence and level (NaN when undefined). */
export interface BarDecision {
  readonly side: number;
  readonly confidence: number;
  readonly level: number;
}

/** Result of {@link checkNoLookahead}. */
export type LookaheadReport =
  | {
    readonly ok: true;
    readonly strategy: string;
    /** Bars checked. */
    readonly bars: number;
    /** Signals in the full batch run. */
    readonly signals: number;
    /** Truncated prefixes that were run. */
    readonly prefixes: number;
  }
  | {
    readonly ok: false;
    readonly strategy: string;
    /** The first bar (0-based) whose decision differs, i.e. depends on later bars. */
    readonly bar: number;
    /**
     * Which comparison found it: `prefix` (the batch form on bars [0, prefixLength) decides bar
     * differently than on the whole series), `stream` (the streaming form, fed bar by bar,
     * differs from the batch form), `columns` (the column rule differs from the per-bar rule).
     */
    readonly check: 'prefix' | 'stream' | 'columns';
    /** Length of the prefix that exposed it (`prefix` only). */
    readonly prefixLength?: number;
    /** Decision of the batch form on the whole series. */
    readonly full: BarDecision;
    /** The other decision. */
    readonly other: BarDecision;
    /** One sentence for people. */
    readonly message: string;
  };

/** Options of {@link checkNoLookahead}. */
export interface CheckNoLookaheadOptions {
  /** Most truncated prefixes to run (default 400): every signal bar's prefix first, then evenly spaced cuts. */
  readonly maxPrefixes?: number;
}

const decision = (s: SignalColumns, i: number): BarDecision => ({ side: s.side[i], confidence: s.confidence[i], level: s.level ? s.level[i] : NaN });
const same = (a: BarDecision, b: BarDecision): boolean => a.side === b.side && a.confidence === b.confidence && Object.is(a.level, b.level);
const show = (d: BarDecision): string => `side ${d.side}, confidence ${d.confidence}, level ${d.level}`;

/**
 * Checks that a strategy decides every bar from that bar and earlier ones only. It runs the batch
 * form on the whole series, the streaming form bar by bar (which cannot see the future), the batch
 * form on truncated prefixes (ending at every signal bar and at evenly spaced cuts), and, for a
 * `defineStrategy` strategy with a column rule, the per-bar rule; any decision that differs from
 * the whole-series batch form marks a bar that depends on later bars. Returns the first such bar.
 *
 * @param params - Raw params (validated with the strategy's schema; undefined = defaults).
 * @throws InvalidParamsError on bad params. Candles are expected valid (`validateCandles`).
 */
export function checkNoLookahead<P extends object>(strategy: StrategyDefinition<P>, candles: CandleColumns, params?: unknown, options: CheckNoLookaheadOptions = {}): LookaheadReport {
  const p = parseStrategyParams(strategy, params);
  const n = candles.close.length;
  const full = strategy.generate(candles, p);
  let worst: Extract<LookaheadReport, { ok: false }> | null = null;
  const found = (bar: number, check: 'prefix' | 'stream' | 'columns', other: BarDecision, prefixLength?: number): void => {
    if (worst !== null && worst.bar <= bar) return;
    const f = decision(full, bar);
    const what = check === 'prefix'
      ? `the batch form decides bar ${bar} differently on the first ${prefixLength} bars (${show(other)}) than on all ${n} (${show(f)}): it reads bars after ${bar}`
      : check === 'stream'
        ? `the streaming form, fed bar by bar, decides bar ${bar} as ${show(other)}, the batch form as ${show(f)}: the batch form reads bars after ${bar}, or the two forms disagree`
        : `the column rule decides bar ${bar} as ${show(f)}, the per-bar rule as ${show(other)}`;
    worst = { ok: false, strategy: strategy.name, bar, check, ...(prefixLength !== undefined ? { prefixLength } : {}), full: f, other, message: `${strategy.name}: ${what}` };
  };

  const defined = strategy as unknown as Partial<DefinedStrategy<P>>;
  if (defined.hasColumnRule && typeof defined.generateReference === 'function') {
    const ref = defined.generateReference(candles, p);
    for (let i = 0; i < n; i++) if (!same(decision(ref, i), decision(full, i))) { found(i, 'columns', decision(ref, i)); break; }
  }

  const stream = strategy.createStream(p);
  for (let i = 0; i < n; i++) {
    const s = stream.onCandle(candleAt(candles, i));
    const d: BarDecision = s ? { side: s.side, confidence: s.confidence, level: s.level } : { side: 0, confidence: 0, level: NaN };
    if (!same(d, decision(full, i))) { found(i, 'stream', d); break; }
  }

  const maxPrefixes = options.maxPrefixes ?? 400;
  const cuts = new Set<number>();
  const signalBars: number[] = [];
  for (let i = 0; i < n; i++) if (full.side[i] !== 0) signalBars.push(i);
  const signalBudget = Math.floor(maxPrefixes / 2);
  const stepS = Math.max(1, signalBars.length / signalBudget);
  for (let k = 0; k < signalBars.length && cuts.size < signalBudget; k = Math.floor(k + stepS)) cuts.add(signalBars[Math.floor(k)] + 1);
  const even = maxPrefixes - cuts.size;
  for (let k = 1; k <= even; k++) cuts.add(Math.max(1, Math.round((k * n) / (even + 1))));
  const sorted = [...cuts].filter((k) => k >= 1 && k < n).sort((a, b) => a - b);
  for (const len of sorted) {
    if (worst !== null && (worst as { bar: number }).bar < len) break; // only an earlier bar could improve the report
    const part = strategy.generate(sliceCandles(candles, 0, len), p);
    for (let i = 0; i < len; i++) {
      const d = decision(part, i);
      if (!same(d, decision(full, i))) { found(i, 'prefix', d, len); break; }
    }
  }
  if (worst !== null) return worst;
  return { ok: true, strategy: strategy.name, bars: n, signals: signalBars.length, prefixes: sorted.length };
}
