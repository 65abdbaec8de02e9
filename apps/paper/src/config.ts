import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import { z } from 'zod';

/**
 * The paper process's configuration: the only module of the app that reads `process.env`,
 * validated once at start-up. Variable names are shared with the API and worker where they mean
 * the same thing (DATABASE_URL, DB_SCHEMA, UPBIT_BASE_URL, DATA_ROOT, LOG_LEVEL).
 */

const bool = z.enum(['true', 'false', '1', '0', 'yes', 'no'], { error: () => 'must be true or false' }).transform((v) => v === 'true' || v === '1' || v === 'yes');
const int = (min: number, max: number) => z.coerce.number({ error: () => 'must be a whole number' }).int('must be a whole number').min(min).max(max);
const url = (protocols: readonly string[]) => z.string().refine((s) => {
  try {
    return protocols.includes(new URL(s).protocol);
  } catch {
    return false;
  }
}, { message: `must be a URL starting with ${protocols.map((p) => `${p}//`).join(' or ')}` });

/** Environment variables of the paper process, with defaults. */
export const PaperEnvSchema = z.object({
  DATABASE_URL: url(['postgres:', 'postgresql:']),
  DB_SCHEMA: z.string().regex(/^[a-z_][a-z0-9_]{0,62}$/, 'must be a lower-case SQL identifier').optional(),
  DB_POOL_SIZE: int(1, 200).default(5),
  MIGRATE_ON_START: bool.default(false),
  UPBIT_WS_URL: url(['ws:', 'wss:']).default('wss://api.upbit.com/websocket/v1'),
  UPBIT_BASE_URL: url(['http:', 'https:']).optional(),
  PAPER_OWNER: z.string().regex(/^[A-Za-z0-9._:-]{1,200}$/, 'letters, digits, ".", "_", ":" and "-" only').optional(),
  PAPER_LEASE_MS: int(1_000, 600_000).default(15_000),
  PAPER_POLL_MS: int(50, 600_000).default(2_000),
  PAPER_SNAPSHOT_EVERY_BARS: int(1, 1_000_000).default(60),
  PAPER_GRACE_MS: int(0, 600_000).default(3_000),
  DATA_ROOT: z.string().min(1).optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

/** Validated configuration. Durations ms. */
export interface PaperAppConfig {
  readonly database: { readonly url: string; readonly schema?: string; readonly poolSize: number; readonly migrateOnStart: boolean };
  readonly upbitWsUrl: string;
  readonly upbitBaseUrl?: string;
  /** This process's lease owner id (default `host:pid:random`). */
  readonly owner: string;
  readonly leaseMs: number;
  readonly pollMs: number;
  readonly snapshotEveryBars: number;
  /** A quiet market's candle counts as closed this long after its end. */
  readonly graceMs: number;
  /** When set, closed candles are appended to this candle store. */
  readonly dataRoot?: string;
  readonly logLevel: z.output<typeof PaperEnvSchema>['LOG_LEVEL'];
}

/** The environment is incomplete or wrong; the message lists every variable and what to fix. */
export class ConfigError extends Error {
  readonly code = 'CONFIG_INVALID' as const;
  constructor(readonly problems: readonly string[]) {
    super(`The paper process cannot start; fix these environment variables:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Reads and validates the environment once; throws {@link ConfigError} listing every problem. */
export function loadConfig(env: Readonly<Record<string, string | undefined>> = process.env): PaperAppConfig {
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const r = PaperEnvSchema.safeParse(cleaned);
  if (!r.success) {
    throw new ConfigError(r.error.issues.map((i) => {
      const name = String(i.path[0] ?? '(environment)');
      return cleaned[name] === undefined ? `${name} is required but not set` : `${name}: ${i.message}`;
    }));
  }
  const e = r.data;
  return {
    database: { url: e.DATABASE_URL, schema: e.DB_SCHEMA, poolSize: e.DB_POOL_SIZE, migrateOnStart: e.MIGRATE_ON_START },
    upbitWsUrl: e.UPBIT_WS_URL, upbitBaseUrl: e.UPBIT_BASE_URL,
    owner: e.PAPER_OWNER ?? `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`,
    leaseMs: e.PAPER_LEASE_MS, pollMs: e.PAPER_POLL_MS, snapshotEveryBars: e.PAPER_SNAPSHOT_EVERY_BARS, graceMs: e.PAPER_GRACE_MS,
    dataRoot: e.DATA_ROOT === undefined ? undefined : resolve(e.DATA_ROOT),
    logLevel: e.LOG_LEVEL,
  };
}
