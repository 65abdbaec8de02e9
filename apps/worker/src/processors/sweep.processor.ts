/** Sandboxed processor of the `sweep` queue (chunk and aggregate jobs). */
import { defineProcessor, sweepHandler } from '@coinhts/jobs';
import { logged, sandboxRuntime } from './sandbox-runtime';

export default defineProcessor(
  async () => {
    const { rt, logger } = await sandboxRuntime();
    return { deps: rt.sweep, logger };
  },
  logged(sweepHandler, (ctx) => (ctx.name === 'aggregate' ? ctx.id : (ctx.data as { sweep_id?: string } | null)?.sweep_id)),
);
