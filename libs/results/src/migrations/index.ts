import { CreateBacktestRuns1764200000000 } from './1764200000000-create-backtest-runs';
import { CreatePresets1764200001000 } from './1764200001000-create-presets';
import { CreateJobRecords1764200002000 } from './1764200002000-create-job-records';
import { AddRunListIndexes1764200003000 } from './1764200003000-add-run-list-indexes';
import { CreateApiKeys1764300000000 } from '../api-keys/1764300000000-create-api-keys';
import { CreatePaperTables1764400000000 } from '../paper/1764400000000-create-paper-tables';
import { CreateSweepChunks1764500000000 } from '../sweeps/1764500000000-create-sweep-chunks';

export { CreateBacktestRuns1764200000000, CreatePresets1764200001000, CreateJobRecords1764200002000, AddRunListIndexes1764200003000, CreateApiKeys1764300000000, CreatePaperTables1764400000000, CreateSweepChunks1764500000000 };

/** Every migration of the results schema, oldest first. Listed explicitly (no globs) so they run from source and from dist alike. */
export const RESULTS_MIGRATIONS = [
  CreateBacktestRuns1764200000000,
  CreatePresets1764200001000,
  CreateJobRecords1764200002000,
  AddRunListIndexes1764200003000,
  CreateApiKeys1764300000000,
  CreatePaperTables1764400000000,
  CreateSweepChunks1764500000000,
] as const;
