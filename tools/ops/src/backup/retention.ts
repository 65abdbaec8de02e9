/**
 * Which backups to delete. Dumps are named `{family}-{stamp}.dump` (family = database, or
 * `database.schema`; stamp = UTC `YYYYMMDDTHHMMSSmmmZ`), so their age comes from the name, not
 * from the store's modification time (S3 has one-second resolution and a copy resets it).
 */

/** Suffix of a dump; its checksum file is `{dump}.sha256`. */
export const DUMP_SUFFIX = '.dump';
/** Suffix of the SHA-256 file written next to each dump. */
export const SHA256_SUFFIX = '.sha256';

/** A dump found in a listing. */
export interface DumpRef {
  /** Object key or file name. */
  readonly key: string;
  /** Database (and schema) the dump is of. */
  readonly family: string;
  /** When it was taken. */
  readonly takenAt: Date;
}

/** UTC stamp used in names: `20260115T031500123Z`. */
export function formatStamp(d: Date): string {
  return d.toISOString().replace(/[-:]/g, '').replace('.', '');
}

/** File name of a dump of `family` taken at `d`. */
export function dumpName(family: string, d: Date): string {
  return `${family}-${formatStamp(d)}${DUMP_SUFFIX}`;
}

/** Parses a dump key (any folder prefix); undefined when the key is not a dump. */
export function parseDumpKey(key: string): DumpRef | undefined {
  const base = key.slice(key.lastIndexOf('/') + 1);
  const m = /^(.+)-(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})(\d{3})Z\.dump$/.exec(base);
  if (!m) return undefined;
  const [, family, y, mo, d, h, mi, s, ms] = m;
  const takenAt = new Date(Date.UTC(+y, +mo - 1, +d, +h, +mi, +s, +ms));
  return Number.isNaN(takenAt.getTime()) ? undefined : { key, family, takenAt };
}

/** Retention policy. */
export interface RetentionPolicy {
  /** Keep at most this many dumps per family (at least 1). */
  readonly keep: number;
  /** Delete dumps older than this many days; 0 = no age limit. */
  readonly maxAgeDays: number;
}

/**
 * The dumps to delete: per family, everything past the `keep` newest, and everything older than
 * `maxAgeDays` — except the newest dump of each family, which is never deleted (a backup job that
 * stopped running for a month must not leave the system with no backup at all).
 */
export function selectExpired(dumps: readonly DumpRef[], policy: RetentionPolicy, now: Date): DumpRef[] {
  const keep = Math.max(1, policy.keep);
  const cutoff = policy.maxAgeDays > 0 ? now.getTime() - policy.maxAgeDays * 86_400_000 : -Infinity;
  const byFamily = new Map<string, DumpRef[]>();
  for (const d of dumps) byFamily.set(d.family, [...(byFamily.get(d.family) ?? []), d]);
  const out: DumpRef[] = [];
  for (const list of byFamily.values()) {
    const sorted = [...list].sort((a, b) => b.takenAt.getTime() - a.takenAt.getTime() || (a.key < b.key ? 1 : -1));
    sorted.forEach((d, i) => {
      if (i === 0) return;
      if (i >= keep || d.takenAt.getTime() < cutoff) out.push(d);
    });
  }
  return out.sort((a, b) => a.takenAt.getTime() - b.takenAt.getTime());
}
