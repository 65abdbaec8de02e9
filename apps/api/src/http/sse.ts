import type { Request, Response } from 'express';

/** One Server-Sent Event. */
export interface SseEvent {
  /** The event id a client sends back as `Last-Event-ID` when it reconnects. */
  readonly id: string;
  /** Event type (`event:` line). */
  readonly event: string;
  /** Sent as one JSON `data:` line. */
  readonly data: unknown;
}

/** Where a stream's events come from. */
export interface SseSource {
  /**
   * The events after `lastId` (null: from the start). `more`: call again at once (a full batch);
   * `done`: the stream ends after these events.
   */
  next(lastId: string | null): Promise<{ readonly events: readonly SseEvent[]; readonly done: boolean; readonly more?: boolean }>;
}

/** Options of {@link streamSse}. */
export interface SseOptions {
  /** The id the client already has (its `Last-Event-ID`, or a query parameter), or null. */
  readonly lastId: string | null;
  /** How long to wait between two looks at the source when nothing new came (ms). */
  readonly pollMs: number;
  /** A keep-alive comment is sent after this long without an event (ms; proxies drop idle streams). */
  readonly keepAliveMs?: number;
  /** The reconnect delay the client is told to use (`retry:`, ms). */
  readonly retryMs?: number;
  /** Ends the stream (the client reconnects elsewhere) when the server shuts down. */
  readonly isShuttingDown: () => boolean;
}

/**
 * Answers `req` with a `text/event-stream` fed by `source` until the source is done, the client
 * goes away or the server shuts down. Call it after every check that may still answer with an
 * error (a 404 must come before the stream starts). Shared by every SSE route of the API.
 */
export async function streamSse(_req: Request, res: Response, source: SseSource, options: SseOptions): Promise<void> {
  const keepAliveMs = options.keepAliveMs ?? 15_000;
  res.status(200).set({ 'Content-Type': 'text/event-stream; charset=utf-8', 'Cache-Control': 'no-cache', Connection: 'keep-alive', 'X-Accel-Buffering': 'no' });
  res.flushHeaders();
  let closed = false;
  const gone = new Promise<void>((r) => res.once('close', () => { closed = true; r(); }));
  let lastId = options.lastId;
  let lastWrite = Date.now();
  res.write(`retry: ${options.retryMs ?? 2000}\n\n`);
  for (;;) {
    if (closed) break;
    let batch: Awaited<ReturnType<SseSource['next']>>;
    try {
      batch = await source.next(lastId);
    } catch (err) {
      // The headers are sent: the failure becomes the stream's last event (the one error shape).
      const e = err as { code?: unknown; message?: unknown };
      res.write(`event: error\ndata: ${JSON.stringify({ error: { code: typeof e.code === 'string' ? e.code : 'INTERNAL', message: typeof e.message === 'string' ? e.message : 'the stream failed' } })}\n\n`);
      break;
    }
    for (const e of batch.events) {
      res.write(`id: ${e.id}\nevent: ${e.event}\ndata: ${JSON.stringify(e.data)}\n\n`);
      lastId = e.id;
      lastWrite = Date.now();
    }
    if (closed || batch.done || options.isShuttingDown()) break;
    if (batch.more) continue;
    if (Date.now() - lastWrite > keepAliveMs) { res.write(': keep-alive\n\n'); lastWrite = Date.now(); }
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([gone, new Promise((r) => { timer = setTimeout(r, options.pollMs); })]);
    clearTimeout(timer);
  }
  res.end();
}
