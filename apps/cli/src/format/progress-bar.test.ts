import { createProgressBar } from './progress-bar';

function fakeBar(options: { delayMs?: number; enabled?: boolean } = {}) {
  let t = 1_000;
  const writes: string[] = [];
  const bar = createProgressBar({ enabled: options.enabled ?? true, write: (s) => writes.push(s), unit: 'sets', width: 10, now: () => t, delayMs: options.delayMs });
  return { bar, writes, advance: (ms: number) => { t += ms; } };
}

describe('createProgressBar', () => {
  it('draws in place and redraws at most every 100 ms, always at the end', () => {
    const { bar, writes, advance } = fakeBar();
    for (let done = 1; done <= 100; done++) { advance(10); bar.update(done, 100); }
    bar.finish();
    // 1 s of updates every 10 ms: the first draw, then one per 100 ms, plus the final 100 %.
    expect(writes.length).toBeGreaterThanOrEqual(10);
    expect(writes.length).toBeLessThanOrEqual(12);
    expect(writes[0]).toBe('\r[..........]   1% 1/100 sets 0s, ~1s left');
    expect(writes[writes.length - 2]).toMatch(/^\r\[#{10}\] 100% 100\/100 sets 1s *$/);
    expect(writes[writes.length - 1]).toBe('\n');
  });

  it('stays silent before the delay and when disabled (not a TTY)', () => {
    const quick = fakeBar({ delayMs: 300 });
    quick.advance(50); quick.bar.update(1, 2); quick.advance(50); quick.bar.update(2, 2); quick.bar.finish();
    expect(quick.writes).toEqual([]);
    const off = fakeBar({ enabled: false });
    off.advance(500); off.bar.update(1, 2); off.bar.finish();
    expect(off.writes).toEqual([]);
  });

  it('pads a shorter line so no characters of the previous one remain', () => {
    const { bar, writes, advance } = fakeBar();
    advance(200); bar.update(1, 3, 'a long note here');
    advance(200); bar.update(2, 3);
    expect(writes[1].length).toBeGreaterThanOrEqual(writes[0].length);
  });
});
