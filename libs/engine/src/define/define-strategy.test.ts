import { z } from 'zod';
import { signalStudy } from '../backtest/signal-study';
import { candleAt, candlesFromRows, type CandleColumns } from '../core/candles';
import type { StrategyDefinition } from '../core/strategy';
import { type InvalidStrategyStateError } from '../strategies/strategy-state-error';
import { smaCrossover } from '../strategies/sma-crossover';
import { syntheticCandles } from '../testing';
import { checkNoLookahead } from './check-no-lookahead';
import { defineStrategy } from './define-strategy';
import { StrategyDefinitionError, StrategyRuleError } from './errors';
import { higherBars } from './higher-timeframe';
import { ind } from './indicator-specs';

const candles = syntheticCandles({ n: 600, seed: 7 });
const P = z.object({ period: z.number().int().default(3) });

describe('defineStrategy: bad definitions are typed errors naming the strategy and the field', () => {
  const base = { name: 'my_rule', params: P, indicators: (p: { period: number }) => ({ m: ind.sma('close', p.period) }), rule: () => null };

  it('a parameter schema that is not a zod object', () => {
    const err = (() => { try { defineStrategy({ ...base, params: z.number() as never }); } catch (e) { return e; } })() as StrategyDefinitionError;
    expect(err).toBeInstanceOf(StrategyDefinitionError);
    expect([err.strategy, err.field, err.code]).toEqual(['my_rule', 'params', 'INVALID_STRATEGY_DEFINITION']);
  });

  it('an indicator parameter out of range (checked with the defaults at definition time, and with the run params)', () => {
    expect(() => defineStrategy({ ...base, params: z.object({ period: z.number().int().default(0) }) })).toThrow(/Strategy "my_rule": indicators\.m\.period: sma\(close, 0\)/);
    const def = defineStrategy(base);
    const err = (() => { try { def.generate(candles, { period: -2 }); } catch (e) { return e; } })() as StrategyDefinitionError;
    expect([err.strategy, err.field]).toEqual(['my_rule', 'indicators.m.period']);
  });

  it('a higher timeframe that is not above the base one', () => {
    expect(() => defineStrategy({ ...base, higherTimeframe: { base: '1h', higher: '15m' } })).toThrow(/Strategy "my_rule": higherTimeframe\.higher: must be a longer timeframe than the base 1h, got 15m/);
  });

  it('a bad name, a reserved indicator name, a version that is not a positive integer', () => {
    expect(() => defineStrategy({ ...base, name: 'My Rule' })).toThrow(/name: must be snake_case/);
    expect(() => defineStrategy({ ...base, indicators: () => ({ close: ind.sma('close', 2) }) })).toThrow(/indicators\.close: "close" cannot name an indicator/);
    expect(() => defineStrategy({ ...base, version: 0 })).toThrow(/version: must be a positive integer/);
  });

  it('a rule that returns something other than a signal', () => {
    const def = defineStrategy({ ...base, rule: (bar) => (bar.index === 5 ? ('buy' as never) : null) });
    const err = (() => { try { def.generate(candles, { period: 3 }); } catch (e) { return e; } })() as StrategyRuleError;
    expect(err).toBeInstanceOf(StrategyRuleError);
    expect([err.strategy, err.bar, err.message]).toEqual(['my_rule', 5, 'Strategy "my_rule": rule at bar 5: rule returned "buy"; return 1 (Buy), -1 (Sell), 0 or null (nothing)']);
    expect(() => def.createStream({ period: 3 })).not.toThrow();
  });
});

