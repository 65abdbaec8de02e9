/** Sandboxed processor of the `backtest` queue. */
import { backtestHandler, defineProcessor } from '@coinhts/jobs';
import { logged, sandboxRuntime } from './sandbox-runtime';

export default defineProcessor(
  async () => {
    const { rt, logger } = await sandboxRuntime();
    return { deps: rt.backtest, logger };
  },
  logged(backtestHandler, (ctx) => ctx.id),
);
