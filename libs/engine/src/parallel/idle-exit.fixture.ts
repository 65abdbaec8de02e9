// Run as a process by sweep-pool.test.ts: awaiting ready() must keep the process alive, and the idle
// pool must then let it exit without close().
import { SweepPool } from './sweep-pool';

void (async () => {
  const pool = new SweepPool({ workers: 1 });
  await pool.ready();
  process.stdout.write(`ready ${JSON.stringify(pool.stats())}\n`);
})();
