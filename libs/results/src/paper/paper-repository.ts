import type { DataSource, EntityManager } from 'typeorm';
import { LeaseLostError, ResultConflictError, ResultNotFoundError, sqlStateOf, toResultsError } from '../errors';
import { ensureInitialized, runQuery } from '../data-source';

/** Lifecycle of a paper session. */
export const PaperSessionStatus = {
  /** Should be running; a process holding the lease runs it. */
  Running: 'running',
  /** Stop requested; the owner ends it (close-at-end rule) and marks it stopped. */
  Stopping: 'stopping',
  Stopped: 'stopped',
  Failed: 'failed',
} as const;
/** One of {@link PaperSessionStatus}'s values. */
export type PaperSessionStatus = (typeof PaperSessionStatus)[keyof typeof PaperSessionStatus];

/** A paper session row. Times are epoch ms. */
export interface PaperSessionRecord {
  readonly id: string;
  readonly name: string;
  readonly status: PaperSessionStatus;
  /** The validated start request (pairs, timeframe, options) as JSON. */
  readonly request: unknown;
  readonly owner: string | null;
  readonly leaseUntil: number | null;
  readonly error: unknown;
  readonly createdAt: number;
  readonly updatedAt: number;
  readonly stoppedAt: number | null;
}

/** One (symbol, strategy, params) pair of a session and its saved state. */
export interface PaperPairRecord {
  readonly pairIndex: number;
  readonly symbol: string;
  readonly strategy: string;
  readonly params: unknown;
  /** Open time of the last candle applied, epoch ms; null before the first. */
  readonly lastCandleTime: number | null;
  readonly bars: number;
  readonly strategyState: unknown;
  readonly portfolioState: unknown;
  /** KRW. */
  readonly equity: number;
  /** KRW. */
  readonly cash: number;
}

/** An open position as stored (KRW, base units, epoch ms). */
export interface PaperPositionRecord {
  readonly pairIndex: number;
  readonly symbol: string;
  readonly strategy: string;
  readonly entryTime: number;
  readonly entryPrice: number;
  readonly entryFillPrice: number;
  readonly quantity: number;
  readonly entryFee: number;
  readonly markPrice: number;
  readonly markTime: number;
  readonly unrealizedPnl: number;
}

/** A strategy signal on a closed candle. */
export interface PaperSignalRecord {
  readonly pairIndex: number;
  /** Candle open time, epoch ms. */
  readonly barTime: number;
  /** 1 Buy, −1 Sell. */
  readonly side: 1 | -1;
  readonly confidence: number;
  readonly level: number | null;
}

/**
 * An order: filled (price, fill price after slippage, quantity, fee) or refused (reason, message).
 * Its idempotency key is session + pair + side + status + `positionTime`: a pair holds one position
 * at a time and each entry opens at a different candle, so the key names exactly one order.
 */
export interface PaperOrderRecord {
  readonly pairIndex: number;
  /** Entry time of the position the order opened or closed (the candle time for a refused entry), epoch ms. */
  readonly positionTime: number;
  /** Time of the candle whose price the order used, epoch ms. */
  readonly orderTime: number;
  readonly side: 'buy' | 'sell';
  readonly status: 'filled' | 'refused';
  readonly price: number | null;
  readonly fillPrice: number | null;
  readonly quantity: number | null;
  readonly fee: number | null;
  /** Exit reason of a sell, refusal reason of a refused order. */
  readonly reason: string | null;
  readonly message: string | null;
}

/** A closed trade (the engine's trade row; money KRW, times epoch ms). */
export interface PaperTradeRecord {
  readonly pairIndex: number;
  readonly symbol: string;
  readonly entryTime: number;
  readonly exitTime: number;
  readonly entryPrice: number;
  readonly exitPrice: number;
  readonly quantity: number;
  readonly fees: number;
  readonly pnl: number;
  readonly pnlPct: number;
  readonly barsHeld: number;
  readonly exitReason: string;
}

