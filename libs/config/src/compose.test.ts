import { z } from 'zod';
import { composeConfig, defineFragment } from './compose';
import { envVar, intText } from './env-var';
import { ConfigError, formatProblem } from './problems';

const A = envVar({ name: 'A_PORT', schema: intText(1, 10), default: '5', doc: 'a', expected: 'a whole number 1-10', example: '7' });
const B = envVar({ name: 'B_URL', schema: z.string().startsWith('x:', 'must start with x:'), required: true, doc: 'b', expected: 'an x: URL', example: 'x:1' });
const S = envVar({ name: 'S_SECRET', schema: z.string().min(8, 'must be at least 8 characters'), secret: true, doc: 's', expected: 'a secret of 8+ characters', example: 'longsecret' });
const pair = defineFragment({
  name: 'pair',
  vars: { A_PORT: A, S_SECRET: S },
  check: (v) => (v.A_PORT === 9 && v.S_SECRET === undefined ? [{ variable: 'S_SECRET', problem: 'is required when A_PORT=9', fix: 'set S_SECRET' }] : []),
  build: (v) => ({ port: v.A_PORT, secret: v.S_SECRET }),
});
const single = defineFragment({ name: 'single', vars: { B_URL: B }, build: (v) => v.B_URL });
const CFG = composeConfig('The test app', { pair, single });

describe('composeConfig', () => {
  it('lists the variables it reads, sorted, with their docs and defaults', () => {
    expect(CFG.variables).toEqual(['A_PORT', 'B_URL', 'S_SECRET']);
    expect(CFG.describe().map((v) => [v.name, v.default, v.required, v.fragments])).toEqual([
      ['A_PORT', '5', false, ['pair']],
      ['B_URL', undefined, true, ['single']],
      ['S_SECRET', undefined, false, ['pair']],
    ]);
  });

  it('applies defaults and treats empty values as unset', () => {
    expect(CFG.load({ B_URL: 'x:ok', A_PORT: '' })).toEqual({ pair: { port: 5, secret: undefined }, single: 'x:ok' });
  });

  it('lists every problem at once: missing, wrong and cross-variable, each with value and fix', () => {
    const r = CFG.parse({ A_PORT: '11', S_SECRET: 'short' });
    expect(r.ok).toBe(false);
    expect(!r.ok && r.problems).toEqual([
      { variable: 'A_PORT', value: '11', problem: 'must be at most 10', fix: 'set A_PORT to a whole number 1-10, e.g. A_PORT=7' },
      { variable: 'B_URL', problem: 'is required but not set', fix: 'set B_URL to an x: URL, e.g. B_URL=x:1' },
      { variable: 'S_SECRET', hidden: true, problem: 'must be at least 8 characters', fix: 'set S_SECRET to a secret of 8+ characters, e.g. S_SECRET=longsecret' },
    ]);
    // The cross-variable check runs when its fragment's variables parsed.
    const c = CFG.parse({ A_PORT: '9', B_URL: 'nope' });
    expect(!c.ok && c.problems.map((p) => `${p.variable}: ${p.problem}`)).toEqual(['B_URL: must start with x:', 'S_SECRET: is required when A_PORT=9']);
  });

  it('throws a ConfigError whose message has one line per problem', () => {
    let err: unknown;
    try {
      CFG.load({ A_PORT: 'ten' });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).message).toBe(
      'The test app cannot start; fix these environment variables:\n' +
        '  - A_PORT="ten": must be a whole number; fix: set A_PORT to a whole number 1-10, e.g. A_PORT=7\n' +
        '  - B_URL (not set): is required but not set; fix: set B_URL to an x: URL, e.g. B_URL=x:1',
    );
    expect(ConfigError.EXIT_CODE).toBe(2);
  });

  it('masks the password of a URL value and hides secrets', () => {
    const U = envVar({ name: 'U', schema: z.string().startsWith('postgres:').max(10, 'is too long'), required: true, doc: 'u', expected: 'short', example: 'postgres:x' });
    const r = composeConfig('t', { u: defineFragment({ name: 'u', vars: { U }, build: (v) => v.U }) }).parse({ U: 'postgres://me:hunter2@db:5432/x' });
    expect(!r.ok && formatProblem(r.problems[0])).toBe('U="postgres://me:***@db:5432/x": is too long; fix: set U to short, e.g. U=postgres:x');
    const s = CFG.parse({ B_URL: 'x:', S_SECRET: 'hunter2' });
    expect(!s.ok && s.problems.map(formatProblem)).toEqual(['S_SECRET (set, value hidden): must be at least 8 characters; fix: set S_SECRET to a secret of 8+ characters, e.g. S_SECRET=longsecret']);
  });

  it('shares a variable between fragments, and refuses two definitions of one name', () => {
    const other = defineFragment({ name: 'other', vars: { A_PORT: A }, build: (v) => v.A_PORT * 2 });
    expect(composeConfig('t', { pair, other }).load({ A_PORT: '3' })).toEqual({ pair: { port: 3, secret: undefined }, other: 6 });
    const changed = defineFragment({ name: 'changed', vars: { A_PORT: A.withDefault('6') }, build: (v) => v.A_PORT });
    expect(() => composeConfig('t', { pair, changed })).toThrow('config: t composes A_PORT twice with different definitions (fragments pair and changed)');
  });

  it('guards fragment keys and defaults at definition time', () => {
    expect(() => defineFragment({ name: 'typo', vars: { A_PROT: A }, build: () => 0 })).toThrow('keys A_PORT as A_PROT');
    expect(() => envVar({ name: 'D', schema: intText(1, 2), default: '3', doc: '', expected: '', example: '1' })).toThrow('the default "3" of D does not parse');
  });

  it('map keeps the variables and the problems', () => {
    const mapped = CFG.map((c) => c.pair.port + 1);
    expect(mapped.variables).toBe(CFG.variables);
    expect(mapped.load({ B_URL: 'x:' })).toBe(6);
    expect(mapped.parse({}).ok).toBe(false);
  });

  it('resolves relative paths against the given cwd, which must be absolute', () => {
    expect(() => CFG.parse({ B_URL: 'x:' }, { cwd: 'relative' })).toThrow('cwd must be absolute');
  });
});
