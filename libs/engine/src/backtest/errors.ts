import { EngineError } from '../core/errors';

/**
 * A strategy broke the `StrategyDefinition` contract during a run (e.g. `generate` returned
 * columns of the wrong length or a side other than -1/0/1). A bug in the strategy, not in the input.
 */
export class StrategyContractError extends EngineError {
  readonly code = 'STRATEGY_CONTRACT' as const;
  constructor(
    /** Registry name of the strategy. */
    readonly strategy: string,
    /** What was wrong. */
    readonly detail: string,
    options?: { cause?: unknown },
  ) {
    super(`Strategy "${strategy}" broke its contract: ${detail}`, options);
  }
}
