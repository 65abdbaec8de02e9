import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { kstMidnight, parseLegacyManifest, parseLegacyResult, parseLegacyTime } from './legacy-format';
import { canonicalLegacyTimeframe, legacyToRun } from './legacy-mapping';

const FIX = join(__dirname, '..', '..', 'test', 'fixtures', 'legacy');
const SYNC = 'results/6f1c2d3e-4a5b-4c6d-8e7f-901a2b3c4d5e.json';
const TASK = 'tasks/9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d';
const bytes = (rel: string) => readFileSync(join(FIX, rel));

describe('legacy time and timeframe conventions', () => {
  it('reads the original timestamps: offset, offset plus stray Z (async quirk), naive UTC, microseconds', () => {
    expect(parseLegacyTime('2024-01-05T00:00:00+00:00')).toBe(Date.UTC(2024, 0, 5));
    expect(parseLegacyTime('2024-02-06T00:00:00+00:00Z')).toBe(Date.UTC(2024, 1, 6));
    expect(parseLegacyTime('2025-11-10T03:15:42.123456Z')).toBe(Date.UTC(2025, 10, 10, 3, 15, 42, 123));
    expect(parseLegacyTime('2025-11-10T03:15:42.123456')).toBe(Date.UTC(2025, 10, 10, 3, 15, 42, 123));
    expect(parseLegacyTime('2024-01-05T09:00:00+09:00')).toBe(Date.UTC(2024, 0, 5));
    expect(parseLegacyTime('yesterday')).toBeNaN();
  });

  it('puts a day at midnight in Korea (UTC+9), as the original loader did', () => {
    expect(kstMidnight('2024-01-01')).toBe(Date.UTC(2023, 11, 31, 15));
  });

  it.each([
    ['1d', '1d'], ['1D', '1d'], ['1H', '1h'], ['4H', '4h'], ['1M', '1m'], ['15M', '15m'], ['1W', '1w'], ['1Mo', '1mo'], ['7x', '7x'],
  ])('maps timeframe %s to %s', (legacy, canonical) => {
    expect(canonicalLegacyTimeframe(legacy)).toBe(canonical);
  });
});

describe('legacy file checks', () => {
  it('names the file and every missing field', () => {
    const err = (() => {
      try {
        parseLegacyResult('results/x.json', bytes('results/22222222-3333-4444-8555-666666666666.json'));
      } catch (e) {
        return e as Error & { code: string; file: string };
      }
      return null;
    })();
    expect(err).toMatchObject({ code: 'INVALID_FILE', file: 'results/x.json' });
    expect(err?.message).toMatch(/^results\/x\.json: not a valid backtest result: strategy \(missing\); symbols \(must be a non-empty array/);
  });

  it('says a truncated file is not valid JSON', () => {
    expect(() => parseLegacyResult('r.json', bytes('results/11111111-2222-4333-8444-555555555555.json'))).toThrow(/^r\.json: not valid JSON/);
  });

  it('refuses a total_signals that disagrees with the signal rows (a damaged or hand-edited file)', () => {
    const edited = bytes(SYNC).toString('utf8').replace('"total_signals": 5', '"total_signals": 6');
    expect(() => parseLegacyResult('r.json', Buffer.from(edited))).toThrow(/total_signals \(6 but the symbols hold 5 signal rows\)/);
  });

  it('refuses a win rate given in percent and a manifest without an MD5', () => {
    const pct = bytes(SYNC).toString('utf8').replace('"win_rate": 0.5', '"win_rate": 50');
    expect(() => parseLegacyResult('r.json', Buffer.from(pct))).toThrow(/symbols\[1\]\.win_rate \(must be a fraction 0\.\.1\)/);
    const m = bytes(`${TASK}/manifest.json`).toString('utf8').replace(/"checksum": "[0-9a-f]+"/, '"checksum": "abc"');
    expect(() => parseLegacyManifest('m.json', Buffer.from(m))).toThrow(/result_files\[0\]/);
  });
});

describe('legacyToRun', () => {
  it('maps a sync result with hand-calculated metrics and keeps the original bytes', () => {
    const raw = bytes(SYNC);
    const { run, payload } = legacyToRun({ kind: 'sync', result: parseLegacyResult(SYNC, raw), resultBytes: raw, fileMtimeMs: 0 });
    const btc = (1.02 * 0.99 * 1.03 - 1) * 100; // 4.0094 %
    const eth = (0.95 * 1.02 - 1) * 100; // -3.1 %
    expect(run).toMatchObject({
      id: '6f1c2d3e-4a5b-4c6d-8e7f-901a2b3c4d5e', kind: 'sync', status: 'completed', strategy: 'volume_long_candle',
      symbols: ['KRW-BTC', 'KRW-ETH'], timeframe: '1d', tradeCount: 5, maxDrawdownPct: 1, sharpe: null, durationMs: 842,
      periodStart: Date.UTC(2023, 11, 31, 15), periodEnd: Date.UTC(2024, 2, 30, 15), createdAt: Date.UTC(2025, 10, 10, 3, 15, 42, 123), error: null,
    });
    expect(run.totalReturnPct).toBeCloseTo((btc + eth) / 2, 12);
    expect(run.symbolResults?.[0]).toMatchObject({ symbol: 'KRW-BTC', winRate: 2 / 3, maxDrawdownPct: 1, tradeCount: 3 });
    expect(run.symbolResults?.[0].totalReturnPct).toBeCloseTo(4.0094, 10);
    expect(run.symbolResults?.[1].totalReturnPct).toBeCloseTo(-3.1, 10);
    expect((run.metrics as { avg_return_pct: number }).avg_return_pct).toBeCloseTo((4 / 3 - 1.5) / 2, 12);
    const gz = payload.files?.find((f) => f.name === 'legacy/result.json.gz');
    expect(gunzipSync(gz!.bytes).equals(raw)).toBe(true);
  });

  it('maps a failed task from its manifest alone', () => {
    const path = 'tasks/3c4d5e6f-7a8b-4c9d-8e0f-1a2b3c4d5e6f/manifest.json';
    const raw = bytes(path);
    const { run } = legacyToRun({ kind: 'async', manifest: parseLegacyManifest(path, raw), manifestBytes: raw, fileMtimeMs: 0 });
    expect(run).toMatchObject({
      kind: 'async', status: 'failed', symbols: ['KRW-BTC', 'KRW-SOL'], tradeCount: null, totalReturnPct: null, durationMs: 250,
      startedAt: Date.UTC(2025, 10, 11, 9), finishedAt: Date.UTC(2025, 10, 11, 9, 0, 0, 250), createdAt: Date.UTC(2025, 10, 11, 9, 0, 0, 250),
      error: { code: 'LEGACY_TASK_FAILED', message: "Backtest failed: No data found for symbols ['KRW-SOL'] in range 2024-01-01 ~ 2024-12-31" },
      symbolResults: [],
    });
  });
});