/** A performance snapshot of a whole session (KRW). */
export interface PaperSnapshotRecord {
  readonly barTime: number;
  readonly equity: number;
  readonly cash: number;
  readonly realizedPnl: number;
  readonly unrealizedPnl: number;
  readonly fees: number;
  readonly trades: number;
  readonly openPositions: number;
}

/** An event for clients (SSE); `id` is assigned by the database and increases. */
export interface PaperEventRecord {
  readonly id: number;
  readonly sessionId: string;
  readonly type: string;
  readonly data: unknown;
  readonly createdAt: number;
}

/** Everything one checkpoint writes, in one transaction. */
export interface PaperCheckpoint {
  readonly pairs: readonly (Omit<PaperPairRecord, 'symbol' | 'strategy' | 'params'> & { readonly position: PaperPositionRecord | null })[];
  readonly signals: readonly PaperSignalRecord[];
  readonly orders: readonly PaperOrderRecord[];
  readonly trades: readonly PaperTradeRecord[];
  readonly snapshots: readonly PaperSnapshotRecord[];
  readonly events: readonly { readonly type: string; readonly data: unknown }[];
  /** Ends the session with this status and releases the lease. */
  readonly finalStatus?: 'stopped' | 'failed';
  /** Stored with `finalStatus: 'failed'`. */
  readonly error?: unknown;
}

/** The idempotency key of an order (see {@link PaperOrderRecord}). */
export function paperOrderKey(sessionId: string, o: Pick<PaperOrderRecord, 'pairIndex' | 'side' | 'status' | 'positionTime'>): string {
  return `${sessionId}:${o.pairIndex}:${o.side}:${o.status}:${o.positionTime}`;
}

const ms = (d: Date | string | null): number | null => (d === null ? null : new Date(d).getTime());
const date = (t: number | null): Date | null => (t === null ? null : new Date(t));

interface SessionRow { id: string; name: string; status: PaperSessionStatus; request: unknown; owner: string | null; lease_until: Date | null; error: unknown; created_at: Date; updated_at: Date; stopped_at: Date | null }

function toSession(r: SessionRow): PaperSessionRecord {
  return { id: r.id, name: r.name, status: r.status, request: r.request, owner: r.owner, leaseUntil: ms(r.lease_until), error: r.error,
    createdAt: ms(r.created_at) as number, updatedAt: ms(r.updated_at) as number, stoppedAt: ms(r.stopped_at) };
}

/** Multi-row INSERT … VALUES with numbered parameters; `casts` per column (e.g. `::jsonb`). */
async function insertRows(m: EntityManager, table: string, columns: readonly string[], rows: readonly unknown[][], tail = 'ON CONFLICT DO NOTHING'): Promise<void> {
  const per = columns.length;
  const chunk = Math.max(1, Math.floor(30_000 / per));
  for (let start = 0; start < rows.length; start += chunk) {
    const part = rows.slice(start, start + chunk);
    const params: unknown[] = [];
    const values = part.map((row) => `(${row.map((v) => { params.push(v); return `$${params.length}`; }).join(', ')})`);
    await m.query(`INSERT INTO ${table} (${columns.join(', ')}) VALUES ${values.join(', ')} ${tail}`, params);
  }
}

/**
 * PostgreSQL store of paper sessions (tables of migration `CreatePaperTables1764400000000`).
 *
 * Ownership: a session is run by the process whose `owner` id holds an unexpired lease
 * (`lease_until`). {@link claim} takes sessions whose lease is free or expired (`FOR UPDATE SKIP
 * LOCKED`, so racing processes never take the same one), {@link renew} extends it, and every
 * {@link checkpoint} first checks — inside its transaction, with the row locked — that the caller
 * still holds the lease, so a process that lost it (paused, partitioned) cannot write after the
 * new owner started: it gets {@link LeaseLostError} and its transaction is rolled back.
 */
