import { getStrategy, runBacktest, sliceCandles } from '@coinhts/engine';
import type { UpbitCandleStream } from '@coinhts/market-data';
import { startFakeUpbit, startFakeUpbitStream } from '@coinhts/market-data/testing';
import { dayOnTicks, fakeCandles, fakeRunner, useSchema, waitFor } from '../test/env';
import { PaperService } from './paper-service';

const db = useSchema();
const M = 60_000;

// Replays one generated day (1,440 one-minute candles, prices on Upbit's tick) through a paper session
// over the fake Upbit WebSocket with a fast clock, stops the session, and compares what PostgreSQL
// holds with runBacktest on the same candles and options.
describe('same code, same answer: a paper session replaying a day equals runBacktest of that day', () => {
  it.each([
    ['sma_crossover', { fast_period: 5, slow_period: 20 }, { stop_loss_pct: 1, take_profit_pct: 1.5, trailing_stop_pct: 0.8 }],
    ['rsi_reversion', {}, { sizing: { kind: 'notional', krw: 2_000_000 } }],
  ] as const)('%s', async (strategy, params, extra) => {
    const day = dayOnTicks(strategy === 'sma_crossover' ? 7 : 9);
    const n = day.timestamp.length;
    const rest = await startFakeUpbit({ data: { 'KRW-BTC': { 'minutes/1': fakeCandles(day) } } });
    const ws = await startFakeUpbitStream();
    const clock = { now: day.timestamp[0] + 5000 };
    const streams: UpbitCandleStream[] = [];
    const runner = fakeRunner({ repo: db.repo, owner: `same-${strategy}`, wsUrl: ws.url, restUrl: rest.baseUrl, now: () => clock.now, streams });
    const service = new PaperService(db.repo, undefined);
    const options = { initial_capital: 10_000_000, fee_rate: 0.0005, slippage_rate: 0.0002, ...extra };
    try {
      const s = await service.start({ name: `same-${strategy}`, pairs: [{ symbol: 'KRW-BTC', strategy, params }], options });
      runner.start();
      await waitFor('the runner subscribed', () => ws.requests.length > 0);
      for (const c of fakeCandles(day)) ws.push('candle.1m', 'KRW-BTC', c);
      // The last candle closes by the clock (no later one arrives).
      clock.now = day.timestamp[n - 1] + M + 2000;
      await waitFor('every candle applied', async () => {
        await streams[0].flush();
        const [pair] = await db.repo.pairs(s.id);
        return pair.lastCandleTime === day.timestamp[n - 1];
      });
      await service.stop(s.id);
      await waitFor('the session stopped', async () => (await db.repo.get(s.id)).status === 'stopped');

      const bt = runBacktest({ strategy: getStrategy(strategy), params, series: [{ symbol: 'KRW-BTC', timeframe: '1m', candles: sliceCandles(day, 0, n) }], options: { ...options, order_rules: 'upbit-krw' } });
      const trades = await db.repo.trades(s.id);
      expect(bt.trades.pnl.length).toBeGreaterThan(0);
      expect(trades.length).toBe(bt.trades.pnl.length);
      const close = (a: number, b: number) => Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(b));
      trades.forEach((t, k) => {
        expect([t.entryTime, t.exitTime, t.exitReason, t.barsHeld]).toEqual([bt.trades.entry_time[k], bt.trades.exit_time[k], bt.trades.exit_reason[k], bt.trades.bars_held[k]]);
        for (const [a, b] of [[t.entryPrice, bt.trades.entry_price[k]], [t.exitPrice, bt.trades.exit_price[k]], [t.quantity, bt.trades.quantity[k]], [t.fees, bt.trades.fees[k]], [t.pnl, bt.trades.pnl[k]]]) {
          expect(close(a, b)).toBe(true);
        }
      });
      // Fees: Σ over the order fills equals Σ trade fees of the backtest.
      const orders = await db.repo.orders(s.id);
      const fills = orders.filter((o) => o.status === 'filled');
      expect(fills.length).toBe(2 * bt.trades.pnl.length);
      const feeSum = fills.reduce((a, o) => a + (o.fee ?? 0), 0);
      const btFees = bt.trades.fees.reduce((a, x) => a + x, 0);
      expect(Math.abs(feeSum - btFees)).toBeLessThanOrEqual(1e-9 * btFees);
      // Equity: every hourly snapshot and the final equity equal the backtest's equity curve at that bar.
      const snaps = await db.repo.snapshots(s.id);
      expect(snaps.length).toBeGreaterThanOrEqual(24);
      for (const sn of snaps) {
        const i = Array.from(day.timestamp).indexOf(sn.barTime);
        expect(close(sn.equity, bt.equity.equity[i])).toBe(true);
      }
      const [pair] = await db.repo.pairs(s.id);
      expect(close(pair.equity, bt.equity.equity[n - 1])).toBe(true);
      expect(close(pair.equity, bt.summary.portfolio.final_equity_krw)).toBe(true);
    } finally {
      await runner.close();
      await ws.close();
      await rest.close();
    }
  }, 120_000);
});
