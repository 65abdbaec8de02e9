/**
 * Results index: list 100 runs with two filters out of 100,000 (target <= 20 ms).
 *
 *   source tools/services.sh   # or any DATABASE_URL
 *   npm run bench -- results-index
 *
 * Seeds 100,000 runs (deterministic PRNG) into a fresh schema with multi-row INSERT … SELECT FROM
 * unnest(…) batches, migrates, ANALYZEs, then times PgRunIndex.list for the filters the UI
 * uses, prints EXPLAIN ANALYZE of the exact SQL, then repeats the cases without the list-index
 * migration (reverted in the same run) and the two headline cases with no index at all, to show
 * what each index buys. Drops the schema at the end.
 */
import { randomBytes } from 'node:crypto';
import { cpus } from 'node:os';
import { Client } from 'pg';
import { buildListQuery, createDataSource, PgRunIndex, revertLastMigration, runMigrations, type RunListFilter } from '@coinhts/results';
import { measureAsync, report, saveResults, type CaseResult } from './harness';

const RUNS = 100_000;
const BATCH = 10_000;
// Four common strategies and one rarely used one (0.5 % of runs), so that both index paths matter.
const STRATEGIES = ['volume_long_candle', 'volume_zone_breakout', 'sma_cross', 'rsi_reversion'];
const RARE_STRATEGY = 'experimental_breakout';
// 30 KRW markets; the first ones appear more often (Zipf-like), as real usage would.
const SYMBOLS = [
  'KRW-BTC', 'KRW-ETH', 'KRW-XRP', 'KRW-SOL', 'KRW-DOGE', 'KRW-ADA', 'KRW-TRX', 'KRW-AVAX', 'KRW-LINK', 'KRW-DOT',
  'KRW-BCH', 'KRW-NEAR', 'KRW-ATOM', 'KRW-ETC', 'KRW-XLM', 'KRW-HBAR', 'KRW-SUI', 'KRW-APT', 'KRW-ARB', 'KRW-OP',
  'KRW-SAND', 'KRW-MANA', 'KRW-AXS', 'KRW-EOS', 'KRW-SHIB', 'KRW-STX', 'KRW-SEI', 'KRW-IMX', 'KRW-ALGO', 'KRW-FLOW',
];

