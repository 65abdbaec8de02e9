import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { releaseLock, takeLock } from './lock';

describe('the build lock', () => {
  let dir: string;
  beforeEach(() => { dir = mkdtempSync(join(tmpdir(), 'coinhts-lock-')); });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('is taken over at once when its holder died (a killed run must not make the next one wait 30 minutes)', () => {
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
    const path = join(dir, 'layer');
    mkdirSync(`${path}.lock`);
    writeFileSync(join(`${path}.lock`, 'pid'), dead.stdout);
    expect(takeLock(path, `${path}.done`)).toBe(true);
    releaseLock(path);
    expect(existsSync(`${path}.lock`)).toBe(false);
  });

  it('held by a live process: waits, and answers false once the holder marked the work done', () => {
    const path = join(dir, 'layer');
    mkdirSync(`${path}.lock`);
    writeFileSync(join(`${path}.lock`, 'pid'), String(process.pid)); // this process: alive
    writeFileSync(`${path}.done`, '');
    expect(takeLock(path, `${path}.done`)).toBe(false);
    expect(existsSync(`${path}.lock`)).toBe(true);
  });
});
