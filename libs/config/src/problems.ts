/**
 * One thing wrong with the environment: which variable, the value it had (never for secrets),
 * what is wrong, and how to fix it.
 */
export interface ConfigProblem {
  readonly variable: string;
  /** The raw value (`undefined` = not set or hidden; the password of a URL is masked). */
  readonly value?: string;
  /** The variable is set but secret (a password, key, webhook URL): its value is never shown. */
  readonly hidden?: true;
  /** What is wrong, e.g. "is required but not set", "must be at most 200". */
  readonly problem: string;
  /** How to fix it, e.g. "set DB_POOL_SIZE to a whole number 1-200, e.g. DB_POOL_SIZE=10". */
  readonly fix: string;
}

/** One problem as a line: `NAME="value": what is wrong; fix: how`. */
export function formatProblem(p: ConfigProblem): string {
  const value = p.hidden ? ' (set, value hidden)' : p.value === undefined ? ' (not set)' : `=${JSON.stringify(p.value)}`;
  return `${p.variable}${value}: ${p.problem}; fix: ${p.fix}`;
}

/**
 * The environment is incomplete or wrong. `problems` lists every problem found in one pass (not
 * only the first); the message has one line per problem. Processes print the message and exit 2.
 */
export class ConfigError extends Error {
  readonly code = 'CONFIG_INVALID' as const;
  /** Exit status of a process that cannot start because of its configuration. */
  static readonly EXIT_CODE = 2;

  constructor(
    /** Who cannot start, e.g. "The API" (the first words of the message). */
    readonly subject: string,
    readonly problems: readonly ConfigProblem[],
  ) {
    super(`${subject} cannot start; fix these environment variables:\n${problems.map((p) => `  - ${formatProblem(p)}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** How a problem shows a set value: secrets hidden, the password of a URL masked. */
export function displayValue(raw: string, secret: boolean): Pick<ConfigProblem, 'value' | 'hidden'> {
  return secret ? { hidden: true } : { value: maskUrlPassword(raw) };
}

function maskUrlPassword(raw: string): string {
  try {
    const u = new URL(raw);
    if (u.password) {
      u.password = '***';
      return u.toString();
    }
  } catch {
    // not a URL: shown as is
  }
  return raw;
}
