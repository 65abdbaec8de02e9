/** Options of {@link createProgressBar}. */
export interface ProgressBarOptions {
  /** Draw at all (true when stderr is a terminal). */
  readonly enabled: boolean;
  readonly write: (s: string) => void;
  /** Noun of the units counted, e.g. `sets`. */
  readonly unit: string;
  /** Minimum time between two redraws, ms (default 100: at most ~10 per second). */
  readonly minIntervalMs?: number;
  /** Nothing is drawn before this much time has passed, ms (default 0), so quick runs stay quiet. */
  readonly delayMs?: number;
  /** Clock, ms (default `Date.now`). */
  readonly now?: () => number;
  /** Bar width in characters (default 30). */
  readonly width?: number;
  /** Show `done/total unit` after the percentage (default true). */
  readonly counts?: boolean;
}

/** A one-line text progress bar redrawn in place with `\r`. */
export interface ProgressBar {
  /** Reports progress; redraws when enough time has passed (always at the end). */
  update(done: number, total: number, note?: string): void;
  /** Ends the line if anything was drawn. */
  finish(): void;
}

function clock(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  return s >= 3600 ? `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m` : s >= 60 ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s` : `${s}s`;
}

/** A text progress bar on stderr: `[#####.....]  50% 500/1000 sets 2s, ~2s left`. */
export function createProgressBar(o: ProgressBarOptions): ProgressBar {
  const now = o.now ?? Date.now;
  const minInterval = o.minIntervalMs ?? 100;
  const width = o.width ?? 30;
  const start = now();
  let lastDraw = -Infinity;
  let drawn = false;
  let lastLength = 0;
  return {
    update(done, total, note) {
      if (!o.enabled) return;
      const t = now();
      const finished = total > 0 && done >= total;
      if (t - start < (o.delayMs ?? 0) && !(finished && drawn)) return;
      if (!finished && t - lastDraw < minInterval) return;
      lastDraw = t;
      const frac = total > 0 ? Math.min(1, done / total) : 0;
      const filled = Math.round(frac * width);
      const elapsed = t - start;
      const eta = frac > 0 && !finished ? `, ~${clock((elapsed / frac) * (1 - frac))} left` : '';
      const line = `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${(frac * 100).toFixed(0).padStart(3)}%${o.counts === false ? '' : ` ${done}/${total} ${o.unit}`} ${clock(elapsed)}${eta}${note ? ` ${note}` : ''}`;
      o.write(`\r${line}${' '.repeat(Math.max(0, lastLength - line.length))}`);
      lastLength = line.length;
      drawn = true;
    },
    finish() {
      if (drawn) o.write('\n');
      drawn = false;
    },
  };
}
