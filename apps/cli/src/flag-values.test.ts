import { intFlag, parseKeyValues, parseLooseValue, portfolioOptionsFromFlags, resolveNames } from './flag-values';

describe('parseLooseValue', () => {
  it.each([
    ['20', 20], ['0.5', 0.5], ['-3', -3], ['1e3', 1000], ['true', true], ['false', false], ['null', null],
    ['signal-close', 'signal-close'], ['"20"', '20'], ['NaN', 'NaN'], ['{"kind":"notional","krw":1000000}', { kind: 'notional', krw: 1_000_000 }],
  ])('%s -> %j', (text, value) => {
    expect(parseLooseValue(text)).toEqual(value);
  });
});

describe('parseKeyValues', () => {
  it('builds an object, nesting dotted keys', () => {
    expect(parseKeyValues(['a=1', 'sizing.kind=notional', 'sizing.krw=5', 'fill=signal-close'], '--option'))
      .toEqual({ a: 1, sizing: { kind: 'notional', krw: 5 }, fill: 'signal-close' });
  });
  it.each([
    [['a'], /--x expects key=value \(got "a"\)/],
    [['=1'], /--x expects key=value/],
    [['a=1', 'a=2'], /--x a is given twice/],
    [['a=1', 'a.b=2'], /--x a\.b: a is already set to a value/],
  ])('%j is a usage error', (entries, message) => {
    expect(() => parseKeyValues(entries, '--x')).toThrow(expect.objectContaining({ code: 'BAD_INPUT', message: expect.stringMatching(message) }));
  });
});

describe('resolveNames', () => {
  const known = ['fast_period', 'slow_period', 'hold_period_bars'];
  it('keeps exact names, expands unique prefixes, leaves unknown or ambiguous ones for the schema to report', () => {
    expect(resolveNames({ fast: 1, slow_period: 2, h: 3, x: 4 }, known)).toEqual({ fast_period: 1, slow_period: 2, hold_period_bars: 3, x: 4 });
    expect(resolveNames({ vol: 1 }, ['volume_window', 'vol_multiplier'])).toEqual({ vol: 1 });
  });
  it('refuses two spellings of one name', () => {
    expect(() => resolveNames({ fast: 1, fast_period: 2 }, known)).toThrow(/fast_period and another name both mean fast_period|fast and another name/);
  });
});

describe('portfolioOptionsFromFlags', () => {
  it('maps the friendly flags onto the engine options (fees as fraction or percent, stops in percent)', () => {
    expect(portfolioOptionsFromFlags({ capital: '1_000_000', fee: '0.1%', slippage: '0.0002', stopLoss: '2%', takeProfit: '5', trailingStop: '1.5', holdBars: 'none', fill: 'signal-close' }))
      .toEqual({ initial_capital: 1_000_000, fee_rate: 0.001, slippage_rate: 0.0002, stop_loss_pct: 2, take_profit_pct: 5, trailing_stop_pct: 1.5, hold_bars: null, fill: 'signal-close' });
    expect(portfolioOptionsFromFlags({ holdBars: 'strategy' })).toEqual({ hold_bars: 'strategy' });
    expect(portfolioOptionsFromFlags({ holdBars: '12' })).toEqual({ hold_bars: 12 });
    expect(portfolioOptionsFromFlags({ option: ['exit_on_sell=false'] })).toEqual({ exit_on_sell: false });
  });
  it('refuses a value set twice and unreadable numbers', () => {
    expect(() => portfolioOptionsFromFlags({ fee: '0.1%', option: ['fee_rate=0.002'] })).toThrow(/--fee and --option fee_rate both set fee_rate/);
    expect(() => portfolioOptionsFromFlags({ fee: 'cheap' })).toThrow(/--fee expects a fraction \(0\.001\) or a percent \(0\.1%\) \(got "cheap"\)/);
    expect(() => portfolioOptionsFromFlags({ stopLoss: '%' })).toThrow(/--stop-loss expects a percent/);
  });
});

describe('intFlag', () => {
  it('accepts whole numbers in range and names the flag otherwise', () => {
    expect(intFlag('--top', 1)('10')).toBe(10);
    for (const bad of ['0', '-1', '2.5', 'ten', '']) expect(() => intFlag('--top', 1, 100)(bad)).toThrow(/--top must be a whole number from 1 to 100/);
  });
});
