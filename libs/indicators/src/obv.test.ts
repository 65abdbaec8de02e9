import { Obv, obv } from './obv';

describe('obv', () => {
  test('starts at the first volume; adds on up-closes, subtracts on down-closes, holds on equal', () => {
    // 5, +3 (up) = 8, equal -> 8, -2 (down) = 6, +6 (up) = 12
    const close = [10, 11, 11, 10, 12];
    const volume = [5, 3, 4, 2, 6];
    expect(Array.from(obv({ close, volume }))).toEqual([5, 8, 8, 6, 12]);
    const s = new Obv();
    expect(s.getResult()).toBeNull();
    expect(close.map((c, i) => s.add({ close: c, volume: volume[i] }))).toEqual([5, 8, 8, 6, 12]);
  });
});
