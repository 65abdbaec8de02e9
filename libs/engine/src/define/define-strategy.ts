import { InvalidIndicatorParamError } from '@coinhts/indicators';
import type { z } from 'zod';
import type { Candle, CandleColumns } from '../core/candles';
import type { GenerateContext } from '../core/columns';
import { emptySignals, type SignalSide, type SignalColumns, type StreamSignal } from '../core/signals';
import { sparseSignals } from '../core/sparse-signals';
import type { StrategyDefinition, StrategyState, StreamingStrategy } from '../core/strategy';
import { isTimeframe, TIMEFRAMES, type Timeframe } from '../core/timeframes';
import { paramsJsonSchema } from '../strategies/params';
import { canonical, InvalidStrategyStateError } from '../strategies/strategy-state-error';
import { StrategyDefinitionError, StrategyRuleError } from './errors';
import { HigherBarBuilder, higherBars } from './higher-timeframe';
import { batchColumns, type IndicatorSpec, type IndicatorStream } from './indicator-specs';
import { captureState, restoreState, type JsonValue } from './state-codec';

/** The candle fields every bar view carries: those of a {@link Candle} (prices in quote currency, time in UTC epoch ms). */
export type BarFields = Candle;

/** Candle fields plus the current value of each named indicator (NaN during its warm-up). */
export type BarValues<I extends string> = BarFields & { readonly [K in I]: number };

/**
 * What the per-bar rule sees: the bar that has just closed and its indicator values, the previous
 * bar (`prev`), and the last **closed** higher-timeframe bar (`htf`, NaN everywhere before the
 * first one closes). Values only: there is no way to reach a later bar through it.
 */
export type BarView<I extends string, H extends string = never> = BarValues<I> & {
  /** 0-based index of this bar in the series (or since the stream started). */
  readonly index: number;
  /** The previous bar and its indicator values. */
  readonly prev: BarValues<I>;
  /** The last closed higher-timeframe bar and its indicators (see `higherTimeframe`). */
  readonly htf: BarValues<H>;
};

/** What a rule returns: a {@link SignalSide} (`1` Buy, `-1` Sell, `0` nothing) or null/undefined (nothing). */
export type RuleResult = SignalSide | null | undefined | void;

/** The batch columns a column rule reads: candles and indicator columns, whole. */
export type RuleColumns<I extends string> = { readonly [K in keyof BarFields | I]: Float64Array };

/** A higher timeframe the rule reads through `bar.htf`. */
export interface HigherTimeframeInput<P, H extends string> {
  /** Timeframe of the candles the strategy runs on, e.g. `1m`. Candles closer together are refused. */
  readonly base: Timeframe;
  /** Timeframe of the bars `bar.htf` shows, e.g. `1h`; above `base`, up to `1w`. */
  readonly higher: Timeframe;
  /** Indicators computed on the higher-timeframe bars. */
  readonly indicators?: (params: P) => Readonly<Record<H, IndicatorSpec>>;
}

/** The declaration given to {@link defineStrategy}. `S` is the zod object schema of the parameters. */
export interface DefineStrategyInput<S extends z.ZodType<object>, I extends string, H extends string, St extends object> {
  /** Registry name, snake_case (`[a-z][a-z0-9_]*`). */
  readonly name: string;
  /** Short human title (default: the name). */
  readonly title?: string;
  /** One paragraph on the rule. */
  readonly description?: string;
  /** Version of the rule and its state, a positive integer (default 1); a snapshot of another version is refused. */
  readonly version?: number;
  /** zod **object** schema: defaults, ranges and `.describe()` texts become the JSON Schema. */
  readonly params: S;
  /** The indicators the rule reads, by name, with their parameters (helpers: `ind`). */
  readonly indicators: (params: z.output<S>) => Readonly<Record<I, IndicatorSpec>>;
  /** Optional higher timeframe (multi-timeframe strategies). */
  readonly higherTimeframe?: HigherTimeframeInput<z.output<S>, H>;
  /** Initial value of the rule's own state (plain data; snapshotted with the stream). Default `{}`. */
  readonly state?: (params: z.output<S>) => St;
  /**
   * The decision at one closed bar. Called from the warm-up on (every indicator and `prev` have a
   * value), once per bar, in order. May update `state`.
   */
  readonly rule: (bar: BarView<I, H>, params: z.output<S>, state: St) => RuleResult;
  /** Level reported with a signal (e.g. the band that was crossed); default NaN. */
  readonly level?: (bar: BarView<I, H>, params: z.output<S>, state: St) => number;
  /**
   * Optional fast batch form of the same rule over whole columns: write `out.side[i]` (and
   * `out.level[i]`) for every bar. It must decide exactly what `rule` decides; `checkNoLookahead`
   * and the contract tests compare the two. Not available with `higherTimeframe`.
   */
  readonly columns?: (cols: RuleColumns<I>, params: z.output<S>, out: { readonly side: Int8Array; readonly level: Float64Array }) => void;
  /** Whether Sell signals close positions (default true). */
  readonly exitsOnSignal?: boolean;
}

