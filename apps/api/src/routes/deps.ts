import type { JobQueues } from '@coinhts/jobs';
import type { ParquetCandleStore } from '@coinhts/market-data';
import type { PresetRepository, ResultRepository } from '@coinhts/results';
import type { Logger } from 'pino';
import type { ApiConfig } from '../config';
import type { EngineBacktestExecutor } from '@coinhts/jobs';
import type { RunFileReader } from '../services/table-formats';

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
  readonly runs: ResultRepository;
  readonly runFiles: RunFileReader;
  readonly presets: PresetRepository;
  readonly jobs: JobQueues;
  readonly candles: ParquetCandleStore;
  readonly executor: EngineBacktestExecutor;
  readonly readiness: readonly ReadinessCheck[];
  readonly isShuttingDown: () => boolean;
  readonly clock: () => number;
  readonly newId: () => string;
}
