import { chunk } from './grid';
import { sweepCombinations } from './job-queues';
import { SweepRequestSchema } from './schemas';
import { canonicalJson, idempotentJobId, sweepChunkJobId } from './ids';

describe('idempotentJobId', () => {
  it('is a stable RFC 9562 version-8 UUID per (queue, key)', () => {
    const a = idempotentJobId('backtest', 'order-42');
    expect(a).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(idempotentJobId('backtest', 'order-42')).toBe(a);
    expect(idempotentJobId('sweep', 'order-42')).not.toBe(a);
    expect(idempotentJobId('backtest', 'order-43')).not.toBe(a);
    // queue and key are separated, so ("ab", "c") and ("a", "bc") differ
    expect(idempotentJobId('ab', 'c')).not.toBe(idempotentJobId('a', 'bc'));
  });
  it('chunk ids contain no colon (BullMQ forbids it in custom ids)', () => {
    expect(sweepChunkJobId('s1', 3)).toBe('s1-chunk-3');
  });
});

describe('canonicalJson', () => {
  it('ignores key order, keeps array order', () => {
    expect(canonicalJson({ b: 1, a: { d: [2, 1], c: null } })).toBe('{"a":{"c":null,"d":[2,1]},"b":1}');
    expect(canonicalJson({ a: 1, b: 2 })).toBe(canonicalJson({ b: 2, a: 1 }));
  });
});

describe('sweepCombinations (the engine\'s grid expansion)', () => {
  const sweep = (params: Record<string, unknown>, grid: Record<string, (number | string | boolean)[]>) =>
    SweepRequestSchema.parse({ strategy: 's', params, grid, symbols: ['KRW-BTC'], start_date: '2024-01-01', end_date: '2024-01-31' });
  it('is nested loops over the names, last name fastest, over the fixed params', () => {
    expect(sweepCombinations(sweep({ k: 'v' }, { x: [1, 2], y: ['a', 'b', 'c'] }))).toEqual([
      { k: 'v', x: 1, y: 'a' }, { k: 'v', x: 1, y: 'b' }, { k: 'v', x: 1, y: 'c' },
      { k: 'v', x: 2, y: 'a' }, { k: 'v', x: 2, y: 'b' }, { k: 'v', x: 2, y: 'c' },
    ]);
  });
  it('orders parameters by name whatever order the grid gives them in (the engine\'s order: CLI, engine and queue agree)', () => {
    expect(sweepCombinations(sweep({}, { y: ['a', 'b'], x: [1, 2] }))).toEqual([{ x: 1, y: 'a' }, { x: 1, y: 'b' }, { x: 2, y: 'a' }, { x: 2, y: 'b' }]);
  });
  it('chunks keep order and the last chunk holds the rest', () => {
    expect(chunk([1, 2, 3, 4, 5], 2)).toEqual([[1, 2], [3, 4], [5]]);
    expect(() => chunk([1], 0)).toThrow(RangeError);
  });
});
