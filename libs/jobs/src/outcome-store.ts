/**
 * The terminal outcome of a job — `completed` (with its run id) or `cancelled` — decided exactly
 * once. Whoever writes first wins: the processor that finished, or the user who cancelled. The
 * loser learns the winner's outcome and acts on it (a processor that lost to a cancellation
 * deletes what it wrote; a cancel that lost to a completion reports "already completed"), so a
 * late worker can never turn a cancelled job into a completed one, nor the other way round.
 */
import type { RedisClient } from './redis';
import { DEFAULT_OUTCOME_TTL_MS, outcomeKey } from './queues';

/** A job's terminal outcome. Times are epoch ms. */
export type JobOutcome =
  | { readonly state: 'completed'; readonly runId: string; readonly at: number }
  | {
      readonly state: 'cancelled';
      readonly reason: string;
      readonly at: number;
      /** Attempts started when it was cancelled (the running one included). */
      readonly attempts?: number;
      /** Fraction done (0..1) when it was cancelled. */
      readonly progress?: number;
    };

/** Result of {@link OutcomeStore.claim}. */
export type ClaimResult =
  | { readonly won: true; readonly outcome: JobOutcome }
  | { readonly won: false; readonly outcome: JobOutcome };

/** The two Redis commands the store needs (a node-redis client provides them). */
export interface OutcomeRedis {
  get(key: string): Promise<string | null>;
  /** `SET key value NX PX ttl GET`: null when the key was set, else the value already there (unchanged). */
  setIfAbsent(key: string, value: string, ttlMs: number): Promise<string | null>;
  del(key: string): Promise<number>;
}

/** Adapts a node-redis client to {@link OutcomeRedis}. */
export function outcomeRedis(client: RedisClient): OutcomeRedis {
  return {
    get: async (key) => (await client.get(key)) ?? null,
    setIfAbsent: async (key, value, ttlMs) => {
      const previous = await client.set(key, value, { condition: 'NX', expiration: { type: 'PX', value: ttlMs }, GET: true });
      return typeof previous === 'string' ? previous : null;
    },
    del: (key) => client.del(key),
  };
}

/** Reads and claims job outcomes of one queue. */
export class OutcomeStore {
  private readonly ttlMs: number;
  constructor(
    private readonly redis: OutcomeRedis,
    /** `prefix:queue` of the jobs' queue. */
    private readonly qualifiedQueue: string,
    options: { readonly ttlMs?: number } = {},
  ) {
    this.ttlMs = options.ttlMs ?? DEFAULT_OUTCOME_TTL_MS;
  }

  /** The outcome of `jobId`, or null while none was decided (or after it expired). */
  async get(jobId: string): Promise<JobOutcome | null> {
    return parseOutcome(await this.redis.get(outcomeKey(this.qualifiedQueue, jobId)));
  }

  /**
   * Records `outcome` unless an outcome is already recorded. Atomic (one Redis command), so of two
   * concurrent claims exactly one wins.
   */
  async claim(jobId: string, outcome: JobOutcome): Promise<ClaimResult> {
    const previous = parseOutcome(await this.redis.setIfAbsent(outcomeKey(this.qualifiedQueue, jobId), JSON.stringify(outcome), this.ttlMs));
    return previous ? { won: false, outcome: previous } : { won: true, outcome };
  }

  /** Forgets the outcome (used when a job id is reused after its record was trimmed). */
  async clear(jobId: string): Promise<void> {
    await this.redis.del(outcomeKey(this.qualifiedQueue, jobId));
  }
}

function parseOutcome(text: string | null): JobOutcome | null {
  if (!text) return null;
  try {
    const o = JSON.parse(text) as JobOutcome;
    return o && (o.state === 'completed' || o.state === 'cancelled') ? o : null;
  } catch {
    return null;
  }
}
