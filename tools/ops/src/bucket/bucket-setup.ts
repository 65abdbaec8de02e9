/**
 * Applies coin-hts' bucket settings to any S3 bucket (AWS, MinIO, moto): versioning on and one
 * lifecycle configuration (run archives under `backtests/` expire; old versions of overwritten or
 * deleted objects expire; delete markers left without any version are removed; unfinished multipart
 * uploads are aborted). Idempotent: the lifecycle is replaced whole, so running it twice leaves the
 * same configuration. docker/s3-init.sh applies the same rules in the compose stack (minus the
 * multipart rule, which S3 servers such as MinIO refused).
 */
import {
  CreateBucketCommand,
  GetBucketLifecycleConfigurationCommand,
  GetBucketVersioningCommand,
  HeadBucketCommand,
  PutBucketLifecycleConfigurationCommand,
  PutBucketVersioningCommand,
  type LifecycleRule,
  type S3Client,
} from '@aws-sdk/client-s3';

/** Lifecycle parameters, in days. */
export interface LifecycleSettings {
  /** Run archives (`{keyPrefix}backtests/`) expire after this many days; 0 = never. */
  readonly archiveExpireDays: number;
  /** Noncurrent object versions expire after this many days (at least 1). */
  readonly noncurrentExpireDays: number;
  /** Unfinished multipart uploads are aborted after this many days; 0 = no rule. */
  readonly abortMultipartDays: number;
  /** Key prefix of the run archives, from RESULTS_STORE=s3://bucket/{prefix} ('' or ending in '/'). */
  readonly keyPrefix?: string;
}

/** Rule ids (stable, so a read-back can be compared and other tools can find them). */
export const RULE_IDS = {
  archives: 'expire-run-archives',
  noncurrent: 'expire-noncurrent-versions',
  deleteMarkers: 'expire-delete-markers',
  multipart: 'abort-incomplete-multipart',
} as const;

/** The lifecycle rules for `settings`. */
export function lifecycleRules(settings: LifecycleSettings): LifecycleRule[] {
  const rules: LifecycleRule[] = [];
  if (settings.archiveExpireDays > 0) {
    rules.push({ ID: RULE_IDS.archives, Status: 'Enabled', Filter: { Prefix: `${settings.keyPrefix ?? ''}backtests/` }, Expiration: { Days: settings.archiveExpireDays } });
  }
  rules.push({ ID: RULE_IDS.noncurrent, Status: 'Enabled', Filter: { Prefix: '' }, NoncurrentVersionExpiration: { NoncurrentDays: Math.max(1, settings.noncurrentExpireDays) } });
  // A delete marker whose versions have all expired would otherwise stay forever (and slow listings).
  rules.push({ ID: RULE_IDS.deleteMarkers, Status: 'Enabled', Filter: { Prefix: '' }, Expiration: { ExpiredObjectDeleteMarker: true } });
  if (settings.abortMultipartDays > 0) {
    rules.push({ ID: RULE_IDS.multipart, Status: 'Enabled', Filter: { Prefix: '' }, AbortIncompleteMultipartUpload: { DaysAfterInitiation: settings.abortMultipartDays } });
  }
  return rules;
}

/** What the bucket reports after set-up. */
export interface BucketState {
  readonly bucket: string;
  readonly created: boolean;
  readonly versioning: string;
  readonly rules: readonly LifecycleRule[];
}

/** Options of {@link setupBucket}. */
export interface BucketSetupOptions extends LifecycleSettings {
  readonly client: S3Client;
  readonly bucket: string;
  /** Create the bucket when it does not exist (default false: a missing bucket is an error). */
  readonly create?: boolean;
}

/** Applies versioning and the lifecycle rules, then reads both back. */
export async function setupBucket(o: BucketSetupOptions): Promise<BucketState> {
  let created = false;
  try {
    await o.client.send(new HeadBucketCommand({ Bucket: o.bucket }));
  } catch (err) {
    const status = (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
    if (status !== 404 && (err as Error).name !== 'NotFound' && (err as Error).name !== 'NoSuchBucket') throw err;
    if (!o.create) throw new Error(`bucket ${o.bucket} does not exist (pass --create to create it)`, { cause: err });
    await o.client.send(new CreateBucketCommand({ Bucket: o.bucket }));
    created = true;
  }
  await o.client.send(new PutBucketVersioningCommand({ Bucket: o.bucket, VersioningConfiguration: { Status: 'Enabled' } }));
  await o.client.send(new PutBucketLifecycleConfigurationCommand({ Bucket: o.bucket, LifecycleConfiguration: { Rules: lifecycleRules(o) } }));
  return { ...(await readBucketState(o.client, o.bucket)), created };
}

/** Reads versioning status and lifecycle rules of a bucket. */
export async function readBucketState(client: S3Client, bucket: string): Promise<Omit<BucketState, 'created'> & { created: false }> {
  const v = await client.send(new GetBucketVersioningCommand({ Bucket: bucket }));
  let rules: LifecycleRule[] = [];
  try {
    rules = (await client.send(new GetBucketLifecycleConfigurationCommand({ Bucket: bucket }))).Rules ?? [];
  } catch (err) {
    if ((err as Error).name !== 'NoSuchLifecycleConfiguration') throw err;
  }
  return { bucket, created: false, versioning: v.Status ?? 'Disabled', rules };
}

/** One line per rule, for the operator. */
export function describeRules(rules: readonly LifecycleRule[]): string[] {
  return rules.map((r) => {
    const prefix = r.Filter?.Prefix ?? r.Prefix ?? '';
    const what = [
      r.Expiration?.Days !== undefined ? `objects expire after ${r.Expiration.Days} d` : '',
      r.NoncurrentVersionExpiration?.NoncurrentDays !== undefined ? `noncurrent versions expire after ${r.NoncurrentVersionExpiration.NoncurrentDays} d` : '',
      r.Expiration?.ExpiredObjectDeleteMarker ? 'delete markers without versions removed' : '',
      r.AbortIncompleteMultipartUpload?.DaysAfterInitiation !== undefined ? `unfinished uploads aborted after ${r.AbortIncompleteMultipartUpload.DaysAfterInitiation} d` : '',
    ].filter(Boolean).join(', ');
    return `${r.ID ?? '(no id)'} [${r.Status}] prefix "${prefix}": ${what}`;
  });
}
