import type { IncomingMessage } from 'node:http';

/** One Server-Sent Events frame as a test reads it: its `id`, `event` and `data` fields (data as text). */
export interface SseFrame {
  readonly id?: string;
  readonly event?: string;
  readonly data?: string;
}

/**
 * Calls `onFrame` for every complete frame (blocks ended by a blank line) a live SSE response
 * sends; comments and `retry:` lines carry none of the three fields and are passed as empty frames.
 */
export function onSseFrames(res: IncomingMessage, onFrame: (f: SseFrame) => void): void {
  let buf = '';
  res.on('data', (d: Buffer) => {
    buf += d.toString('utf8');
    let k: number;
    while ((k = buf.indexOf('\n\n')) >= 0) {
      const block = buf.slice(0, k);
      buf = buf.slice(k + 2);
      onFrame(Object.fromEntries(block.split('\n').filter((l) => /^(id|event|data):/.test(l)).map((l) => [l.slice(0, l.indexOf(':')), l.slice(l.indexOf(':') + 1).trim()])));
    }
  });
}
