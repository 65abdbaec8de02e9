import { z } from 'zod';
import { InvalidParamsError, type ParamIssue } from '../core/errors';
import type { StrategyDefinition } from '../core/strategy';

/** Bounds, default and documentation of an integer parameter. */
export interface IntegerParamSpec {
  /** Smallest allowed value (inclusive). */
  readonly min: number;
  /** Largest allowed value (inclusive). */
  readonly max: number;
  /** Value used when the parameter is omitted. */
  readonly default: number;
  /** One line for API consumers (shown in the JSON Schema), with units. */
  readonly description: string;
}

/** Bounds, default and documentation of a real-valued parameter. */
export interface NumberParamSpec {
  /** Lower bound. */
  readonly min: number;
  /** Upper bound. */
  readonly max: number;
  /** When true the lower bound itself is not allowed (`> min`); default false (`>= min`). */
  readonly minExclusive?: boolean;
  /** When true the upper bound itself is not allowed (`< max`); default false (`<= max`). */
  readonly maxExclusive?: boolean;
  /** Value used when the parameter is omitted. */
  readonly default: number;
  /** One line for API consumers (shown in the JSON Schema), with units. */
  readonly description: string;
}

/**
 * Renders a rejected input for an error message: numbers as written (`1.5`, `NaN`), strings
 * quoted, everything else as JSON or its type.
 */
export function describeValue(x: unknown): string {
  if (typeof x === 'number') return String(x);
  if (typeof x === 'string') return JSON.stringify(x);
  if (x === undefined) return 'undefined';
  if (typeof x === 'bigint') return `${x}n`;
  try {
    return JSON.stringify(x) ?? typeof x;
  } catch {
    return typeof x;
  }
}

/**
 * zod schema of an integer parameter with a default. Every failure (wrong type, not an integer,
 * out of range) carries the same message, e.g. `must be an integer between 2 and 10000, got 1.5`,
 * so the caller learns the whole rule at once.
 */
export function integerParam(spec: IntegerParamSpec) {
  const error = (iss: { input?: unknown }) => `must be an integer between ${spec.min} and ${spec.max}, got ${describeValue(iss.input)}`;
  return z.number({ error }).int({ error }).min(spec.min, { error }).max(spec.max, { error })
    .default(spec.default).describe(spec.description);
}

/**
 * zod schema of a real-valued parameter with a default; the message names the range, e.g.
 * `must be a number > 0 and <= 1, got 2`. NaN and ±Infinity are rejected.
 */
export function numberParam(spec: NumberParamSpec) {
  const lo = spec.minExclusive ? `> ${spec.min}` : `>= ${spec.min}`;
  const hi = spec.maxExclusive ? `< ${spec.max}` : `<= ${spec.max}`;
  const range = !spec.minExclusive && !spec.maxExclusive ? `between ${spec.min} and ${spec.max}` : `${lo} and ${hi}`;
  const error = (iss: { input?: unknown }) => `must be a number ${range}, got ${describeValue(iss.input)}`;
  let s = z.number({ error });
  s = spec.minExclusive ? s.gt(spec.min, { error }) : s.gte(spec.min, { error });
  s = spec.maxExclusive ? s.lt(spec.max, { error }) : s.lte(spec.max, { error });
  return s.default(spec.default).describe(spec.description);
}

/**
 * The `hold_period_bars` parameter every built-in has: bars after entry at which the signal study
 * measures the return (integer 1..10000, default 1).
 */
export function holdPeriodBarsParam() {
  return integerParam({ min: 1, max: 10_000, default: 1, description: 'Bars after entry at which the signal study measures the return.' });
}

/** zod schema of a boolean parameter with a default (`must be true or false, got "yes"`). */
export function booleanParam(spec: { readonly default: boolean; readonly description: string }) {
  const error = (iss: { input?: unknown }) => `must be true or false, got ${describeValue(iss.input)}`;
  return z.boolean({ error }).default(spec.default).describe(spec.description);
}

/**
 * JSON Schema (draft 2020-12) of a parameter schema as API consumers send it: fields with a
 * default are optional, unknown keys are not allowed. Cross-field rules (e.g. fast < slow) cannot
 * be expressed and are stated in the schema's description instead.
 */
export function paramsJsonSchema(schema: z.ZodType): Readonly<Record<string, unknown>> {
  return z.toJSONSchema(schema, { io: 'input' }) as Record<string, unknown>;
}

/**
 * Validates raw parameters (from a CLI, an HTTP body, a queue job) against a strategy's schema and
 * applies its defaults. `undefined` means "all defaults".
 *
 * @throws InvalidParamsError with one issue per bad field, naming the field and what is allowed,
 *   e.g. `volume_window: must be an integer between 2 and 10000, got 1.5`; unknown keys are one
 *   issue each.
 */
export function parseStrategyParams<P extends object>(def: StrategyDefinition<P>, raw: unknown): P {
  const result = def.paramsSchema.safeParse(raw === undefined ? {} : raw);
  if (result.success) return result.data;
  const known = Object.keys(def.jsonSchema.properties ?? {});
  const byField = new Map<string, ParamIssue>();
  for (const issue of result.error.issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        const field = [...issue.path, key].join('.');
        if (!byField.has(field)) byField.set(field, { field, message: `is not a parameter of ${def.name}; known parameters: ${known.join(', ')}` });
      }
      continue;
    }
    if (issue.path.length === 0) {
      byField.set('(params)', { field: '(params)', message: `must be an object of parameters, got ${describeValue(raw)}` });
      continue;
    }
    const field = issue.path.join('.');
    if (!byField.has(field)) byField.set(field, { field, message: issue.message });
  }
  throw new InvalidParamsError([...byField.values()], `${def.name} parameters`);
}
