import { InvalidParamsError } from '../core/errors';
import { dimensionValues, gridParamSets, parseDimension, randomParamSets } from './param-space';

describe('grid search combinations', () => {
  it('expands ranges with a step, without binary noise', () => {
    expect(dimensionValues({ min: 0.1, max: 0.3, step: 0.1 })).toEqual([0.1, 0.2, 0.3]);
    expect(dimensionValues({ min: 10, max: 40, step: 10 })).toEqual([10, 20, 30, 40]);
    expect(dimensionValues({ min: 5, max: 5, step: 1 })).toEqual([5]);
  });

  it('is the cartesian product in name order, last name fastest', () => {
    const sets = gridParamSets({ b: { values: [1, 2] }, a: { values: ['x', 'y', 'z'] } });
    expect(sets).toEqual([
      { a: 'x', b: 1 }, { a: 'x', b: 2 }, { a: 'y', b: 1 }, { a: 'y', b: 2 }, { a: 'z', b: 1 }, { a: 'z', b: 2 },
    ]);
  });

  it('refuses a range without a step, an empty list, and too many combinations', () => {
    expect(() => gridParamSets({ a: { min: 1, max: 2 } })).toThrow(/needs a step/);
    expect(() => gridParamSets({ a: { values: [] } })).toThrow(InvalidParamsError);
    expect(() => gridParamSets({ a: { min: 1, max: 1000, step: 1 }, b: { min: 1, max: 1000, step: 1 } }, 10_000)).toThrow(/1000000 combinations exceed the limit of 10000/);
    expect(() => gridParamSets({})).toThrow(/at least one parameter/);
    expect(() => gridParamSets({ a: { min: 3, max: 1, step: 1 } })).toThrow(/min <= max/);
  });
});

describe('random search combinations', () => {
  it('is reproducible for a seed and different for another seed', () => {
    const space = { w: { min: 5, max: 50, integer: true }, t: { min: 0.05, max: 0.5 }, b: { values: [true, false] } };
    const a = randomParamSets(space, 20, 7);
    expect(randomParamSets(space, 20, 7)).toEqual(a);
    expect(randomParamSets(space, 20, 8)).not.toEqual(a);
  });

  it('stays inside the space: integers, step multiples, listed values', () => {
    const sets = randomParamSets({ w: { min: 5, max: 9, integer: true }, s: { min: 0, max: 1, step: 0.25 }, k: { values: ['a', 'b'] } }, 500, 3);
    for (const p of sets) {
      expect(Number.isInteger(p.w) && (p.w as number) >= 5 && (p.w as number) <= 9).toBe(true);
      expect([0, 0.25, 0.5, 0.75, 1]).toContain(p.s);
      expect(['a', 'b']).toContain(p.k);
    }
    // 500 draws over 5 integers: every value shows up.
    expect(new Set(sets.map((p) => p.w)).size).toBe(5);
  });

  it('rejects a bad sample count', () => {
    expect(() => randomParamSets({ a: { values: [1] } }, 0)).toThrow(/samples/);
  });
});

describe('parseDimension (CLI form)', () => {
  it('reads ranges and lists', () => {
    expect(parseDimension('w', '10:40:5')).toEqual({ min: 10, max: 40, step: 5 });
    expect(parseDimension('t', '0.1:0.5')).toEqual({ min: 0.1, max: 0.5 });
    expect(parseDimension('t', '0.1,0.2, 0.3')).toEqual({ values: [0.1, 0.2, 0.3] });
    expect(parseDimension('f', 'true,false')).toEqual({ values: [true, false] });
  });
  it('explains what to write when the text is wrong', () => {
    expect(() => parseDimension('w', '10:x')).toThrow(/w: "10:x" is not a numeric range; write min:max:step/);
    expect(() => parseDimension('w', ' ')).toThrow(/empty value/);
  });
});
