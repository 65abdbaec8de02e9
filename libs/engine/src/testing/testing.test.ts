import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { findCandleIssues } from '../core/candles';
import { parseCandleCsv, seededRandom, syntheticCandles } from './index';

const FIXTURE = join(__dirname, '..', '..', 'test', 'fixtures', 'coin_hts', 'synthetic_seed42_100.csv');

describe('parseCandleCsv', () => {
  it('reads the original system\'s CSV: 100 rows, exact doubles, "+00:00" timestamps', () => {
    const c = parseCandleCsv(readFileSync(FIXTURE, 'utf8'));
    expect(c.close).toHaveLength(100);
    // first data line: 2024-01-01 00:00:00+00:00,100.99342830602247,101.54936836504592,100.69571291250658,100.85516400485128,392.79757672456202
    expect(c.timestamp[0]).toBe(Date.UTC(2024, 0, 1));
    expect(c.timestamp[1]).toBe(Date.UTC(2024, 0, 2));
    expect(c.open[0]).toBe(100.99342830602247);
    expect(c.high[0]).toBe(101.54936836504592);
    expect(c.low[0]).toBe(100.69571291250658);
    expect(c.close[0]).toBe(100.85516400485128);
    expect(c.volume[0]).toBe(392.79757672456202);
  });

  it('accepts columns in any order and case, epoch-ms timestamps, CRLF and extra columns', () => {
    const c = parseCandleCsv('Volume,Close,symbol,Low,High,Open,Timestamp\r\n5,11,KRW-BTC,9,12,10,1704067200000\r\n');
    expect(Array.from(c.timestamp)).toEqual([1704067200000]);
    expect([c.open[0], c.high[0], c.low[0], c.close[0], c.volume[0]]).toEqual([10, 12, 9, 11, 5]);
  });

  it('names the line and column of a bad value, and a missing column', () => {
    expect(() => parseCandleCsv('timestamp,open,high,low,close,volume\n1,2,3,1,2,x\n')).toThrow('line 2: volume "x" is not a number');
    expect(() => parseCandleCsv('timestamp,open,high,low,close,volume\nyesterday,2,3,1,2,1\n')).toThrow('line 2: timestamp "yesterday"');
    expect(() => parseCandleCsv('timestamp,open,high,low,close\n')).toThrow('no "volume" column');
  });
});

describe('seededRandom', () => {
  it('repeats its sequence for a seed and differs across seeds', () => {
    const a = seededRandom(7);
    const b = seededRandom(7);
    const c = seededRandom(8);
    const xs = Array.from({ length: 5 }, () => a.next());
    expect(Array.from({ length: 5 }, () => b.next())).toEqual(xs);
    expect(Array.from({ length: 5 }, () => c.next())).not.toEqual(xs);
  });

  it('gives uniforms in [0, 1) with mean 1/2 and normals with mean 0 and sd 1 (n = 100 000, 5-sigma bounds)', () => {
    const r = seededRandom(1);
    const n = 100_000;
    let su = 0;
    let sn = 0;
    let sn2 = 0;
    for (let i = 0; i < n; i++) {
      const u = r.next();
      if (!(u >= 0 && u < 1)) throw new Error(`uniform out of range: ${u}`);
      su += u;
      const z = r.normal();
      sn += z;
      sn2 += z * z;
    }
    expect(Math.abs(su / n - 0.5)).toBeLessThan(5 * Math.sqrt(1 / 12 / n));
    expect(Math.abs(sn / n)).toBeLessThan(5 / Math.sqrt(n));
    expect(Math.abs(sn2 / n - 1)).toBeLessThan(5 * Math.sqrt(2 / n));
    const ints = new Set(Array.from({ length: 1000 }, () => r.int(3, 5)));
    expect([...ints].sort()).toEqual([3, 4, 5]);
  });
});

describe('syntheticCandles', () => {
  it('is deterministic per seed', () => {
    expect(syntheticCandles({ n: 50, seed: 3 })).toEqual(syntheticCandles({ n: 50, seed: 3 }));
    expect(syntheticCandles({ n: 50, seed: 3 }).close).not.toEqual(syntheticCandles({ n: 50, seed: 4 }).close);
  });

  it('produces valid candles: positive prices, wicks around the body, open = previous close, evenly spaced times', () => {
    const c = syntheticCandles({ n: 20_000, seed: 5, startMs: 1_000, intervalMs: 60_000, startPrice: 50_000_000 });
    expect(findCandleIssues(c)).toEqual([]);
    expect(c.open[0]).toBe(50_000_000);
    for (let i = 1; i < 20_000; i++) {
      if (c.open[i] !== c.close[i - 1] || c.timestamp[i] !== 1_000 + i * 60_000) throw new Error(`bar ${i} is not continuous`);
    }
  });

  it('has the requested volatility and occasional volume spikes', () => {
    const n = 50_000;
    const c = syntheticCandles({ n, seed: 6, volatility: 0.002, spikeProbability: 0.02, spikeMultiplier: 8 });
    let s2 = 0;
    for (let i = 0; i < n; i++) s2 += Math.log(c.close[i] / c.open[i]) ** 2;
    const sd = Math.sqrt(s2 / n);
    // clustered volatility averages a bit above the base level; it must stay in the same range
    expect(sd).toBeGreaterThan(0.0015);
    expect(sd).toBeLessThan(0.003);
    const sorted = Array.from(c.volume).sort((a, b) => a - b);
    expect(sorted[n - 1] / sorted[Math.floor(n / 2)]).toBeGreaterThan(10);
  });

  it('rejects a bad n', () => {
    expect(() => syntheticCandles({ n: -1 })).toThrow(RangeError);
    expect(syntheticCandles({ n: 0 }).close).toHaveLength(0);
  });
});
