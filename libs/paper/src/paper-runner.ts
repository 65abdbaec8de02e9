import type { Timeframe } from '@coinhts/engine';
import type { ClosedCandle, ClosedCandleAppender, StreamEvent } from '@coinhts/market-data';
import { LeaseLostError, type PaperSessionRecord, type PaperSessionRepository } from '@coinhts/results';
import { PaperEventType, PaperSession } from './paper-session';
import { validatePaperRequest } from './session-request';

/** What the runner needs from a candle stream (an `UpbitCandleStream`, or a fake). */
export interface CandleStreamHandle {
  start(): Promise<void>;
  stop(): Promise<void>;
}

/** Builds the candle stream of one session. */
export type CandleStreamFactory = (o: {
  readonly markets: readonly string[];
  readonly timeframes: readonly Timeframe[];
  readonly resumeAfter: Readonly<Record<string, number>>;
  readonly onCandle: (c: ClosedCandle) => Promise<void>;
  readonly onEvent: (e: StreamEvent) => void;
}) => CandleStreamHandle;

/** Something the runner did, for logs and tests. */
export type PaperRunnerEvent =
  | { readonly type: 'claimed'; readonly sessionId: string }
  | { readonly type: 'resumed'; readonly sessionId: string; readonly resumeAfter: Readonly<Record<string, number>> }
  | { readonly type: 'lease-lost'; readonly sessionId: string }
  | { readonly type: 'stopped'; readonly sessionId: string; readonly status: 'stopped' | 'failed' }
  | { readonly type: 'error'; readonly sessionId: string; readonly error: Error }
  | { readonly type: 'stream'; readonly sessionId: string; readonly event: StreamEvent };

/** Options of {@link PaperRunner}; every default is listed. */
export interface PaperRunnerOptions {
  readonly repository: PaperSessionRepository;
  /** This process's owner id (unique per process, e.g. `host:pid:random`). */
  readonly owner: string;
  readonly streamFactory: CandleStreamFactory;
  /** Lease length (ms); renewed every third of it. A dead owner's sessions are taken over after at most this. Default 15 000. */
  readonly leaseMs?: number;
  /** How often free sessions are looked for (ms). Default 2000. */
  readonly pollMs?: number;
  /** Candles between performance snapshots. Default 60. */
  readonly snapshotEveryBars?: number;
  /** Closed candles are appended here (the candle store), when given. */
  readonly appender?: ClosedCandleAppender;
  readonly onEvent?: (e: PaperRunnerEvent) => void;
}

interface Running {
  readonly record: PaperSessionRecord;
  readonly session: PaperSession;
  stream: CandleStreamHandle | null;
  /** Serialises checkpoint writes and the end of the session. */
  chain: Promise<void>;
  /** A checkpoint write is queued on `chain` and will take everything applied until it runs. */
  writeQueued: boolean;
  /** Closed candles to append to the candle store with the next checkpoint. */
  toAppend: ClosedCandle[];
  stopping: boolean;
  done: boolean;
}

/**
 * Runs paper sessions in this process: claims sessions whose lease is free or expired (a new
 * session, or one whose owner died), restores each from its saved state, starts its candle stream
 * with the resume points (so the gap since the last checkpoint is repaired from REST before any
 * new candle), applies every closed candle and writes a checkpoint per candle in one transaction.
 * A candle applied but not checkpointed when the process dies is applied again after the restart
 * (state and rows come from the same transaction, so nothing is written twice). The lease is
 * renewed every `leaseMs / 3`; losing it stops the session here at once. A session whose status
 * became `stopping` is ended (the backtest's last-bar rule) and marked `stopped`.
 */
export class PaperRunner {
  private readonly running = new Map<string, Running>();
  private pollTimer: NodeJS.Timeout | null = null;
  private renewTimer: NodeJS.Timeout | null = null;
  private closed = false;
  private polling: Promise<void> = Promise.resolve();
  private readonly leaseMs: number;

  constructor(private readonly options: PaperRunnerOptions) {
    this.leaseMs = options.leaseMs ?? 15_000;
  }

  /** Sessions this process runs now (ids). */
  get sessionIds(): string[] {
    return [...this.running.keys()].filter((id) => !this.running.get(id)?.done);
  }

  /** The in-memory session of `id` while it runs here. */
  session(id: string): PaperSession | undefined {
    return this.running.get(id)?.session;
  }

  /** Starts polling for sessions (the first poll runs at once) and renewing leases. */
  start(): void {
    this.pollTimer = setInterval(() => { this.polling = this.poll(); }, this.options.pollMs ?? 2000);
    this.renewTimer = setInterval(() => { void this.renewAll(); }, Math.max(50, Math.floor(this.leaseMs / 3)));
    this.polling = this.poll();
  }

  /** Claims and starts free sessions now; resolves when they are started. */
  async poll(): Promise<void> {
    if (this.closed) return;
    let claimed: PaperSessionRecord[];
    try {
      claimed = await this.options.repository.claim(this.options.owner, this.leaseMs);
    } catch (err) {
      this.options.onEvent?.({ type: 'error', sessionId: '', error: err instanceof Error ? err : new Error(String(err)) });
      return;
    }
    for (const rec of claimed) {
      if (this.running.get(rec.id)?.done === false) continue;
      this.options.onEvent?.({ type: 'claimed', sessionId: rec.id });
      try {
        await this.launch(rec);
      } catch (err) {
        await this.fail(rec.id, err);
      }
    }
  }

