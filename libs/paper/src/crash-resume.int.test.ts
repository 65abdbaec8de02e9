import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { getStrategy, runBacktest, sliceCandles } from '@coinhts/engine';
import { startFakeUpbit, startFakeUpbitStream } from '@coinhts/market-data/testing';
import { dayOnTicks, fakeCandles, sourceExecArgv, useSchema, waitFor } from '../test/env';
import { PaperService } from './paper-service';

const db = useSchema();
const STRATEGY = 'sma_crossover';
const PARAMS = { fast_period: 5, slow_period: 20 };
const OPTIONS = { initial_capital: 10_000_000, fee_rate: 0.0005, slippage_rate: 0.0002 };

interface Child { proc: ChildProcess; lines: Record<string, unknown>[]; exited: Promise<number | null> }

function runnerChild(env: Record<string, string>): Child {
  const proc = spawn(process.execPath, [...sourceExecArgv(), join(__dirname, '../test/runner-child.ts')], {
    env: { ...process.env, PAPER_SCHEMA: db.schema, ...env }, stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: Record<string, unknown>[] = [];
  let buf = '';
  proc.stdout?.on('data', (d: Buffer) => {
    buf += d.toString('utf8');
    let k: number;
    while ((k = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, k);
      buf = buf.slice(k + 1);
      try { lines.push(JSON.parse(line) as Record<string, unknown>); } catch { /* not ours */ }
    }
  });
  let err = '';
  proc.stderr?.on('data', (d: Buffer) => { err += d.toString('utf8'); });
  const exited = new Promise<number | null>((r) => proc.once('exit', (code) => { if (code && code !== 0) process.stderr.write(err); r(code); }));
  return { proc, lines, exited };
}

describe('SIGKILL of the process running a session with an open position', () => {
  it('a new process takes the session over, repairs the 11 missed minutes from REST, keeps the position and writes no duplicate fill', async () => {
    const day = dayOnTicks(7);
    const t = day.timestamp;
    // Pick a kill point with a position open: two bars after an entry of a trade that lasts longer than that.
    const full = runBacktest({ strategy: getStrategy(STRATEGY), params: PARAMS, series: [{ symbol: 'KRW-BTC', timeframe: '1m', candles: day }], options: { ...OPTIONS, order_rules: 'upbit-krw' } });
    const idx = (ms: number) => Array.from(t).indexOf(ms);
    let K = -1;
    for (let k = 0; k < full.trades.pnl.length; k++) {
      const e = idx(full.trades.entry_time[k]), x = idx(full.trades.exit_time[k]);
      if (x - e > 4 && e > 30) { K = e + 2; break; }
    }
    expect(K).toBeGreaterThan(0);
    const rest = await startFakeUpbit({ data: { 'KRW-BTC': { 'minutes/1': fakeCandles(day) } } });
    const ws = await startFakeUpbitStream();
    const service = new PaperService(db.repo);
    const base = { DATABASE_URL: db.url, WS_URL: ws.url, REST_URL: rest.baseUrl, LEASE_MS: '4000' };
    let second: Child | undefined;
    try {
      const s = await service.start({ name: 'crash', pairs: [{ symbol: 'KRW-BTC', strategy: STRATEGY, params: PARAMS }], options: OPTIONS });
      const first = runnerChild({ ...base, OWNER: 'first', FAKE_NOW: String(t[0] + 5000) });
      await ws.waitForSubscriptions(1);
      const candles = fakeCandles(day);
      for (let i = 0; i <= K; i++) ws.push('candle.1m', 'KRW-BTC', candles[i]); // bar K closes bar K−1
      await waitFor('bar K−1 checkpointed', async () => (await db.repo.pairs(s.id))[0].lastCandleTime === t[K - 1]);
      const before = await db.repo.positions(s.id);
      expect(before).toHaveLength(1); // the position is open when the process dies
      const ordersBefore = await db.repo.orders(s.id);

      first.proc.kill('SIGKILL');
      await first.exited;

      // Eleven minutes later (bars K..K+10 happened while nothing ran) a second process starts.
      second = runnerChild({ ...base, OWNER: 'second', FAKE_NOW: String(t[K + 11] + 5000) });
      await waitFor('the second process claimed the session', () => second?.lines.some((l) => l.type === 'claimed'));
      await ws.waitForSubscriptions(2);
      ws.push('candle.1m', 'KRW-BTC', candles[K + 11]);
      ws.push('candle.1m', 'KRW-BTC', candles[K + 12]); // closes K+11
      await waitFor('bar K+11 checkpointed', async () => (await db.repo.pairs(s.id))[0].lastCandleTime === t[K + 11]);

      const repaired = second.lines.find((l) => l.type === 'stream' && (l.event as { type: string }).type === 'repaired') as { event: { from: number; to: number; candles: number } } | undefined;
      expect(repaired?.event).toMatchObject({ from: t[K], candles: 11 });
      expect(rest.requests.length).toBeGreaterThan(0);

      // The position opened before the crash is still the same position (or closed exactly as the backtest closes it).
      const bt = runBacktest({ strategy: getStrategy(STRATEGY), params: PARAMS, series: [{ symbol: 'KRW-BTC', timeframe: '1m', candles: sliceCandles(day, 0, K + 12) }], options: { ...OPTIONS, order_rules: 'upbit-krw', close_at_end: false } });
      const trades = await db.repo.trades(s.id);
      expect(trades.map((x) => [x.entryTime, x.exitTime, x.exitReason])).toEqual(Array.from(bt.trades.entry_time, (e, k) => [e, bt.trades.exit_time[k], bt.trades.exit_reason[k]]));
      const orders = await db.repo.orders(s.id);
      // No duplicate fill: every order before the crash is still there once, and every fill is one per position leg.
      for (const o of ordersBefore) expect(orders.filter((x) => x.side === o.side && x.positionTime === o.positionTime && x.status === o.status)).toHaveLength(1);
      const buys = orders.filter((o) => o.side === 'buy' && o.status === 'filled');
      expect(new Set(buys.map((b) => b.positionTime)).size).toBe(buys.length);
      const after = await db.repo.positions(s.id);
      // Open after bar K+11 in the full-day backtest: entered at or before bar K+11, exited after it.
      const last = t[K + 11];
      const stillOpen = Array.from(full.trades.entry_time, (e, k) => ({ entryTime: e, exitTime: full.trades.exit_time[k], quantity: full.trades.quantity[k] }))
        .filter((x) => x.entryTime <= last && x.exitTime > last);
      expect(after.map((p) => [p.entryTime, p.quantity])).toEqual(stillOpen.map((p) => [p.entryTime, p.quantity]));
      if (stillOpen.some((p) => p.entryTime === before[0].entryTime)) expect(after[0]).toMatchObject({ entryTime: before[0].entryTime, quantity: before[0].quantity, entryFillPrice: before[0].entryFillPrice });

      second.proc.kill('SIGTERM');
      expect(await second.exited).toBe(0);
      second = undefined;
      expect((await db.repo.get(s.id)).owner).toBeNull(); // a clean shutdown releases the lease at once
    } finally {
      second?.proc.kill('SIGKILL');
      await ws.close();
      await rest.close();
    }
  }, 120_000);
});
