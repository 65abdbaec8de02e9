import { isAbsolute } from 'node:path';
import type { EnvVar } from './env-var';
import { ConfigError, displayValue, type ConfigProblem } from './problems';

/** An environment as a plain record (pass `process.env`; this module never reads it itself). */
export type EnvRecord = Readonly<Record<string, string | undefined>>;

/** The variables of a fragment, keyed by their own names. */
export type FragmentVars = Readonly<Record<string, EnvVar<unknown>>>;

/** The parsed values of {@link FragmentVars}, keyed by variable name. */
export type VarValues<V extends FragmentVars> = { readonly [K in keyof V]: V[K] extends EnvVar<infer T> ? T : never };

/** A problem a fragment's cross-variable check reports (the value is filled in by the composer). */
export interface ProblemDraft {
  readonly variable: string;
  readonly problem: string;
  readonly fix: string;
}

/** What a fragment's `build` receives besides the values. */
export interface BuildContext {
  /** Absolute folder relative paths are resolved against (the process's working folder). */
  readonly cwd: string;
}

/**
 * A group of variables that belong together (the database, Redis, the results store, …), defined
 * once and composed by every app that needs it. `check` reports problems that involve several of
 * its variables (it runs only when each variable parsed); `build` turns the values into the
 * typed settings the app receives.
 */
export interface Fragment<V extends FragmentVars, T> {
  readonly name: string;
  readonly vars: V;
  check?(values: VarValues<V>, env: EnvRecord): readonly ProblemDraft[];
  build(values: VarValues<V>, ctx: BuildContext): T;
}

/** Defines a fragment; throws when a key differs from its variable's name (a typo guard). */
export function defineFragment<V extends FragmentVars, T>(fragment: Fragment<V, T>): Fragment<V, T> {
  for (const [key, v] of Object.entries(fragment.vars)) {
    if (key !== v.name) throw new Error(`config: fragment ${fragment.name} keys ${v.name} as ${key}`);
  }
  return fragment;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyFragment = Fragment<any, unknown>;

/** The typed settings of a record of fragments. */
export type ComposedValue<F extends Readonly<Record<string, AnyFragment>>> = { readonly [K in keyof F]: F[K] extends Fragment<infer _V, infer T> ? T : never };

/** A variable as documentation lists it: its definition and the fragments that read it. */
export type VariableInfo = Pick<EnvVar<unknown>, 'name' | 'doc' | 'expected' | 'example' | 'default' | 'required' | 'secret'> & { readonly fragments: readonly string[] };

/** The outcome of parsing: the settings, or every problem. */
export type ParseOutcome<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly problems: readonly ConfigProblem[] };

/** Options of {@link Configuration.parse}. */
export interface ParseOptions {
  /** Folder relative paths are resolved against; must be absolute. Default: `process.cwd()`. */
  readonly cwd?: string;
}

/**
 * The configuration of one process: which variables it reads and how to turn an environment into
 * its typed settings in one pass.
 */
export interface Configuration<T> {
  /** Who reads it, e.g. "The API" (the subject of {@link ConfigError}'s message). */
  readonly subject: string;
  /** Names of every variable it reads, sorted (for docs and the compose/config comparison). */
  readonly variables: readonly string[];
  /** Every variable with its doc, default and expected form, sorted by name. */
  readonly describe: () => readonly VariableInfo[];
  /** Parses `env` once; empty values count as unset. Never throws for bad input. */
  parse(env: EnvRecord, options?: ParseOptions): ParseOutcome<T>;
  /** {@link parse}, throwing a {@link ConfigError} that lists every problem. */
  load(env: EnvRecord, options?: ParseOptions): T;
  /** A configuration with the same variables whose settings are `map(settings)`. */
  map<U>(map: (value: T) => U): Configuration<U>;
}

function fixFor(v: EnvVar<unknown>): string {
  return `set ${v.name} to ${v.expected}, e.g. ${v.name}=${v.example}`;
}

/**
 * Composes fragments into one {@link Configuration}: the settings are `{ [key]: fragment settings }`.
 * A variable used by several fragments is parsed once; two fragments that define the same name
 * differently (another default, another requiredness) are a programming error, thrown here.
 */
