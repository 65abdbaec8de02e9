import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import wabtInit from 'wabt';
import { syntheticCandles } from '../testing';
import { VolumeZoneKernel } from './volume-zone-kernel';
import { createWindowSums, type WindowSums } from './window-sums';
import { WINDOW_SUMS_WASM } from './wasm/window-sums.wasm';

/** A deterministic pseudo-random source (the test must not depend on Math.random). */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

describe('window sums (WebAssembly SIMD and JavaScript)', () => {
  it('the committed WebAssembly bytes are exactly what window-sums.wat assembles to (else: npm run build:wasm)', async () => {
    const wabt = await wabtInit();
    const mod = wabt.parseWat('window-sums.wat', readFileSync(join(__dirname, 'wasm', 'window-sums.wat'), 'utf8'), { simd: true });
    mod.validate();
    const built = Uint8Array.from(mod.toBinary({ write_debug_names: false }).buffer);
    mod.destroy();
    expect(Buffer.from(WINDOW_SUMS_WASM).equals(Buffer.from(built))).toBe(true);
  });

  it('runs on WebAssembly SIMD here (Node 20), and on JavaScript when asked', () => {
    expect(createWindowSums(32).simd).toBe(true);
    expect(createWindowSums(32, 'js').simd).toBe(false);
  });

  it('both give the same bits, and the sums the definition gives up to rounding, on random windows of every length and start', () => {
    const rnd = lcg(7);
    const cap = 64;
    const wasm = createWindowSums(cap);
    const js = createWindowSums(cap, 'js');
    for (let slot = 0; slot < cap; slot++) {
      const lo = 100 + rnd() * 10;
      const h = lo + (rnd() < 0.2 ? 0 : rnd() * 3);
      const ih = h > lo ? 1 / (h - lo) : 0;
      const v = rnd() < 0.1 ? 0 : rnd() * 1000;
      for (const s of [wasm, js]) {
        s.hi[slot] = s.hi[slot + cap] = h;
        s.ih[slot] = s.ih[slot + cap] = ih;
        s.v[slot] = s.v[slot + cap] = v;
      }
    }
    let checked = 0;
    for (let count = 1; count < cap; count += 1) {
      for (let start = 0; start < cap; start += 7) {
        const x0 = 100 + rnd() * 12;
        const x1 = x0 + rnd() * 2;
        const sum2 = (s: WindowSums): number[] => {
          s.io[3] = x0;
          s.io[4] = x1;
          s.sum2(start, count);
          return Array.from(s.io.subarray(0, 3));
        };
        const sum1 = (s: WindowSums, x: number): number => {
          s.io[3] = x;
          s.sum1(start, count);
          return s.io[0];
        };
        const got = sum2(wasm);
        expect(got).toEqual(sum2(js));
        expect(sum1(wasm, x0)).toBe(sum1(js, x0));
        // against the definition: 2·C(x) = 2·Σ v·clamp((hi − x)·ih, 0, 1)
        let c0 = 0, c1 = 0, vol = 0;
        for (let j = start; j < start + count; j++) {
          const clamp = (t: number) => Math.min(1, Math.max(0, t));
          c0 += wasm.v[j] * clamp((wasm.hi[j] - x0) * wasm.ih[j]);
          c1 += wasm.v[j] * clamp((wasm.hi[j] - x1) * wasm.ih[j]);
          vol += wasm.v[j];
        }
        const tol = 1e-12 * (vol + 1);
        expect(Math.abs(got[0] - 2 * c0)).toBeLessThan(tol);
        expect(Math.abs(got[1] - 2 * c1)).toBeLessThan(tol);
        expect(Math.abs(got[2] - vol)).toBeLessThan(tol);
        expect(Math.abs(sum1(wasm, x1) - 2 * c1)).toBeLessThan(tol);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(500);
  });

  it('the VolumeZoneBreakout kernel gives the same signals, levels, confidences and state with either', () => {
    const c = syntheticCandles({ n: 20_000, seed: 99 });
    for (const [window, bins] of [[20, 20], [7, 5], [33, 12]]) {
      const kernels = (['auto', 'js'] as const).map((sums) => new VolumeZoneKernel({ window, bins, topPercentile: 0.2, bufferMultiplier: 1, sums }));
      const outs = kernels.map((k) => {
        const side = new Int8Array(c.close.length);
        const conf = new Float64Array(c.close.length);
        const level = new Float64Array(c.close.length).fill(NaN);
        k.run(c.low, c.high, c.volume, side, conf, level);
        return { side: Array.from(side), conf: Array.from(conf), level: Array.from(level), state: JSON.stringify(k.snapshot()) };
      });
      expect(outs[0].side.filter((x) => x !== 0).length).toBeGreaterThan(1000);
      expect(outs[0]).toEqual(outs[1]);
    }
  });
});
