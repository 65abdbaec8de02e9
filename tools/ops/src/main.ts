#!/usr/bin/env node
/**
 * coin-hts operations: `tools/ops/bin/coinhts-ops <command>` (runs this file from source).
 *
 *   backup [--schema S] [--keep N] [--max-age-days D] [--local-dir DIR] [--no-retention]
 *   backups                                   list the dumps in the backup bucket
 *   restore (--key KEY | --latest) --target-url URL [--clean] [--create-db] [--jobs N]
 *   bucket-setup [--bucket B] [--create] [--archive-expire-days N] [--noncurrent-days N] [--abort-multipart-days N]
 *   alerts-test                               one test message to every configured alert channel
 *
 * Configuration: environment (tools/ops/src/config.ts, .env.example, docs/operations.md); flags win.
 * Exit codes: 0 success, 1 failure, 2 bad usage or configuration (or, for alerts-test, no channel configured).
 */
import { hostname } from 'node:os';
import { S3Client } from '@aws-sdk/client-s3';
import { S3StorageProvider } from '@coinhts/storage';
import { Command, CommanderError, InvalidArgumentError } from 'commander';
import { channelsFor, sendTestAlerts, testMessage } from './alerts/alerts-test';
import { applyRetention, createBackup, listBackups, restoreBackup } from './backup/backup';
import { describeRules, setupBucket } from './bucket/bucket-setup';
import { loadOpsConfig, OpsConfigError, type OpsConfig } from './config';

/** A usage or configuration problem (exit 2). */
class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** Where the commands write; tests capture it. */
export interface OpsIo {
  readonly out: (line: string) => void;
  readonly err: (line: string) => void;
}

const intArg = (min: number) => (v: string): number => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) throw new InvalidArgumentError(`must be a whole number >= ${min}`);
  return n;
};

function backupStorage(config: OpsConfig): S3StorageProvider {
  const bucket = config.backup.bucket;
  if (!bucket) throw new UsageError('no backup bucket: set BACKUP_S3_BUCKET, or RESULTS_STORE=s3://bucket/prefix to use the results bucket');
  return new S3StorageProvider({ bucket, endpoint: config.s3.endpoint, region: config.s3.region, credentials: config.s3.credentials });
}

