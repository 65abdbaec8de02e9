import type { JobQueues, RunStore } from '@coinhts/jobs';
import type { EngineBacktestExecutor, RunService } from '@coinhts/runs';
import type { ParquetCandleStore } from '@coinhts/market-data';
import type { PaperService } from '@coinhts/paper';
import type { PresetRepository } from '@coinhts/results';
import type { Logger } from 'pino';
import type { ApiConfig } from '../config';

/** A dependency `/readyz` checks. */
export interface ReadinessCheck {
  readonly name: string;
  /** Resolves when the dependency answers; rejects (or times out) otherwise. */
  check(): Promise<void>;
}

/** What the routes need; built by `services.ts` (or by tests). */
export interface RouteDeps {
  readonly config: Pick<ApiConfig, 'syncMaxCandles' | 'timeZone' | 'uploadLimitBytes' | 'refreshDefaults'>;
  readonly logger: Logger;
  /** Runs: the PostgreSQL index and the archives in the configured store. */
  readonly runs: RunService;
  /** Stores synchronous runs (archive, then row). */
  readonly syncRuns: RunStore;
  readonly presets: PresetRepository;
  readonly jobs: JobQueues;
  readonly candles: ParquetCandleStore;
  readonly executor: EngineBacktestExecutor;
  /** Paper-trading sessions (start/stop/views; the sessions run in apps/paper). */
  readonly paper: PaperService;
  readonly readiness: readonly ReadinessCheck[];
  readonly isShuttingDown: () => boolean;
  readonly clock: () => number;
  readonly newId: () => string;
}