export class PaperSessionRepository {
  constructor(private readonly ds: DataSource) {}

  /**
   * Creates a running session with its pairs (initial equity and cash per pair). A live session
   * with the same name → {@link ResultConflictError} (`paper_session_name`), nothing written.
   */
  async create(input: { readonly name: string; readonly request: unknown; readonly pairs: readonly { readonly symbol: string; readonly strategy: string; readonly params: unknown; readonly capital: number }[] }): Promise<PaperSessionRecord> {
    await ensureInitialized(this.ds);
    try {
      return await this.ds.transaction(async (m) => {
        const [row] = (await m.query(`INSERT INTO paper_sessions (name, status, request) VALUES ($1, 'running', $2::jsonb) RETURNING *`, [input.name, JSON.stringify(input.request)])) as SessionRow[];
        await insertRows(m, 'paper_pairs', ['session_id', 'pair_index', 'symbol', 'strategy', 'params', 'equity', 'cash'],
          input.pairs.map((p, i) => [row.id, i, p.symbol, p.strategy, JSON.stringify(p.params), p.capital, p.capital]), '');
        await m.query(`INSERT INTO paper_events (session_id, type, data) VALUES ($1, 'session', $2::jsonb)`, [row.id, JSON.stringify({ status: 'running' })]);
        return toSession(row);
      });
    } catch (err) {
      if (sqlStateOf(err) === '23505') {
        throw new ResultConflictError(`A paper session named "${input.name}" is already running; stop it first (coinhts paper stop) or choose another name`, 'paper_session_name', undefined, { cause: err });
      }
      throw toResultsError(err, 'create the paper session');
    }
  }

  /** The session, or {@link ResultNotFoundError}. */
  async get(id: string): Promise<PaperSessionRecord> {
    await ensureInitialized(this.ds);
    const rows = (await this.q(`SELECT * FROM paper_sessions WHERE id = $1`, [id], 'read the paper session')) as SessionRow[];
    if (rows.length === 0) throw new ResultNotFoundError('paper-session', id);
    return toSession(rows[0]);
  }

  /** Sessions, newest first; `status` filters. */
  async list(options: { readonly status?: PaperSessionStatus; readonly limit?: number } = {}): Promise<PaperSessionRecord[]> {
    await ensureInitialized(this.ds);
    const rows = (await this.q(`SELECT * FROM paper_sessions WHERE ($1::varchar IS NULL OR status = $1) ORDER BY created_at DESC, id DESC LIMIT $2`,
      [options.status ?? null, options.limit ?? 100], 'list paper sessions')) as SessionRow[];
    return rows.map(toSession);
  }

  /**
   * Asks a running session to stop (its owner ends it). Unknown id → {@link ResultNotFoundError};
   * a session that is not running → {@link ResultConflictError} (`paper_session_state`).
   */
  async requestStop(id: string): Promise<PaperSessionRecord> {
    await ensureInitialized(this.ds);
    const rows = (await this.q(`UPDATE paper_sessions SET status = 'stopping', updated_at = now() WHERE id = $1 AND status = 'running' RETURNING *`, [id], 'stop the paper session')) as SessionRow[];
    if (rows.length > 0) return toSession(rows[0]);
    const s = await this.get(id);
    throw new ResultConflictError(`Paper session ${id} is ${s.status}, not running: there is nothing to stop`, 'paper_session_state');
  }

  /** Takes up to `limit` live sessions whose lease is free or expired, for `leaseMs`. */
  async claim(owner: string, leaseMs: number, limit = 100): Promise<PaperSessionRecord[]> {
    await ensureInitialized(this.ds);
    const rows = (await this.q(
      `UPDATE paper_sessions SET owner = $1, lease_until = now() + ($2::double precision * interval '1 millisecond'), updated_at = now()
       WHERE id IN (SELECT id FROM paper_sessions WHERE status IN ('running', 'stopping') AND (lease_until IS NULL OR lease_until < now())
                    ORDER BY created_at LIMIT $3 FOR UPDATE SKIP LOCKED)
       RETURNING *`, [owner, leaseMs, limit], 'claim paper sessions')) as SessionRow[];
    return rows.map(toSession);
  }

