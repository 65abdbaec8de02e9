import { isCanonicalSymbol, legacySymbol, normalizeSymbol } from './symbol';
import { InvalidSymbolError } from './errors';

describe('normalizeSymbol', () => {
  it.each([
    ['KRW-BTC', 'KRW-BTC'],
    ['krw-btc', 'KRW-BTC'],
    ['BTC_KRW', 'KRW-BTC'],
    ['btc_krw', 'KRW-BTC'],
    ['ETH_BTC', 'BTC-ETH'],
    ['USDT-XRP', 'USDT-XRP'],
    ['KRW-1INCH', 'KRW-1INCH'],
  ])('%s → %s', (input, expected) => {
    expect(normalizeSymbol(input)).toBe(expected);
  });

  it.each([
    ['../x', 'path traversal'],
    ['/etc', 'absolute path'],
    ['KRW-BTC/../../etc', 'embedded path'],
    ['KRW-BTC\u0000', 'NUL byte'],
    ['', 'empty'],
    ['BTC', 'bare coin'],
    ['KRW BTC', 'space'],
    ['KRW--BTC', 'double dash'],
    ['BTC-KRW', 'reversed pair'],
    ['KRW_BTC', 'reversed legacy pair'],
    ['EUR-BTC', 'unknown quote currency'],
    ['KRW-KRW', 'same currency twice'],
    ['KRW-' + 'A'.repeat(40), 'too long'],
  ])('rejects %j (%s) with INVALID_SYMBOL', (input) => {
    let caught: unknown;
    try { normalizeSymbol(input); } catch (e) { caught = e; }
    expect(caught).toBeInstanceOf(InvalidSymbolError);
    expect((caught as InvalidSymbolError).code).toBe('INVALID_SYMBOL');
    expect((caught as InvalidSymbolError).symbol).toBe(input);
  });

  it('suggests the right spelling for a reversed pair', () => {
    expect(() => normalizeSymbol('BTC-KRW')).toThrow(/did you mean KRW-BTC/);
  });

  it('recognises canonical spellings and derives the legacy one', () => {
    expect(isCanonicalSymbol('KRW-BTC')).toBe(true);
    expect(isCanonicalSymbol('BTC_KRW')).toBe(false);
    expect(isCanonicalSymbol('../x')).toBe(false);
    expect(legacySymbol('krw-eth')).toBe('ETH_KRW');
  });
});
