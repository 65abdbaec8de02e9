import type { Command } from 'commander';
import { appliedMigrations, createDataSource, revertLastMigration, runMigrations } from '@coinhts/results';
import type { DataSource } from 'typeorm';
import { CliUsageError } from '../errors';
import type { CommandContext } from './index';

/** Builds the results DataSource from the CLI config, or says what to set when DATABASE_URL is missing. */
export function resultsDataSource(ctx: CommandContext): DataSource {
  const url = ctx.config.databaseUrl;
  if (!url) throw new CliUsageError('DATABASE_URL is not set: point it at PostgreSQL (for a local one, `source tools/services.sh`).');
  return createDataSource({ url, schema: ctx.config.databaseSchema });
}

/** Runs `fn` with a results DataSource and always closes it. */
export async function withResultsDatabase<T>(ctx: CommandContext, fn: (ds: DataSource) => Promise<T>): Promise<T> {
  const ds = resultsDataSource(ctx);
  try {
    return await fn(ds);
  } finally {
    if (ds.isInitialized) await ds.destroy();
  }
}

/** `coinhts db migrate [--revert]`: applies the results schema migrations, or reverts the last one. */
export function register(program: Command, ctx: CommandContext): void {
  const db = program.command('db').description('results database (PostgreSQL) maintenance');
  db.command('migrate')
    .description('apply pending migrations of the results schema (DATABASE_URL, DB_SCHEMA)')
    .option('--revert', 'revert the most recently applied migration instead')
    .action(async (opts: { revert?: boolean }) => {
      await withResultsDatabase(ctx, async (ds) => {
        if (opts.revert) {
          const reverted = await revertLastMigration(ds);
          ctx.io.stdout(reverted ? `reverted ${reverted.name}\n` : 'nothing to revert: no migration is applied\n');
          return;
        }
        const applied = await runMigrations(ds);
        for (const m of applied) ctx.io.stdout(`applied ${m.name}\n`);
        const total = (await appliedMigrations(ds)).length;
        ctx.io.stdout(applied.length ? `${applied.length} migration(s) applied; ${total} in total\n` : `up to date: ${total} migration(s) applied\n`);
      });
    });
}
