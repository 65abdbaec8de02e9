/**
 * The process shell's contract: exit 2 for what the operator must fix (configuration, start-up
 * checks), 1 for a failure to start or to stop, 0 after a clean stop on SIGTERM/SIGINT.
 */
import { ConfigError, PAPER_CONFIG } from '@coinhts/config';
import { runService, StartupError, type ServiceDefinition, type ServiceHost } from './run-service';

function fakeHost() {
  const signals = new Map<string, () => void>();
  let resolveExit: (code: number) => void = () => undefined;
  const exited = new Promise<number>((r) => { resolveExit = r; });
  const out: string[] = [];
  const host: ServiceHost = {
    stderr: (t) => { out.push(t); },
    exit: (code) => resolveExit(code),
    onSignal: (s, h) => { signals.set(s, h); },
  };
  return { host, exited, stderr: () => out.join(''), signal: (s: string) => signals.get(s)?.() };
}

const base: ServiceDefinition<{ level: string }> = {
  service: 'coinhts-test',
  loadConfig: () => ({ level: 'silent' }),
  logLevel: (c) => c.level,
  start: async () => ({ close: async () => undefined }),
  stopping: 'stopping',
};

it('a wrong environment exits 2 with every problem the configuration module lists', async () => {
  const h = fakeHost();
  await runService({ ...base, loadConfig: () => { PAPER_CONFIG.load({ DATABASE_URL: 'mysql://x', PAPER_LEASE_MS: '10' }); return { level: 'silent' }; } }, h.host);
  expect(await h.exited).toBe(2);
  expect(h.stderr()).toMatch(/DATABASE_URL="mysql:\/\/x"/);
  expect(h.stderr()).toMatch(/PAPER_LEASE_MS="10"/);
});

it('a start-up check the operator must fix exits 2 naming the process; a class the app names counts too', async () => {
  const a = fakeHost();
  await runService({ ...base, prepare: async () => { throw new StartupError('module ./x.js: failed to load'); } }, a.host);
  expect(await a.exited).toBe(2);
  expect(a.stderr()).toBe('The test cannot start: module ./x.js: failed to load\n');
  class PluginError extends Error {}
  const b = fakeHost();
  await runService({ ...base, prepare: async () => { throw new PluginError('duplicate name sma'); }, isStartupError: (e) => e instanceof PluginError }, b.host);
  expect(await b.exited).toBe(2);
  expect(b.stderr()).toBe('The test cannot start: duplicate name sma\n');
});

it('any other failure to start exits 1 with the stack, and a ConfigError is not confused with it', async () => {
  const h = fakeHost();
  await runService({ ...base, start: async () => { throw new Error('ECONNREFUSED 127.0.0.1:5432'); } }, h.host);
  expect(await h.exited).toBe(1);
  expect(h.stderr()).toMatch(/^coinhts test failed to start: Error: ECONNREFUSED 127\.0\.0\.1:5432\n\s+at /);
  expect(new ConfigError('x', []).code).toBe('CONFIG_INVALID');
});

it('SIGTERM closes once and exits 0; a second signal does not close again', async () => {
  const h = fakeHost();
  let closes = 0;
  await runService({ ...base, start: async () => ({ close: async () => { closes++; } }) }, h.host);
  h.signal('SIGTERM');
  h.signal('SIGINT');
  expect(await h.exited).toBe(0);
  expect(closes).toBe(1);
});

it('a failed close exits 1', async () => {
  const h = fakeHost();
  await runService({ ...base, start: async () => ({ close: async () => { throw new Error('checkpoint write failed'); } }) }, h.host);
  h.signal('SIGINT');
  expect(await h.exited).toBe(1);
});
