import type { DataSource } from 'typeorm';
import { runQuery } from '../data-source';
import { ResultValidationError } from '../errors';
import { IssueList, isUuid } from '../validation';

/** Which chunk of which sweep. */
export interface SweepChunkKey {
  /** Sweep id (UUID; the sweep's run id once it completes). */
  readonly sweepId: string;
  /** 0-based chunk number. */
  readonly chunk: number;
  /** Index of the chunk's first parameter set in the sweep's grid order. */
  readonly firstIndex: number;
  /** Parameter sets in the chunk (>= 1). */
  readonly sets: number;
}

/** A stored chunk. Times are epoch ms. */
export interface SweepChunkRecord {
  readonly sweepId: string;
  readonly chunk: number;
  readonly firstIndex: number;
  readonly sets: number;
  /** Attempts that started evaluating this chunk (a crash or a cancel leaves one unfinished). */
  readonly attempts: number;
  /** Per-set summary rows of the finished chunk (JSON as stored), or null while unfinished. */
  readonly rows: readonly unknown[] | null;
  /** Start of the latest attempt. */
  readonly startedAt: number;
  /** When the chunk finished, or null. */
  readonly finishedAt: number | null;
}

interface ChunkDbRow {
  sweep_id: string;
  chunk: number;
  first_index: number;
  sets: number;
  attempts: number;
  rows: unknown[] | null;
  started_at: Date;
  finished_at: Date | null;
}

const COLUMNS = 'sweep_id, chunk, first_index, sets, attempts, rows, started_at, finished_at';
const toRecord = (r: ChunkDbRow): SweepChunkRecord => ({
  sweepId: r.sweep_id,
  chunk: r.chunk,
  firstIndex: r.first_index,
  sets: r.sets,
  attempts: r.attempts,
  rows: r.rows,
  startedAt: r.started_at.getTime(),
  finishedAt: r.finished_at?.getTime() ?? null,
});

function check(key: SweepChunkKey): void {
  const v = new IssueList();
  if (!isUuid(key.sweepId)) v.add('sweepId', 'must be a UUID');
  if (!Number.isInteger(key.chunk) || key.chunk < 0) v.add('chunk', 'must be an integer >= 0');
  if (!Number.isInteger(key.firstIndex) || key.firstIndex < 0) v.add('firstIndex', 'must be an integer >= 0');
  if (!Number.isInteger(key.sets) || key.sets < 1) v.add('sets', 'must be an integer >= 1');
  if (v.issues.length) throw new ResultValidationError(v.issues, 'sweep chunk');
}

/**
 * The chunks of queued sweeps in PostgreSQL (`sweep_chunks`): the durable record a sweep resumes
 * from. The first attempt to finish a chunk stores its rows; later attempts (a retry that raced a
 * stalled one) get those rows back, so a chunk has exactly one result.
 */
export class SweepChunkRepository {
  private readonly now: () => number;

  constructor(
    private readonly ds: DataSource,
    options: { readonly now?: () => number } = {},
  ) {
    this.now = options.now ?? Date.now;
  }

  /**
   * Records that an attempt starts evaluating the chunk (attempts + 1) — unless the chunk has
   * already finished: then nothing is recorded and the finished record is returned, so the
   * caller skips the work.
   */
  async begin(key: SweepChunkKey): Promise<SweepChunkRecord> {
    check(key);
    const rows = await runQuery<ChunkDbRow>(
      this.ds,
      `INSERT INTO sweep_chunks (sweep_id, chunk, first_index, sets, attempts, started_at) VALUES ($1, $2, $3, $4, 1, $5)
       ON CONFLICT (sweep_id, chunk) DO UPDATE SET attempts = sweep_chunks.attempts + 1, started_at = EXCLUDED.started_at
       WHERE sweep_chunks.finished_at IS NULL
       RETURNING ${COLUMNS}`,
      [key.sweepId, key.chunk, key.firstIndex, key.sets, new Date(this.now())],
      `begin chunk ${key.chunk} of sweep ${key.sweepId}`,
    );
    return rows[0] ? toRecord(rows[0]) : this.require(key);
  }

  /**
   * Stores the rows of a finished chunk. When another attempt finished it first, its rows stay
   * and are returned (first finisher wins).
   */
  async finish(key: SweepChunkKey, rows: readonly unknown[]): Promise<SweepChunkRecord> {
    check(key);
    if (!Array.isArray(rows) || rows.length !== key.sets) throw new ResultValidationError([{ field: 'rows', message: `must hold one row per set (${key.sets}), got ${Array.isArray(rows) ? rows.length : typeof rows}` }], 'sweep chunk');
    const now = new Date(this.now());
    const out = await runQuery<ChunkDbRow>(
      this.ds,
      `INSERT INTO sweep_chunks (sweep_id, chunk, first_index, sets, attempts, rows, started_at, finished_at) VALUES ($1, $2, $3, $4, 1, $5::jsonb, $6, $6)
       ON CONFLICT (sweep_id, chunk) DO UPDATE SET rows = EXCLUDED.rows, finished_at = EXCLUDED.finished_at
       WHERE sweep_chunks.finished_at IS NULL
       RETURNING ${COLUMNS}`,
      [key.sweepId, key.chunk, key.firstIndex, key.sets, JSON.stringify(rows), now],
      `finish chunk ${key.chunk} of sweep ${key.sweepId}`,
    );
    return out[0] ? toRecord(out[0]) : this.require(key);
  }

  /** Every recorded chunk of a sweep, in chunk order (finished or not; empty for an unknown sweep). */
  async list(sweepId: string): Promise<readonly SweepChunkRecord[]> {
    if (!isUuid(sweepId)) return [];
    const rows = await runQuery<ChunkDbRow>(this.ds, `SELECT ${COLUMNS} FROM sweep_chunks WHERE sweep_id = $1 ORDER BY chunk`, [sweepId], `list chunks of sweep ${sweepId}`);
    return rows.map(toRecord);
  }

  /** Deletes the chunks of a sweep; resolves to the number deleted. */
  async delete(sweepId: string): Promise<number> {
    if (!isUuid(sweepId)) return 0;
    const rows = await runQuery<{ chunk: number }>(this.ds, `DELETE FROM sweep_chunks WHERE sweep_id = $1 RETURNING chunk`, [sweepId], `delete chunks of sweep ${sweepId}`);
    return rows.length;
  }

  private async require(key: SweepChunkKey): Promise<SweepChunkRecord> {
    const rows = await runQuery<ChunkDbRow>(this.ds, `SELECT ${COLUMNS} FROM sweep_chunks WHERE sweep_id = $1 AND chunk = $2`, [key.sweepId, key.chunk], `read chunk ${key.chunk} of sweep ${key.sweepId}`);
    if (!rows[0]) throw new Error(`chunk ${key.chunk} of sweep ${key.sweepId} vanished while being written`);
    return toRecord(rows[0]);
  }
}
