import { z } from 'zod';

/** What parsing one raw value gave: the value, or why it is wrong. */
export type VarParse<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly message: string };

/**
 * One environment variable, defined once: its name, how its text is parsed, what it means, its
 * default (in env spelling, parsed like any value) and what a valid value looks like (used in the
 * fix hint of every problem about it). `T` is the parsed type; it includes `undefined` when the
 * variable is optional and has no default.
 */
export interface EnvVar<T> {
  readonly name: string;
  /** What it means, with units. */
  readonly doc: string;
  /** What a valid value looks like, e.g. "a whole number 1-200" (completes "set NAME to …"). */
  readonly expected: string;
  /** A valid example value (shown in fix hints: `NAME=example`). */
  readonly example: string;
  /** The value used when the variable is unset or empty, in env spelling; `undefined` = none. */
  readonly default?: string;
  /** Unset (and no default) is a problem. */
  readonly required: boolean;
  /** Never echo the value in problems (passwords, keys, webhook URLs). */
  readonly secret: boolean;
  /** Parses one non-empty raw value. */
  parse(raw: string): VarParse<Exclude<T, undefined>>;
  /** The same variable with another default (e.g. DB_POOL_SIZE: 10 in the API, 2 in the worker). */
  withDefault(raw: string): EnvVar<Exclude<T, undefined>>;
  /** The same variable, required (no default). */
  asRequired(): EnvVar<Exclude<T, undefined>>;
  /** The same variable, optional without default. */
  asOptional(): EnvVar<Exclude<T, undefined> | undefined>;
}

/** Options of {@link envVar}. */
export interface EnvVarOptions<S extends z.ZodType> {
  readonly name: string;
  /** Parses the raw string (a zod schema whose input is a string). */
  readonly schema: S;
  readonly doc: string;
  readonly expected: string;
  readonly example: string;
  readonly secret?: boolean;
}

/** Defines one variable (see {@link EnvVar}): required, with a default, or optional. */
export function envVar<S extends z.ZodType>(options: EnvVarOptions<S> & { readonly required: true }): EnvVar<z.output<S>>;
export function envVar<S extends z.ZodType>(options: EnvVarOptions<S> & { readonly default: string }): EnvVar<z.output<S>>;
export function envVar<S extends z.ZodType>(options: EnvVarOptions<S>): EnvVar<z.output<S> | undefined>;
export function envVar<S extends z.ZodType>(options: EnvVarOptions<S> & { readonly required?: boolean; readonly default?: string }): EnvVar<unknown> {
  return makeVar(options, options.required === true, options.default);
}

function makeVar<S extends z.ZodType>(o: EnvVarOptions<S>, required: boolean, dflt: string | undefined): EnvVar<unknown> {
  if (dflt !== undefined && !o.schema.safeParse(dflt).success) throw new Error(`config: the default ${JSON.stringify(dflt)} of ${o.name} does not parse`);
  return {
    name: o.name,
    doc: o.doc,
    expected: o.expected,
    example: o.example,
    default: dflt,
    required,
    secret: o.secret === true,
    parse(raw: string) {
      const r = o.schema.safeParse(raw);
      return r.success ? { ok: true, value: r.data as never } : { ok: false, message: r.error.issues[0]?.message ?? 'is not valid' };
    },
    withDefault: (raw: string) => makeVar(o, false, raw) as EnvVar<never>,
    asRequired: () => makeVar(o, true, undefined) as EnvVar<never>,
    asOptional: () => makeVar(o, false, undefined) as EnvVar<never>,
  };
}

// ---------------------------------------------------------------------------------------------
// Value schemas shared by the variables (strings in, typed values out).
// ---------------------------------------------------------------------------------------------

/** `true|false|1|0|yes|no` → boolean. */
export const boolText = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'], { error: () => 'must be true or false' })
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

/** A whole number in `[min, max]`. */
export const intText = (min: number, max: number) =>
  z
    .string()
    .regex(/^[+-]?\d+$/, 'must be a whole number')
    .transform(Number)
    .pipe(z.number().int('must be a whole number').min(min, `must be at least ${min}`).max(max, `must be at most ${max}`));

/** Comma-separated list, items trimmed, empty items dropped. */
export const csvText = z.string().transform((s) => s.split(',').map((x) => x.trim()).filter((x) => x.length > 0));

/** A URL whose protocol is one of `protocols` (e.g. `['redis:', 'rediss:']`). */
export const urlText = (protocols: readonly string[]) =>
  z.string().refine(
    (s) => {
      try {
        return protocols.includes(new URL(s).protocol);
      } catch {
        return false;
      }
    },
    { message: `must be a URL starting with ${protocols.map((p) => `${p}//`).join(' or ')}` },
  );

/** An IANA time zone such as `Asia/Seoul`. */
export const timeZoneText = z.string().refine(
  (tz) => {
    try {
      new Intl.DateTimeFormat('en-US', { timeZone: tz });
      return true;
    } catch {
      return false;
    }
  },
  { message: 'is not an IANA time zone' },
);
