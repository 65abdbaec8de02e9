/**
 * Object key, key prefix and user-metadata rules shared by every provider, so that a key that
 * works on the local filesystem also works on S3 and the other way round.
 */
import { InvalidKeyError, InvalidMetadataError } from './errors';

/** Longest key, in UTF-8 bytes (the S3 limit). */
export const MAX_KEY_BYTES = 1024;
/** Longest key segment (text between slashes), in UTF-8 bytes (the usual filesystem name limit). */
export const MAX_SEGMENT_BYTES = 255;
/** Longest user-metadata name, in characters. */
export const MAX_METADATA_NAME_LENGTH = 64;
/**
 * Largest total user metadata: sum over entries of name bytes + URI-encoded value bytes.
 * S3 allows 2 KiB for all user metadata; the rest is left for the `sha256` entry.
 */
export const MAX_METADATA_BYTES = 1536;
/** Metadata names the providers use themselves (plus anything starting with `coinhts-`). */
export const RESERVED_METADATA_NAMES: readonly string[] = ['sha256'];

// Control characters make keys unprintable and break HTTP headers / some filesystems; backslash is a
// path separator on Windows.
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const FORBIDDEN_CHARS = /[\u0000-\u001f\u007f\\]/;
// Lone surrogates cannot be encoded as UTF-8 and would silently become U+FFFD on S3.
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
const METADATA_NAME = /^[a-z0-9][a-z0-9_-]*$/;

const utf8Length = (s: string): number => Buffer.byteLength(s, 'utf8');

function checkCharacters(value: string, what: string): void {
  if (FORBIDDEN_CHARS.test(value)) {
    throw new InvalidKeyError(`${what} ${JSON.stringify(value)} contains a control character or a backslash`, { key: value });
  }
  if (LONE_SURROGATE.test(value)) {
    throw new InvalidKeyError(`${what} ${JSON.stringify(value)} is not well-formed Unicode (lone surrogate)`, { key: value });
  }
}

function checkSegment(segment: string, key: string, what: string): void {
  if (segment === '') {
    throw new InvalidKeyError(`${what} ${JSON.stringify(key)} has an empty segment (leading, trailing or double slash)`, { key });
  }
  if (segment === '.' || segment === '..') {
    throw new InvalidKeyError(`${what} ${JSON.stringify(key)} has a "${segment}" segment`, { key });
  }
  if (utf8Length(segment) > MAX_SEGMENT_BYTES) {
    throw new InvalidKeyError(`${what} ${JSON.stringify(key)} has a segment longer than ${MAX_SEGMENT_BYTES} UTF-8 bytes`, { key });
  }
}

/**
 * Throws {@link InvalidKeyError} unless `key` is a valid object key:
 * 1 to {@link MAX_KEY_BYTES} UTF-8 bytes; `/`-separated segments that are non-empty (so no leading,
 * trailing or double slash), not `.` or `..`, at most {@link MAX_SEGMENT_BYTES} bytes each; no
 * control characters, no backslash, no lone surrogates.
 * @param key - candidate object key
 */
export function validateKey(key: string): void {
  if (typeof key !== 'string' || key.length === 0) {
    throw new InvalidKeyError('object key must be a non-empty string', { key: typeof key === 'string' ? key : undefined });
  }
  if (utf8Length(key) > MAX_KEY_BYTES) {
    throw new InvalidKeyError(`object key is longer than ${MAX_KEY_BYTES} UTF-8 bytes`, { key });
  }
  checkCharacters(key, 'object key');
  for (const segment of key.split('/')) checkSegment(segment, key, 'object key');
}

/**
 * Throws {@link InvalidKeyError} unless `prefix` is a valid listing prefix: empty, or a string that
 * every complete segment of which follows {@link validateKey}'s rules; the last part may be empty
 * (prefix ends with `/`) or a partial segment (`backtests/ru` matches `backtests/run-1/…`).
 * @param prefix - candidate prefix
 */
export function validatePrefix(prefix: string): void {
  if (typeof prefix !== 'string') throw new InvalidKeyError('key prefix must be a string');
  if (prefix === '') return;
  if (utf8Length(prefix) > MAX_KEY_BYTES) {
    throw new InvalidKeyError(`key prefix is longer than ${MAX_KEY_BYTES} UTF-8 bytes`, { key: prefix });
  }
  checkCharacters(prefix, 'key prefix');
  const parts = prefix.split('/');
  const last = parts.pop() as string;
  for (const segment of parts) checkSegment(segment, prefix, 'key prefix');
  if (utf8Length(last) > MAX_SEGMENT_BYTES) {
    throw new InvalidKeyError(`key prefix ${JSON.stringify(prefix)} has a segment longer than ${MAX_SEGMENT_BYTES} UTF-8 bytes`, { key: prefix });
  }
}

/**
 * Throws {@link InvalidMetadataError} unless `metadata` is valid user metadata: names match
 * `[a-z0-9][a-z0-9_-]*` (S3 lower-cases names, so upper case would not round-trip), at most
 * {@link MAX_METADATA_NAME_LENGTH} characters, not reserved ({@link RESERVED_METADATA_NAMES},
 * `coinhts-*`); values are well-formed strings; total size within {@link MAX_METADATA_BYTES}.
 * @param metadata - user metadata (string to string)
 * @param key - object key, for the error message
 */
export function validateMetadata(metadata: Readonly<Record<string, string>>, key?: string): void {
  let total = 0;
  for (const [name, value] of Object.entries(metadata)) {
    if (!METADATA_NAME.test(name) || name.length > MAX_METADATA_NAME_LENGTH) {
      throw new InvalidMetadataError(
        `metadata name ${JSON.stringify(name)} must match [a-z0-9][a-z0-9_-]* and be at most ${MAX_METADATA_NAME_LENGTH} characters`,
        { key },
      );
    }
    if (RESERVED_METADATA_NAMES.includes(name) || name.startsWith('coinhts-')) {
      throw new InvalidMetadataError(`metadata name ${JSON.stringify(name)} is reserved`, { key });
    }
    if (typeof value !== 'string') {
      throw new InvalidMetadataError(`metadata value of ${JSON.stringify(name)} must be a string`, { key });
    }
    if (LONE_SURROGATE.test(value)) {
      throw new InvalidMetadataError(`metadata value of ${JSON.stringify(name)} is not well-formed Unicode`, { key });
    }
    total += name.length + encodeURIComponent(value).length;
  }
  if (total > MAX_METADATA_BYTES) {
    throw new InvalidMetadataError(`metadata is ${total} bytes (names + URI-encoded values); the limit is ${MAX_METADATA_BYTES}`, { key });
  }
}

/**
 * Orders keys the way S3 lists them: by their UTF-8 bytes (equivalently, by Unicode code point),
 * which differs from JavaScript's default UTF-16 order for characters above U+FFFF.
 * @param a - first key
 * @param b - second key
 * @returns negative, zero or positive, as for `Array.prototype.sort`
 */
export function compareKeys(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}