export function composeConfig<F extends Readonly<Record<string, AnyFragment>>>(subject: string, fragments: F): Configuration<ComposedValue<F>> {
  const vars = new Map<string, { v: EnvVar<unknown>; fragments: string[] }>();
  for (const f of Object.values(fragments)) {
    for (const v of Object.values(f.vars as FragmentVars)) {
      const seen = vars.get(v.name);
      if (!seen) vars.set(v.name, { v, fragments: [f.name] });
      else if (seen.v.default !== v.default || seen.v.required !== v.required || seen.v.expected !== v.expected) {
        throw new Error(`config: ${subject} composes ${v.name} twice with different definitions (fragments ${seen.fragments.join(', ')} and ${f.name})`);
      } else seen.fragments.push(f.name);
    }
  }
  const names = [...vars.keys()].sort();
  const entry = (name: string) => {
    const e = vars.get(name);
    if (!e) throw new Error(`config: ${name} is not a variable of ${subject}`);
    return e;
  };

  const parse = (env: EnvRecord, options: ParseOptions = {}): ParseOutcome<ComposedValue<F>> => {
    const cwd = options.cwd ?? process.cwd();
    if (!isAbsolute(cwd)) throw new Error(`config: cwd must be absolute, got ${cwd}`);
    const problems: ConfigProblem[] = [];
    const values = new Map<string, unknown>();
    const bad = new Set<string>();
    for (const name of names) {
      const { v } = entry(name);
      const raw = env[name];
      const text = raw === undefined || raw === '' ? v.default : raw;
      if (text === undefined) {
        if (v.required) {
          problems.push({ variable: name, problem: 'is required but not set', fix: fixFor(v) });
          bad.add(name);
        } else values.set(name, undefined);
        continue;
      }
      const r = v.parse(text);
      if (r.ok) values.set(name, r.value);
      else {
        problems.push({ variable: name, ...displayValue(text, v.secret), problem: r.message, fix: fixFor(v) });
        bad.add(name);
      }
    }
    const out: Record<string, unknown> = {};
    for (const [key, f] of Object.entries(fragments)) {
      const own = Object.keys(f.vars as FragmentVars);
      if (own.some((n) => bad.has(n))) continue;
      const fv = Object.fromEntries(own.map((n) => [n, values.get(n)]));
      const drafts = f.check?.(fv, env) ?? [];
      for (const d of drafts) {
        const raw = env[d.variable];
        const v = vars.get(d.variable)?.v;
        problems.push({ variable: d.variable, ...(raw === undefined || raw === '' ? {} : displayValue(raw, v?.secret ?? false)), problem: d.problem, fix: d.fix });
      }
      if (drafts.length === 0) out[key] = f.build(fv, { cwd });
    }
    if (problems.length > 0) return { ok: false, problems: dedupe(problems) };
    return { ok: true, value: out as ComposedValue<F> };
  };
  return configuration(subject, names, () => names.map((n) => infoOf(entry(n))), parse);
}

function dedupe(problems: readonly ConfigProblem[]): ConfigProblem[] {
  const seen = new Set<string>();
  return problems.filter((p) => {
    const k = `${p.variable}\u0000${p.problem}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

function infoOf(e: { v: EnvVar<unknown>; fragments: string[] }): VariableInfo {
  const { v } = e;
  return { name: v.name, doc: v.doc, expected: v.expected, example: v.example, default: v.default, required: v.required, secret: v.secret, fragments: [...e.fragments] };
}

function configuration<T>(subject: string, variables: readonly string[], describe: () => readonly VariableInfo[], parse: (env: EnvRecord, options?: ParseOptions) => ParseOutcome<T>): Configuration<T> {
  return {
    subject,
    variables,
    describe,
    parse,
    load(env, options) {
      const r = parse(env, options);
      if (!r.ok) throw new ConfigError(subject, r.problems);
      return r.value;
    },
    map<U>(map: (value: T) => U): Configuration<U> {
      return configuration(subject, variables, describe, (env, options) => {
        const r = parse(env, options);
        return r.ok ? { ok: true, value: map(r.value) } : r;
      });
    },
  };
}
