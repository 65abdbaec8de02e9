import { InvalidParamsError, UnknownStrategyError } from '../core/errors';
import { parseStrategyParams } from './params';
import { getStrategy, listStrategies } from './registry';
import { volumeZoneBreakout } from './volume-zone-breakout';

/** Runs `fn`, expecting an InvalidParamsError, and returns it. */
function paramsError(fn: () => unknown): InvalidParamsError {
  try {
    fn();
  } catch (e) {
    if (e instanceof InvalidParamsError) return e;
    throw e;
  }
  throw new Error('expected InvalidParamsError, nothing was thrown');
}

describe('parseStrategyParams', () => {
  it('applies the defaults to undefined and to {}', () => {
    const want = { volume_window: 10, top_percentile: 0.2, breakout_buffer: 0, hold_period_bars: 1, num_bins: 20, include_wicks: true };
    expect(parseStrategyParams(volumeZoneBreakout, undefined)).toEqual(want);
    expect(parseStrategyParams(volumeZoneBreakout, {})).toEqual(want);
  });

  it('names the field, its allowed range and the rejected value', () => {
    const e = paramsError(() => parseStrategyParams(volumeZoneBreakout, { volume_window: 1.5 }));
    expect(e.code).toBe('INVALID_PARAMS');
    expect(e.issues).toEqual([{ field: 'volume_window', message: 'must be an integer between 2 and 10000, got 1.5' }]);
    expect(e.message).toContain('volume_window: must be an integer between 2 and 10000, got 1.5');
    expect(e.message).toContain('volume_zone_breakout');
  });

  it('reports one issue per bad field, including unknown keys, and does not coerce strings', () => {
    const e = paramsError(() => parseStrategyParams(volumeZoneBreakout, { volume_window: '20', top_percentile: 0, num_bins: 1e9, include_wicks: 'yes', window: 5 }));
    expect(e.issues).toEqual([
      { field: 'volume_window', message: 'must be an integer between 2 and 10000, got "20"' },
      { field: 'top_percentile', message: 'must be a number > 0 and <= 1, got 0' },
      { field: 'num_bins', message: 'must be an integer between 1 and 1000, got 1000000000' },
      { field: 'include_wicks', message: 'must be true or false, got "yes"' },
      { field: 'window', message: 'is not a parameter of volume_zone_breakout; known parameters: volume_window, top_percentile, breakout_buffer, hold_period_bars, num_bins, include_wicks' },
    ]);
  });

  it.each([[NaN, 'NaN'], [Infinity, 'Infinity'], [null, 'null'], [-1, '-1']])('rejects %p for a number field', (value, shown) => {
    const e = paramsError(() => parseStrategyParams(volumeZoneBreakout, { breakout_buffer: value }));
    expect(e.issues).toEqual([{ field: 'breakout_buffer', message: `must be a number between 0 and 1, got ${shown}` }]);
  });

  it('rejects a non-object', () => {
    const e = paramsError(() => parseStrategyParams(volumeZoneBreakout, 5));
    expect(e.issues).toEqual([{ field: '(params)', message: 'must be an object of parameters, got 5' }]);
  });
});

describe('strategy registry', () => {
  it('lists the original two strategies first, then the classics', () => {
    expect(listStrategies().map((s) => s.name)).toEqual(['volume_long_candle', 'volume_zone_breakout', 'sma_crossover', 'rsi_reversion', 'bollinger_breakout', 'macd_crossover', 'donchian_breakout']);
  });

  it('finds a strategy by name', () => {
    expect(getStrategy('volume_zone_breakout')).toBe(volumeZoneBreakout);
  });

  it('throws UnknownStrategyError listing the available names', () => {
    expect(() => getStrategy('macd')).toThrow(UnknownStrategyError);
    expect(() => getStrategy('macd')).toThrow('Unknown strategy "macd". Available strategies: volume_long_candle, volume_zone_breakout, sma_crossover, rsi_reversion');
  });
});

describe('JSON Schema of the parameters', () => {
  it('describes types, ranges and defaults, with no required fields and no unknown keys', () => {
    const s = volumeZoneBreakout.jsonSchema as { type: string; additionalProperties: boolean; required?: string[]; properties: Record<string, Record<string, unknown>> };
    expect(s.type).toBe('object');
    expect(s.additionalProperties).toBe(false);
    expect(s.required ?? []).toEqual([]);
    expect(s.properties.volume_window).toMatchObject({ type: 'integer', minimum: 2, maximum: 10000, default: 10 });
    expect(s.properties.top_percentile).toMatchObject({ type: 'number', exclusiveMinimum: 0, maximum: 1, default: 0.2 });
    expect(s.properties.include_wicks).toMatchObject({ type: 'boolean', default: true });
    expect(typeof s.properties.num_bins.description).toBe('string');
  });

  it.each(listStrategies().map((d) => [d.name, d] as const))('%s: every default in the JSON Schema equals the parsed default', (_name, def) => {
    const props = (def.jsonSchema as { properties: Record<string, { default?: unknown }> }).properties;
    const parsed = parseStrategyParams(def, {});
    expect(Object.keys(props)).toEqual(Object.keys(parsed));
    for (const [k, v] of Object.entries(props)) expect([k, v.default]).toEqual([k, parsed[k]]);
  });
});
