import fc from 'fast-check';
import { compareKeys, validateKey, validateMetadata, validatePrefix } from './key';

const code = (fn: () => void): string | undefined => {
  try {
    fn();
    return undefined;
  } catch (e) {
    return (e as { code?: string }).code;
  }
};

describe('validateKey', () => {
  it.each([
    ['', 'empty'], ['/a', 'leading slash'], ['a/', 'trailing slash'], ['a//b', 'empty segment'], ['..', 'dot-dot'],
    ['a/../b', 'dot-dot segment'], ['./a', 'dot segment'], ['a\\b', 'backslash'], ['a\u0000', 'NUL'], ['a\nb', 'newline'],
    ['a\u007f', 'DEL'], ['\udc00x', 'lone low surrogate'], ['x\ud800', 'lone high surrogate'], ['é'.repeat(513), '1026 UTF-8 bytes'], [`${Array(4).fill('é'.repeat(127)).join('/')}/abcde`, '1025 bytes in valid segments'],
    [`${'s'.repeat(256)}/x`, 'segment of 256 bytes'],
  ])('rejects %j (%s) with INVALID_KEY', (key) => {
    expect(code(() => validateKey(key))).toBe('INVALID_KEY');
  });

  // The 1024-byte key: four 254-byte segments of é, slashes, and "abcd".
  it.each([
    ['a'], ['backtests/run-1/manifest.json'], ['..a/b..'], ['.hidden/x'], ['with space/é/😀'], [`${Array(4).fill('é'.repeat(127)).join('/')}/abcd`],
    [`${'s'.repeat(255)}/x`],
  ])('accepts %j', (key) => {
    expect(code(() => validateKey(key))).toBeUndefined();
  });

  it('accepts every key built from valid segments (property)', () => {
    const segment = fc.string({ minLength: 1, maxLength: 20 })
      // eslint-disable-next-line no-control-regex -- excluding control characters is the point
      .filter((s) => !/[\u0000-\u001f\u007f\\/]/.test(s) && s !== '.' && s !== '..');
    fc.assert(fc.property(fc.array(segment, { minLength: 1, maxLength: 8 }), (segments) => {
      expect(code(() => validateKey(segments.join('/')))).toBeUndefined();
    }));
  });
});

describe('validatePrefix', () => {
  it.each([[''], ['a'], ['a/'], ['backtests/ru'], ['a/b/.'], ['a/.x']])('accepts %j', (p) => {
    expect(code(() => validatePrefix(p))).toBeUndefined();
  });
  it.each([['/a'], ['a//'], ['../'], ['a/../'], ['a\\'], ['\u0001']])('rejects %j', (p) => {
    expect(code(() => validatePrefix(p))).toBe('INVALID_KEY');
  });
});

describe('validateMetadata', () => {
  it('accepts lower-case names and any well-formed value', () => {
    expect(code(() => validateMetadata({ 'run-id': 'x', a_b: 'é 😀', '0': '' }))).toBeUndefined();
  });
  it.each([
    [{ Upper: 'x' }], [{ 'a b': 'x' }], [{ sha256: 'x' }], [{ 'coinhts-anything': 'x' }], [{ '-lead': 'x' }],
    [{ ['n'.repeat(65)]: 'x' }], [{ v: 'x'.repeat(1600) }], [{ v: 'é'.repeat(300) }], [{ v: 'a\ud800' }],
  ])('rejects %j with INVALID_METADATA', (m) => {
    expect(code(() => validateMetadata(m as Record<string, string>))).toBe('INVALID_METADATA');
  });
});

describe('compareKeys', () => {
  it('orders by UTF-8 bytes (hand-ordered list), unlike the default UTF-16 sort', () => {
    const expected = ['B', 'a', 'é', '\ufffd', '😀'];
    expect([...expected].reverse().sort(compareKeys)).toEqual(expected);
    expect([...expected].sort()).not.toEqual(expected);
  });
});
