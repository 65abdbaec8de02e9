/** The ops tools' configuration (backup, restore, bucket-setup, alerts-test). */
import { z } from 'zod';
import { composeConfig, defineFragment } from './compose';
import { envVar, intText, urlText } from './env-var';
import { alertsFragment, optionalDatabaseFragment, resultsStoreFragment, s3Fragment, type AlertSettings, type S3Connection } from './fragments';

const bucketText = z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'must be a bucket name (3-63 lower-case letters, digits, dots, hyphens)');

const v = {
  RESTORE_DATABASE_URL: envVar({ name: 'RESTORE_DATABASE_URL', schema: urlText(['postgres:', 'postgresql:']), doc: 'Database a restore writes into (never defaults to DATABASE_URL: restoring is destructive).', expected: 'a postgres:// URL', example: 'postgres://coinhts:password@127.0.0.1:5432/coinhts_restore' }),
  PG_BIN_DIR: envVar({ name: 'PG_BIN_DIR', schema: z.string().min(1), doc: 'Folder of pg_dump / pg_restore / psql; unset = PATH.', expected: 'a folder', example: '/usr/lib/postgresql/16/bin' }),
  BACKUP_S3_BUCKET: envVar({ name: 'BACKUP_S3_BUCKET', schema: bucketText, doc: "Bucket of the backups; unset = RESULTS_STORE's bucket.", expected: 'a bucket name', example: 'coinhts-backups' }),
  BACKUP_PREFIX: envVar({ name: 'BACKUP_PREFIX', schema: z.string().regex(/^[A-Za-z0-9._/-]*\/$/, "must end with '/'"), default: 'backups/postgres/', doc: 'Key prefix of the PostgreSQL dumps.', expected: "a key prefix ending in '/'", example: 'backups/postgres/' }),
  BACKUP_KEEP: envVar({ name: 'BACKUP_KEEP', schema: intText(1, 100_000), default: '14', doc: 'Keep at most this many dumps (the newest is never deleted).', expected: 'a whole number 1-100000', example: '14' }),
  BACKUP_MAX_AGE_DAYS: envVar({ name: 'BACKUP_MAX_AGE_DAYS', schema: intText(0, 36_500), default: '30', doc: 'Delete dumps older than this many days (0 = no age limit).', expected: 'days 0-36500', example: '30' }),
  BACKUP_SCHEMA: envVar({ name: 'BACKUP_SCHEMA', schema: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,62}$/, 'must be an SQL identifier'), doc: 'Schema to dump; unset = the whole database.', expected: 'an SQL identifier', example: 'public' }),
  BACKUP_COMPRESS_LEVEL: envVar({ name: 'BACKUP_COMPRESS_LEVEL', schema: intText(0, 9), default: '6', doc: 'pg_dump compression level.', expected: 'a level 0-9', example: '6' }),
  BACKUP_LOCAL_DIR: envVar({ name: 'BACKUP_LOCAL_DIR', schema: z.string().min(1), doc: 'Keep a local copy of each dump in this folder; unset = none.', expected: 'a folder', example: '/var/backups/coinhts' }),
  ARCHIVE_EXPIRE_DAYS: envVar({ name: 'ARCHIVE_EXPIRE_DAYS', schema: intText(0, 36_500), default: '30', doc: 'Run archives under backtests/ expire after this many days (0 = never).', expected: 'days 0-36500', example: '30' }),
  NONCURRENT_EXPIRE_DAYS: envVar({ name: 'NONCURRENT_EXPIRE_DAYS', schema: intText(1, 36_500), default: '7', doc: 'Overwritten/deleted object versions expire after this many days.', expected: 'days 1-36500', example: '7' }),
  ABORT_MULTIPART_DAYS: envVar({ name: 'ABORT_MULTIPART_DAYS', schema: intText(0, 36_500), default: '2', doc: 'Abort unfinished multipart uploads after this many days.', expected: 'days 0-36500', example: '2' }),
};

/** The ops tools' own variables (backups, restore, bucket lifecycle). */
export const opsFragment = defineFragment({ name: 'ops', vars: v, build: (x) => x });

/** Typed configuration of the ops tools. */
export interface OpsConfig {
  readonly databaseUrl?: string;
  readonly restoreDatabaseUrl?: string;
  /** Folder of pg_dump / pg_restore; unset = PATH. */
  readonly pgBinDir?: string;
  /** The results bucket (from RESULTS_STORE when it is s3://) and how to reach S3. */
  readonly s3: S3Connection & {
    /** Bucket of the run archives; unset when RESULTS_STORE is a file: store. */
    readonly bucket?: string;
    /** Key prefix of the run archives ('' or ending in '/'). */
    readonly keyPrefix: string;
  };
  readonly backup: {
    /** Bucket of the backups: BACKUP_S3_BUCKET, else RESULTS_STORE's bucket. */
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
  /** Bucket lifecycle rules, days. */
  readonly lifecycle: { readonly archiveExpireDays: number; readonly noncurrentExpireDays: number; readonly abortMultipartDays: number };
  readonly alerts: AlertSettings;
}

/** The ops tools' configuration (`OPS_CONFIG.variables` lists what they read). */
export const OPS_CONFIG = composeConfig('The ops tool', {
  database: optionalDatabaseFragment,
  results: resultsStoreFragment,
  s3: s3Fragment,
  ops: opsFragment,
  alerts: alertsFragment,
}).map((c): OpsConfig => {
  const store = c.results.kind === 's3' ? c.results : undefined;
  const o = c.ops;
  return {
    databaseUrl: c.database.url,
    restoreDatabaseUrl: o.RESTORE_DATABASE_URL,
    pgBinDir: o.PG_BIN_DIR,
    s3: { ...c.s3, bucket: store?.bucket, keyPrefix: store?.keyPrefix ?? '' },
    backup: {
      bucket: o.BACKUP_S3_BUCKET ?? store?.bucket,
      prefix: o.BACKUP_PREFIX,
      keep: o.BACKUP_KEEP,
      maxAgeDays: o.BACKUP_MAX_AGE_DAYS,
      schema: o.BACKUP_SCHEMA,
      compressLevel: o.BACKUP_COMPRESS_LEVEL,
      localDir: o.BACKUP_LOCAL_DIR,
    },
    lifecycle: { archiveExpireDays: o.ARCHIVE_EXPIRE_DAYS, noncurrentExpireDays: o.NONCURRENT_EXPIRE_DAYS, abortMultipartDays: o.ABORT_MULTIPART_DAYS },
    alerts: c.alerts,
  };
});