  /** Extends the lease; returns the session (with its current status), or null when `owner` lost it. */
  async renew(id: string, owner: string, leaseMs: number): Promise<PaperSessionRecord | null> {
    await ensureInitialized(this.ds);
    const rows = (await this.q(
      `UPDATE paper_sessions SET lease_until = now() + ($3::double precision * interval '1 millisecond')
       WHERE id = $1 AND owner = $2 AND lease_until > now() AND status IN ('running', 'stopping') RETURNING *`, [id, owner, leaseMs], 'renew the paper session lease')) as SessionRow[];
    return rows.length > 0 ? toSession(rows[0]) : null;
  }

  /** Gives the lease up (clean shutdown of a process: another one may take the session at once). */
  async release(id: string, owner: string): Promise<void> {
    await ensureInitialized(this.ds);
    await this.q(`UPDATE paper_sessions SET owner = NULL, lease_until = NULL WHERE id = $1 AND owner = $2`, [id, owner], 'release the paper session lease');
  }

  /** The pairs of a session with their saved state, by pair index. */
  async pairs(id: string): Promise<PaperPairRecord[]> {
    await ensureInitialized(this.ds);
    const rows = (await this.q(`SELECT * FROM paper_pairs WHERE session_id = $1 ORDER BY pair_index`, [id], 'read paper pairs')) as {
      pair_index: number; symbol: string; strategy: string; params: unknown; last_candle_time: Date | null; bars: string; strategy_state: unknown; portfolio_state: unknown; equity: number; cash: number;
    }[];
    return rows.map((r) => ({ pairIndex: r.pair_index, symbol: r.symbol, strategy: r.strategy, params: r.params, lastCandleTime: ms(r.last_candle_time), bars: Number(r.bars),
      strategyState: r.strategy_state, portfolioState: r.portfolio_state, equity: r.equity, cash: r.cash }));
  }

