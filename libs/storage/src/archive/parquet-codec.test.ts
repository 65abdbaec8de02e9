/**
 * Columnar table → Parquet → columnar table must give back exactly the input. Expected values are
 * the inputs themselves (hand-written edge cases, fast-check generated tables) and what an
 * independent reader (hyparquet) decodes from the same bytes.
 */
import fc from 'fast-check';
import type * as HyparquetModule from 'hyparquet' with { 'resolution-mode': 'import' };
import { fromArrowTable, validateTable, type ColumnarTable, type TableSchema } from './columnar';
import { decodeParquet, encodeParquet } from './parquet-codec';

type Hyparquet = typeof HyparquetModule;
// hyparquet is ESM-only (Jest transforms it, see jest.config.cjs). It has no zstd codec without the
// separate hyparquet-compressors package, so value cross-checks use uncompressed files written by
// the same code path, and zstd files are checked through their metadata.
const loadHyparquet = (): Promise<Hyparquet> => import('hyparquet') as Promise<Hyparquet>;
const toArrayBuffer = (b: Uint8Array): ArrayBuffer => b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;

const roundTrip = (table: ColumnarTable): ColumnarTable => fromArrowTable(decodeParquet(encodeParquet(table)));

/** Byte-level equality of typed arrays (so -0, NaN payloads and every float bit count). */
function sameBytes(a: ArrayBufferView, b: ArrayBufferView): boolean {
  return Buffer.compare(Buffer.from(a.buffer, a.byteOffset, a.byteLength), Buffer.from(b.buffer, b.byteOffset, b.byteLength)) === 0;
}

function expectIdentical(actual: ColumnarTable, expected: ColumnarTable): void {
  expect(actual.schema).toEqual(expected.schema);
  expect(Object.keys(actual.schema)).toEqual(Object.keys(expected.schema));
  for (const [name, type] of Object.entries(expected.schema)) {
    const a = (actual.columns as Record<string, unknown>)[name];
    const e = (expected.columns as Record<string, unknown>)[name];
    if (type === 'utf8') {
      // Stringify first: Jest's deep equality is slow on 100k-element arrays; show a diff only on failure.
      if (JSON.stringify(a) !== JSON.stringify(e)) expect(a).toEqual(e);
    } else {
      expect((a as object).constructor).toBe((e as object).constructor);
      expect({ column: name, identical: sameBytes(a as ArrayBufferView, e as ArrayBufferView) }).toEqual({ column: name, identical: true });
    }
  }
}

/** A NaN with a non-canonical payload, built bit by bit. */
function payloadNaN(): number {
  const view = new DataView(new ArrayBuffer(8));
  view.setBigUint64(0, 0x7ff8_0000_dead_beefn);
  return view.getFloat64(0);
}

const EDGE_SCHEMA = { f: 'f64', i: 'i32', l: 'i64', t: 'timestamp_ms', s: 'utf8', b: 'bool' } as const satisfies TableSchema;

function edgeTable(): ColumnarTable<typeof EDGE_SCHEMA> {
  const f = new Float64Array([
    -0, 0, NaN, Infinity, -Infinity, Number.MAX_VALUE, -Number.MAX_VALUE, Number.MIN_VALUE, 1e-310, 0.1 + 0.2, Number.EPSILON,
    56_123_000, 1e300, -1e-300, 0,
  ]);
  // Write the payload NaN's bytes straight into the array, never through a JS number.
  new DataView(f.buffer).setBigUint64(14 * 8, 0x7ff8_0000_dead_beefn, true);
  const n = f.length;
  return {
    schema: EDGE_SCHEMA,
    columns: {
      f,
      i: Int32Array.from({ length: n }, (_, k) => [-2147483648, 2147483647, 0, -1][k % 4]),
      l: BigInt64Array.from({ length: n }, (_, k) => [-(2n ** 63n), 2n ** 63n - 1n, 0n, -1n, 1_704_067_200_000n][k % 5]),
      t: Float64Array.from({ length: n }, (_, k) => [0, -1, 8.64e15, -8.64e15, NaN, 1_704_067_200_000][k % 6]),
      s: Array.from({ length: n }, (_, k) => ['', 'a', null, '한국어 ✓', '😀 emoji', 'line\nbreak\ttab', '\u0000nul', 'x'.repeat(10_000)][k % 8]),
      b: Uint8Array.from({ length: n }, (_, k) => (k * 7) % 3 === 0 ? 1 : 0),
    },
  };
}