describe('defineStrategy: derived parts', () => {
  it('the warm-up is the largest indicator lookback + 1, and the rule is not called before it', () => {
    const calls: number[] = [];
    const def = defineStrategy({
      name: 'warm', params: P, indicators: () => ({ a: ind.sma('close', 4), b: ind.rsi('close', 5) }),
      rule: (bar) => { calls.push(bar.index); return null; },
    });
    // sma(4): lookback 3; rsi(5): lookback 5 -> warm-up 6
    expect(def.warmupBars({ period: 3 })).toBe(6);
    def.generate(candles, { period: 3 });
    expect(calls[0]).toBe(6);
  });

  it('the rule sees values only: numbers for this bar, the previous bar and the closed higher bar, nothing that reaches another bar', () => {
    const kinds = new Set<string>();
    const def = defineStrategy({
      name: 'peek', params: P, indicators: () => ({ m: ind.sma('close', 2) }),
      rule: (bar) => {
        for (const [k, v] of Object.entries(bar)) {
          if (k === 'prev' || k === 'htf') for (const [k2, v2] of Object.entries(v as object)) kinds.add(`${k}.${k2}:${typeof v2}`);
          else kinds.add(`${k}:${typeof v}`);
        }
        return null;
      },
    });
    def.generate(candles, { period: 3 });
    const fields = ['timestamp', 'open', 'high', 'low', 'close', 'volume'];
    // prev.prev / prev.htf exist (the same bar objects are reused) and lead only back to this bar or the higher bar
    expect([...kinds].sort()).toEqual([
      ...[...fields, 'm', 'index'].map((k) => `${k}:number`),
      ...fields.map((k) => `htf.${k}:number`), 'htf.htf:object', 'htf.index:number', 'htf.prev:object',
      ...[...fields, 'm', 'index'].map((k) => `prev.${k}:number`), 'prev.htf:object', 'prev.prev:object',
    ].sort());
  });

  it('snapshots are plain JSON, versioned, and refuse another strategy, another version or other params (typed, naming the field)', () => {
    const v1 = defineStrategy({ name: 'snap', params: P, indicators: (p) => ({ m: ind.ema('close', p.period) }), state: () => ({ n: 0 }), rule: (_b, _p, s) => { s.n++; return null; } });
    const v2 = defineStrategy({ name: 'snap', version: 2, params: P, indicators: (p) => ({ m: ind.ema('close', p.period) }), state: () => ({ n: 0 }), rule: () => null });
    const s = v1.createStream({ period: 3 });
    for (let i = 0; i < 20; i++) s.onCandle(candleAt(candles, i));
    const snap = JSON.parse(JSON.stringify(s.snapshot())) as Record<string, unknown>;
    expect([snap.strategy, snap.version, snap.bars, snap.state]).toEqual(['snap', 1, 20, { n: 20 - 3 }]); // rule at bars 3..19 (ema 3: lookback 2, + 1)
    const refused = (fn: () => void): InvalidStrategyStateError => { try { fn(); } catch (e) { return e as InvalidStrategyStateError; } throw new Error('not refused'); };
    expect(refused(() => v2.createStream({ period: 3 }).restore(snap)).field).toBe('version');
    expect(refused(() => smaCrossover.createStream(smaCrossover.paramsSchema.parse({})).restore(snap)).message).toMatch(/Cannot restore sma_crossover state/);
    expect(refused(() => v1.createStream({ period: 4 }).restore(snap)).field).toBe('params');
    expect(refused(() => v1.createStream({ period: 3 }).restore({ ...snap, indicators: [] })).field).toMatch(/^streams/);
    const restored = v1.createStream({ period: 3 });
    restored.restore(snap);
    expect(restored.snapshot()).toEqual(s.snapshot());
  });
});

// ---------------------------------------------------------------- multi-timeframe

/** 5-minute candles from 00:00 UTC, close = bar number (skipping `drop`). */
function fiveMinute(count: number, drop: readonly number[] = []): CandleColumns {
  const rows = [];
  for (let i = 0; i < count; i++) if (!drop.includes(i)) rows.push({ timestamp: Date.UTC(2024, 0, 1) + i * 300_000, open: i, high: i + 0.5, low: Math.max(0, i - 0.5), close: i, volume: 1 });
  return candlesFromRows(rows);
}

