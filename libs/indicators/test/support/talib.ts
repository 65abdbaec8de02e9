// Typed access to the native TA-Lib binding (`talib` npm package), the outside reference for parity tests.

/** What `talib.execute` returns: outputs start at input index `begIndex` and hold `nbElement` values. */
export interface TalibResult {
  readonly begIndex: number;
  readonly nbElement: number;
  readonly result: Readonly<Record<string, readonly number[]>>;
}

interface TalibModule {
  execute(params: Record<string, unknown>): TalibResult;
}

const talib = require('talib') as TalibModule;

/** Runs a TA-Lib function over the whole input (`startIdx` 0 to the last index). */
export function talibRun(name: string, n: number, params: Record<string, unknown>): TalibResult {
  return talib.execute({ name, startIdx: 0, endIdx: n - 1, ...params });
}

/** Converts a Float64Array to the plain array the binding expects. */
export function arr(x: Float64Array): number[] {
  return Array.from(x);
}
