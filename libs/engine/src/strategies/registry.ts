import { UnknownStrategyError } from '../core/errors';
import type { StrategyDefinition } from '../core/strategy';
import { StrategyDefinitionError } from '../define/errors';
import { bollingerBreakout } from './bollinger-breakout';
import { donchianBreakout } from './donchian-breakout';
import { macdCrossover } from './macd-crossover';
import { rsiReversion } from './rsi-reversion';
import { smaCrossover } from './sma-crossover';
import { volumeLongCandle } from './volume-long-candle';
import { volumeZoneBreakout } from './volume-zone-breakout';

/** A registered strategy with its parameter type erased (parse params with `parseStrategyParams`). */
export type AnyStrategyDefinition = StrategyDefinition<Record<string, unknown>>;

const BUILT_INS: readonly AnyStrategyDefinition[] = [
  volumeLongCandle,
  volumeZoneBreakout,
  smaCrossover,
  rsiReversion,
  bollingerBreakout,
  macdCrossover,
  donchianBreakout,
] as unknown as readonly AnyStrategyDefinition[];

/** Where each registered strategy came from: `built-in` or the plugin module's specifier. */
const origins = new Map<string, string>(BUILT_INS.map((s) => [s.name, 'built-in']));
let registered: readonly AnyStrategyDefinition[] = BUILT_INS;

const NAME_RE = /^[a-z][a-z0-9_]*$/;

/**
 * Checks that `def` keeps the {@link StrategyDefinition} contract (the shape the engine, the CLI,
 * the API and the worker rely on), for plugins and built-ins alike.
 * @throws StrategyDefinitionError naming the strategy and the field.
 */
export function validateStrategyDefinition(def: unknown): AnyStrategyDefinition {
  const d = def as Partial<AnyStrategyDefinition> | null;
  const name = typeof d?.name === 'string' && d.name ? d.name : '(unnamed)';
  const fail = (field: string, reason: string): never => { throw new StrategyDefinitionError(name, field, reason); };
  if (d === null || typeof d !== 'object') return fail('(definition)', `must be an object (use defineStrategy), got ${String(def)}`);
  if (!NAME_RE.test(name)) fail('name', `must be snake_case ([a-z][a-z0-9_]*), got ${JSON.stringify(d.name)}`);
  if (typeof d.title !== 'string') fail('title', 'must be a string');
  if (typeof d.description !== 'string') fail('description', 'must be a string');
  const schemaType = (d.paramsSchema as { _zod?: { def?: { type?: string } } } | undefined)?._zod?.def?.type;
  if (schemaType !== 'object') fail('paramsSchema', `must be a zod object schema, got ${schemaType ?? typeof d.paramsSchema}`);
  if (d.jsonSchema === null || typeof d.jsonSchema !== 'object') fail('jsonSchema', 'must be a JSON Schema object');
  for (const fn of ['warmupBars', 'holdPeriodBars', 'generate', 'createStream'] as const) {
    if (typeof d[fn] !== 'function') fail(fn, 'must be a function');
  }
  if (d.exitsOnSignal !== undefined && typeof d.exitsOnSignal !== 'boolean') fail('exitsOnSignal', 'must be true, false or absent');
  return d as AnyStrategyDefinition;
}

/** Every registered strategy: the original's two first (in the original's order), the classics, then plugins in load order. */
export function listStrategies(): readonly AnyStrategyDefinition[] {
  return registered;
}

/** `built-in`, or the module a plugin strategy was loaded from; undefined for an unknown name. */
export function strategyOrigin(name: string): string | undefined {
  return origins.get(name);
}

/**
 * The strategy registered under `name` (e.g. `volume_zone_breakout`).
 * @throws UnknownStrategyError listing the available names.
 */
export function getStrategy(name: string): AnyStrategyDefinition {
  const found = registered.find((s) => s.name === name);
  if (!found) throw new UnknownStrategyError(name, registered.map((s) => s.name));
  return found;
}

/** A strategy definition found in a plugin module. */
export interface LoadedStrategy {
  readonly definition: AnyStrategyDefinition;
  /** The module specifier it was loaded from. */
  readonly module: string;
}

/**
 * A strategy plugin module cannot be used: it failed to load, exports no definition, exports an
 * invalid one, or a name that is already registered. Start-up stops with this error; the message
 * names the module.
 */
export class StrategyModuleError extends StrategyDefinitionError {
  override readonly code = 'INVALID_STRATEGY_DEFINITION' as const;
  constructor(
    /** The module specifier (path or package name) as configured. */
    readonly module: string,
    strategy: string,
    field: string,
    reason: string,
    options?: { cause?: unknown },
  ) {
    super(strategy, field, reason, options);
    this.message = `Strategy module ${module}: ${strategy === '(module)' ? '' : `strategy "${strategy}": `}${field === '(module)' ? '' : `${field}: `}${reason}`;
  }
}

