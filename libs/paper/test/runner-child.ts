// A paper runner in its own process, for the crash tests: wired to the fake Upbit servers and a
// fixed clock given by the parent test. Prints one JSON line per runner event on stdout.
import { createDataSource, PaperSessionRepository } from '@coinhts/results';
import { fakeRunner } from './env';

async function main(): Promise<void> {
  const env = (k: string): string => {
    const v = process.env[k];
    if (!v) throw new Error(`runner-child: ${k} is not set`);
    return v;
  };
  const ds = createDataSource({ url: env('DATABASE_URL'), schema: env('PAPER_SCHEMA'), poolSize: 3 });
  await ds.initialize();
  const repo = new PaperSessionRepository(ds);
  const now = Number(env('FAKE_NOW'));
  const runner = fakeRunner({
    repo, owner: env('OWNER'), wsUrl: env('WS_URL'), restUrl: env('REST_URL'), now: () => now, leaseMs: Number(process.env.LEASE_MS ?? 1500),
    onEvent: (e) => { process.stdout.write(`${JSON.stringify({ ...e, error: 'error' in e ? String(e.error) : undefined })}\n`); },
  });
  runner.start();
  process.stdout.write(`${JSON.stringify({ type: 'started', pid: process.pid })}\n`);
  process.once('SIGTERM', () => {
    void runner.close().then(() => ds.destroy()).then(() => process.exit(0));
  });
}

main().catch((err) => {
  process.stderr.write(`${String(err)}\n`);
  process.exit(1);
});
