import { z } from 'zod';
import { defineStrategy } from '../define/define-strategy';
import { ind } from '../define/indicator-specs';
import { getStrategy, listStrategies, loadStrategyModules, registerStrategyModules, StrategyModuleError, strategyOrigin } from './registry';

const make = (name: string) => defineStrategy({
  name, params: z.object({ period: z.number().int().default(3) }),
  indicators: (p) => ({ m: ind.sma('close', p.period) }),
  rule: (bar) => (bar.close > bar.m ? 1 : null),
});

/** The modules a test "imports": what an app's `(s) => import(s)` would resolve to. */
const modules: Record<string, unknown> = {
  './good.js': { first: make('plugin_one'), second: make('plugin_two') },
  './default-array.js': { default: [make('plugin_three')] },
  './dup-builtin.js': { s: make('sma_crossover') },
  './dup-other.js': { s: make('plugin_one') },
  './empty.js': { helper: 42 },
  './invalid.js': { s: { ...make('plugin_bad'), paramsSchema: z.string() } },
};
const importModule = async (spec: string): Promise<unknown> => {
  if (!(spec in modules)) throw new Error(`Cannot find module '${spec}'`);
  return modules[spec];
};
const failure = async (specs: string[]): Promise<StrategyModuleError> => {
  try {
    await loadStrategyModules(specs, importModule);
  } catch (e) {
    return e as StrategyModuleError;
  }
  throw new Error('expected a failure');
};

describe('strategy plugin modules', () => {
  it('a module that fails to load stops start-up with a message naming the module', async () => {
    const e = await failure(['./missing.js']);
    expect(e).toBeInstanceOf(StrategyModuleError);
    expect(e.message).toBe("Strategy module ./missing.js: failed to load: Cannot find module './missing.js'");
    expect([e.module, e.code]).toEqual(['./missing.js', 'INVALID_STRATEGY_DEFINITION']);
  });

  it('a duplicate name (of a built-in, or of another module) is refused, naming both', async () => {
    expect((await failure(['./dup-builtin.js'])).message).toBe('Strategy module ./dup-builtin.js: strategy "sma_crossover": name: is already registered by a built-in strategy; choose another name');
    expect((await failure(['./good.js', './dup-other.js'])).message).toBe('Strategy module ./dup-other.js: strategy "plugin_one": name: is already registered by module ./good.js; choose another name');
  });

  it('an invalid definition or no definition at all is refused, naming the module and the field', async () => {
    expect((await failure(['./invalid.js'])).message).toBe('Strategy module ./invalid.js: strategy "plugin_bad": paramsSchema: must be a zod object schema, got string');
    expect((await failure(['./empty.js'])).message).toMatch(/^Strategy module \.\/empty\.js: exports no strategy definition/);
  });

  it('registers named and default exports after the built-ins; getStrategy finds them; loading again is a no-op', async () => {
    const before = listStrategies().length;
    const added = await registerStrategyModules(['./good.js', './default-array.js'], importModule);
    expect(added.map((a) => [a.definition.name, a.module])).toEqual([['plugin_one', './good.js'], ['plugin_two', './good.js'], ['plugin_three', './default-array.js']]);
    expect(listStrategies().slice(before).map((s) => s.name)).toEqual(['plugin_one', 'plugin_two', 'plugin_three']);
    expect(getStrategy('plugin_two').name).toBe('plugin_two');
    expect(strategyOrigin('plugin_two')).toBe('./good.js');
    expect(await registerStrategyModules(['./good.js'], importModule)).toEqual([]);
    expect(listStrategies().length).toBe(before + 3);
  });
});
