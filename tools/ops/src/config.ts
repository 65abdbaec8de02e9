/**
 * Configuration of the ops tools (backup, restore, bucket-setup, alerts-test). The only module of
 * tools/ops that reads `process.env`; it validates once and the commands receive typed values.
 * Variable names are the worker's where they mean the same thing (S3_*, AWS_*, alert variables).
 */
import { z } from 'zod';

const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'], { error: () => 'must be true or false' })
  .transform((v) => v === 'true' || v === '1' || v === 'yes');
const int = (min: number, max: number) => z.coerce.number({ error: () => 'must be a whole number' }).int('must be a whole number').min(min).max(max);
const url = (protocols: readonly string[]) =>
  z.string().refine((s) => {
    try {
      return protocols.includes(new URL(s).protocol);
    } catch {
      return false;
    }
  }, { message: `must be a URL starting with ${protocols.map((p) => `${p}//`).join(' or ')}` });
const csv = z.string().transform((s) => s.split(',').map((x) => x.trim()).filter((x) => x.length > 0));

/** Environment variables of the ops tools, with defaults. Unknown variables are ignored. */
export const OpsEnvSchema = z
  .object({
    DATABASE_URL: url(['postgres:', 'postgresql:']).optional(),
    RESTORE_DATABASE_URL: url(['postgres:', 'postgresql:']).optional(),
    PG_BIN_DIR: z.string().min(1).optional(),
    S3_BUCKET: z.string().min(3).max(63).optional(),
    BACKUP_S3_BUCKET: z.string().min(3).max(63).optional(),
    S3_ENDPOINT: url(['http:', 'https:']).optional(),
    S3_KEY_PREFIX: z.string().regex(/^(|.*\/)$/, "must be empty or end with '/'").optional(),
    AWS_REGION: z.string().min(1).default('us-east-1'),
    AWS_ACCESS_KEY_ID: z.string().min(1).optional(),
    AWS_SECRET_ACCESS_KEY: z.string().min(1).optional(),
    BACKUP_PREFIX: z.string().regex(/^[A-Za-z0-9._/-]*\/$/, "must end with '/' (e.g. backups/postgres/)").default('backups/postgres/'),
    BACKUP_KEEP: int(1, 100_000).default(14),
    BACKUP_MAX_AGE_DAYS: int(0, 36_500).default(30),
    BACKUP_SCHEMA: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,62}$/, 'must be an SQL identifier').optional(),
    BACKUP_COMPRESS_LEVEL: int(0, 9).default(6),
    BACKUP_LOCAL_DIR: z.string().min(1).optional(),
    ARCHIVE_EXPIRE_DAYS: int(0, 36_500).default(30),
    NONCURRENT_EXPIRE_DAYS: int(1, 36_500).default(7),
    ABORT_MULTIPART_DAYS: int(0, 36_500).default(2),
    ALERT_SLACK_WEBHOOK_URL: url(['http:', 'https:']).optional(),
    ALERT_SLACK_CHANNEL: z.string().min(1).optional(),
    SMTP_HOST: z.string().min(1).optional(),
    SMTP_PORT: int(1, 65_535).default(587),
    SMTP_SECURE: bool.default(false),
    SMTP_USER: z.string().min(1).optional(),
    SMTP_PASSWORD: z.string().min(1).optional(),
    ALERT_EMAIL_FROM: z.email().optional(),
    ALERT_EMAIL_TO: csv.pipe(z.array(z.email({ error: () => 'each recipient must be an e-mail address' }))).optional(),
  })
  .superRefine((e, ctx) => {
    if ((e.AWS_ACCESS_KEY_ID === undefined) !== (e.AWS_SECRET_ACCESS_KEY === undefined)) {
      ctx.addIssue({ code: 'custom', path: ['AWS_SECRET_ACCESS_KEY'], message: 'set both AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or neither' });
    }
    if (e.SMTP_HOST && !e.ALERT_EMAIL_FROM) ctx.addIssue({ code: 'custom', path: ['ALERT_EMAIL_FROM'], message: 'is required when SMTP_HOST is set' });
    if (e.SMTP_HOST && !(e.ALERT_EMAIL_TO && e.ALERT_EMAIL_TO.length)) ctx.addIssue({ code: 'custom', path: ['ALERT_EMAIL_TO'], message: 'is required when SMTP_HOST is set' });
    if (e.SMTP_USER && !e.SMTP_PASSWORD) ctx.addIssue({ code: 'custom', path: ['SMTP_PASSWORD'], message: 'is required when SMTP_USER is set' });
  });

