import type { Command } from 'commander';
import { appliedMigrations, createDataSource, DatabaseUnavailableError, ensureInitialized, PgRunIndex, revertLastMigration, runMigrations } from '@coinhts/results';
import type { DataSource } from 'typeorm';
import { CliUsageError } from '../errors';
import { intFlag } from '../flag-values';
import type { CommandContext } from './index';

/** Builds the results DataSource from the CLI config, or says what to set when DATABASE_URL is missing. */
export function resultsDataSource(ctx: CommandContext): DataSource {
  const url = ctx.config.databaseUrl;
  if (!url) throw new CliUsageError('DATABASE_URL is not set: point it at PostgreSQL (for a local one, `source tools/services.sh`).');
  return createDataSource({ url, schema: ctx.config.databaseSchema });
}

/** The PostgreSQL run index of DATABASE_URL and how to close its pool (the runs' shared index). */
export function openPgRunIndex(ctx: CommandContext): { readonly index: PgRunIndex; close(): Promise<void> } {
  const ds = resultsDataSource(ctx);
  return { index: new PgRunIndex(ds), close: async () => { if (ds.isInitialized) await ds.destroy(); } };
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

/**
 * Connects to the results database; while it is unavailable (refused, not resolvable yet, "the
 * database system is starting up") it retries once a second for up to `waitS` seconds (0 = one
 * attempt), reporting each failed attempt on stderr. Other errors (wrong password, …) fail at once.
 */
export async function connectWithWait(ctx: CommandContext, waitS: number): Promise<DataSource> {
  const deadline = Date.now() + waitS * 1000;
  for (let attempt = 1; ; attempt++) {
    try {
      return await ensureInitialized(resultsDataSource(ctx));
    } catch (err) {
      if (!(err instanceof DatabaseUnavailableError)) throw err;
      const left = deadline - Date.now();
      if (left <= 0) {
        if (waitS === 0) throw err;
        throw new DatabaseUnavailableError(`${err.message}; gave up after ${attempt} attempt(s) in ${waitS} s (--wait ${waitS})`, { cause: err });
      }
      ctx.io.stderr(`waiting for PostgreSQL (attempt ${attempt} failed, retrying for up to ${Math.ceil(left / 1000)} s more): ${err.message}\n`);
      await new Promise((resolve) => setTimeout(resolve, Math.min(1000, left)));
    }
  }
}

/** `coinhts db migrate [--revert] [--wait S]`: applies the results schema migrations, or reverts the last one. */
export function register(program: Command, ctx: CommandContext): void {
  const db = program.command('db').description('results database (PostgreSQL) maintenance');
  db.command('migrate')
    .description('apply pending migrations of the results schema (DATABASE_URL, DB_SCHEMA)')
    .option('--revert', 'revert the most recently applied migration instead')
    .option('--wait <seconds>', 'retry the first connection for up to this many seconds while PostgreSQL is unavailable (starting up)', intFlag('--wait', 0, 3600), 0)
    .action(async (opts: { revert?: boolean; wait: number }) => {
      const ds = await connectWithWait(ctx, opts.wait);
      try {
        if (opts.revert) {
          const reverted = await revertLastMigration(ds);
          ctx.io.stdout(reverted ? `reverted ${reverted.name}\n` : 'nothing to revert: no migration is applied\n');
          return;
        }
        const applied = await runMigrations(ds);
        for (const m of applied) ctx.io.stdout(`applied ${m.name}\n`);
        const total = (await appliedMigrations(ds)).length;
        ctx.io.stdout(applied.length ? `${applied.length} migration(s) applied; ${total} in total\n` : `up to date: ${total} migration(s) applied\n`);
      } finally {
        if (ds.isInitialized) await ds.destroy();
      }
    });
}
