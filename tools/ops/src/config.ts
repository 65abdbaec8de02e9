/**
 * Configuration of the ops tools (backup, restore, bucket-setup, alerts-test): `OPS_CONFIG` of
 * `@coinhts/config`, the same variable definitions the API and the worker use (RESULTS_STORE,
 * S3_ENDPOINT, AWS_*, the alert variables). The only module of tools/ops that reads `process.env`.
 */
import { ConfigError, OPS_CONFIG, type EnvRecord, type OpsConfig } from '@coinhts/config';

export { type OpsConfig };

/** The environment is wrong; the message lists every variable and what to fix (exit 2). */
export { ConfigError as OpsConfigError };

/** Reads and validates the ops tools' environment once. */
export function loadOpsConfig(env: EnvRecord = process.env): OpsConfig {
  return OPS_CONFIG.load(env);
}