/** A strategy built by {@link defineStrategy}: a {@link StrategyDefinition} plus what it was built from. */
export interface DefinedStrategy<P extends object> extends StrategyDefinition<P> {
  /** Version of the rule and of its snapshots. */
  readonly version: number;
  /** The batch form through the per-bar rule (the reference the column rule must equal). */
  generateReference(candles: CandleColumns, params: P, ctx?: GenerateContext): SignalColumns;
  /** True when a column rule is declared (then `generate` uses it). */
  readonly hasColumnRule: boolean;
  /** The declared higher timeframe, if any. */
  readonly higherTimeframe?: { readonly base: Timeframe; readonly higher: Timeframe };
}

const CANDLE_KEYS = ['timestamp', 'open', 'high', 'low', 'close', 'volume'] as const;
const RESERVED = new Set<string>([...CANDLE_KEYS, 'index', 'prev', 'htf', 'constructor', '__proto__']);
const NAME_RE = /^[a-z][a-z0-9_]*$/;
const KEY_RE = /^[A-Za-z_$][A-Za-z0-9_$]*$/;
/** Format of the snapshots of every defined strategy's stream. */
const SNAPSHOT_FORMAT = 'coinhts.defined-strategy.v1';

// ---------------------------------------------------------------- views (values only)

/**
 * The rule's `bar` is a plain object holding values only (no way to another bar), refilled for
 * every bar. Filling is the per-bar overhead, so it is a function generated once per strategy
 * (`o.close = c[4][i]; o.fast = c[6][i]; …`): named stores on objects of one shape, which V8
 * compiles to a few instructions. Getters over the columns were tried first and cost ~0.5 µs a
 * bar (V8 does not inline them); keyed stores `o[name] = …` cost ~0.2 µs. Where code generation
 * is not allowed (a browser with a strict Content-Security-Policy) the keyed stores are used.
 */
type Fill = (o: Record<string, unknown>, cols: readonly Float64Array[], i: number) => void;

function makeFill(names: readonly string[]): Fill {
  // names are checked identifiers (KEY_RE) or candle fields: nothing here can inject code
  const body = names.map((n, k) => `o.${n} = c[${k}][i];`).join('\n');
  try {
    return new Function('o', 'c', 'i', body) as Fill;
  } catch {
    return (o, c, i) => {
      for (let k = 0; k < names.length; k++) o[names[k]] = c[k][i];
    };
  }
}

/** A bar object of a fixed shape: the named values (NaN), then `index`, `prev`, `htf`. */
function makeBar(names: readonly string[]): Record<string, unknown> {
  const o: Record<string, unknown> = {};
  for (const n of names) o[n] = NaN;
  o.index = 0;
  o.prev = null;
  o.htf = null;
  return o;
}

interface Views {
  readonly fill: Fill;
  readonly fillHigher: Fill;
  readonly names: readonly string[];
  readonly htfNames: readonly string[];
  readonly feed: Feed;
}

/** The fields of a strategy's stream that {@link Feed} reads and writes. */
interface FeedState {
  count: number;
  readonly slots: readonly Float64Array[];
  readonly streams: readonly IndicatorStream[];
  readonly cur: Record<string, unknown>;
  readonly prv: Record<string, unknown>;
  readonly warm: number;
  readonly params: unknown;
  readonly state: unknown;
}

/** One candle `c` (bar `i`) through a stream, after its higher-timeframe part: indicators, views, rule. */
type Feed = (self: FeedState, c: Candle, i: number) => StreamSignal | null;

type AnyRule = (bar: never, params: never, state: never) => RuleResult;
type AnyLevel = (bar: never, params: never, state: never) => number;

