/** Exit codes of `coinhts`: 0 success, 2 bad input (the message says what to fix), 1 anything else. */
export const ExitCode = { Ok: 0, Failure: 1, BadInput: 2 } as const;

/**
 * Error codes (the `code` field of library errors) that mean "the user's input is wrong":
 * engine (params, candles, strategy), market-data (symbol, timeframe, dates, files, quality),
 * storage (`NOT_FOUND` run, `INVALID_KEY` = malformed run id), runs (a store URL that is wrong or
 * names a store that does not answer, a run in another store), the CLI's own `BAD_INPUT`
 * and a bad environment (`CONFIG_INVALID` from `@coinhts/config`).
 */
const BAD_INPUT_CODES = new Set([
  'INVALID_CANDLES', 'INVALID_PARAMS', 'UNKNOWN_STRATEGY', 'INVALID_INDICATOR_PARAM',
  'UNKNOWN_SYMBOL', 'UNKNOWN_TIMEFRAME', 'INVALID_SYMBOL', 'INVALID_TIMEFRAME', 'INVALID_FILE', 'INVALID_RANGE',
  'IMPORT_FAILED', 'DATA_QUALITY', 'NO_DATA', 'NOT_FOUND', 'CORRUPT_FILE', 'BAD_INPUT', 'INVALID_KEY',
  'INVALID_STORE_URL', 'STORE_UNREACHABLE', 'ARCHIVE_UNREACHABLE',
  'CONFIG_INVALID', 'INVALID_STRATEGY_DEFINITION', 'STRATEGY_RULE',
  // runs: a request the one request schema refuses (the CLI's flags become such a request)
  'INVALID_REQUEST',
  // results: a live paper session already has the name / a session that is not running cannot be stopped
  'CONFLICT',
]);

/** An error the CLI raises itself for bad flags or arguments. */
export class CliUsageError extends Error {
  readonly code = 'BAD_INPUT' as const;
  constructor(message: string) {
    super(message);
    this.name = 'CliUsageError';
  }
}

/** The exit code an error maps to. */
export function exitCodeOf(err: unknown): number {
  const code = typeof err === 'object' && err !== null && 'code' in err ? String((err as { code: unknown }).code) : undefined;
  return code && BAD_INPUT_CODES.has(code) ? ExitCode.BadInput : ExitCode.Failure;
}

/** Maps any error to an exit code and prints it; the one place the CLI decides how failures look. */
export function reportError(err: unknown, stderr: (s: string) => void, options: { readonly debug?: boolean } = {}): number {
  const exit = exitCodeOf(err);
  const code = typeof err === 'object' && err !== null && 'code' in err ? String((err as { code: unknown }).code) : undefined;
  const message = err instanceof Error ? err.message : String(err);
  stderr(code === 'ABORTED' ? 'cancelled\n' : `error: ${message}\n`);
  if (exit === ExitCode.Failure && options.debug && err instanceof Error && err.stack) stderr(`${err.stack}\n`);
  return exit;
}
