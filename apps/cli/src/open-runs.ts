import { join } from 'node:path';
import { EMBEDDED_INDEX_FILE, EmbeddedRunIndex, openStore, parseStoreUrl, RunArchive, RunService, StoreUnreachableError, type RunIndex } from '@coinhts/runs';
import { PgRunIndex } from '@coinhts/results';
import { DEFAULT_ARCHIVE_PREFIX } from '@coinhts/storage';
import { CliUsageError } from './errors';
import { resultsDataSource } from './commands/db';
import type { CommandContext } from './commands/context';

/** The configured store URL (default: the local results folder). */
export function storeOf(ctx: CommandContext): string {
  return ctx.config.store ?? `file:${ctx.config.resultsDir}`;
}

/**
 * Runs `fn` with the run service the CLI's configuration names: the store of `COINHTS_STORE`
 * (default: the local results folder) and the PostgreSQL index when DATABASE_URL is set, else the
 * embedded index (`runs-index.jsonl` in a local store, or `COINHTS_INDEX`). The store is
 * contacted first, so an unreachable one fails with exit 2 and what to fix.
 */
export async function withRuns<T>(ctx: CommandContext, fn: (runs: RunService) => Promise<T>): Promise<T> {
  const location = parseStoreUrl(storeOf(ctx), { s3: ctx.config.s3 });
  const store = openStore(location);
  const closers: (() => Promise<void>)[] = [async () => store.close()];
  try {
    if (location.kind === 's3') {
      try {
        await store.provider.list({ prefix: DEFAULT_ARCHIVE_PREFIX, limit: 1 });
      } catch (err) {
        throw new StoreUnreachableError(
          `the store ${store.url} does not answer (${(err as Error).message}); check COINHTS_STORE, S3_ENDPOINT and the AWS_* credentials, and that the bucket exists`,
          store.url, { cause: err },
        );
      }
    }
    let index: RunIndex;
    if (ctx.config.databaseUrl) {
      const ds = resultsDataSource(ctx);
      closers.push(async () => { if (ds.isInitialized) await ds.destroy(); });
      index = new PgRunIndex(ds);
    } else if (location.kind === 'local' || ctx.config.indexFile) {
      index = new EmbeddedRunIndex({ file: ctx.config.indexFile ?? join(location.kind === 'local' ? location.dir : '.', EMBEDDED_INDEX_FILE) });
    } else {
      throw new CliUsageError(`the store ${store.url} is not a local folder, so its runs need an index that every process shares: set DATABASE_URL (the services' PostgreSQL), or COINHTS_INDEX=FILE for a private embedded index (fill it with \`coinhts results check --repair\`)`);
    }
    return await fn(new RunService(new RunArchive(store.provider, store.url), index));
  } finally {
    for (const close of closers.reverse()) await close().catch(() => undefined);
  }
}
