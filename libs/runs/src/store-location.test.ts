import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StoreNotWritableError } from './errors';
import { checkStoreWritable, type StoreLocation } from './store-location';

const local = (dir: string): StoreLocation => ({ kind: 'local', dir, url: `file://${dir}/` }) as StoreLocation;

describe('checkStoreWritable', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'coinhts-store-check-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('creates a missing folder and leaves no probe file behind', async () => {
    const results = join(dir, 'a', 'b');
    await checkStoreWritable(local(results));
    expect(readdirSync(results)).toEqual([]);
  });

  it('refuses a folder that cannot be created, naming it and the reason', async () => {
    writeFileSync(join(dir, 'file'), 'not a folder');
    const results = join(dir, 'file', 'results');
    const err = await checkStoreWritable(local(results)).then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(StoreNotWritableError);
    expect(err).toMatchObject({ code: 'STORE_NOT_WRITABLE', path: results });
    expect((err as Error).message).toContain(`the results folder ${results} is not writable`);
    expect((err as Error).message).toMatch(/ENOTDIR|EEXIST/);
    expect((err as Error).message).toContain('RESULTS_STORE');
  });
});