describe('Parquet codec round trip', () => {
  it('gives back every edge value bit for bit: -0, NaN (payload kept), ±Infinity, extremes, subnormals, unicode, nulls', () => {
    const input = edgeTable();
    const output = roundTrip(input);
    expectIdentical(output, input);
    const f = output.columns['f'] as Float64Array;
    expect(Object.is(f[0], -0)).toBe(true);
    expect(new DataView(f.buffer, f.byteOffset).getBigUint64(14 * 8, true)).toBe(0x7ff8_0000_dead_beefn);
    expect(Number.isNaN(payloadNaN())).toBe(true);
  });

  it('round-trips empty tables of every column type', () => {
    const input: ColumnarTable = {
      schema: EDGE_SCHEMA,
      columns: { f: new Float64Array(0), i: new Int32Array(0), l: new BigInt64Array(0), t: new Float64Array(0), s: [], b: new Uint8Array(0) },
    };
    const output = roundTrip(input);
    expectIdentical(output, input);
    expect(validateTable(output)).toBe(0);
  });

  it('accepts one array object used for two columns (apache-arrow alone would write a broken stream)', () => {
    const shared = new Float64Array([1.5, -0, 3]);
    const input: ColumnarTable = { schema: { a: 'f64', b: 'f64', c: 'i32', d: 'i32' }, columns: { a: shared, b: shared, c: new Int32Array([1, 2, 3]), d: new Int32Array([4, 5, 6]) } };
    expectIdentical(roundTrip(input), input);
  });

  it('keeps the declared column order', () => {
    const input: ColumnarTable = { schema: { z: 'f64', a: 'utf8', m: 'bool' }, columns: { a: ['x'], m: new Uint8Array([1]), z: new Float64Array([1]) } };
    expect(Object.keys(roundTrip(input).schema)).toEqual(['z', 'a', 'm']);
  });

  it('round-trips 150 000 rows across several row groups', () => {
    const n = 150_000;
    const input: ColumnarTable = {
      schema: { t: 'timestamp_ms', x: 'f64', k: 'utf8' },
      columns: {
        t: Float64Array.from({ length: n }, (_, i) => 1_704_067_200_000 + i * 60_000),
        x: Float64Array.from({ length: n }, (_, i) => Math.sin(i) * 1e6),
        k: Array.from({ length: n }, (_, i) => (i % 97 === 0 ? null : `KRW-${i % 13}`)),
      },
    };
    expectIdentical(fromArrowTable(decodeParquet(encodeParquet(input, { maxRowGroupRows: 50_000 }))), input);
  });

  it('round-trips any generated table exactly (property, 60 cases)', () => {
    const loneSurrogate = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
    const goodString = fc.string({ unit: 'binary', maxLength: 12 }).filter((s) => !loneSurrogate.test(s));
    const tableArb = fc.integer({ min: 0, max: 40 }).chain((n) => fc.record({
      f: fc.array(fc.double(), { minLength: n, maxLength: n }),
      i: fc.array(fc.integer({ min: -2147483648, max: 2147483647 }), { minLength: n, maxLength: n }),
      l: fc.array(fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }), { minLength: n, maxLength: n }),
      t: fc.array(fc.oneof(fc.integer({ min: -8.64e15, max: 8.64e15 }), fc.constant(NaN)), { minLength: n, maxLength: n }),
      s: fc.array(fc.option(goodString, { nil: null }), { minLength: n, maxLength: n }),
      b: fc.array(fc.boolean(), { minLength: n, maxLength: n }),
    }));
    fc.assert(fc.property(tableArb, (r) => {
      const input: ColumnarTable = {
        schema: EDGE_SCHEMA,
        columns: {
          f: Float64Array.from(r.f), i: Int32Array.from(r.i), l: BigInt64Array.from(r.l), t: Float64Array.from(r.t), s: r.s,
          b: Uint8Array.from(r.b, (x) => (x ? 1 : 0)),
        },
      };
      expectIdentical(roundTrip(input), input);
    }), { numRuns: 60 });
  });
});

