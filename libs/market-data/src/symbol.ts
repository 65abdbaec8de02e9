import { InvalidSymbolError } from './errors';

/** Quote currencies of Upbit markets; the first part of a canonical symbol must be one of them. */
export const QUOTE_CURRENCIES = ['KRW', 'BTC', 'USDT'] as const;

const CANONICAL = /^([A-Z]{2,10})-([A-Z0-9]{1,20})$/;
const LEGACY = /^([A-Z0-9]{1,20})_([A-Z]{2,10})$/;

/**
 * Normalises a symbol to the one spelling the store uses: the Upbit market code, upper case,
 * quote first (`KRW-BTC`). Accepts lower case (`krw-btc`) and the original system's legacy
 * `BASE_QUOTE` spelling (`BTC_KRW`, `btc_krw`). Anything else — path-like text (`../x`, `/etc`),
 * spaces, a bare coin (`BTC`), a reversed pair (`BTC-KRW`) or an unknown quote currency — throws
 * {@link InvalidSymbolError}, so a symbol can always be used as a directory name safely.
 */
export function normalizeSymbol(text: string): string {
  if (typeof text !== 'string' || text.length === 0) throw new InvalidSymbolError(String(text), 'the symbol is empty');
  if (text.length > 32) throw new InvalidSymbolError(text, 'longer than 32 characters');
  const upper = text.toUpperCase();
  let quote: string;
  let base: string;
  const c = CANONICAL.exec(upper);
  const l = c ? null : LEGACY.exec(upper);
  if (c) {
    quote = c[1];
    base = c[2];
  } else if (l) {
    base = l[1];
    quote = l[2];
  } else {
    throw new InvalidSymbolError(text, 'only letters and digits around one "-" (QUOTE-BASE) or "_" (legacy BASE_QUOTE) are allowed');
  }
  const quotes: readonly string[] = QUOTE_CURRENCIES;
  if (base === 'KRW' || (!quotes.includes(quote) && quotes.includes(base))) {
    // KRW is never a base currency: the pair was written the other way round.
    throw new InvalidSymbolError(text, `the quote currency comes first in a market code; did you mean ${base}-${quote}?`);
  }
  if (!quotes.includes(quote)) {
    throw new InvalidSymbolError(text, `unknown quote currency ${quote} (expected one of ${QUOTE_CURRENCIES.join(', ')})`);
  }
  if (base === quote) throw new InvalidSymbolError(text, `${base} cannot be traded against itself`);
  return `${quote}-${base}`;
}

/** True when `text` is already in canonical form (what {@link normalizeSymbol} would return unchanged). */
export function isCanonicalSymbol(text: string): boolean {
  try {
    return normalizeSymbol(text) === text;
  } catch {
    return false;
  }
}

/** The original system's legacy directory spelling of a canonical symbol (`KRW-BTC` → `BTC_KRW`). */
export function legacySymbol(symbol: string): string {
  const canonical = normalizeSymbol(symbol);
  const [quote, base] = canonical.split('-');
  return `${base}_${quote}`;
}
