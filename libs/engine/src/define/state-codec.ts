/**
 * Plain-JSON capture and restore of the state of streaming objects (the indicators of
 * `@coinhts/indicators`, the rule state of a `defineStrategy` strategy): own fields, recursively.
 * Numbers that JSON cannot carry (NaN, ±Infinity) become `{ "$num": "NaN" }`; a Float64Array
 * becomes `{ "$f64": [...] }` (NaN elements as null). Restoring walks a freshly built object of
 * the same construction and writes each captured field back, so the classes need no
 * snapshot code of their own and a new field in an indicator is captured without a change here.
 */

/** A JSON value. */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

function encodeNumber(x: number): JsonValue {
  return Number.isFinite(x) ? x : { $num: String(x) };
}

function decodeNumber(x: unknown): number | undefined {
  if (typeof x === 'number') return x;
  if (x !== null && typeof x === 'object' && typeof (x as { $num?: unknown }).$num === 'string') {
    const s = (x as { $num: string }).$num;
    if (s === 'NaN') return NaN;
    if (s === 'Infinity') return Infinity;
    if (s === '-Infinity') return -Infinity;
  }
  return undefined;
}

/** Captures `value` (numbers, strings, booleans, null, arrays, Float64Arrays, objects and class instances) as JSON. */
export function captureState(value: unknown): JsonValue {
  if (value === null || value === undefined) return null;
  if (typeof value === 'number') return encodeNumber(value);
  if (typeof value === 'string' || typeof value === 'boolean') return value;
  if (value instanceof Float64Array) return { $f64: Array.from(value, (x) => (Number.isNaN(x) ? null : x)) };
  if (Array.isArray(value)) return value.map(captureState);
  if (typeof value === 'object') {
    const out: { [key: string]: JsonValue } = {};
    for (const key of Object.keys(value)) out[key] = captureState((value as Record<string, unknown>)[key]);
    return out;
  }
  throw new TypeError(`cannot capture a ${typeof value} in a snapshot`);
}

/**
 * Writes a state captured by {@link captureState} back into `target`, an object built the same way
 * as the captured one (same constructor arguments): numbers, strings and booleans are replaced,
 * Float64Arrays, arrays and class instances are restored in place (same lengths), plain objects
 * are replaced by the decoded value. Only `keys` are restored (default: all own keys of `target`).
 * Returns the path and problem of the first field that does not fit, or null. Stops at the first
 * problem, so callers restore into a throw-away object first.
 */
export function restoreState(target: Record<string, unknown>, state: unknown, path: string, keys: readonly string[] = Object.keys(target)): string | null {
  if (state === null || typeof state !== 'object' || Array.isArray(state)) return `${path || '(state)'}: expected an object, got ${JSON.stringify(state)}`;
  const s = state as Record<string, unknown>;
  for (const key of keys) {
    const here = path ? `${path}.${key}` : key;
    if (!(key in s)) return `${here}: missing`;
    const r = restoreValue(target[key], s[key], here);
    if (typeof r === 'string') return r;
    target[key] = r.value;
  }
  return null;
}

function restoreValue(cur: unknown, got: unknown, path: string): { value: unknown } | string {
  if (typeof cur === 'number') {
    const x = decodeNumber(got);
    return x === undefined ? `${path}: expected a number, got ${JSON.stringify(got)}` : { value: x };
  }
  if (typeof cur === 'string' || typeof cur === 'boolean') {
    return typeof got === typeof cur ? { value: got } : `${path}: expected a ${typeof cur}, got ${JSON.stringify(got)}`;
  }
  if (cur instanceof Float64Array) {
    if (got === null) return { value: null };
    const arr = (got as { $f64?: unknown } | null)?.$f64;
    if (!Array.isArray(arr) || arr.length !== cur.length || !arr.every((x) => x === null || typeof x === 'number')) {
      return `${path}: expected { $f64: [${cur.length} numbers] }`;
    }
    for (let k = 0; k < arr.length; k++) cur[k] = arr[k] === null ? NaN : (arr[k] as number);
    return { value: cur };
  }
  if (Array.isArray(cur)) {
    if (!Array.isArray(got) || got.length !== cur.length) return `${path}: expected an array of ${cur.length} values`;
    for (let k = 0; k < cur.length; k++) {
      const r = restoreValue(cur[k], got[k], `${path}.${k}`);
      if (typeof r === 'string') return r;
      cur[k] = r.value;
    }
    return { value: cur };
  }
  if (cur !== null && typeof cur === 'object' && Object.getPrototypeOf(cur) !== Object.prototype) {
    // a class instance built by the constructor (e.g. an indicator's window): restore in place
    const err = restoreState(cur as Record<string, unknown>, got, path);
    return err ?? { value: cur };
  }
  return { value: decodeDeep(got) };
}

/** Decodes a captured plain value (objects, arrays, tagged numbers and arrays). */
export function decodeDeep(x: unknown): unknown {
  if (x === null || typeof x !== 'object') return x;
  const n = decodeNumber(x);
  if (n !== undefined) return n;
  if (Array.isArray(x)) return x.map(decodeDeep);
  const f = (x as { $f64?: unknown }).$f64;
  if (Array.isArray(f)) return Float64Array.from(f as (number | null)[], (v) => (v === null ? NaN : v));
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(x)) out[k] = decodeDeep((x as Record<string, unknown>)[k]);
  return out;
}
