/** An in-memory {@link OutcomeRedis} with the same NX semantics as Redis, for unit tests. */
import type { OutcomeRedis } from '../outcome-store';

/** Creates an empty in-memory outcome store. */
export function memoryOutcomeRedis(): OutcomeRedis & { readonly data: Map<string, string> } {
  const data = new Map<string, string>();
  return {
    data,
    get: async (k) => data.get(k) ?? null,
    setIfAbsent: async (k, v) => {
      const prev = data.get(k);
      if (prev !== undefined) return prev;
      data.set(k, v);
      return null;
    },
    del: async (k) => (data.delete(k) ? 1 : 0),
  };
}
