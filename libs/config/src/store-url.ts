import { isAbsolute, resolve } from 'node:path';

/**
 * Where run archives live, as named by `RESULTS_STORE` (the same URL in every app):
 * - `file:./coinhts-results`, `file:/var/lib/coinhts`, `file:///var/lib/coinhts` — a local folder
 *   (relative paths against the working folder);
 * - `s3://bucket` or `s3://bucket/prefix` — a bucket and an optional key prefix (the S3
 *   endpoint, region and credentials come from the S3 variables).
 */
export type ResultsStoreLocation =
  | {
      readonly kind: 'local';
      /** Absolute folder; archives are `{dir}/backtests/{runId}/`. */
      readonly dir: string;
      /** The canonical URL, `file://{dir}`. */
      readonly url: string;
    }
  | {
      readonly kind: 's3';
      readonly bucket: string;
      /** `''` or a prefix ending in `/`; archives are `{keyPrefix}backtests/{runId}/`. */
      readonly keyPrefix: string;
      /** The canonical URL, `s3://{bucket}/{keyPrefix}`. */
      readonly url: string;
    };

/** A store URL that cannot be used: what is wrong and how to fix it. */
export interface StoreUrlProblem {
  readonly problem: string;
  readonly fix: string;
}

const EXAMPLES = 'RESULTS_STORE=file:./coinhts-results or RESULTS_STORE=s3://my-bucket/coinhts/';
// S3 bucket naming rules (general purpose buckets): 3-63 characters, lower-case letters, digits,
// dots and hyphens, starting and ending with a letter or digit, not an IP address.
const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

/**
 * Parses a results store URL (see {@link ResultsStoreLocation}); `cwd` (absolute) resolves
 * relative folders. Returns the location or the problem with a fix hint; never throws.
 */
export function parseResultsStoreUrl(text: string, cwd: string): { readonly ok: true; readonly location: ResultsStoreLocation } | ({ readonly ok: false } & StoreUrlProblem) {
  const fail = (problem: string, fix: string) => ({ ok: false as const, problem, fix });
  const s = text.trim();
  if (s === 'local') return fail('is the old spelling of a local store', 'name the folder in the URL: RESULTS_STORE=file:./coinhts-results (or the folder COINHTS_RESULTS_DIR named)');
  if (s === 's3') return fail('is the old spelling of an S3 store', 'name the bucket and prefix in the URL: RESULTS_STORE=s3://{S3_BUCKET}/{S3_KEY_PREFIX}, e.g. RESULTS_STORE=s3://coinhts/');
  const m = /^([A-Za-z][A-Za-z0-9+.-]*):(.*)$/s.exec(s);
  if (!m) return fail('is not a store URL (no scheme)', `write ${isAbsolute(s) || s.startsWith('.') ? `RESULTS_STORE=file:${s}` : EXAMPLES}`);
  const scheme = m[1].toLowerCase();
  const rest = m[2];
  if (scheme === 'file') return parseFile(rest, cwd, fail);
  if (scheme === 's3') return parseS3(rest, fail);
  return fail(`has an unknown scheme "${m[1]}:" (only file: and s3: stores exist)`, `write ${EXAMPLES}`);
}

type Fail = (problem: string, fix: string) => { readonly ok: false } & StoreUrlProblem;

function parseFile(rest: string, cwd: string, fail: Fail) {
  let path = rest;
  if (rest.startsWith('//')) {
    // file://host/path: only an empty host or localhost is this machine.
    const slash = rest.indexOf('/', 2);
    const host = slash < 0 ? rest.slice(2) : rest.slice(2, slash);
    if (host !== '' && host.toLowerCase() !== 'localhost') return fail(`names the host "${host}"; a file: store is a folder on this host`, 'write RESULTS_STORE=file:/absolute/folder or RESULTS_STORE=file:./relative/folder (use s3:// to share runs between hosts)');
    if (slash < 0) return fail('names no folder', 'write RESULTS_STORE=file:/absolute/folder or RESULTS_STORE=file:./relative/folder');
    try {
      path = decodeURIComponent(rest.slice(slash));
    } catch {
      return fail('has a malformed %-escape in its path', 'write the folder as it is, e.g. RESULTS_STORE=file:/var/lib/coin hts (no %-escapes needed after file:)');
    }
  }
  if (/[?#]/.test(path)) return fail('has a query or fragment (? or #)', 'write only the folder, e.g. RESULTS_STORE=file:./coinhts-results');
  if (path === '') return fail('names no folder', 'write RESULTS_STORE=file:./coinhts-results or RESULTS_STORE=file:/var/lib/coinhts');
  if (path.includes('\u0000')) return fail('contains a NUL character', 'write the folder without control characters');
  if (path.startsWith('~')) return fail('starts with ~, which is not expanded', 'write the folder out in full, e.g. RESULTS_STORE=file:/home/me/coinhts-results');
  const dir = resolve(cwd, path);
  return { ok: true as const, location: { kind: 'local' as const, dir, url: `file://${dir}` } };
}

function parseS3(rest: string, fail: Fail) {
  if (!rest.startsWith('//')) return fail('is not of the form s3://bucket/prefix', 'write RESULTS_STORE=s3://my-bucket or RESULTS_STORE=s3://my-bucket/coinhts/');
  const body = rest.slice(2);
  if (/[?#]/.test(body)) return fail('has a query or fragment (? or #)', 'write only the bucket and prefix, e.g. RESULTS_STORE=s3://my-bucket/coinhts/; the endpoint goes in S3_ENDPOINT');
  const slash = body.indexOf('/');
  const authority = slash < 0 ? body : body.slice(0, slash);
  const path = slash < 0 ? '' : body.slice(slash + 1);
  if (authority.includes('@')) return fail('contains credentials', 'remove them from the URL and set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY');
  if (authority === '') return fail('names no bucket', 'write RESULTS_STORE=s3://my-bucket or RESULTS_STORE=s3://my-bucket/coinhts/');
  if (authority.includes(':')) return fail(`names a host with a port ("${authority}") where the bucket goes`, 'put the server in S3_ENDPOINT (e.g. S3_ENDPOINT=http://127.0.0.1:9000) and only the bucket in RESULTS_STORE=s3://my-bucket/');
  if (!BUCKET.test(authority) || authority.includes('..') || /^\d+\.\d+\.\d+\.\d+$/.test(authority)) {
    return fail(`has "${authority}", which is not a valid bucket name`, 'use 3-63 lower-case letters, digits, dots and hyphens, starting and ending with a letter or digit, e.g. RESULTS_STORE=s3://coinhts/');
  }
  const segments = path.split('/');
  if (segments[segments.length - 1] === '') segments.pop();
  if (segments.some((x) => x === '' || x === '.' || x === '..')) return fail(`has an empty, "." or ".." segment in its prefix "${path}"`, 'write the prefix as a/b/, e.g. RESULTS_STORE=s3://coinhts/prod/');
  if (segments.some((x) => [...x].some((ch) => ch.charCodeAt(0) < 0x20 || ch === '\u007f' || ch === '\\'))) return fail('has a control character or backslash in its prefix', 'use letters, digits and - _ . / in the prefix');
  const keyPrefix = segments.length === 0 ? '' : `${segments.join('/')}/`;
  return { ok: true as const, location: { kind: 's3' as const, bucket: authority, keyPrefix, url: `s3://${authority}/${keyPrefix}` } };
}
