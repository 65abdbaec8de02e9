/**
 * Live paper trading (issue 14):
 *
 *   source tools/services.sh   # or any DATABASE_URL
 *   npm run bench -- paper
 *
 * A. Replay: one year of 1-minute candles (525,600) for each of 10 markets through 10 paper
 *    sessions (the application's PaperSession: strategy streaming form + the engine's
 *    StreamingPortfolio + Upbit rules), PostgreSQL checkpoints (state, signals, orders, trades,
 *    snapshots, events) every simulated day, all 10 concurrently. Target ≤ 60 s. Baseline in the
 *    same run: runBacktest (batch) of the same candles, and the trade counts must agree.
 *    The WebSocket is not in this path (a fast clock replays recorded candles); part B measures it.
 * B. Latency: 50 markets live on the fake Upbit WebSocket at Upbit's rate (≤ 1 message per market
 *    per second), one session with 50 pairs run by the PaperRunner; a "minute" lasts 2 s of wall
 *    time so that 20 minutes take 40 s. Candle-to-decision = from the arrival of the message that
 *    closes a candle to the strategy + portfolio decision on it. Target p99 ≤ 5 ms.
 */
import { randomBytes } from 'node:crypto';
import { cpus, loadavg } from 'node:os';
import { getStrategy, runBacktest, type CandleColumns } from '@coinhts/engine';
import { syntheticCandles } from '@coinhts/engine/testing';
import { UpbitCandleStream } from '@coinhts/market-data';
import { startFakeUpbit, startFakeUpbitStream } from '@coinhts/market-data/testing';
import { PaperRunner, PaperService, PaperSession, validatePaperRequest } from '@coinhts/paper';
import { roundToTick } from '@coinhts/positions';
import { createDataSource, PaperSessionRepository, runMigrations } from '@coinhts/results';
import { saveResults, type CaseResult } from './harness';

const YEAR = 525_600;
const MARKETS = 10;
const LIVE_MARKETS = 50;
const LIVE_MINUTES = Number(process.env.PAPER_BENCH_MINUTES ?? 20);
const STRATEGY = 'sma_crossover';
const PARAMS = { fast_period: 10, slow_period: 30 };
const OPTIONS = { initial_capital: 10_000_000, stop_loss_pct: 2 };

function onTicks(c: CandleColumns): CandleColumns {
  const open = c.open.map((x) => roundToTick(x, 'down')), close = c.close.map((x) => roundToTick(x, 'down'));
  const high = c.high.map((x, i) => Math.max(roundToTick(x, 'up'), open[i], close[i]));
  const low = c.low.map((x, i) => Math.min(roundToTick(x, 'down'), open[i], close[i]));
  return { timestamp: c.timestamp, open, high, low, close, volume: c.volume };
}

const pct = (xs: number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
};