  /**
   * Writes one checkpoint atomically, after checking (row locked) that `owner` still holds the
   * lease; otherwise {@link LeaseLostError} and nothing is written. Rows are keyed by their natural
   * keys (pair + candle time + side; an order's idempotency key), so writing the same candle's
   * results twice changes nothing.
   */
  async checkpoint(id: string, owner: string, c: PaperCheckpoint): Promise<void> {
    await ensureInitialized(this.ds);
    try {
      await this.ds.transaction(async (m) => {
        const held = (await m.query(`SELECT 1 FROM paper_sessions WHERE id = $1 AND owner = $2 AND lease_until > now() FOR UPDATE`, [id, owner])) as unknown[];
        if (held.length === 0) throw new LeaseLostError(id, owner);
        await insertRows(m, 'paper_signals', ['session_id', 'pair_index', 'bar_time', 'side', 'confidence', 'level'],
          c.signals.map((s) => [id, s.pairIndex, date(s.barTime), s.side, s.confidence, s.level]));
        await insertRows(m, 'paper_orders', ['session_id', 'pair_index', 'order_time', 'side', 'status', 'price', 'fill_price', 'quantity', 'fee', 'reason', 'message', 'position_time', 'idempotency_key'],
          c.orders.map((o) => [id, o.pairIndex, date(o.orderTime), o.side, o.status, o.price, o.fillPrice, o.quantity, o.fee, o.reason, o.message, date(o.positionTime), paperOrderKey(id, o)]));
        await insertRows(m, 'paper_trades', ['session_id', 'pair_index', 'symbol', 'entry_time', 'exit_time', 'entry_price', 'exit_price', 'quantity', 'fees', 'pnl', 'pnl_pct', 'bars_held', 'exit_reason'],
          c.trades.map((t) => [id, t.pairIndex, t.symbol, date(t.entryTime), date(t.exitTime), t.entryPrice, t.exitPrice, t.quantity, t.fees, t.pnl, t.pnlPct, t.barsHeld, t.exitReason]));
        await insertRows(m, 'paper_snapshots', ['session_id', 'bar_time', 'equity', 'cash', 'realized_pnl', 'unrealized_pnl', 'fees', 'trades', 'open_positions'],
          c.snapshots.map((s) => [id, date(s.barTime), s.equity, s.cash, s.realizedPnl, s.unrealizedPnl, s.fees, s.trades, s.openPositions]),
          'ON CONFLICT (session_id, bar_time) DO UPDATE SET equity = EXCLUDED.equity, cash = EXCLUDED.cash, realized_pnl = EXCLUDED.realized_pnl, unrealized_pnl = EXCLUDED.unrealized_pnl, fees = EXCLUDED.fees, trades = EXCLUDED.trades, open_positions = EXCLUDED.open_positions');
        if (c.events.length > 0) await insertRows(m, 'paper_events', ['session_id', 'type', 'data'], c.events.map((e) => [id, e.type, JSON.stringify(e.data)]), '');
        for (const p of c.pairs) {
          await m.query(`UPDATE paper_pairs SET last_candle_time = $3, bars = $4, strategy_state = $5::jsonb, portfolio_state = $6::jsonb, equity = $7, cash = $8, updated_at = now()
                         WHERE session_id = $1 AND pair_index = $2`,
          [id, p.pairIndex, date(p.lastCandleTime), p.bars, JSON.stringify(p.strategyState), JSON.stringify(p.portfolioState), p.equity, p.cash]);
          if (p.position === null) await m.query(`DELETE FROM paper_positions WHERE session_id = $1 AND pair_index = $2`, [id, p.pairIndex]);
          else {
            const x = p.position;
            await m.query(`INSERT INTO paper_positions (session_id, pair_index, symbol, strategy, entry_time, entry_price, entry_fill_price, quantity, entry_fee, mark_price, mark_time, unrealized_pnl)
                           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
                           ON CONFLICT (session_id, pair_index) DO UPDATE SET symbol = EXCLUDED.symbol, strategy = EXCLUDED.strategy, entry_time = EXCLUDED.entry_time,
                             entry_price = EXCLUDED.entry_price, entry_fill_price = EXCLUDED.entry_fill_price, quantity = EXCLUDED.quantity, entry_fee = EXCLUDED.entry_fee,
                             mark_price = EXCLUDED.mark_price, mark_time = EXCLUDED.mark_time, unrealized_pnl = EXCLUDED.unrealized_pnl`,
            [id, p.pairIndex, x.symbol, x.strategy, date(x.entryTime), x.entryPrice, x.entryFillPrice, x.quantity, x.entryFee, x.markPrice, date(x.markTime), x.unrealizedPnl]);
          }
        }
        if (c.finalStatus) {
          await m.query(`UPDATE paper_sessions SET status = $2, error = $3::jsonb, owner = NULL, lease_until = NULL, stopped_at = now(), updated_at = now() WHERE id = $1`,
            [id, c.finalStatus, c.error === undefined ? null : JSON.stringify(c.error)]);
        }
      });
    } catch (err) {
      throw toResultsError(err, 'write the paper session checkpoint');
    }
  }

  /** Open positions of a session. */
  async positions(id: string): Promise<PaperPositionRecord[]> {
    await ensureInitialized(this.ds);
    const rows = (await this.q(`SELECT * FROM paper_positions WHERE session_id = $1 ORDER BY pair_index`, [id], 'read paper positions')) as Record<string, unknown>[];
    return rows.map((r) => ({ pairIndex: r.pair_index as number, symbol: r.symbol as string, strategy: r.strategy as string, entryTime: ms(r.entry_time as Date) as number,
      entryPrice: r.entry_price as number, entryFillPrice: r.entry_fill_price as number, quantity: r.quantity as number, entryFee: r.entry_fee as number,
      markPrice: r.mark_price as number, markTime: ms(r.mark_time as Date) as number, unrealizedPnl: r.unrealized_pnl as number }));
  }