describe('Parquet files as an independent reader (hyparquet) sees them', () => {
  it('uncompressed, same encoders: every value, type and encoding as declared', async () => {
    const input = edgeTable();
    const bytes = encodeParquet(input, { compression: 'none' });
    const { parquetMetadata, parquetReadObjects } = await loadHyparquet();
    const md = parquetMetadata(toArrayBuffer(bytes));
    expect(md.schema.slice(1).map((e) => [e.name, e.type, e.repetition_type])).toEqual([
      ['f', 'DOUBLE', 'REQUIRED'], ['i', 'INT32', 'REQUIRED'], ['l', 'INT64', 'REQUIRED'], ['t', 'INT64', 'OPTIONAL'],
      ['s', 'BYTE_ARRAY', 'OPTIONAL'], ['b', 'BOOLEAN', 'REQUIRED'],
    ]);
    expect(md.schema[4].logical_type).toEqual({ type: 'TIMESTAMP', isAdjustedToUTC: true, unit: 'MILLIS' });
    expect(md.schema[5].logical_type).toEqual({ type: 'STRING' });
    const encodings = Object.fromEntries(md.row_groups[0].columns.map((c) => [c.meta_data!.path_in_schema[0], c.meta_data!.encodings]));
    expect(encodings['t']).toContain('DELTA_BINARY_PACKED');
    expect(encodings['l']).toContain('DELTA_BINARY_PACKED');

    const rows = await parquetReadObjects({ file: toArrayBuffer(bytes) });
    const c = input.columns;
    expect(rows).toHaveLength(c.f.length);
    rows.forEach((row, k) => {
      expect(Object.is(row['f'], c.f[k]) || (Number.isNaN(row['f'] as number) && Number.isNaN(c.f[k]))).toBe(true);
      expect(row['i']).toBe(c.i[k]);
      expect(row['l']).toBe(c.l[k]);
      expect(row['t']).toEqual(Number.isNaN(c.t[k]) ? null : new Date(c.t[k]));
      expect(row['s']).toBe(c.s[k]);
      expect(row['b']).toBe(c.b[k] === 1);
    });
  });

  it('picks the encoding per column from how often values repeat, and the values survive each one', async () => {
    const n = 20_000;
    const input: ColumnarTable = {
      schema: { continuous: 'f64', tick: 'f64', some: 'f64', bars: 'i32', index: 'i32' },
      columns: {
        continuous: Float64Array.from({ length: n }, (_, i) => Math.sin(i) * 1e7), // all distinct
        tick: Float64Array.from({ length: n }, (_, i) => 56_000_000 + (i % 50) * 1000), // 50 distinct
        some: Float64Array.from({ length: n }, (_, i) => (i % 3 === 0 ? 0.5 : Math.cos(i))), // ~67 % distinct
        bars: Int32Array.from({ length: n }, (_, i) => i % 60),
        index: Int32Array.from({ length: n }, (_, i) => i),
      },
    };
    const bytes = encodeParquet(input, { compression: 'none' });
    const { parquetMetadata, parquetReadObjects } = await loadHyparquet();
    const md = parquetMetadata(toArrayBuffer(bytes));
    const encodings = Object.fromEntries(md.row_groups[0].columns.map((c) => [c.meta_data!.path_in_schema[0], c.meta_data!.encodings]));
    expect(encodings['continuous']).toContain('BYTE_STREAM_SPLIT');
    expect(encodings['tick']).toContain('RLE_DICTIONARY');
    expect(encodings['some']).toContain('PLAIN');
    expect(encodings['some']).not.toContain('RLE_DICTIONARY');
    expect(encodings['some']).not.toContain('BYTE_STREAM_SPLIT');
    expect(encodings['bars']).toContain('RLE_DICTIONARY');
    expect(encodings['index']).toContain('DELTA_BINARY_PACKED');
    const rows = await parquetReadObjects({ file: toArrayBuffer(bytes) });
    for (const name of Object.keys(input.schema)) {
      const expected = Array.from((input.columns as Record<string, ArrayLike<number>>)[name]);
      expect({ name, same: rows.every((r, i) => r[name] === expected[i]) }).toEqual({ name, same: true });
    }
    expectIdentical(roundTrip(input), input);
  });

  it('zstd (what archives use): every column chunk says ZSTD and the row count matches', async () => {
    const input = edgeTable();
    const { parquetMetadata } = await loadHyparquet();
    const md = parquetMetadata(toArrayBuffer(encodeParquet(input)));
    expect(Number(md.num_rows)).toBe(input.columns.f.length);
    const codecs = md.row_groups.flatMap((g) => g.columns.map((col) => col.meta_data!.codec));
    expect(codecs).toEqual(Array(6 * md.row_groups.length).fill('ZSTD'));
    expect(md.created_by).toBe('@coinhts/storage');
  });
});

describe('validateTable (malformed input is a caller bug)', () => {
  const ok = (): ColumnarTable => ({ schema: { x: 'f64', s: 'utf8' }, columns: { x: new Float64Array([1, 2]), s: ['a', 'b'] } });
  it.each([
    ['no columns', { schema: {}, columns: {} }, TypeError],
    ['a column missing', { schema: { x: 'f64', y: 'f64' }, columns: { x: new Float64Array(1) } }, TypeError],
    ['a column not in the schema', { ...ok(), columns: { ...ok().columns, extra: new Float64Array(2) } }, TypeError],
    ['wrong array type', { schema: { x: 'f64' }, columns: { x: [1, 2] } }, TypeError],
    ['timestamps as BigInt64Array', { schema: { t: 'timestamp_ms' }, columns: { t: new BigInt64Array(1) } }, TypeError],
    ['length mismatch', { ...ok(), columns: { x: new Float64Array(3), s: ['a', 'b'] } }, RangeError],
    ['bool 2', { schema: { b: 'bool' }, columns: { b: new Uint8Array([2]) } }, RangeError],
    ['fractional timestamp', { schema: { t: 'timestamp_ms' }, columns: { t: new Float64Array([1.5]) } }, RangeError],
    ['timestamp beyond the Date range', { schema: { t: 'timestamp_ms' }, columns: { t: new Float64Array([8.64e15 + 1]) } }, RangeError],
    ['number in a string column', { schema: { s: 'utf8' }, columns: { s: ['a', 1] } }, TypeError],
    ['lone surrogate in a string', { schema: { s: 'utf8' }, columns: { s: ['ok', 'bad\ud800'] } }, TypeError],
  ])('%s', (_label, table, errorType) => {
    expect(() => validateTable(table as unknown as ColumnarTable)).toThrow(errorType);
    expect(() => encodeParquet(table as unknown as ColumnarTable)).toThrow(errorType);
  });
});