/**
 * The per-candle work of the streaming form, generated once per strategy (and set of indicator
 * names): the candle and each indicator's value stored in the two-bar slots, the bar and previous
 * bar views filled, the rule called. Written out as one function per strategy because a single
 * shared loop serves every strategy of a process: its call and property sites see every
 * strategy's indicator classes and view shapes and become megamorphic (measured: a Donchian stream
 * at half speed once six other strategies had streamed in the same process), while each generated
 * function sees only its own. Where code generation is not allowed, the same steps as a closure.
 */
function makeFeed(names: readonly string[], rule: AnyRule, levelFn: AnyLevel | undefined, badResult: (i: number, r: unknown) => never): Feed {
  // names are checked identifiers (KEY_RE) or candle fields: nothing here can inject code
  const lines = [
    'const s = self.slots, slot = i & 1, other = slot ^ 1;',
    's[0][slot] = c.timestamp; s[1][slot] = c.open; s[2][slot] = c.high; s[3][slot] = c.low; s[4][slot] = c.close; s[5][slot] = c.volume;',
    'const streams = self.streams;',
  ];
  for (let k = CANDLE_KEYS.length; k < names.length; k++) {
    const j = k - CANDLE_KEYS.length;
    lines.push(`{ const st = streams[${j}]; if (st.push !== undefined) st.push(c, s[${k}], slot); else s[${k}][slot] = st.next(c); }`);
  }
  lines.push('self.count = i + 1;', 'if (i < self.warm) return null;', 'const cur = self.cur, prv = self.prv;');
  names.forEach((n, k) => lines.push(`cur.${n} = s[${k}][slot]; prv.${n} = s[${k}][other];`));
  lines.push(
    'cur.index = i;',
    'const params = self.params, state = self.state;',
    'const r = rule(cur, params, state);',
    'if (r === 1 || r === -1) return { side: r, confidence: 1, level: levelFn !== undefined ? levelFn(cur, params, state) : NaN };',
    'if (r !== 0 && r !== null && r !== undefined) badResult(i, r);',
    'return null;',
  );
  try {
    return new Function('rule', 'levelFn', 'badResult', `return function feed(self, c, i) {\n${lines.join('\n')}\n};`)(rule, levelFn, badResult) as Feed;
  } catch {
    const fill = makeFill(names);
    return (self, c, i) => {
      const s = self.slots, slot = i & 1;
      s[0][slot] = c.timestamp; s[1][slot] = c.open; s[2][slot] = c.high; s[3][slot] = c.low; s[4][slot] = c.close; s[5][slot] = c.volume;
      const streams = self.streams;
      for (let j = 0; j < streams.length; j++) {
        const st = streams[j];
        if (st.push !== undefined) st.push(c, s[CANDLE_KEYS.length + j], slot);
        else s[CANDLE_KEYS.length + j][slot] = st.next(c);
      }
      self.count = i + 1;
      if (i < self.warm) return null;
      fill(self.cur, s, slot);
      fill(self.prv, s, slot ^ 1);
      self.cur.index = i;
      const r = (rule as (b: unknown, p: unknown, s: unknown) => RuleResult)(self.cur, self.params, self.state);
      if (r === 1 || r === -1) return { side: r, confidence: 1, level: levelFn !== undefined ? (levelFn as (b: unknown, p: unknown, s: unknown) => number)(self.cur, self.params, self.state) : NaN };
      if (r !== 0 && r !== null && r !== undefined) badResult(i, r);
      return null;
    };
  }
}

// ---------------------------------------------------------------- validation helpers

function isZodObject(s: unknown): boolean {
  const def = (s as { _zod?: { def?: { type?: string } } } | null)?._zod?.def;
  return def?.type === 'object';
}

