import { pgEnvironment, withDatabase } from './pg-tools';
import { dumpName, parseDumpKey, selectExpired, type DumpRef } from './retention';

const day = 86_400_000;
const now = new Date('2026-03-01T00:00:00Z');
const ref = (family: string, daysAgo: number): DumpRef => {
  const takenAt = new Date(now.getTime() - daysAgo * day);
  return { key: `backups/${dumpName(family, takenAt)}`, family, takenAt };
};

describe('backup names and retention', () => {
  it('names round-trip through parseDumpKey, millisecond stamp and family (with dots and dashes) included', () => {
    const d = new Date('2026-01-15T03:15:00.123Z');
    expect(dumpName('coin-hts.results_1', d)).toBe('coin-hts.results_1-20260115T031500123Z.dump');
    expect(parseDumpKey(`a/b/${dumpName('coin-hts.results_1', d)}`)).toEqual({ key: `a/b/${dumpName('coin-hts.results_1', d)}`, family: 'coin-hts.results_1', takenAt: d });
    expect(parseDumpKey('backups/x-20260115T031500123Z.dump.sha256')).toBeUndefined();
    expect(parseDumpKey('backups/notes.txt')).toBeUndefined();
  });

  it('keeps the N newest per family and drops the rest', () => {
    const dumps = [0, 1, 2, 3, 4].map((d) => ref('db', d));
    expect(selectExpired(dumps, { keep: 3, maxAgeDays: 0 }, now).map((d) => d.key)).toEqual([ref('db', 4).key, ref('db', 3).key]);
  });

  it('drops dumps older than the age limit but never the newest of a family', () => {
    const dumps = [ref('db', 10), ref('db', 40), ref('other', 400)];
    expect(selectExpired(dumps, { keep: 10, maxAgeDays: 30 }, now).map((d) => d.key)).toEqual([ref('db', 40).key]);
    expect(selectExpired([ref('db', 400), ref('db', 500)], { keep: 10, maxAgeDays: 30 }, now).map((d) => d.key)).toEqual([ref('db', 500).key]);
  });

  it('pg tools get the URL as PG* variables (password decoded, never on the command line)', () => {
    expect(pgEnvironment('postgres://us%40er:p%3Ass@db.example:6543/coin%20hts?sslmode=require')).toEqual({
      PGHOST: 'db.example', PGPORT: '6543', PGUSER: 'us@er', PGPASSWORD: 'p:ss', PGDATABASE: 'coin hts', PGSSLMODE: 'require',
    });
    expect(withDatabase('postgres://u@h:1/a?x=1', 'b')).toBe('postgres://u@h:1/b?x=1');
  });
});
