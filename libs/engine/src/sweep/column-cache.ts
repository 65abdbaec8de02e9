import type { ColumnCache } from '../core/columns';
import { InvalidParamsError } from '../core/errors';

/** Default memory budget of a {@link LruColumnCache}: 256 MiB. */
export const DEFAULT_COLUMN_BUDGET_BYTES = 256 * 1024 * 1024;

/** Counters of a {@link LruColumnCache}. */
export interface ColumnCacheStats {
  /** Lookups answered from the cache. */
  readonly hits: number;
  /** Lookups that computed the columns. */
  readonly misses: number;
  /** Entries dropped to stay within the budget. */
  readonly evictions: number;
  /** Entries held now. */
  readonly entries: number;
  /** Bytes of the columns held now. */
  readonly bytes: number;
}

/**
 * A {@link ColumnCache} that keeps the most recently used columns within a budget of bytes and drops
 * the least recently used first. Inputs are told apart by object identity (a WeakMap gives each
 * input array a number), so two arrays with equal values are two inputs, and an input that is
 * garbage-collected can never be confused with a new one. Columns larger than the whole budget are
 * computed and returned but not kept.
 */
export class LruColumnCache implements ColumnCache {
  private readonly entries = new Map<string, readonly Float64Array[]>();
  private readonly inputIds = new WeakMap<Float64Array, number>();
  private nextInput = 1;
  private bytes = 0;
  private hits = 0;
  private misses = 0;
  private evictions = 0;

  /** @param budgetBytes memory for cached columns, bytes (>= 0; 0 caches nothing). */
  constructor(readonly budgetBytes: number = DEFAULT_COLUMN_BUDGET_BYTES) {
    if (!(Number.isFinite(budgetBytes) && budgetBytes >= 0)) {
      throw new InvalidParamsError([{ field: 'columnBudgetBytes', message: `must be a number of bytes >= 0, got ${String(budgetBytes)}` }], 'column cache');
    }
  }

  /** {@inheritDoc ColumnCache.get} */
  get<T extends readonly Float64Array[]>(indicator: string, params: string, input: Float64Array, compute: () => T): T {
    let id = this.inputIds.get(input);
    if (id === undefined) {
      id = this.nextInput++;
      this.inputIds.set(input, id);
    }
    const key = `${indicator}|${params}|${id}`;
    const found = this.entries.get(key);
    if (found !== undefined) {
      this.hits++;
      this.entries.delete(key); // re-insert: Map order is the recency order
      this.entries.set(key, found);
      return found as T;
    }
    this.misses++;
    const cols = compute();
    const size = cols.reduce((a, c) => a + c.byteLength, 0);
    if (size > this.budgetBytes) return cols;
    while (this.bytes + size > this.budgetBytes) this.evictOldest();
    this.entries.set(key, cols);
    this.bytes += size;
    return cols;
  }

  /** Counters since creation. */
  stats(): ColumnCacheStats {
    return { hits: this.hits, misses: this.misses, evictions: this.evictions, entries: this.entries.size, bytes: this.bytes };
  }

  /** Drops every entry. */
  clear(): void {
    this.entries.clear();
    this.bytes = 0;
  }

  private evictOldest(): void {
    const oldest = this.entries.keys().next();
    if (oldest.done) return;
    const cols = this.entries.get(oldest.value) as readonly Float64Array[];
    this.entries.delete(oldest.value);
    this.bytes -= cols.reduce((a, c) => a + c.byteLength, 0);
    this.evictions++;
  }
}