function checkSpecs(strategy: string, field: string, specs: unknown): [string, IndicatorSpec][] {
  if (specs === null || typeof specs !== 'object') throw new StrategyDefinitionError(strategy, field, `must return an object of indicators, got ${String(specs)}`);
  const out: [string, IndicatorSpec][] = [];
  for (const [key, spec] of Object.entries(specs)) {
    const f = `${field}.${key}`;
    if (!KEY_RE.test(key) || RESERVED.has(key)) throw new StrategyDefinitionError(strategy, f, `"${key}" cannot name an indicator (reserved or not an identifier: ${[...RESERVED].join(', ')} are taken)`);
    const s = spec as Partial<IndicatorSpec> | null;
    try {
      if (typeof s?.validate === 'function') s.validate();
    } catch (err) {
      if (err instanceof InvalidIndicatorParamError) throw new StrategyDefinitionError(strategy, `${f}.${err.param}`, `${s?.label}: ${err.message}`, { cause: err });
      throw err;
    }
    if (!s || typeof s.batch !== 'function' || typeof s.createStream !== 'function' || !Number.isInteger(s.lookback) || (s.lookback as number) < 0) {
      throw new StrategyDefinitionError(strategy, f, 'is not an indicator: use a helper of `ind` (e.g. ind.sma("close", 10)) or an object { label, lookback, batch, createStream }');
    }
    out.push([key, s as IndicatorSpec]);
  }
  return out;
}

function checkColumn(strategy: string, label: string, col: unknown, n: number): Float64Array {
  if (!(col instanceof Float64Array) || col.length !== n) throw new StrategyDefinitionError(strategy, `indicators.${label}`, `batch() must return a Float64Array of ${n} values`);
  return col;
}

// ---------------------------------------------------------------- batch helpers

/**
 * Bar-sized scratch columns held weakly (a GC may drop them; they are made again) and lent to one
 * run at a time: `take` returns undefined while they are lent (a nested run allocates its own).
 */
class ScratchColumns {
  private ref: WeakRef<Float64Array[]> | undefined;
  private busy = false;

  /** `count` columns of `n` values (contents undefined), or undefined while lent or for none. */
  take(n: number, count: number): Float64Array[] | undefined {
    if (this.busy || count === 0) return undefined;
    let sc = this.ref?.deref();
    if (!sc || sc.length !== count || sc[0].length !== n) {
      sc = Array.from({ length: count }, () => new Float64Array(n));
      this.ref = new WeakRef(sc);
    }
    this.busy = true;
    return sc;
  }

  /** Ends the loan of {@link take} (harmless when nothing is lent). */
  release(): void {
    this.busy = false;
  }
}

/**
 * The check after a column rule: every side is 0, 1 or −1 and no signal comes before bar `warm`.
 * Returns the signal bars with confidence 1 and the rule's level there (`ruleLevel`), or the first
 * offending bar as a number. Reads the sides four at a time: signals are rare, and a zero word is
 * four bars without one.
 */
function signalBars(side: Int8Array, ruleLevel: Float64Array, warm: number): { index: Int32Array; level: Float64Array } | number {
  const n = side.length;
  let index = new Int32Array(Math.min(n, 1024));
  let m = 0;
  const aligned = side.byteOffset % 4 === 0;
  const wordsEnd = aligned ? n & ~3 : 0;
  const w32 = new Int32Array(side.buffer, aligned ? side.byteOffset : 0, wordsEnd >> 2);
  for (let i = 0; i < n; i++) {
    if ((i & 3) === 0 && i < wordsEnd && w32[i >> 2] === 0) { i += 3; continue; }
    const s = side[i];
    if (s === 0) continue;
    if ((s !== 1 && s !== -1) || i < warm) return i;
    if (m === index.length) {
      const grown = new Int32Array(Math.min(n, m * 2));
      grown.set(index);
      index = grown;
    }
    index[m++] = i;
  }
  // The levels in a loop of their own: scattered reads of a bar-sized column overlap each other
  // here, where in the branchy scan above each one waited for the last.
  const level = new Float64Array(m);
  for (let k = 0; k < m; k++) level[k] = ruleLevel[index[k]];
  return { index: index.subarray(0, m), level };
}

// ---------------------------------------------------------------- defineStrategy

/**
 * Declares a strategy once — name, zod params, indicators, per-bar rule — and derives everything
 * the engine needs: the JSON Schema, the warm-up (largest indicator lookback + 1, so `prev` is
 * defined), the batch form (indicator columns in batch, then the rule bar by bar, or the column
 * rule), the streaming form, and versioned plain-JSON snapshots of it.
 *
 * No look-ahead through this API: the rule gets values of the current and previous bar only (and
 * of the last closed higher-timeframe bar). A column rule sees whole columns; it is the author's
 * promise, which `checkNoLookahead` verifies.
 *
 * @throws StrategyDefinitionError naming the strategy and the field: a schema that is not a zod
 *   object, a bad name or version, an indicator parameter out of range (checked with the default
 *   params), a higher timeframe not above the base one.
 */
