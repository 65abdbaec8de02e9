// Run as a process by sweep-pool.test.ts: awaiting ready() (and close()) must keep the process
// alive, and an idle pool must then let it exit without close().
import { syntheticCandles } from '../testing';
import { SweepPool } from './sweep-pool';

void (async () => {
  // two workers: the first one's exit must not let go of the second while close() awaits it
  const pool = new SweepPool({ workers: process.argv[2] === 'close' ? 2 : 1 });
  await pool.ready();
  process.stdout.write(`ready ${JSON.stringify(pool.stats())}\n`);
  if (process.argv[2] !== 'close') return;
  await pool.run({ strategy: 'sma_crossover', space: { fast_period: { values: [5, 6] }, slow_period: { values: [30] } }, series: [{ symbol: 'X', timeframe: '1m', candles: syntheticCandles({ n: 500, seed: 1 }) }] });
  await pool.close();
  process.stdout.write('closed\n');
})();