/** mulberry32: small deterministic PRNG so every run of the bench seeds the same data. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function uuidFrom(rand: () => number): string {
  const hex = Array.from({ length: 32 }, () => Math.floor(rand() * 16).toString(16)).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-8${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

async function seed(pg: Client, now: number): Promise<number> {
  const rand = prng(42);
  const pick = () => SYMBOLS[Math.min(SYMBOLS.length - 1, Math.floor(SYMBOLS.length * rand() ** 2))];
  const t0 = process.hrtime.bigint();
  for (let start = 0; start < RUNS; start += BATCH) {
    const cols = { id: [] as string[], strategy: [] as string[], status: [] as string[], symbols: [] as string[], params: [] as string[], metrics: [] as string[], ret: [] as number[], sharpe: [] as number[], mdd: [] as number[], trades: [] as number[], created: [] as Date[] };
    for (let i = start; i < Math.min(RUNS, start + BATCH); i++) {
      const n = 1 + Math.floor(rand() * 3);
      const syms = [...new Set(Array.from({ length: n }, pick))];
      if (rand() < 0.001) syms.push('KRW-NEWLY-LISTED'); // a symbol in 0.1 % of runs
      const ret = Math.round((rand() * 130 - 50) * 100) / 100;
      const trades = Math.floor(rand() * 400);
      cols.id.push(uuidFrom(rand));
      cols.strategy.push(rand() < 0.005 ? RARE_STRATEGY : STRATEGIES[Math.floor(rand() * STRATEGIES.length)]);
      const st = rand();
      cols.status.push(st < 0.94 ? 'completed' : st < 0.99 ? 'failed' : st < 0.995 ? 'running' : 'queued');
      cols.symbols.push(`{${syms.join(',')}}`);
      cols.params.push(JSON.stringify({ volume_window: 10 + Math.floor(rand() * 50), top_percentile: Math.round(rand() * 50) / 100, hold_period_bars: 1 + Math.floor(rand() * 5) }));
      cols.metrics.push(JSON.stringify({ total_return_pct: ret, win_rate: Math.round(rand() * 1000) / 1000, trades, exposure_pct: Math.round(rand() * 10000) / 100, cagr_pct: ret / 2 }));
      cols.ret.push(ret);
      cols.sharpe.push(Math.round((rand() * 4 - 1) * 1000) / 1000);
      cols.mdd.push(Math.round(rand() * 6000) / 100);
      cols.trades.push(trades);
      // Spread over the last 365 days, newest first, millisecond times.
      cols.created.push(new Date(now - Math.floor(((i + rand()) / RUNS) * 365 * 86_400_000)));
    }
    await pg.query(
      `INSERT INTO backtest_runs (id, kind, status, strategy, params, symbols, timeframe, metrics, total_return_pct, sharpe, max_drawdown_pct, trade_count,
         archive_location, manifest_sha256, archive_bytes, archive_files, duration_ms, created_at, updated_at)
       SELECT u.id, 'sync', u.status, u.strategy, u.params, u.symbols::text[], '1d', u.metrics, u.ret, u.sharpe, u.mdd, u.trades,
         's3://bench/backtests/' || u.id || '/', repeat('0', 64), 250000, 4, 1200, u.created, u.created
       FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::jsonb[], $6::jsonb[], $7::float8[], $8::float8[], $9::float8[], $10::int[], $11::timestamptz[])
         AS u(id, strategy, status, symbols, params, metrics, ret, sharpe, mdd, trades, created)`,
      [cols.id, cols.strategy, cols.status, cols.symbols, cols.params, cols.metrics, cols.ret, cols.sharpe, cols.mdd, cols.trades, cols.created],
    );
  }
  await pg.query('ANALYZE backtest_runs');
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

async function main(): Promise<void> {
  const url = process.env.DATABASE_URL;
  if (!url) {
    console.log('results-index bench: DATABASE_URL is not set; nothing to measure (source tools/services.sh first).');
    return;
  }
  const schema = `bench_results_${randomBytes(5).toString('hex')}`;
  const pg = new Client({ connectionString: url, options: `-c search_path=${schema}` });
  await pg.connect();
  const ds = createDataSource({ url, schema, poolSize: 2 });
  try {
    await runMigrations(ds);
    const now = Date.UTC(2025, 10, 26);
    const seedMs = await seed(pg, now);
    const { rows: sizeRows } = await pg.query(`SELECT pg_size_pretty(pg_total_relation_size('backtest_runs')) AS total, count(*)::int AS n FROM backtest_runs`);
    console.log(`seeded ${sizeRows[0].n} runs in ${(seedMs / 1000).toFixed(2)} s (table + indexes ${sizeRows[0].total})`);

    const repo = new PgRunIndex(ds);
    const first = await repo.list({ strategy: 'volume_zone_breakout', symbol: 'KRW-BTC' }, { limit: 100 });
    const cases: [string, RunListFilter, string | null][] = [
      ['strategy + symbol (KRW-BTC, common)', { strategy: 'volume_zone_breakout', symbol: 'KRW-BTC' }, null],
      ['strategy + min total return 20 %', { strategy: 'volume_zone_breakout', totalReturnPct: { min: 20 } }, null],
      ['strategy + symbol, page 2 (cursor)', { strategy: 'volume_zone_breakout', symbol: 'KRW-BTC' }, first.nextCursor],
      ['strategy + symbol (KRW-FLOW, rare)', { strategy: 'volume_zone_breakout', symbol: 'KRW-FLOW' }, null],
      ['symbol + min return 60 % (selective)', { symbol: 'KRW-ETH', totalReturnPct: { min: 60 } }, null],
      ['strategy + min return 79 % (very selective)', { strategy: 'sma_cross', totalReturnPct: { min: 79 } }, null],
      ['rare strategy + min return 0 %', { strategy: RARE_STRATEGY, totalReturnPct: { min: 0 } }, null],
      ['strategy + rare symbol (0.1 % of runs)', { strategy: 'sma_cross', symbol: 'KRW-NEWLY-LISTED' }, null],
      ['strategy + symbol, no match', { strategy: 'sma_cross', symbol: 'KRW-NONE' }, null],
      ['status running + kind sync', { status: 'running', kind: 'sync' }, null],
      ['no filter', {}, null],
    ];
    const timeCases = async (suffix: string, which: typeof cases): Promise<CaseResult[]> => {
      const out: CaseResult[] = [];
      for (const [name, filter, cursor] of which) {
        const page = await repo.list(filter, { limit: 100, cursor });
        const r = await measureAsync(`${name}${suffix}`, () => repo.list(filter, { limit: 100, cursor }), { warmup: 3, runs: 21 });
        out.push(r);
        console.log(`  ${r.name}: ${page.items.length} rows, median ${r.medianMs.toFixed(2)} ms`);
      }
      return out;
    };
    const withIndexes = await timeCases('', cases);

    const explains: Record<string, string> = {};
    for (const [name, filter, cursor] of cases.filter((c) => c[2] === null && c[0] !== 'no filter')) {
      const { sql, params } = buildListQuery(filter, { limit: 100, cursor });
      const plan = await pg.query(`EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) ${sql}`, [...params]);
      explains[name] = plan.rows.map((r: Record<string, string>) => r['QUERY PLAN']).join('\n');
      console.log(`\nEXPLAIN ANALYZE — ${name}\n${explains[name]}`);
    }

    // The same two headline queries without the list-index migration (GIN and created_at indexes stay).
    const reverted = await revertLastMigration(ds);
    await pg.query('ANALYZE backtest_runs');
    const withoutIndexes = await timeCases(` [without ${reverted?.name ?? '?'}]`, cases.filter((c) => c[2] === null && c[0] !== 'no filter'));
    // And with no index but the primary key (throwaway schema: dropped outside the migrations on purpose).
    await pg.query('DROP INDEX backtest_runs_created_idx, backtest_runs_symbols_gin');
    await pg.query('ANALYZE backtest_runs');
    const noIndex = await timeCases(' [no index]', cases.slice(0, 2));

    const results = [...withIndexes, ...withoutIndexes, ...noIndex];
    report(`list 100 of ${RUNS} runs (node ${process.version}, ${cpus().length} cores)`, results, withIndexes[0].name);
    const target = 20;
    const headline = withIndexes.slice(0, 2);
    console.log(`\ntarget <= ${target} ms for two-filter lists: ${headline.every((r) => r.medianMs <= target) ? 'met' : 'NOT met'} (${headline.map((r) => r.medianMs.toFixed(2)).join(' ms, ')} ms)`);
    saveResults('results-index', { runs: RUNS, seedMs, results, explains });
  } finally {
    if (ds.isInitialized) await ds.destroy();
    await pg.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await pg.end();
  }
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
