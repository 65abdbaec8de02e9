/**
 * Writes Parquet fixtures the way other tools lay them out (pandas/pyarrow-style types: ns
 * timestamps, naive timestamps, index columns, string columns, nulls), straight through
 * apache-arrow + parquet-wasm with snappy — not through the store's encoder under test.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import {
  Float64, Int64, Table, TimestampMillisecond, TimestampNanosecond, Utf8, makeData, makeVector, tableToIPC, vectorFromArray,
  type Vector,
} from 'apache-arrow';
import * as pw from 'parquet-wasm';

/** A column of float64 values (nulls allowed). */
export const f64 = (xs: readonly (number | null)[]): Vector => vectorFromArray(xs as (number | null)[], new Float64());
/** A column of strings. */
export const utf8 = (xs: readonly string[]): Vector => vectorFromArray(xs as string[], new Utf8());
/** int64 values (e.g. epoch ms). */
export const i64 = (xs: readonly number[]): Vector => makeVector(makeData({ type: new Int64(), length: xs.length, nullCount: 0, data: BigInt64Array.from(xs, (x) => BigInt(x)) }));

/** Timestamps in ns from ISO texts (interpreted as written, `Z` added when missing); `tz` null = naive. */
export function tsNs(isos: readonly string[], tz: string | null): Vector {
  const data = BigInt64Array.from(isos, (s) => BigInt(Date.parse(/Z|[+-]\d\d:\d\d$/.test(s) ? s : `${s}Z`)) * 1_000_000n);
  return makeVector(makeData({ type: new TimestampNanosecond(tz), length: isos.length, nullCount: 0, data }));
}

/** Timestamps in ms, UTC. */
export function tsMs(isos: readonly string[]): Vector {
  const data = BigInt64Array.from(isos, (s) => BigInt(Date.parse(s)));
  return makeVector(makeData({ type: new TimestampMillisecond('UTC'), length: isos.length, nullCount: 0, data }));
}

/** Writes the columns as a snappy Parquet file (creating directories). */
export function writeParquetFixture(path: string, columns: Record<string, Vector>): void {
  const table = new Table(columns);
  const bytes = pw.writeParquet(pw.Table.fromIPCStream(tableToIPC(table, 'stream')), new pw.WriterPropertiesBuilder().setCompression(pw.Compression.SNAPPY).build());
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, bytes);
}
