import { join } from 'node:path';
import { EMBEDDED_INDEX_FILE, EmbeddedRunIndex, openStore, RunArchive, RunService, StoreUnreachableError, type RunIndex, type StoreLocation } from '@coinhts/runs';
import { DEFAULT_ARCHIVE_PREFIX } from '@coinhts/storage';
import { CliUsageError } from './errors';
import type { CommandContext } from './commands/context';
import type * as DbCommands from './commands/db';

/** The configured store (RESULTS_STORE; a config built by hand in tests names only a folder). */
export function storeLocationOf(ctx: CommandContext): StoreLocation {
  return ctx.config.resultsStore ?? { kind: 'local', dir: ctx.config.resultsDir, url: `file://${ctx.config.resultsDir}` };
}

/** The configured store's URL, for messages. */
export function storeOf(ctx: CommandContext): string {
  return storeLocationOf(ctx).url;
}

/**
 * Runs `fn` with the run service the CLI's configuration names: the store of RESULTS_STORE
 * (default `file:./coinhts-results`) and the PostgreSQL index when DATABASE_URL is set, else the
 * embedded index (`runs-index.jsonl` in a local store). An S3 store is contacted first, so an
 * unreachable one fails with exit 2 and what to fix.
 */
export async function withRuns<T>(ctx: CommandContext, fn: (runs: RunService) => Promise<T>): Promise<T> {
  const location = storeLocationOf(ctx);
  const store = openStore(location);
  const closers: (() => Promise<void>)[] = [async () => store.close()];
  try {
    if (location.kind === 's3') {
      try {
        await store.provider.list({ prefix: DEFAULT_ARCHIVE_PREFIX, limit: 1 });
      } catch (err) {
        throw new StoreUnreachableError(
          `the store ${store.url} does not answer (${(err as Error).message}); check RESULTS_STORE, S3_ENDPOINT and the AWS_* credentials, and that the bucket exists`,
          store.url, { cause: err },
        );
      }
    }
    let index: RunIndex;
    if (ctx.config.databaseUrl) {
      // typeorm and pg load only when the index is PostgreSQL
      const pg = (require('./commands/db') as typeof DbCommands).openPgRunIndex(ctx);
      closers.push(() => pg.close());
      index = pg.index;
    } else if (location.kind === 'local') {
      index = new EmbeddedRunIndex({ file: join(location.dir, EMBEDDED_INDEX_FILE) });
    } else {
      throw new CliUsageError(`the store ${store.url} is not a local folder, so its runs need the index every process shares: set DATABASE_URL (the services' PostgreSQL)`);
    }
    return await fn(new RunService(new RunArchive(store.provider, store.url), index));
  } finally {
    for (const close of closers.reverse()) await close().catch(() => undefined);
  }
}