function s3Client(config: OpsConfig): S3Client {
  return new S3Client({
    endpoint: config.s3.endpoint,
    region: config.s3.region,
    credentials: config.s3.credentials,
    forcePathStyle: true,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
}

/** Runs the ops CLI with `argv` (without node and script); resolves to the exit code. */
export async function runOps(argv: readonly string[], env: Readonly<Record<string, string | undefined>> = process.env, io: OpsIo = defaultIo): Promise<number> {
  let exitCode = 0;
  const program = new Command('coinhts-ops')
    .description('coin-hts operations: PostgreSQL backups to S3, restore, bucket set-up, alert test')
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.out(s.trimEnd()), writeErr: (s) => io.err(s.trimEnd()) });
  const config = () => loadOpsConfig(env);

  program
    .command('backup')
    .description('pg_dump (custom format, compressed) + SHA-256 to the backup bucket, then retention')
    .option('--schema <schema>', 'dump only this schema (BACKUP_SCHEMA)')
    .option('--keep <n>', 'keep at most N dumps (BACKUP_KEEP)', intArg(1))
    .option('--max-age-days <d>', 'delete dumps older than D days, 0 = no limit (BACKUP_MAX_AGE_DAYS)', intArg(0))
    .option('--local-dir <dir>', 'also keep a local copy here (BACKUP_LOCAL_DIR)')
    .option('--no-retention', 'do not delete old dumps')
    .action(async (opts: { schema?: string; keep?: number; maxAgeDays?: number; localDir?: string; retention: boolean }) => {
      const c = config();
      if (!c.databaseUrl) throw new UsageError('DATABASE_URL is not set');
      const storage = backupStorage(c);
      try {
        const r = await createBackup({
          databaseUrl: c.databaseUrl,
          schema: opts.schema ?? c.backup.schema,
          compressLevel: c.backup.compressLevel,
          storage,
          prefix: c.backup.prefix,
          localDir: opts.localDir ?? c.backup.localDir,
          retention: opts.retention ? { keep: opts.keep ?? c.backup.keep, maxAgeDays: opts.maxAgeDays ?? c.backup.maxAgeDays } : undefined,
          pgBinDir: c.pgBinDir,
          log: io.out,
        });
        io.out(`backup ${r.key} ${r.bytes} bytes sha256 ${r.sha256} in ${r.durationMs} ms; ${r.deleted.length} old dump(s) deleted`);
      } finally {
        storage.destroy();
      }
    });

  program
    .command('backups')
    .description('list the dumps in the backup bucket, oldest first')
    .option('--prune', 'apply retention (BACKUP_KEEP, BACKUP_MAX_AGE_DAYS) without taking a new backup')
    .action(async (opts: { prune?: boolean }) => {
      const c = config();
      const storage = backupStorage(c);
      try {
        if (opts.prune) await applyRetention(storage, c.backup.prefix, { keep: c.backup.keep, maxAgeDays: c.backup.maxAgeDays }, new Date(), io.out);
        for (const b of await listBackups(storage, c.backup.prefix)) io.out(`${b.takenAt.toISOString()}\t${b.size}\t${b.key}`);
      } finally {
        storage.destroy();
      }
    });

  program
    .command('restore')
    .description('download a dump, verify its SHA-256, pg_restore it into --target-url')
    .option('--key <key>', 'object key of the dump (see `backups`)')
    .option('--latest', 'the newest dump (of --family, if given)')
    .option('--family <family>', 'with --latest: database or database.schema the dump is of')
    .option('--target-url <url>', 'database to restore into (RESTORE_DATABASE_URL); never defaults to DATABASE_URL')
    .option('--clean', 'drop the dump\'s objects in the target first (pg_restore --clean --if-exists)')
    .option('--create-db', 'create the target database when missing')
    .option('--jobs <n>', 'parallel pg_restore jobs', intArg(1))
    .action(async (opts: { key?: string; latest?: boolean; family?: string; targetUrl?: string; clean?: boolean; createDb?: boolean; jobs?: number }) => {
      const c = config();
      const target = opts.targetUrl ?? c.restoreDatabaseUrl;
      if (!target) throw new UsageError('no target database: pass --target-url or set RESTORE_DATABASE_URL');
      if (!/^postgres(ql)?:\/\//.test(target)) throw new UsageError('--target-url must be a postgres:// URL');
      if (Boolean(opts.key) === Boolean(opts.latest)) throw new UsageError('pass exactly one of --key and --latest');
      const storage = backupStorage(c);
      try {
        let key = opts.key;
        if (opts.latest) {
          const all = (await listBackups(storage, c.backup.prefix)).filter((b) => !opts.family || b.family === opts.family);
          key = all[all.length - 1]?.key;
          if (!key) throw new Error(`no dump under ${c.backup.prefix}${opts.family ? ` for ${opts.family}` : ''}`);
        }
        const r = await restoreBackup({ storage, key: key as string, targetUrl: target, clean: opts.clean, createDatabase: opts.createDb, jobs: opts.jobs, pgBinDir: c.pgBinDir, log: io.out });
        io.out(`restored ${r.key} (${r.bytes} bytes, sha256 ${r.sha256}) into ${r.database} in ${r.durationMs} ms`);
      } finally {
        storage.destroy();
      }
    });

  program
    .command('bucket-setup')
    .description('versioning on + lifecycle rules (idempotent), then print what the bucket reports')
    .option('--bucket <bucket>', "bucket (default: RESULTS_STORE's, when it is s3://bucket/prefix)")
    .option('--create', 'create the bucket when missing')
    .option('--archive-expire-days <n>', 'backtests/ objects expire after N days, 0 = never (ARCHIVE_EXPIRE_DAYS)', intArg(0))
    .option('--noncurrent-days <n>', 'noncurrent versions expire after N days (NONCURRENT_EXPIRE_DAYS)', intArg(1))
    .option('--abort-multipart-days <n>', 'abort unfinished multipart uploads after N days, 0 = no rule (ABORT_MULTIPART_DAYS)', intArg(0))
    .action(async (opts: { bucket?: string; create?: boolean; archiveExpireDays?: number; noncurrentDays?: number; abortMultipartDays?: number }) => {
      const c = config();
      const bucket = opts.bucket ?? c.s3.bucket;
      if (!bucket) throw new UsageError('no bucket: pass --bucket or set RESULTS_STORE=s3://bucket/prefix');
      const client = s3Client(c);
      try {
        const state = await setupBucket({
          client,
          bucket,
          create: opts.create,
          archiveExpireDays: opts.archiveExpireDays ?? c.lifecycle.archiveExpireDays,
          noncurrentExpireDays: opts.noncurrentDays ?? c.lifecycle.noncurrentExpireDays,
          abortMultipartDays: opts.abortMultipartDays ?? c.lifecycle.abortMultipartDays,
          keyPrefix: c.s3.keyPrefix,
        });
        io.out(`bucket ${state.bucket}${state.created ? ' (created)' : ''}: versioning ${state.versioning}`);
        for (const line of describeRules(state.rules)) io.out(`  ${line}`);
      } finally {
        client.destroy();
      }
    });

  program
    .command('alerts-test')
    .description('send one test message to every configured alert channel (Slack webhook, SMTP)')
    .option('--timeout-ms <ms>', 'per channel', intArg(100))
    .action(async (opts: { timeoutMs?: number }) => {
      const c = config();
      const channels = channelsFor(c.alerts, { timeoutMs: opts.timeoutMs });
      if (channels.length === 0) {
        io.err('no alert channel is configured: set ALERT_SLACK_WEBHOOK_URL and/or SMTP_HOST + ALERT_EMAIL_FROM + ALERT_EMAIL_TO');
        exitCode = 2;
        return;
      }
      const results = await sendTestAlerts(channels, testMessage(new Date(), hostname()));
      for (const r of results) io.out(`${r.channel}: ${r.ok ? 'sent' : `FAILED: ${r.error}`} (${r.durationMs} ms)`);
      if (results.some((r) => !r.ok)) exitCode = 1;
    });

  try {
    await program.parseAsync([...argv], { from: 'user' });
    return exitCode;
  } catch (err) {
    if (err instanceof CommanderError) return err.code === 'commander.helpDisplayed' || err.code === 'commander.help' ? 0 : 2;
    if (err instanceof OpsConfigError || err instanceof UsageError) {
      io.err(err.message);
      return 2;
    }
    io.err(`error: ${(err as Error).message}`);
    return 1;
  }
}

const defaultIo: OpsIo = { out: (l) => process.stdout.write(`${l}\n`), err: (l) => process.stderr.write(`${l}\n`) };

if (require.main === module) {
  runOps(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      process.stderr.write(`${String(err)}\n`);
      process.exitCode = 1;
    },
  );
}