export function defineStrategy<S extends z.ZodType<object>, I extends string, H extends string = never, St extends object = Record<string, never>>(
  input: DefineStrategyInput<S, I, H, St>,
): DefinedStrategy<z.output<S>> {
  type P = z.output<S>;
  const name = typeof input?.name === 'string' && input.name ? input.name : '(unnamed)';
  const fail = (field: string, reason: string): never => { throw new StrategyDefinitionError(name, field, reason); };
  if (!NAME_RE.test(name)) fail('name', `must be snake_case ([a-z][a-z0-9_]*), got ${JSON.stringify(input?.name)}`);
  if (!isZodObject(input.params)) fail('params', 'must be a zod object schema (z.object({...})) of the parameters');
  const version = input.version ?? 1;
  if (!Number.isInteger(version) || version < 1) fail('version', `must be a positive integer, got ${String(version)}`);
  if (typeof input.indicators !== 'function') fail('indicators', 'must be a function (params) => ({ name: ind.sma("close", 10), ... })');
  if (typeof input.rule !== 'function') fail('rule', 'must be a function (bar, params, state) => 1 | -1 | 0 | null');
  if (input.level !== undefined && typeof input.level !== 'function') fail('level', 'must be a function (bar, params, state) => number');
  if (input.columns !== undefined && typeof input.columns !== 'function') fail('columns', 'must be a function (columns, params, out) => void');
  if (input.state !== undefined && typeof input.state !== 'function') fail('state', 'must be a function (params) => initial state object');
  const htfIn = input.higherTimeframe;
  if (htfIn !== undefined) {
    if (!isTimeframe(String(htfIn.base))) fail('higherTimeframe.base', `must be one of ${Object.keys(TIMEFRAMES).join(', ')}, got ${String(htfIn.base)}`);
    if (!isTimeframe(String(htfIn.higher)) || htfIn.higher === '1mo') fail('higherTimeframe.higher', `must be one of ${Object.keys(TIMEFRAMES).filter((t) => t !== '1mo').join(', ')}, got ${String(htfIn.higher)}`);
    if (TIMEFRAMES[htfIn.higher].ms <= TIMEFRAMES[htfIn.base].ms) fail('higherTimeframe.higher', `must be a longer timeframe than the base ${htfIn.base}, got ${htfIn.higher}`);
    if (input.columns) fail('columns', 'a column rule cannot be combined with higherTimeframe; use the per-bar rule');
  }
  const schema = input.params as unknown as z.ZodType<P>;
  const jsonSchema = paramsJsonSchema(schema);
  const initState = (p: P): St => {
    const s = input.state ? input.state(p) : ({} as St);
    if (s === null || typeof s !== 'object') fail('state', `must return an object, got ${String(s)}`);
    return s;
  };

  const specsOf = (p: P) => checkSpecs(name, 'indicators', input.indicators(p));
  const htfSpecsOf = (p: P) => (htfIn?.indicators ? checkSpecs(name, 'higherTimeframe.indicators', htfIn.indicators(p)) : []);
  const warmupOf = (specs: readonly [string, IndicatorSpec][]) => specs.reduce((m, [, s]) => Math.max(m, s.lookback), 0) + 1;

  // Check the declaration with the default params now, so a broken definition fails at start-up.
  const defaults = schema.safeParse({});
  if (defaults.success) {
    specsOf(defaults.data);
    htfSpecsOf(defaults.data);
    initState(defaults.data);
  }

  const rule = input.rule;
  const levelFn = input.level;
  const baseMs = htfIn ? TIMEFRAMES[htfIn.base].ms : 0;

  /** The views of this strategy, per set of indicator names (usually one). */
  const views = new Map<string, Views>();
  const viewsFor = (names: readonly string[], htfNames: readonly string[]): Views => {
    const key = `${names.join(',')}|${htfNames.join(',')}`;
    let v = views.get(key);
    if (!v) {
      const all = [...CANDLE_KEYS, ...names];
      const allHigher = [...CANDLE_KEYS, ...htfNames];
      v = { fill: makeFill(all), fillHigher: makeFill(allHigher), names: all, htfNames: allHigher, feed: makeFeed(all, rule as AnyRule, levelFn as AnyLevel | undefined, badResult) };
      views.set(key, v);
    }
    return v;
  };

  const badResult = (i: number, r: unknown): never => {
    throw new StrategyRuleError(name, i, `rule returned ${typeof r === 'string' ? JSON.stringify(r) : String(r)}`);
  };

  const checkSpacing = (ts: Float64Array): void => {
    for (let i = 1; i < ts.length; i++) {
      if (ts[i] - ts[i - 1] < baseMs) fail('higherTimeframe.base', `declared ${htfIn?.base}, but candles ${i - 1} and ${i} are ${ts[i] - ts[i - 1]} ms apart; run it on ${htfIn?.base} candles`);
    }
  };

  /**
   * Scratch indicator columns, reused by the next batch run that has no column cache: the columns
   * are read only during the run, and a fresh 8 MB column per indicator per 1 M-candle run is enough
   * typed-array (external) memory to make V8 run a full mark-compact on every run. Held weakly (a GC
   * may drop them; they are made again) and never lent to a nested run.
   */
  const indicatorScratch = new ScratchColumns();
  /** The column rule's level column (see {@link generate}); used with or without a column cache. */
  const levelScratch = new ScratchColumns();
  const takeScratch = (n: number, count: number, ctx: GenerateContext | undefined): Float64Array[] | undefined =>
    ctx?.columns ? undefined : indicatorScratch.take(n, count);

  function generateReference(c: CandleColumns, p: P, ctx?: GenerateContext): SignalColumns {
    const n = c.close.length;
    const specs = specsOf(p);
    const scratch = takeScratch(n, specs.length, ctx);
    try {
      return referencePass(c, p, ctx, n, specs, scratch);
    } finally {
      if (scratch) indicatorScratch.release();
    }
  }

  function referencePass(c: CandleColumns, p: P, ctx: GenerateContext | undefined, n: number, specs: [string, IndicatorSpec][], scratch: Float64Array[] | undefined): SignalColumns {
    const htfSpecs = htfSpecsOf(p);
    const warm = warmupOf(specs);
    const out = emptySignals(n, true);
    const side = out.side, conf = out.confidence, level = out.level as Float64Array;
    const views = viewsFor(specs.map(([k]) => k), htfSpecs.map(([k]) => k));
    const indicatorCols = batchColumns(specs.map(([, s]) => s), c, ctx?.columns, scratch);
    const cols = [c.timestamp, c.open, c.high, c.low, c.close, c.volume, ...specs.map(([k], j) => checkColumn(name, k, indicatorCols[j], n))];
    let visible: Int32Array | null = null;
    let hcols: Float64Array[];
    if (htfIn) {
      checkSpacing(c.timestamp);
      const hb = higherBars(c, baseMs, htfIn.higher);
      const m = hb.candles.close.length;
      // slot 0 is "no closed bar yet": NaN everywhere
      const pad = (x: Float64Array): Float64Array => { const o = new Float64Array(m + 1); o[0] = NaN; o.set(x, 1); return o; };
      const hc = hb.candles;
      const higherCols = batchColumns(htfSpecs.map(([, s]) => s), hc);
      hcols = [hc.timestamp, hc.open, hc.high, hc.low, hc.close, hc.volume, ...htfSpecs.map(([k], j) => checkColumn(name, k, higherCols[j], m))].map(pad);
      visible = hb.visible;
    } else {
      hcols = CANDLE_KEYS.map(() => Float64Array.of(NaN));
    }
    const fill = views.fill;
    const fillHigher = views.fillHigher;
    let cur = makeBar(views.names);
    let prv = makeBar(views.names);
    const higher = makeBar(views.htfNames);
    fillHigher(higher, hcols, 0);
    let shown = 0; // slot of hcols shown in `higher`
    if (warm - 1 < n) fill(cur, cols, warm - 1); // becomes `prev` of the first rule call
    const st = initState(p);
    for (let i = warm; i < n; i++) {
      const t = prv; prv = cur; cur = t;
      fill(cur, cols, i);
      cur.index = i;
      cur.prev = prv;
      cur.htf = higher;
      if (visible !== null && visible[i] + 1 !== shown) { shown = visible[i] + 1; fillHigher(higher, hcols, shown); }
      const view = cur as unknown as BarView<I, H>;
      const r = rule(view, p, st);
      if (r === 1 || r === -1) {
        side[i] = r;
        conf[i] = 1;
        level[i] = levelFn ? levelFn(view, p, st) : NaN;
      } else if (r !== 0 && r !== null && r !== undefined) {
        badResult(i, r);
      }
    }
    return out;
  }

  const columnRule = input.columns;
  function generate(c: CandleColumns, p: P, ctx?: GenerateContext): SignalColumns {
    if (!columnRule) return generateReference(c, p, ctx);
    const n = c.close.length;
    const specs = specsOf(p);
    const cols: Record<string, Float64Array> = { timestamp: c.timestamp, open: c.open, high: c.high, low: c.low, close: c.close, volume: c.volume };
    const side = new Int8Array(n);
    // The rule writes its levels to a NaN-filled scratch column, of which only the signal bars'
    // values are kept (the rest reads NaN, as if the rule had written a fresh column that was then
    // reset to NaN on every bar without a signal).
    const ruleLevel = levelScratch.take(n, 1)?.[0] ?? new Float64Array(n);
    ruleLevel.fill(NaN);
    const scratch = takeScratch(n, specs.length, ctx);
    let found: { index: Int32Array; level: Float64Array } | number;
    try {
      const indicatorCols = batchColumns(specs.map(([, s]) => s), c, ctx?.columns, scratch);
      specs.forEach(([k], j) => { cols[k] = checkColumn(name, k, indicatorCols[j], n); });
      columnRule(cols as RuleColumns<I>, p, { side, level: ruleLevel });
      found = signalBars(side, ruleLevel, warmupOf(specs));
    } finally {
      if (scratch) indicatorScratch.release();
      levelScratch.release();
    }
    if (typeof found === 'number') {
      const warm = warmupOf(specs);
      return badResult(found, found < warm ? `a signal before the warm-up (bar ${warm})` : side[found]);
    }
    // Confidence 1 at every signal; the full confidence and level columns are built on first read.
    return sparseSignals(side, found.index, new Float64Array(found.index.length).fill(1), found.level);
  }

  function createStream(p: P): StreamingStrategy {
    return new DefinedStream(p);
  }

  /** The streaming form: the same indicators fed bar by bar, the same rule. */
  class DefinedStream implements StreamingStrategy {
    private count = 0;
    private readonly slots: Float64Array[];
    private streams: IndicatorStream[];
    private htfStreams: IndicatorStream[];
    private readonly htfSlots: Float64Array[];
    private builder: HigherBarBuilder | null;
    private lastTimestamp = NaN;
    private state: St;
    private readonly views: Views;
    private readonly cur: Record<string, unknown>;
    private readonly prv: Record<string, unknown>;
    private readonly higher: Record<string, unknown>;
    private readonly warm: number;
    private readonly onHigherClose = (bar: Candle): void => {
      const s = this.htfSlots;
      s[0][1] = bar.timestamp; s[1][1] = bar.open; s[2][1] = bar.high; s[3][1] = bar.low; s[4][1] = bar.close; s[5][1] = bar.volume;
      for (let k = 0; k < this.htfStreams.length; k++) s[6 + k][1] = this.htfStreams[k].next(bar);
      this.views.fillHigher(this.higher, s, 1);
    };

    constructor(private readonly params: P) {
      const specs = specsOf(params);
      const htfSpecs = htfSpecsOf(params);
      this.warm = warmupOf(specs);
      this.streams = specs.map(([, s]) => s.createStream());
      this.htfStreams = htfSpecs.map(([, s]) => s.createStream());
      this.slots = Array.from({ length: 6 + specs.length }, () => new Float64Array(2));
      this.htfSlots = Array.from({ length: 6 + htfSpecs.length }, () => Float64Array.of(NaN, NaN));
      this.builder = htfIn ? new HigherBarBuilder(baseMs, htfIn.higher) : null;
      this.state = initState(params);
      this.views = viewsFor(specs.map(([k]) => k), htfSpecs.map(([k]) => k));
      this.cur = makeBar(this.views.names);
      this.prv = makeBar(this.views.names);
      this.higher = makeBar(this.views.htfNames);
      this.views.fillHigher(this.higher, this.htfSlots, 0);
      this.cur.prev = this.prv;
      this.cur.htf = this.higher;
    }

    onCandle(c: Candle): StreamSignal | null {
      const i = this.count;
      if (this.builder) {
        if (c.timestamp - this.lastTimestamp < baseMs) fail('higherTimeframe.base', `declared ${htfIn?.base}, but this candle is ${c.timestamp - this.lastTimestamp} ms after the previous one; run it on ${htfIn?.base} candles`);
        this.lastTimestamp = c.timestamp;
        this.builder.add(c, this.onHigherClose);
      }
      return this.views.feed(this as unknown as FeedState, c, i);
    }

    snapshot(): StrategyState {
      return {
        format: SNAPSHOT_FORMAT,
        strategy: name,
        version,
        params: this.params as Record<string, unknown>,
        bars: this.count,
        last_timestamp: captureState(this.lastTimestamp),
        slots: captureState(this.slots),
        indicators: captureState(this.streams),
        higher: this.builder ? { builder: captureState(this.builder), slots: captureState(this.htfSlots), indicators: captureState(this.htfStreams) } : null,
        state: captureState(this.state),
      };
    }

    restore(snap: StrategyState): void {
      const refuse = (field: string, why: string): never => { throw new InvalidStrategyStateError(name, `${field}: ${why}`, field); };
      if (snap === null || typeof snap !== 'object') refuse('(snapshot)', 'is not an object');
      if (snap.format !== SNAPSHOT_FORMAT) refuse('format', `is ${JSON.stringify(snap.format)}, expected ${SNAPSHOT_FORMAT}`);
      if (snap.strategy !== name) refuse('strategy', `snapshot is of ${JSON.stringify(snap.strategy)}`);
      if (snap.version !== version) refuse('version', `snapshot is of version ${JSON.stringify(snap.version)}, this is version ${version}`);
      if (canonical(snap.params) !== canonical(this.params)) refuse('params', `snapshot params ${canonical(snap.params)} differ from this instance's ${canonical(this.params)}`);
      const bars = snap.bars;
      if (!Number.isInteger(bars) || (bars as number) < 0) refuse('bars', `must be a count of bars, got ${JSON.stringify(bars)}`);
      // Restore into fresh objects first, so a damaged snapshot leaves this instance untouched.
      const fresh = new DefinedStream(this.params);
      const err = restoreState(fresh as unknown as Record<string, unknown>, {
        slots: snap.slots, streams: snap.indicators, state: snap.state, lastTimestamp: snap.last_timestamp,
      }, '', ['slots', 'streams', 'state', 'lastTimestamp']);
      if (err) refuse(err.replace(/^\./, ''), 'does not fit this strategy');
      if (this.builder) {
        const h = snap.higher as Record<string, unknown> | null;
        if (h === null || typeof h !== 'object') return refuse('higher', 'missing');
        const e2 = restoreState(fresh as unknown as Record<string, unknown>, { builder: h.builder, htfSlots: h.slots, htfStreams: h.indicators }, '', ['builder', 'htfSlots', 'htfStreams']);
        if (e2) refuse(`higher${e2}`, 'does not fit this strategy');
      }
      for (let k = 0; k < this.slots.length; k++) this.slots[k].set(fresh.slots[k]);
      for (let k = 0; k < this.htfSlots.length; k++) this.htfSlots[k].set(fresh.htfSlots[k]);
      this.streams = fresh.streams;
      this.htfStreams = fresh.htfStreams;
      this.builder = fresh.builder;
      this.state = fresh.state;
      this.lastTimestamp = fresh.lastTimestamp;
      this.count = bars as number;
      this.views.fillHigher(this.higher, this.htfSlots, Number.isNaN(this.htfSlots[0][1]) ? 0 : 1);
    }
  }

  return {
    name,
    title: input.title ?? name,
    description: input.description ?? '',
    version,
    paramsSchema: schema,
    jsonSchema,
    warmupBars: (p) => warmupOf(specsOf(p)),
    holdPeriodBars: (p) => {
      const h = (p as { hold_period_bars?: unknown }).hold_period_bars;
      return typeof h === 'number' ? h : 1;
    },
    exitsOnSignal: input.exitsOnSignal ?? true,
    hasColumnRule: columnRule !== undefined,
    ...(htfIn ? { higherTimeframe: { base: htfIn.base, higher: htfIn.higher } } : {}),
    generate,
    generateReference,
    createStream,
  };
}

export type { JsonValue };
