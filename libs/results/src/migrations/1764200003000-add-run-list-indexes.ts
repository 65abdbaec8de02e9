import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Indexes behind the run list's common filters, each ending in the keyset order
 * (created_at DESC, id DESC) so a filtered page is an index range scan that stops after `limit`
 * rows. Chosen with tools/bench/results-index.bench.ts; EXPLAIN output in docs/results.md.
 */
export class AddRunListIndexes1764200003000 implements MigrationInterface {
  /** Migration name recorded in the migrations table. */
  readonly name = 'AddRunListIndexes1764200003000';

  /** Creates the list indexes. */
  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE INDEX backtest_runs_strategy_created_idx ON backtest_runs (strategy, created_at DESC, id DESC)`);
    await q.query(`CREATE INDEX backtest_runs_status_created_idx ON backtest_runs (status, created_at DESC, id DESC)`);
    // Selective ranges on promoted metrics ("runs returning more than 79 %") would otherwise walk
    // most of the created_at index or scan the table; these turn them into short range scans.
    await q.query(`CREATE INDEX backtest_runs_total_return_idx ON backtest_runs (total_return_pct)`);
    await q.query(`CREATE INDEX backtest_runs_sharpe_idx ON backtest_runs (sharpe)`);
  }

  /** Drops them. */
  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX backtest_runs_sharpe_idx`);
    await q.query(`DROP INDEX backtest_runs_total_return_idx`);
    await q.query(`DROP INDEX backtest_runs_status_created_idx`);
    await q.query(`DROP INDEX backtest_runs_strategy_created_idx`);
  }
}
