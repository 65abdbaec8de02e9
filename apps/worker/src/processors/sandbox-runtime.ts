/**
 * Composition root of a sandbox (child process or thread): reads the same configuration as the
 * worker (the sandbox inherits its environment), opens the processor runtime once, and logs
 * every job with its id and run id.
 */
import { registerStrategyModules } from '@coinhts/engine';
import type { JobContext, JobHandler } from '@coinhts/jobs';
import { openProcessorRuntime, type ProcessorRuntime } from '@coinhts/runs';
import pino, { type Logger } from 'pino';
import { loadConfig } from '../config';

let runtime: Promise<{ rt: ProcessorRuntime; logger: Logger }> | undefined;

/** The sandbox's runtime and logger, opened on first use. */
export function sandboxRuntime(): Promise<{ rt: ProcessorRuntime; logger: Logger }> {
  runtime ??= (async () => {
    const config = loadConfig();
    const logger = pino({ level: config.logLevel, base: { service: 'coinhts-worker', sandbox: process.pid } });
    // The sandbox is a fresh process (or thread): it registers the plugins the worker checked at start-up.
    await registerStrategyModules(config.strategyModules, (spec) => import(spec));
    const rt = await openProcessorRuntime({
      redisUrl: config.redisUrl,
      database: config.database,
      dataRoot: config.dataRoot,
      zone: config.timeZone,
      results: config.results,
      upbitBaseUrl: config.upbitBaseUrl,
      onRedisError: (err) => logger.warn({ err }, 'redis error (sandbox)'),
    });
    return { rt, logger };
  })().catch((err: unknown) => {
    runtime = undefined;
    throw err;
  });
  return runtime;
}

/** Wraps a handler so every attempt logs its start and end with job id and run id. */
export function logged<D, R>(handler: JobHandler<D, R>, runIdOf: (ctx: JobContext) => string | undefined): (ctx: JobContext, deps: { deps: D; logger: Logger }) => Promise<R> {
  return async (ctx, { deps, logger }) => {
    const runId = runIdOf(ctx);
    const log = logger.child({ queue: ctx.queue, jobId: ctx.id, ...(runId ? { runId } : {}), attempt: ctx.attemptsMade + 1, job: ctx.name });
    const t0 = Date.now();
    log.debug('sandbox: attempt started');
    try {
      const r = await handler(ctx, deps);
      log.info({ durationMs: Date.now() - t0 }, 'sandbox: attempt succeeded');
      return r;
    } catch (err) {
      log.warn({ code: (err as { code?: unknown }).code ?? 'INTERNAL', error: (err as Error).message, durationMs: Date.now() - t0 }, 'sandbox: attempt failed');
      throw err;
    }
  };
}
