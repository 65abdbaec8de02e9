/** Compose interpolation and Dockerfile ENV parsing of the emulator, against hand-written expectations. */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseEnvArgs } from './builder';
import { interpolate, parseEnvFile, resolveCompose, startOrder } from './compose';

const root = resolve(__dirname, '../../..');

describe('compose interpolation', () => {
  const vars = { A: 'a', EMPTY: '' };
  it.each([
    ['${A}', 'a'],
    ['$A-x', 'a-x'],
    ['${MISSING:-d}', 'd'],
    ['${EMPTY:-d}', 'd'],
    ['${EMPTY-d}', ''],
    ['${MISSING-d}', 'd'],
    ['$${NOT}', '${NOT}'],
    ['pre-${A}-${MISSING}-post', 'pre-a--post'],
  ])('%s → %s', (input, expected) => {
    expect(interpolate(input, vars)).toBe(expected);
  });

  it('a required variable that is missing or empty fails with its message', () => {
    expect(() => interpolate('${EMPTY:?set EMPTY}', vars)).toThrow('required variable EMPTY is missing a value: set EMPTY');
    expect(interpolate('${EMPTY?set it}', vars)).toBe('');
    expect(() => interpolate('${NOPE?set it}', vars)).toThrow('NOPE');
  });

  it('reads dotenv files (comments, blanks, quotes)', () => {
    expect(parseEnvFile('# c\n\nA=1\nB="two words"\nC=\n  D=x\n')).toEqual({ A: '1', B: 'two words', C: '', D: 'x' });
  });

  it('resolves docker/compose.yml with .env.example as Docker Compose does', () => {
    const file = resolveCompose(join(root, 'docker/compose.yml'), readFileSync(join(root, '.env.example'), 'utf8'));
    expect(file.services['api'].environment['DATABASE_URL']).toBe('postgres://coinhts:change-me-postgres@postgres:5432/coinhts');
    expect(file.services['worker'].environment['AWS_ACCESS_KEY_ID']).toBe('coinhts-s3');
    expect(file.services['worker'].deploy?.replicas).toBe(2);
    expect(file.services['migrate'].command).toEqual(['node', 'apps/cli/dist/main.js', 'db', 'migrate', '--wait', '60']);
    expect(file.services['postgres'].healthcheck?.test).toEqual(['CMD-SHELL', 'pg_isready -h 127.0.0.1 -U "$POSTGRES_USER" -d "$POSTGRES_DB"']);
    const order = startOrder(file);
    for (const [before, after] of [['postgres', 'migrate'], ['migrate', 'api'], ['s3', 's3-init'], ['s3-init', 'worker'], ['redis', 'worker']]) {
      expect({ before, after, ok: order.indexOf(before) < order.indexOf(after) }).toEqual({ before, after, ok: true });
    }
  });
});

describe('Dockerfile ENV arguments', () => {
  it('splits key=value pairs, quoted values and the legacy form', () => {
    expect(parseEnvArgs('A=1 B="x y" C=\'q\' D=')).toEqual([['A', '1'], ['B', 'x y'], ['C', 'q'], ['D', '']]);
    expect(parseEnvArgs('LEGACY some value')).toEqual([['LEGACY', 'some value']]);
  });
});
