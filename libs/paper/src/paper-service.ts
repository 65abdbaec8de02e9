import type { PaperEventRecord, PaperOrderRecord, PaperPairRecord, PaperPositionRecord, PaperSessionRecord, PaperSessionRepository, PaperSessionStatus, PaperSnapshotRecord, PaperTradeRecord } from '@coinhts/results';
import { validatePaperRequest, type MarketCheck } from './session-request';

/** A session with its pairs' current numbers (KRW). */
export interface PaperSessionStatusView {
  readonly session: PaperSessionRecord;
  readonly pairs: readonly Omit<PaperPairRecord, 'strategyState' | 'portfolioState'>[];
  /** Σ pair equity, KRW. */
  readonly equity: number;
  readonly positions: readonly PaperPositionRecord[];
  readonly trades: number;
}

/**
 * The use cases behind `coinhts paper …` and the `/api/v1/paper` routes: start (validate
 * everything, then create — nothing is written when anything is wrong), stop, status, list and
 * the views. Running the sessions is {@link PaperRunner}'s job, in another process.
 */
export class PaperService {
  constructor(private readonly repository: PaperSessionRepository, private readonly markets?: MarketCheck) {}

  /**
   * Validates the request (shape, markets, strategies and params, options, capital) and creates
   * the session as `running`; a runner process picks it up. Throws the engine's
   * `InvalidParamsError` (bad input) or the results library's `ResultConflictError` (a live session
   * has the name).
   */
  async start(raw: unknown): Promise<PaperSessionRecord> {
    const v = await validatePaperRequest(raw, this.markets);
    const share = v.pairOptions.initial_capital;
    return this.repository.create({ name: v.name, request: v.stored, pairs: v.pairs.map((p) => ({ symbol: p.symbol, strategy: p.strategy.name, params: p.params, capital: share })) });
  }

  /** Requests the stop of a running session (`ResultNotFoundError` / `ResultConflictError` otherwise). */
  stop(id: string): Promise<PaperSessionRecord> {
    return this.repository.requestStop(id);
  }

  /** Sessions, newest first. */
  list(status?: PaperSessionStatus): Promise<PaperSessionRecord[]> {
    return this.repository.list({ status });
  }

  /** A session with its pairs, equity, open positions and trade count. */
  async status(id: string): Promise<PaperSessionStatusView> {
    const session = await this.repository.get(id);
    const pairs = (await this.repository.pairs(id)).map(({ strategyState: _s, portfolioState: _p, ...rest }) => rest);
    const positions = await this.repository.positions(id);
    const trades = await this.repository.tradeCount(id);
    return { session, pairs, equity: pairs.reduce((a, p) => a + p.equity, 0), positions, trades };
  }

  /** The session record (`ResultNotFoundError` for an unknown id). */
  get(id: string): Promise<PaperSessionRecord> {
    return this.repository.get(id);
  }

  /** Open positions. */
  async positions(id: string): Promise<PaperPositionRecord[]> {
    await this.repository.get(id);
    return this.repository.positions(id);
  }

  /** Closed trades in exit order. */
  async trades(id: string): Promise<PaperTradeRecord[]> {
    await this.repository.get(id);
    return this.repository.trades(id);
  }

  /** Orders (fills and refusals). */
  async orders(id: string): Promise<PaperOrderRecord[]> {
    await this.repository.get(id);
    return this.repository.orders(id);
  }

  /** Performance snapshots in time order. */
  async performance(id: string): Promise<PaperSnapshotRecord[]> {
    await this.repository.get(id);
    return this.repository.snapshots(id);
  }

  /** Events after `afterId` (SSE, resumable with Last-Event-ID). */
  events(id: string, afterId = 0, limit = 500): Promise<PaperEventRecord[]> {
    return this.repository.events(id, afterId, limit);
  }
}
