// Strategies for the pool's failure tests, loaded by the workers through `strategyModules`.
import type { StrategyDefinition } from '../core/strategy';
import { smaCrossover, type SmaCrossoverConfig } from '../strategies';

function variant(name: string, onGenerate: (p: SmaCrossoverConfig) => void): StrategyDefinition<SmaCrossoverConfig> {
  return { ...smaCrossover, name, generate: (c, p) => { onGenerate(p); return smaCrossover.generate(c, p); } };
}

/** Throws a plain Error (an engine bug, not a rejected combination) when fast_period is 7. */
export const throwsOnSeven = variant('throws_on_seven', (p) => {
  if (p.fast_period === 7) throw new Error('boom at seven');
});

/** Ends its thread (as a crash would) when fast_period is 9. */
export const exitsOnNine = variant('exits_on_nine', (p) => {
  if (p.fast_period === 9) process.exit(3);
});

/** Spins for 20 s when fast_period is 11: a combination that does not stop by itself. */
export const spinsOnEleven = variant('spins_on_eleven', (p) => {
  if (p.fast_period !== 11) return;
  const until = Date.now() + 20_000;
  while (Date.now() < until) { /* a combination that ignores the cancel flag */ }
});

/** What the workers look up. */
export const strategies = [throwsOnSeven, exitsOnNine, spinsOnEleven];
