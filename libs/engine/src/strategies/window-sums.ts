import { WINDOW_SUMS_WASM } from './wasm/window-sums.wasm';

/**
 * The O(window) sums of the VolumeZoneBreakout kernel over a candle window held in three f64
 * columns (high, 1 / height, volume), each stored twice ("mirrored": slot s at s and s + cap) so
 * that every window is one contiguous run. Two implementations with the same operations in the
 * same order, hence the same bits: WebAssembly SIMD (two candles per instruction; about 2.5x fewer
 * instructions than the scalar loop) and plain JavaScript, used where WebAssembly SIMD is missing
 * or when asked for (tests run both).
 */
export interface WindowSums {
  /** Mirrored columns, 2 × cap each: write slot s at s and s + cap. */
  readonly hi: Float64Array;
  readonly ih: Float64Array;
  readonly v: Float64Array;
  /**
   * Prices in and results out (numbers travel through this array, not as arguments or return
   * values: V8 boxes each double passed to or returned from a call it does not inline, which here
   * was tens of megabytes of garbage per million candles). [3] = x0 (or x), [4] = x1 in;
   * sum2 writes [0] = s0, [1] = s1, [2] = vol; sum1 writes [0].
   */
  readonly io: Float64Array;
  /** True for the WebAssembly implementation. */
  readonly simd: boolean;
  /**
   * Over the `count` (≥ 1) candles from slot `start`, with x0 = io[3] and x1 = io[4]: io[2] = vol =
   * Σ v and io[0] = Σ v·(|t| − |t − 1|) + vol with t = (hi − x0)·ih (twice C(x0) up to rounding),
   * io[1] likewise at x1.
   */
  sum2(start: number, count: number): void;
  /** io[0] = Σ v·(|t| − |t − 1| + 1) at price x = io[3] over the `count` (≥ 1) candles from slot `start` (twice C(x)). */
  sum1(start: number, count: number): void;
}

/** The part of the WebAssembly JS API used here (declared locally: the engine compiles without the DOM lib). */
interface WasmApi {
  validate(bytes: Uint8Array): boolean;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: unknown };
  Memory: new (descriptor: { initial: number; maximum: number }) => { buffer: ArrayBuffer };
}

let compiled: object | null | undefined;

/** The compiled module, or null where WebAssembly (with SIMD) is unavailable. Compiled once per process. */
function windowSumsModule(wasm: WasmApi | undefined): object | null {
  if (compiled === undefined) {
    try {
      compiled = wasm !== undefined && wasm.validate(WINDOW_SUMS_WASM) ? new wasm.Module(WINDOW_SUMS_WASM) : null;
    } catch {
      compiled = null;
    }
  }
  return compiled;
}

/** Bytes before the columns: the io slots. */
const OUT_BYTES = 40;

/**
 * Window sums for rings of `cap` slots. `mode` 'auto' takes WebAssembly SIMD when the runtime has
 * it; 'js' forces the JavaScript loops (for tests and comparisons).
 */
export function createWindowSums(cap: number, mode: 'auto' | 'js' = 'auto'): WindowSums {
  const wasm = (globalThis as { WebAssembly?: WasmApi }).WebAssembly;
  const module = mode === 'auto' ? windowSumsModule(wasm) : null;
  return module !== null && wasm !== undefined ? wasmSums(wasm, module, cap) : jsSums(cap);
}

function wasmSums(wasm: WasmApi, module: object, cap: number): WindowSums {
  const colBytes = 2 * cap * 8;
  const pages = Math.ceil((OUT_BYTES + 3 * colBytes) / 65536);
  const memory = new wasm.Memory({ initial: pages, maximum: pages });
  const exports = new wasm.Instance(module, { env: { memory } }).exports as {
    sum2(hi: number, ih: number, v: number, count: number): void;
    sum1(hi: number, ih: number, v: number, count: number): void;
  };
  const hiAt = OUT_BYTES;
  const ihAt = hiAt + colBytes;
  const vAt = ihAt + colBytes;
  const wasmSum2 = exports.sum2;
  const wasmSum1 = exports.sum1;
  return {
    hi: new Float64Array(memory.buffer, hiAt, 2 * cap),
    ih: new Float64Array(memory.buffer, ihAt, 2 * cap),
    v: new Float64Array(memory.buffer, vAt, 2 * cap),
    io: new Float64Array(memory.buffer, 0, 5),
    simd: true,
    sum2(start: number, count: number): void {
      const b = start * 8;
      wasmSum2(hiAt + b, ihAt + b, vAt + b, count);
    },
    sum1(start: number, count: number): void {
      const b = start * 8;
      wasmSum1(hiAt + b, ihAt + b, vAt + b, count);
    },
  };
}

function jsSums(cap: number): WindowSums {
  const hi = new Float64Array(2 * cap);
  const ih = new Float64Array(2 * cap);
  const v = new Float64Array(2 * cap);
  const io = new Float64Array(5);
  return {
    hi, ih, v, io, simd: false,
    sum2(start: number, count: number): void {
      const x0 = io[3];
      const x1 = io[4];
      // lane 0 / lane 1 of the WebAssembly version: even and odd positions of the window
      let s0 = 0, s1 = 0, vol = 0, s0b = 0, s1b = 0, volb = 0;
      const end = start + count;
      let j = start;
      for (; j + 1 < end; j += 2) {
        const sc = ih[j], sc2 = ih[j + 1];
        const h = hi[j], h2 = hi[j + 1];
        const w = v[j], w2 = v[j + 1];
        const t0 = (h - x0) * sc, u0 = (h2 - x0) * sc2;
        const t1 = (h - x1) * sc, u1 = (h2 - x1) * sc2;
        s0 += w * (Math.abs(t0) - Math.abs(t0 - 1));
        s0b += w2 * (Math.abs(u0) - Math.abs(u0 - 1));
        s1 += w * (Math.abs(t1) - Math.abs(t1 - 1));
        s1b += w2 * (Math.abs(u1) - Math.abs(u1 - 1));
        vol += w;
        volb += w2;
      }
      if (j < end) {
        const sc = ih[j], h = hi[j], w = v[j];
        const t0 = (h - x0) * sc;
        const t1 = (h - x1) * sc;
        s0 += w * (Math.abs(t0) - Math.abs(t0 - 1));
        s1 += w * (Math.abs(t1) - Math.abs(t1 - 1));
        vol += w;
      }
      vol += volb;
      io[0] = s0 + (s0b + vol);
      io[1] = s1 + (s1b + vol);
      io[2] = vol;
    },
    sum1(start: number, count: number): void {
      const x = io[3];
      let s = 0, s2 = 0;
      const end = start + count;
      let j = start;
      for (; j + 1 < end; j += 2) {
        const t = (hi[j] - x) * ih[j];
        const t2 = (hi[j + 1] - x) * ih[j + 1];
        s += v[j] * (Math.abs(t) - Math.abs(t - 1) + 1);
        s2 += v[j + 1] * (Math.abs(t2) - Math.abs(t2 - 1) + 1);
      }
      if (j < end) {
        const t = (hi[j] - x) * ih[j];
        s += v[j] * (Math.abs(t) - Math.abs(t - 1) + 1);
      }
      io[0] = s + s2;
    },
  };
}
