/** Sandboxed processor of the `data-ingestion` queue. */
import { defineProcessor, ingestionHandler } from '@coinhts/jobs';
import { logged, sandboxRuntime } from './sandbox-runtime';

export default defineProcessor(
  async () => {
    const { rt, logger } = await sandboxRuntime();
    return { deps: rt.ingestion, logger };
  },
  logged(ingestionHandler, () => undefined),
);