  /** Number of closed trades of a session. */
  async tradeCount(id: string): Promise<number> {
    await ensureInitialized(this.ds);
    const rows = (await this.q(`SELECT count(*)::int AS n FROM paper_trades WHERE session_id = $1`, [id], 'count paper trades')) as { n: number }[];
    return rows[0].n;
  }

  /** Closed trades of a session in exit order. */
  async trades(id: string): Promise<PaperTradeRecord[]> {
    await ensureInitialized(this.ds);
    const rows = (await this.q(`SELECT * FROM paper_trades WHERE session_id = $1 ORDER BY exit_time, pair_index, entry_time`, [id], 'read paper trades')) as Record<string, unknown>[];
    return rows.map((r) => ({ pairIndex: r.pair_index as number, symbol: r.symbol as string, entryTime: ms(r.entry_time as Date) as number, exitTime: ms(r.exit_time as Date) as number,
      entryPrice: r.entry_price as number, exitPrice: r.exit_price as number, quantity: r.quantity as number, fees: r.fees as number, pnl: r.pnl as number,
      pnlPct: r.pnl_pct as number, barsHeld: r.bars_held as number, exitReason: r.exit_reason as string }));
  }

  /** Orders (fills and refusals) of a session in time order. */
  async orders(id: string): Promise<PaperOrderRecord[]> {
    await ensureInitialized(this.ds);
    const rows = (await this.q(`SELECT * FROM paper_orders WHERE session_id = $1 ORDER BY order_time, pair_index, side DESC`, [id], 'read paper orders')) as Record<string, unknown>[];
    return rows.map((r) => ({ pairIndex: r.pair_index as number, orderTime: ms(r.order_time as Date) as number, positionTime: ms(r.position_time as Date) as number, side: r.side as 'buy' | 'sell', status: r.status as 'filled' | 'refused',
      price: r.price as number | null, fillPrice: r.fill_price as number | null, quantity: r.quantity as number | null, fee: r.fee as number | null,
      reason: r.reason as string | null, message: r.message as string | null }));
  }

  /** Performance snapshots of a session in time order. */
  async snapshots(id: string): Promise<PaperSnapshotRecord[]> {
    await ensureInitialized(this.ds);
    const rows = (await this.q(`SELECT * FROM paper_snapshots WHERE session_id = $1 ORDER BY bar_time`, [id], 'read paper snapshots')) as Record<string, unknown>[];
    return rows.map((r) => ({ barTime: ms(r.bar_time as Date) as number, equity: r.equity as number, cash: r.cash as number, realizedPnl: r.realized_pnl as number,
      unrealizedPnl: r.unrealized_pnl as number, fees: r.fees as number, trades: r.trades as number, openPositions: r.open_positions as number }));
  }

  /** Events of a session with id > `afterId`, oldest first (SSE replay from Last-Event-ID). */
  async events(id: string, afterId = 0, limit = 500): Promise<PaperEventRecord[]> {
    await ensureInitialized(this.ds);
    const rows = (await this.q(`SELECT * FROM paper_events WHERE session_id = $1 AND id > $2 ORDER BY id LIMIT $3`, [id, afterId, limit], 'read paper events')) as Record<string, unknown>[];
    return rows.map((r) => ({ id: Number(r.id), sessionId: r.session_id as string, type: r.type as string, data: r.data, createdAt: ms(r.created_at as Date) as number }));
  }

  private q(sql: string, params: unknown[], doing: string): Promise<unknown[]> {
    return runQuery<unknown>(this.ds, sql, params, doing);
  }
}