  private async launch(rec: PaperSessionRecord): Promise<void> {
    const repo = this.options.repository;
    const request = await validatePaperRequest(rec.request);
    const saved = await repo.pairs(rec.id);
    const session = new PaperSession(rec.id, request, saved, { snapshotEveryBars: this.options.snapshotEveryBars });
    const run: Running = { record: rec, session, stream: null, chain: Promise.resolve(), writeQueued: false, toAppend: [], stopping: false, done: false };
    this.running.set(rec.id, run);
    const resumeAfter = session.resumeAfter();
    this.options.onEvent?.({ type: 'resumed', sessionId: rec.id, resumeAfter });
    if (rec.status === 'stopping') {
      run.stopping = true;
      await this.finish(run);
      return;
    }
    run.stream = this.options.streamFactory({
      markets: session.markets, timeframes: [session.timeframe], resumeAfter,
      onCandle: (c) => this.onCandle(run, c),
      onEvent: (e) => this.options.onEvent?.({ type: 'stream', sessionId: rec.id, event: e }),
    });
    await run.stream.start();
  }

  /**
   * Applies the candle at once (the decision never waits for the database) and queues a
   * checkpoint. Checkpoints coalesce: one write takes every candle applied since the previous one,
   * so a burst of closes (every market at the minute) costs one transaction, not one per market.
   * A candle applied but not yet written when the process dies is applied again after the
   * restart: the resume point is the last written candle.
   */
  private onCandle(run: Running, c: ClosedCandle): Promise<void> {
    // Once stopping, candles are ignored (finish() writes what was applied before).
    if (run.done || run.stopping) return Promise.resolve();
    if (run.session.apply(c) === 0) return Promise.resolve();
    if (this.options.appender) run.toAppend.push(c);
    this.queueWrite(run);
    return Promise.resolve();
  }

  private queueWrite(run: Running): void {
    if (run.writeQueued) return;
    run.writeQueued = true;
    run.chain = run.chain.then(() => this.write(run)).catch((err: unknown) => this.onRunError(run, err));
  }

  /** Writes everything applied so far (no-op when nothing is pending or the session is gone). */
  private async write(run: Running): Promise<void> {
    run.writeQueued = false;
    if (run.done || !run.session.pending) return;
    const candles = run.toAppend;
    run.toAppend = [];
    await this.options.repository.checkpoint(run.record.id, this.options.owner, run.session.drain());
    if (!this.options.appender) return;
    try {
      for (const c of candles) await this.options.appender.append(c);
    } catch (err) {
      // The candle store is a copy for later backtests: a full disk must not stop the session.
      this.options.onEvent?.({ type: 'error', sessionId: run.record.id, error: err instanceof Error ? err : new Error(String(err)) });
    }
  }

  private async onRunError(run: Running, err: unknown): Promise<void> {
    if (err instanceof LeaseLostError) {
      this.options.onEvent?.({ type: 'lease-lost', sessionId: run.record.id });
      await this.abandon(run);
      return;
    }
    await this.fail(run.record.id, err);
  }

  /** Stops running `run` here without writing anything (the lease is gone or the process stops). */
  private async abandon(run: Running): Promise<void> {
    run.done = true;
    await run.stream?.stop();
  }

  private async fail(id: string, err: unknown): Promise<void> {
    const error = err instanceof Error ? err : new Error(String(err));
    this.options.onEvent?.({ type: 'error', sessionId: id, error });
    const run = this.running.get(id);
    if (run) await this.abandon(run);
    try {
      await this.options.repository.checkpoint(id, this.options.owner, {
        pairs: [], signals: [], orders: [], trades: [], snapshots: [], finalStatus: 'failed', error: { message: error.message, name: error.name },
        events: [{ type: PaperEventType.Session, data: { status: 'failed', error: error.message } }],
      });
      this.options.onEvent?.({ type: 'stopped', sessionId: id, status: 'failed' });
    } catch {
      // lease lost or database down: the next owner retries the session
    }
  }

  /** Ends a session whose stop was requested; runs inside the session's chain (after every queued write). */
  private async finish(run: Running): Promise<void> {
    await run.stream?.stop();
    if (run.done) return;
    await this.write(run);
    run.session.end();
    await this.options.repository.checkpoint(run.record.id, this.options.owner, {
      ...run.session.drain([{ type: PaperEventType.Session, data: { status: 'stopped' } }]), finalStatus: 'stopped',
    });
    run.done = true;
    this.options.onEvent?.({ type: 'stopped', sessionId: run.record.id, status: 'stopped' });
  }

  private async renewAll(): Promise<void> {
    for (const run of this.running.values()) {
      if (run.done || run.stopping) continue;
      let rec: PaperSessionRecord | null;
      try {
        rec = await this.options.repository.renew(run.record.id, this.options.owner, this.leaseMs);
      } catch {
        continue; // database unreachable: keep running; checkpoints fail until it is back, and the lease may lapse
      }
      if (rec === null) {
        this.options.onEvent?.({ type: 'lease-lost', sessionId: run.record.id });
        await this.abandon(run);
      } else if (rec.status === 'stopping') {
        run.stopping = true;
        run.chain = run.chain.then(() => this.finish(run)).catch((err: unknown) => this.onRunError(run, err));
      }
    }
  }

  /**
   * Stops this runner: streams closed, pending checkpoints written, leases released so another
   * process can take the sessions over at once (sessions stay `running`).
   */
  async close(): Promise<void> {
    this.closed = true;
    if (this.pollTimer) clearInterval(this.pollTimer);
    if (this.renewTimer) clearInterval(this.renewTimer);
    await this.polling;
    for (const run of this.running.values()) {
      if (run.done) continue;
      run.stopping = true;
      await run.stream?.stop();
      await run.chain;
      if (!run.done) await this.write(run).catch(() => undefined); // the next owner re-applies what is lost
      run.done = true;
      await this.options.repository.release(run.record.id, this.options.owner).catch(() => undefined);
    }
    await this.options.appender?.flush();
  }
}
