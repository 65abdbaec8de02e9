import type { EngineBacktestExecutor, JobQueues, RunStore } from '@coinhts/jobs';
import type { ParquetCandleStore } from '@coinhts/market-data';
import type { PaperService } from '@coinhts/paper';
import type { PresetRepository } from '@coinhts/results';
import type { Logger } from 'pino';
import type { ApiConfig } from '../config';
import type { RunArchiveReader } from '../services/run-archive-reader';
import type { RunIndex } from '../services/results-store';

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
  /** The run index (PostgreSQL). */
  readonly runs: RunIndex;
  /** Stores synchronous runs in the configured archive store (RESULTS_STORE). */
  readonly syncRuns: RunStore;
  /** Reads archived files from whichever store holds the run. */
  readonly archives: RunArchiveReader;
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
