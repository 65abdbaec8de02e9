import { CreateBacktestRuns1764200000000 } from './1764200000000-create-backtest-runs';
import { CreatePresets1764200001000 } from './1764200001000-create-presets';
import { CreateJobRecords1764200002000 } from './1764200002000-create-job-records';
import { AddRunListIndexes1764200003000 } from './1764200003000-add-run-list-indexes';

export { CreateBacktestRuns1764200000000, CreatePresets1764200001000, CreateJobRecords1764200002000, AddRunListIndexes1764200003000 };

/** Every migration of the results schema, oldest first. Listed explicitly (no globs) so they run from source and from dist alike. */
export const RESULTS_MIGRATIONS = [
  CreateBacktestRuns1764200000000,
  CreatePresets1764200001000,
  CreateJobRecords1764200002000,
  AddRunListIndexes1764200003000,
] as const;