/** Where S3 objects go. */
export interface S3Settings {
  readonly bucket?: string;
  readonly endpoint?: string;
  readonly region: string;
  readonly credentials?: { readonly accessKeyId: string; readonly secretAccessKey: string };
  /** Prefix the worker puts in front of its keys (`S3_KEY_PREFIX`), '' when none. */
  readonly keyPrefix: string;
}

/** Typed configuration of the ops tools. */
export interface OpsConfig {
  readonly databaseUrl?: string;
  readonly restoreDatabaseUrl?: string;
  /** Folder of pg_dump / pg_restore; unset = PATH. */
  readonly pgBinDir?: string;
  /** Bucket of the results archives (S3_BUCKET). */
  readonly s3: S3Settings;
  readonly backup: {
    /** Bucket of the backups: BACKUP_S3_BUCKET, else S3_BUCKET. */
    readonly bucket?: string;
    /** Key prefix of the dumps, ending in '/'. */
    readonly prefix: string;
    readonly keep: number;
    /** 0 = no age limit. */
    readonly maxAgeDays: number;
    readonly schema?: string;
    readonly compressLevel: number;
    readonly localDir?: string;
  };
  readonly lifecycle: { readonly archiveExpireDays: number; readonly noncurrentExpireDays: number; readonly abortMultipartDays: number };
  readonly alerts: {
    readonly slack?: { readonly webhookUrl: string; readonly channel?: string };
    readonly email?: { readonly host: string; readonly port: number; readonly secure: boolean; readonly user?: string; readonly password?: string; readonly from: string; readonly to: readonly string[] };
  };
}

/** The environment is wrong; the message lists every variable and what to fix. */
export class OpsConfigError extends Error {
  readonly code = 'CONFIG_INVALID' as const;
  constructor(readonly problems: readonly string[]) {
    super(`Fix these environment variables:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'OpsConfigError';
  }
}

/** Reads and validates the ops tools' environment once. */
export function loadOpsConfig(env: Readonly<Record<string, string | undefined>> = process.env): OpsConfig {
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const r = OpsEnvSchema.safeParse(cleaned);
  if (!r.success) {
    throw new OpsConfigError(r.error.issues.map((i) => `${String(i.path[0] ?? '(environment)')}: ${i.message}`));
  }
  const e = r.data;
  return {
    databaseUrl: e.DATABASE_URL,
    restoreDatabaseUrl: e.RESTORE_DATABASE_URL,
    pgBinDir: e.PG_BIN_DIR,
    s3: {
      bucket: e.S3_BUCKET,
      endpoint: e.S3_ENDPOINT,
      region: e.AWS_REGION,
      credentials: e.AWS_ACCESS_KEY_ID && e.AWS_SECRET_ACCESS_KEY ? { accessKeyId: e.AWS_ACCESS_KEY_ID, secretAccessKey: e.AWS_SECRET_ACCESS_KEY } : undefined,
      keyPrefix: e.S3_KEY_PREFIX ?? '',
    },
    backup: {
      bucket: e.BACKUP_S3_BUCKET ?? e.S3_BUCKET,
      prefix: e.BACKUP_PREFIX,
      keep: e.BACKUP_KEEP,
      maxAgeDays: e.BACKUP_MAX_AGE_DAYS,
      schema: e.BACKUP_SCHEMA,
      compressLevel: e.BACKUP_COMPRESS_LEVEL,
      localDir: e.BACKUP_LOCAL_DIR,
    },
    lifecycle: { archiveExpireDays: e.ARCHIVE_EXPIRE_DAYS, noncurrentExpireDays: e.NONCURRENT_EXPIRE_DAYS, abortMultipartDays: e.ABORT_MULTIPART_DAYS },
    alerts: {
      slack: e.ALERT_SLACK_WEBHOOK_URL ? { webhookUrl: e.ALERT_SLACK_WEBHOOK_URL, channel: e.ALERT_SLACK_CHANNEL } : undefined,
      email: e.SMTP_HOST
        ? { host: e.SMTP_HOST, port: e.SMTP_PORT, secure: e.SMTP_SECURE, user: e.SMTP_USER, password: e.SMTP_PASSWORD, from: e.ALERT_EMAIL_FROM as string, to: e.ALERT_EMAIL_TO ?? [] }
        : undefined,
    },
  };
}