describe('multi-timeframe: a higher-timeframe bar is visible only once it has closed', () => {
  const seen: [number, number, number, number][] = [];
  const hourly = defineStrategy({
    name: 'hourly_view', params: z.object({}), indicators: () => ({}),
    higherTimeframe: { base: '5m', higher: '1h', indicators: () => ({ hsma: ind.sma('close', 2) }) },
    rule: (bar) => { seen.push([bar.index, bar.htf.close, bar.htf.high, bar.htf.hsma]); return bar.close > bar.htf.close + 10 ? 1 : null; },
  });

  it('shows the last closed hour, by hand: bars 0..11 are hour 0, it closes with bar 11 (00:55 + 5 min = 01:00)', () => {
    seen.length = 0;
    hourly.generate(fiveMinute(30), {});
    const at = (i: number) => seen.find(([k]) => k === i)!;
    expect(at(10).slice(1).every(Number.isNaN)).toBe(true); // hour 0 still open at bar 10
    expect(at(11)).toEqual([11, 11, 11.5, NaN]); // close of bar 11, highest high 11.5; sma(2) of hourly closes needs two hours
    expect(at(22)).toEqual([22, 11, 11.5, NaN]);
    expect(at(23)).toEqual([23, 23, 23.5, (11 + 23) / 2]);
    expect(at(29)).toEqual([29, 23, 23.5, 17]); // hour 2 (bars 24..29) never closes in this series
  });

  it('a missing last bar delays the hour until the next hour\'s first bar (no bar is shown early)', () => {
    seen.length = 0;
    hourly.generate(fiveMinute(30, [22, 23]), {});
    // bars 22 and 23 (01:50, 01:55) are missing: hour 1 ends with bar 21 (close 21) and is shown from 02:00, which is index 22 now
    const byIndex = new Map(seen.map((r) => [r[0], r]));
    expect(byIndex.get(21)![1]).toBe(11);
    expect(byIndex.get(22)![1]).toBe(21);
  });

  it('the streaming form shows the same hours, and checkNoLookahead passes', () => {
    const c = syntheticCandles({ n: 2000, seed: 11, intervalMs: 300_000 });
    const report = checkNoLookahead(hourly, c, {});
    expect(report).toMatchObject({ ok: true });
  });

  it('a deliberately leaking implementation (the current, unfinished hour shown) fails the check at the first bar it leaks', () => {
    const c = fiveMinute(40);
    // The leak: use the hour containing the bar as if it had closed (its final close comes from later bars).
    const leaky: StrategyDefinition<Record<string, never>> = {
      ...(hourly as unknown as StrategyDefinition<Record<string, never>>),
      generate(cc) {
        const hb = higherBars(cc, 300_000, '1h');
        const n = cc.close.length;
        const side = new Int8Array(n);
        let hour = 0;
        for (let i = 0; i < n; i++) {
          while (hour + 1 < hb.candles.timestamp.length && hb.candles.timestamp[hour + 1] <= cc.timestamp[i]) hour++;
          if (i >= 1 && cc.close[i] + 10 < hb.candles.close[hour]) side[i] = 1; // "the hour will close higher": only the future knows
        }
        return { side, confidence: Float64Array.from(side, (x) => (x !== 0 ? 1 : 0)), level: new Float64Array(n).fill(NaN) };
      },
    };
    const report = checkNoLookahead(leaky, c, {});
    expect(report.ok).toBe(false);
    // By hand: bar i has close i; hour 0 (bars 0..11) closes at 11: i + 10 < 11 only for bar 0, which is skipped.
    // Hour 1 (bars 12..23) closes at 23: i + 10 < 23 first at bar 12, long before that hour has closed.
    expect(report).toMatchObject({ ok: false, bar: 12 });
    expect(hourly.generate(c, {}).side[12]).toBe(0);
  });

  it('refuses candles closer together than the declared base timeframe, naming the field', () => {
    const oneMinute = syntheticCandles({ n: 100, seed: 3, intervalMs: 60_000 });
    expect(() => hourly.generate(oneMinute, {})).toThrow(/Strategy "hourly_view": higherTimeframe\.base: declared 5m, but candles 0 and 1 are 60000 ms apart/);
  });
});

