import type { ResultsIssue } from './errors';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** True when `s` is a UUID in canonical 8-4-4-4-12 hex form (any version). */
export function isUuid(s: unknown): s is string {
  return typeof s === 'string' && UUID.test(s);
}

/** True for a plain JSON object (not null, not an array). */
export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && (Object.getPrototypeOf(v) === Object.prototype || Object.getPrototypeOf(v) === null);
}

/** Collects issues while checking one input object; the caller throws once with all of them. */
export class IssueList {
  /** Issues found so far. */
  readonly issues: ResultsIssue[] = [];

  /** Records an issue. */
  add(field: string, message: string): void {
    this.issues.push({ field, message });
  }

  /** A non-empty string of at most `max` characters. */
  text(field: string, v: unknown, max: number, optional = false): void {
    if (v === undefined || v === null) {
      if (!optional) this.add(field, 'is required');
      return;
    }
    if (typeof v !== 'string' || v.length === 0 || v.length > max) this.add(field, `must be a non-empty string of at most ${max} characters`);
  }

  /** A finite number, or null/undefined when optional. */
  finite(field: string, v: unknown): void {
    if (v === undefined || v === null) return;
    if (typeof v !== 'number' || !Number.isFinite(v)) this.add(field, 'must be a finite number or null');
  }

  /** An integer in [min, max], or null/undefined. */
  integer(field: string, v: unknown, min: number, max = 2_147_483_647): void {
    if (v === undefined || v === null) return;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) this.add(field, `must be an integer in [${min}, ${max}]`);
  }

  /** One of `allowed`. */
  oneOf(field: string, v: unknown, allowed: readonly string[]): void {
    if (typeof v !== 'string' || !allowed.includes(v)) this.add(field, `must be one of ${allowed.join(', ')} (got ${JSON.stringify(v)})`);
  }

  /** A timestamp given as epoch ms or a valid Date, or null/undefined. */
  time(field: string, v: unknown): void {
    if (v === undefined || v === null) return;
    const ms = v instanceof Date ? v.getTime() : v;
    if (typeof ms !== 'number' || !Number.isFinite(ms)) this.add(field, 'must be epoch milliseconds or a valid Date');
  }

  /** A plain JSON object, or null/undefined when optional. */
  object(field: string, v: unknown, optional = true): void {
    if (v === undefined || v === null) {
      if (!optional) this.add(field, 'is required');
      return;
    }
    if (!isPlainObject(v)) this.add(field, 'must be a plain JSON object');
  }
}

/** Epoch ms from a Date or a number; null stays null. */
export function toMs(v: number | Date | null | undefined): number | null {
  if (v === undefined || v === null) return null;
  return v instanceof Date ? v.getTime() : v;
}
