/**
 * @coinhts/config — the one configuration module. Every environment variable coin-hts reads is
 * defined here once, grouped into fragments; each process composes the fragments it needs and
 * parses its environment once (passed in; this library never reads `process.env`).
 */
export { envVar, boolText, intText, csvText, urlText, timeZoneText, type EnvVar, type EnvVarOptions, type VarParse } from './env-var';
export { ConfigError, formatProblem, displayValue, type ConfigProblem } from './problems';
export {
  composeConfig,
  defineFragment,
  type BuildContext,
  type ComposedValue,
  type Configuration,
  type EnvRecord,
  type Fragment,
  type FragmentVars,
  type ParseOptions,
  type ParseOutcome,
  type ProblemDraft,
  type VariableInfo,
  type VarValues,
} from './compose';
export { parseResultsStoreUrl, type ResultsStoreLocation, type StoreUrlProblem } from './store-url';
export * from './fragments';
export { API_CONFIG, API_KEYS_CONFIG, apiHttpFragment, type ApiConfig } from './api';
export { WORKER_CONFIG, WORKER_QUEUE_NAMES, workerFragment, type WorkerConfig, type WorkerQueueName } from './worker';
export { CLI_CONFIG, CLI_ALERTS_CONFIG, COINHTS_DEBUG, cliFragment, type CliEnvConfig } from './cli';
export { OPS_CONFIG, opsFragment, type OpsConfig } from './ops';
export { PAPER_CONFIG, paperFragment, UPBIT_WS_URL, PAPER_OWNER, PAPER_LEASE_MS, PAPER_POLL_MS, PAPER_SNAPSHOT_EVERY_BARS, PAPER_GRACE_MS, type PaperConfig } from './paper';

import { API_CONFIG, API_KEYS_CONFIG } from './api';
import { CLI_ALERTS_CONFIG, CLI_CONFIG } from './cli';
import { OPS_CONFIG } from './ops';
import { PAPER_CONFIG } from './paper';
import { WORKER_CONFIG } from './worker';

/**
 * The variables each process reads, sorted: for docs and for the test that compares what
 * docker/compose.yml passes with what each app reads (both ways). The CLI's list includes the
 * alert variables `coinhts alerts test` reads.
 */
export const VARIABLES_BY_APP: Readonly<Record<'api' | 'apiKeys' | 'worker' | 'cli' | 'ops' | 'paper', readonly string[]>> = {
  api: API_CONFIG.variables,
  apiKeys: API_KEYS_CONFIG.variables,
  worker: WORKER_CONFIG.variables,
  cli: [...new Set([...CLI_CONFIG.variables, ...CLI_ALERTS_CONFIG.variables])].sort(),
  ops: OPS_CONFIG.variables,
  paper: PAPER_CONFIG.variables,
};