function looksLikeDefinition(x: unknown): boolean {
  return x !== null && typeof x === 'object' && typeof (x as { name?: unknown }).name === 'string' && 'generate' in x && 'createStream' in x;
}

/**
 * The strategy definitions a loaded plugin module exports, validated: named exports, the default
 * export, or arrays in either (a CommonJS module seen through `import()` has its exports as the
 * default). The one reading of a plugin module, shared by {@link loadStrategyModules} (apps at
 * start-up) and the sweep workers (`resolveStrategyIn`).
 *
 * @param spec - The module specifier, for the error message.
 * @param mod - The module namespace / exports object.
 * @throws StrategyModuleError when it exports no definition or an invalid one.
 */
export function strategiesInModule(spec: string, mod: unknown): AnyStrategyDefinition[] {
  const candidates: unknown[] = [];
  const visit = (x: unknown): void => {
    if (Array.isArray(x)) x.forEach(visit);
    else if (looksLikeDefinition(x) && !candidates.includes(x)) candidates.push(x);
  };
  if (mod !== null && typeof mod === 'object') {
    for (const value of Object.values(mod as Record<string, unknown>)) {
      // CommonJS through import(): the exports object is the default export
      if (value !== null && typeof value === 'object' && !Array.isArray(value) && !looksLikeDefinition(value)) Object.values(value).forEach(visit);
      else visit(value);
    }
  }
  if (candidates.length === 0) throw new StrategyModuleError(spec, '(module)', '(module)', 'exports no strategy definition; export the result of defineStrategy(...)');
  return candidates.map((c) => {
    try {
      return validateStrategyDefinition(c);
    } catch (err) {
      const e = err as StrategyDefinitionError;
      throw new StrategyModuleError(spec, e.strategy, e.field, e.reason, { cause: err });
    }
  });
}

/**
 * Loads strategy plugin modules through `importModule` (the app passes `(s) => import(s)` or
 * `require`; the engine does no I/O). A module may export definitions as named exports, as its
 * default export, or as an array in either. Every definition is validated
 * ({@link validateStrategyDefinition}) and names must be new (not a built-in, not in an earlier
 * module). Nothing is registered until every module passed; then {@link registerStrategies}.
 *
 * @throws StrategyModuleError naming the module (and the strategy and field when one is at fault).
 */
export async function loadStrategyModules(specifiers: readonly string[], importModule: (specifier: string) => Promise<unknown>): Promise<LoadedStrategy[]> {
  const out: LoadedStrategy[] = [];
  const taken = new Map(origins);
  const thisCall = new Set<string>();
  for (const spec of specifiers) {
    let mod: unknown;
    try {
      mod = await importModule(spec);
    } catch (err) {
      throw new StrategyModuleError(spec, '(module)', '(module)', `failed to load: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
    }
    for (const def of strategiesInModule(spec, mod)) {
      const before = taken.get(def.name);
      // The same module loaded again in this process (a sandbox, a second start in tests): already registered, skip.
      if (before === spec && !thisCall.has(def.name) && getStrategy(def.name) !== undefined) { thisCall.add(def.name); continue; }
      if (before !== undefined) throw new StrategyModuleError(spec, def.name, 'name', `is already registered by ${before === 'built-in' ? 'a built-in strategy' : `module ${before}`}; choose another name`);
      taken.set(def.name, spec);
      thisCall.add(def.name);
      out.push({ definition: def, module: spec });
    }
  }
  return out;
}

/**
 * Adds loaded plugin strategies to the registry that {@link getStrategy} and {@link listStrategies}
 * read (once, at start-up of an app). Names must be new.
 * @throws StrategyModuleError on a name that is already registered.
 */
export function registerStrategies(loaded: readonly LoadedStrategy[]): void {
  for (const l of loaded) {
    const before = origins.get(l.definition.name);
    if (before !== undefined && before !== l.module) throw new StrategyModuleError(l.module, l.definition.name, 'name', `is already registered by ${before === 'built-in' ? 'a built-in strategy' : `module ${before}`}; choose another name`);
  }
  const fresh = loaded.filter((l) => origins.get(l.definition.name) === undefined);
  for (const l of fresh) origins.set(l.definition.name, l.module);
  registered = [...registered, ...fresh.map((l) => l.definition)];
}

/**
 * {@link loadStrategyModules} then {@link registerStrategies}: what an app calls once at start-up
 * with its configured module list (`COINHTS_STRATEGY_MODULES`, `--strategy-module`). Nothing is
 * registered when any module fails.
 * @returns the strategies added.
 * @throws StrategyModuleError naming the module.
 */
export async function registerStrategyModules(specifiers: readonly string[], importModule: (specifier: string) => Promise<unknown>): Promise<LoadedStrategy[]> {
  const loaded = await loadStrategyModules(specifiers, importModule);
  registerStrategies(loaded);
  return loaded;
}