describe('checkNoLookahead', () => {
  it('reports a column rule that reads the next bar, at the first bar where it matters', () => {
    const peeking = defineStrategy({
      name: 'peeking', params: z.object({}), indicators: () => ({}),
      rule: (bar) => (bar.close > bar.prev.close ? 1 : null),
      // the "fast" form looks one bar ahead: buys before the rise
      columns: ({ close }, _p, out) => { for (let i = 1; i + 1 < close.length; i++) if (close[i + 1] > close[i]) out.side[i] = 1; },
    });
    const c = fromCloses([5, 4, 6, 7, 3]);
    const report = checkNoLookahead(peeking, c, {});
    // per-bar rule: bar 2 (6 > 4) and bar 3 (7 > 6) buy; the peeking form buys at bar 1 (next 6 > 4) and 2 (7 > 6): first difference at bar 1
    expect(report).toMatchObject({ ok: false, bar: 1 });
  });

  it('passes the SMA crossover on a long random series, having run prefixes', () => {
    const report = checkNoLookahead(smaCrossover, syntheticCandles({ n: 5000, seed: 4 }), { fast_period: 5, slow_period: 12 });
    expect(report).toMatchObject({ ok: true, bars: 5000 });
    if (report.ok) expect(report.prefixes).toBeGreaterThan(100);
  });
});

function fromCloses(closes: number[]): CandleColumns {
  return candlesFromRows(closes.map((c, i) => ({ timestamp: i * 60_000, open: c, high: c, low: c, close: c, volume: 1 })));
}

describe('defineStrategy: batch runs reuse scratch indicator columns', () => {
  it('a run on other candles of the same length changes neither the earlier result nor a later run on the first candles', () => {
    const a = syntheticCandles({ n: 4000, seed: 11 });
    const b = syntheticCandles({ n: 4000, seed: 12 });
    const p = { fast_period: 10, slow_period: 30, hold_period_bars: 1 };
    const first = smaCrossover.generate(a, p);
    const copy = { side: first.side.slice(), level: (first.level as Float64Array).slice() };
    const other = smaCrossover.generate(b, p);
    expect(first.side).toEqual(copy.side);
    expect(first.level).toEqual(copy.level);
    // The per-bar rule over the same indicators is the reference (checkNoLookahead proves they agree).
    const again = smaCrossover.generate(a, p);
    expect(again.side).toEqual(smaCrossover.generateReference?.(a, p).side);
    expect(again.side).toEqual(copy.side);
    expect(other.side).not.toEqual(copy.side); // the two series differ, so a stale column would show
    expect(copy.side.some((s) => s !== 0)).toBe(true);
  });
});