async function main(): Promise<void> {
  const url = process.env.DATABASE_URL;
  if (!url) throw new Error('DATABASE_URL is not set: run `source tools/services.sh` first.');
  console.log(`CPU ${cpus()[0]?.model} x${cpus().length}; load average ${loadavg().map((x) => x.toFixed(2)).join(' ')} (a shared machine: read the ratios)`);
  const schema = `paper_bench_${randomBytes(4).toString('hex')}`;
  const ds = createDataSource({ url, schema, poolSize: 12 });
  await runMigrations(ds);
  const repo = new PaperSessionRepository(ds);
  const service = new PaperService(repo);
  const results: CaseResult[] = [];
  try {
    // ---------- A. replay
    const series = Array.from({ length: MARKETS }, (_, k) => onTicks(syntheticCandles({ n: YEAR, seed: 100 + k, startPrice: 50_000_000 + k * 1_000_000, volatility: 0.0015, startMs: Date.parse('2024-01-01T00:00:00Z') })));
    const symbols = Array.from({ length: MARKETS }, (_, k) => `KRW-R${String(k).padStart(2, '0')}`);

    const btCpu0 = process.cpuUsage();
    const t0 = process.hrtime.bigint();
    const btTrades: number[] = [];
    for (let k = 0; k < MARKETS; k++) {
      const bt = runBacktest({ strategy: getStrategy(STRATEGY), params: PARAMS, series: [{ symbol: symbols[k], timeframe: '1m', candles: series[k] }], options: { ...OPTIONS, fee_rate: 0.0005, order_rules: 'upbit-krw' } });
      btTrades.push(bt.trades.pnl.length);
    }
    const btMs = Number(process.hrtime.bigint() - t0) / 1e6;
    const btCpuUse = process.cpuUsage(btCpu0);
    const btCpuMs = (btCpuUse.user + btCpuUse.system) / 1000;

    const sessions: PaperSession[] = [];
    for (let k = 0; k < MARKETS; k++) {
      const body = { name: `replay-${k}`, pairs: [{ symbol: symbols[k], strategy: STRATEGY, params: PARAMS }], options: OPTIONS };
      const rec = await service.start(body);
      sessions.push(new PaperSession(rec.id, await validatePaperRequest(body), [], { snapshotEveryBars: 60 }));
    }
    await repo.claim('bench', 3_600_000);
    let checkpoints = 0;
    const cpu0 = process.cpuUsage();
    const t1 = process.hrtime.bigint();
    await Promise.all(sessions.map(async (s, k) => {
      const c = series[k];
      const every = 1440;
      for (let i = 0; i < YEAR; i++) {
        s.apply({ market: symbols[k], timeframe: '1m', source: 'stream', candle: { timestamp: c.timestamp[i], open: c.open[i], high: c.high[i], low: c.low[i], close: c.close[i], volume: c.volume[i] } });
        if ((i + 1) % every === 0) { await repo.checkpoint(s.id, 'bench', s.drain()); checkpoints++; }
      }
      s.end();
      await repo.checkpoint(s.id, 'bench', { ...s.drain(), finalStatus: 'stopped' });
      checkpoints++;
    }));
    const replayMs = Number(process.hrtime.bigint() - t1) / 1e6;
    const cpu = process.cpuUsage(cpu0);
    const cpuMs = (cpu.user + cpu.system) / 1000;
    const rows = (await ds.query(`SELECT (SELECT count(*) FROM paper_signals)::int AS signals, (SELECT count(*) FROM paper_orders)::int AS orders, (SELECT count(*) FROM paper_trades)::int AS trades, (SELECT count(*) FROM paper_events)::int AS events, (SELECT count(*) FROM paper_snapshots)::int AS snapshots`)) as Record<string, number>[];
    const perMarket = (await ds.query(`SELECT s.name, count(t.*)::int AS n FROM paper_sessions s LEFT JOIN paper_trades t ON t.session_id = s.id WHERE s.name LIKE 'replay-%' GROUP BY s.name ORDER BY s.name`)) as { name: string; n: number }[];
    const agree = perMarket.every((r) => r.n === btTrades[Number(r.name.slice('replay-'.length))]);
    console.log(`A. replay ${MARKETS} x ${YEAR.toLocaleString()} candles = ${(MARKETS * YEAR).toLocaleString()} through paper sessions with PostgreSQL: ${(replayMs / 1000).toFixed(1)} s (target <= 60 s) = ${((MARKETS * YEAR) / (replayMs / 1000) / 1e3).toFixed(0)} k candles/s`);
    console.log(`   CPU time of this process during the replay: ${(cpuMs / 1000).toFixed(1)} s (${((cpuMs / replayMs) * 100).toFixed(0)} % of the wall time; PostgreSQL's own CPU is not in it)`);
    console.log(`   ${checkpoints} checkpoints; rows written: ${JSON.stringify(rows[0])}`);
    console.log(`   baseline runBacktest of the same candles (batch, no I/O): ${(btMs / 1000).toFixed(2)} s wall, ${(btCpuMs / 1000).toFixed(2)} s CPU; replay/backtest = ${(replayMs / btMs).toFixed(1)}x wall, ${(cpuMs / btCpuMs).toFixed(1)}x CPU`);
    console.log(`   trades per market equal to the backtest's: ${agree ? 'yes' : 'NO'} (${perMarket.map((r) => r.n).join(', ')})`);
    if (!agree) process.exitCode = 1;
    results.push({ name: 'replay 10 markets x 1 year 1m, PostgreSQL', medianMs: replayMs, minMs: replayMs, runs: 1, perSecond: (MARKETS * YEAR) / (replayMs / 1000) });
    results.push({ name: 'baseline runBacktest same candles', medianMs: btMs, minMs: btMs, runs: 1, perSecond: (MARKETS * YEAR) / (btMs / 1000) });

    // ---------- B. live latency
    const rest = await startFakeUpbit({ data: {} });
    const ws = await startFakeUpbitStream();
    const live = Array.from({ length: LIVE_MARKETS }, (_, k) => `KRW-L${String(k).padStart(2, '0')}`);
    const V0 = Date.parse('2025-11-11T00:00:00Z');
    const SPEED = 30; // one virtual minute = 2 s of wall time
    const wall0 = Date.now();
    const now = () => V0 + (Date.now() - wall0) * SPEED;
    const rec = await service.start({ name: 'live-50', pairs: live.map((m) => ({ symbol: m, strategy: STRATEGY, params: PARAMS })), options: { initial_capital: 50_000_000 } });
    const runner = new PaperRunner({
      repository: repo, owner: 'bench-live', pollMs: 50, leaseMs: 30_000,
      streamFactory: (s) => new UpbitCandleStream({ markets: s.markets, timeframes: s.timeframes, resumeAfter: s.resumeAfter, onCandle: s.onCandle, onEvent: s.onEvent, url: ws.url, now, graceMs: 3000 * SPEED, rest: { baseUrl: rest.baseUrl } }),
    });
    runner.start();
    await ws.waitForSubscriptions(1);
    const price = live.map((_, k) => 10_000_000 + k * 100_000);
    const sleepUntil = async (wall: number) => { const d = wall - Date.now(); if (d > 0) await new Promise((r) => setTimeout(r, d)); };
    let pushed = 0;
    for (let m = 0; m < LIVE_MINUTES; m++) {
      const t = V0 + m * 60_000;
      for (let sec = 0; sec < 2; sec++) {
        // One message per market per wall second (Upbit's cadence), spread over the second.
        for (let k = 0; k < LIVE_MARKETS; k++) {
          price[k] = Math.max(1000, price[k] + (((k * 7 + m * 13 + sec * 5) % 11) - 5) * 1000);
          ws.push('candle.1m', live[k], { t, o: price[k], h: price[k] + 1000, l: price[k] - 1000, c: price[k], v: 1 });
          pushed++;
          if (k % 10 === 9) await sleepUntil(wall0 + (m * 2 + sec) * 1000 + ((k + 1) / LIVE_MARKETS) * 1000);
        }
      }
    }
    const session = runner.session(rec.id);
    await new Promise((r) => setTimeout(r, 500));
    const lat = session?.latenciesMs ?? [];
    await runner.close();
    await ws.close();
    await rest.close();
    const [pair] = await repo.pairs(rec.id);
    console.log(`B. ${LIVE_MARKETS} markets live, ${LIVE_MINUTES} minutes (${pushed} messages at <= 1/s per market): ${lat.length} closed candles decided`);
    console.log(`   candle-to-decision latency: p50 ${pct(lat, 50).toFixed(3)} ms, p99 ${pct(lat, 99).toFixed(3)} ms, max ${Math.max(...lat).toFixed(3)} ms (target p99 <= 5 ms); last checkpointed candle ${pair.lastCandleTime === null ? '-' : new Date(pair.lastCandleTime).toISOString()}`);
    results.push({ name: `live ${LIVE_MARKETS} markets candle-to-decision p99`, medianMs: pct(lat, 99), minMs: pct(lat, 50), runs: lat.length });
    saveResults('paper', results);
  } finally {
    await ds.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await ds.destroy();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
