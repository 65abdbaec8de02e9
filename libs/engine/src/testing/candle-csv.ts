import type { CandleColumns } from '../core/candles';

const REQUIRED = ['timestamp', 'open', 'high', 'low', 'close', 'volume'] as const;

/**
 * Parses candle CSV text (a header row naming at least `timestamp, open, high, low, close, volume`,
 * in any order and case; other columns are ignored) into columns.
 *
 * Timestamps may be epoch milliseconds or ISO 8601 text with an offset; a space between date and
 * time is accepted (`2024-01-01 00:00:00+00:00`, as the original system's CSVs write it). Numbers
 * are parsed with `Number`, so 17-significant-digit floats come back as the exact doubles.
 * No I/O: read the file yourself (tests use `node:fs`).
 *
 * @throws Error naming the line and column of the first value that is not a number or a date.
 */
export function parseCandleCsv(text: string): CandleColumns {
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '');
  if (lines.length === 0) throw new Error('candle CSV is empty; expected a header row');
  const header = lines[0].split(',').map((h) => h.trim().toLowerCase());
  const col = REQUIRED.map((name) => {
    const at = header.indexOf(name);
    if (at < 0) throw new Error(`candle CSV has no "${name}" column (header: ${lines[0]})`);
    return at;
  });
  const n = lines.length - 1;
  const out = {
    timestamp: new Float64Array(n), open: new Float64Array(n), high: new Float64Array(n),
    low: new Float64Array(n), close: new Float64Array(n), volume: new Float64Array(n),
  };
  for (let r = 0; r < n; r++) {
    const cells = lines[r + 1].split(',');
    for (let f = 0; f < REQUIRED.length; f++) {
      const name = REQUIRED[f];
      const raw = (cells[col[f]] ?? '').trim();
      const value = name === 'timestamp' ? parseTimestamp(raw) : raw === '' ? NaN : Number(raw);
      if (Number.isNaN(value)) throw new Error(`candle CSV line ${r + 2}: ${name} "${raw}" is not ${name === 'timestamp' ? 'a date or epoch ms' : 'a number'}`);
      out[name][r] = value;
    }
  }
  return out;
}

function parseTimestamp(raw: string): number {
  if (raw === '') return NaN;
  if (/^-?\d+(\.\d+)?$/.test(raw)) return Number(raw);
  return Date.parse(raw.replace(' ', 'T'));
}