describe('defineStrategy: the batch form of a column rule', () => {
  const closes = [10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21];
  const c = fromCloses(closes);
  /** Signals at the bars given (Buy > 0, Sell < 0); writes a level on every bar (bar × 10) unless the param `levels` is false. */
  const scripted = (at: Record<number, number>) => defineStrategy({
    name: 'scripted', params: z.object({ levels: z.boolean().default(true) }), indicators: () => ({ m: ind.sma('close', 2) }),
    rule: () => null,
    columns: (_cols, p, out) => {
      for (let i = 0; i < out.side.length; i++) {
        if (p.levels) out.level[i] = i * 10;
        if (at[i] !== undefined) out.side[i] = at[i];
      }
    },
  });

  it('keeps the level only on signal bars (NaN elsewhere), with confidence 1 there and 0 elsewhere', () => {
    const s = scripted({ 5: 1, 8: -1, 11: 1 }).generate(c, { levels: true });
    expect(Array.from(s.side)).toEqual([0, 0, 0, 0, 0, 1, 0, 0, -1, 0, 0, 1]);
    expect(Array.from(s.confidence)).toEqual([0, 0, 0, 0, 0, 1, 0, 0, 1, 0, 0, 1]);
    expect(Array.from(s.level as Float64Array)).toEqual([NaN, NaN, NaN, NaN, NaN, 50, NaN, NaN, 80, NaN, NaN, 110]);
    // the columns are plain data: spread and JSON see them
    expect(JSON.parse(JSON.stringify({ ...s })).confidence).toEqual({ 0: 0, 1: 0, 2: 0, 3: 0, 4: 0, 5: 1, 6: 0, 7: 0, 8: 1, 9: 0, 10: 0, 11: 1 });
  });

  it('a signal whose level the rule did not write reads NaN, also right after a run that wrote one there', () => {
    const def = scripted({ 5: 1 });
    expect((def.generate(c, { levels: true }).level as Float64Array)[5]).toBe(50);
    expect((def.generate(c, { levels: false }).level as Float64Array)[5]).toBeNaN();
  });

  it('a signal before the warm-up or a side other than -1/0/1 is a rule error at that bar', () => {
    // sma(close, 2): lookback 1, warm-up 2
    expect(() => scripted({ 1: 1 }).generate(c, { levels: true })).toThrow('rule at bar 1: rule returned "a signal before the warm-up (bar 2)"');
    expect(() => scripted({ 6: 2, 9: 3 }).generate(c, { levels: true })).toThrow(/rule at bar 6: rule returned 2/);
  });

  it('the signal study reads the same confidence and level as the built columns, also after the sides were changed', () => {
    const def = scripted({ 3: 1, 5: 1, 8: -1 });
    const lazy = def.generate(c, { levels: true });
    const built = def.generate(c, { levels: true });
    void built.confidence; void built.level;
    for (const s of [lazy, built]) s.side[9] = 1; // a Buy added after generate: no signal of the rule there
    const at = Int32Array.of(3, 5, 9);
    const study = (s: typeof lazy) => signalStudy(c, s, 1, at).columns;
    expect(Array.from(study(lazy).confidence)).toEqual([1, 1, 0]);
    expect(Array.from(study(lazy).level)).toEqual([30, 50, NaN]);
    expect(study(lazy)).toEqual(study(built));
  });
});

describe('defineStrategy: the streaming form', () => {
  /** A Donchian-like rule with a level, on two indicators of different classes. */
  const make = () => defineStrategy({
    name: 'channel', params: z.object({}), indicators: () => ({ hi: ind.highest('high', 5), lo: ind.lowest('low', 3) }),
    rule: ({ close, prev }) => (close > prev.hi ? 1 : close < prev.lo ? -1 : null),
    level: ({ close, prev }) => (close > prev.hi ? prev.hi : prev.lo),
  });
  const streamed = (def: ReturnType<typeof make>) => {
    const s = def.createStream({});
    return Array.from({ length: 400 }, (_, i) => s.onCandle(candleAt(candles, i)));
  };

  it('gives the batch form\'s signals, also where code generation is not allowed (the generic per-candle path)', () => {
    const batch = make().generateReference(candles, {});
    const want = Array.from({ length: 400 }, (_, i) => (batch.side[i] === 0 ? null : { side: batch.side[i], confidence: 1, level: (batch.level as Float64Array)[i] }));
    expect(want.filter((x) => x !== null).length).toBeGreaterThan(20);
    expect(streamed(make())).toEqual(want);
    const def = make();
    const realFunction = globalThis.Function;
    globalThis.Function = function refused() { throw new EvalError('code generation from strings disallowed'); } as unknown as FunctionConstructor;
    let s: ReturnType<typeof def.createStream>;
    try {
      s = def.createStream({});
    } finally {
      globalThis.Function = realFunction;
    }
    expect(Array.from({ length: 400 }, (_, i) => s.onCandle(candleAt(candles, i)))).toEqual(want);
  });
});
