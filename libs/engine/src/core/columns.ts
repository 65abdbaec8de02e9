/**
 * A cache of derived columns (indicator outputs) that a strategy's batch form may use instead of
 * computing them again. An entry's identity is (indicator, parameters, input array): the same
 * indicator with the same parameters over the same input array object gives the same columns, so
 * the cache needs the input not to change while it is cached (the engine never mutates candles).
 */
export interface ColumnCache {
  /**
   * The columns of `indicator` with `params` over `input`: cached ones, or `compute()`'s, which are
   * then cached (within the cache's memory budget). `params` is a canonical string of every
   * parameter the columns depend on (e.g. `period=14`).
   */
  get<T extends readonly Float64Array[]>(indicator: string, params: string, input: Float64Array, compute: () => T): T;
}

/** Optional context a strategy's batch form receives from the runner. */
export interface GenerateContext {
  /** Shared indicator columns (a sweep passes one to every combination it runs). */
  readonly columns?: ColumnCache;
}
