import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { startFakeUpbit, startFakeUpbitStream } from '@coinhts/market-data/testing';
import { createDataSource, LeaseLostError, PaperSessionRepository } from '@coinhts/results';
import { dayOnTicks, fakeCandles, sourceExecArgv, useSchema, waitFor } from '../test/env';
import { PaperService } from './paper-service';

const db = useSchema();
const REQUEST = (name: string) => ({ name, pairs: [{ symbol: 'KRW-BTC', strategy: 'sma_crossover', params: { fast_period: 5, slow_period: 20 } }], options: {} });

function child(env: Record<string, string>): { proc: ChildProcess; lines: Record<string, unknown>[]; exited: Promise<number | null> } {
  const proc = spawn(process.execPath, [...sourceExecArgv(), join(__dirname, '../test/runner-child.ts')], { env: { ...process.env, PAPER_SCHEMA: db.schema, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
  const lines: Record<string, unknown>[] = [];
  let buf = '';
  proc.stdout?.on('data', (d: Buffer) => {
    buf += d.toString('utf8');
    let k: number;
    while ((k = buf.indexOf('\n')) >= 0) {
      try { lines.push(JSON.parse(buf.slice(0, k)) as Record<string, unknown>); } catch { /* not ours */ }
      buf = buf.slice(k + 1);
    }
  });
  return { proc, lines, exited: new Promise((r) => proc.once('exit', (c) => r(c))) };
}

describe('one session, one owner (PostgreSQL lease)', () => {
  it('two processes racing for a session: exactly one runs it; when it dies the other takes it over', async () => {
    const day = dayOnTicks(3, Date.parse('2025-11-12T00:00:00Z'), 10);
    const rest = await startFakeUpbit({ data: { 'KRW-BTC': { 'minutes/1': fakeCandles(day) } } });
    const ws = await startFakeUpbitStream();
    const s = await new PaperService(db.repo).start(REQUEST('race'));
    const env = { DATABASE_URL: db.url, WS_URL: ws.url, REST_URL: rest.baseUrl, LEASE_MS: '4000', FAKE_NOW: String(day.timestamp[0] + 5000) };
    const a = child({ ...env, OWNER: 'proc-a' });
    const b = child({ ...env, OWNER: 'proc-b' });
    try {
      await waitFor('one process claimed the session', async () => (await db.repo.get(s.id)).owner !== null);
      await ws.waitForSubscriptions(1);
      const owner = (await db.repo.get(s.id)).owner;
      const polls = ws.connectionsTotal;
      // Wait for two lease renewals by the owner (every ~1.3 s): meanwhile both runners polled ~25 times (every 100 ms).
      let lease = (await db.repo.get(s.id)).leaseUntil as number;
      for (let r = 0; r < 2; r++) {
        const prev = lease;
        lease = await waitFor('a lease renewal', async () => {
          const now = (await db.repo.get(s.id)).leaseUntil as number;
          return now > prev ? now : 0;
        });
      }
      expect((await db.repo.get(s.id)).owner).toBe(owner);
      const claimedBy = [a, b].filter((c) => c.lines.some((l) => l.type === 'claimed' && l.sessionId === s.id));
      expect(claimedBy).toHaveLength(1);
      expect(ws.connectionsTotal).toBe(polls); // the loser opened no stream
      const [winner, loser] = owner === 'proc-a' ? [a, b] : [b, a];
      winner.proc.kill('SIGKILL');
      await winner.exited;
      await waitFor('the other process took the session over after the lease expired', () => loser.lines.some((l) => l.type === 'claimed' && l.sessionId === s.id), 30_000);
      expect((await db.repo.get(s.id)).owner).toBe(owner === 'proc-a' ? 'proc-b' : 'proc-a');
    } finally {
      a.proc.kill('SIGKILL');
      b.proc.kill('SIGKILL');
      await Promise.all([a.exited, b.exited]);
      await ws.close();
      await rest.close();
    }
  }, 60_000);

  it('claims from two connections at once never hand the same session to both (SKIP LOCKED)', async () => {
    const other = createDataSource({ url: db.url, schema: db.schema, poolSize: 4 });
    await other.initialize();
    try {
      const repo2 = new PaperSessionRepository(other);
      const ids: string[] = [];
      for (let i = 0; i < 5; i++) ids.push((await new PaperService(db.repo).start(REQUEST(`claim-${i}`))).id);
      const results = await Promise.all(Array.from({ length: 10 }, (_, i) => (i % 2 === 0 ? db.repo : repo2).claim(`owner-${i}`, 60_000)));
      const got = results.flat().map((r) => r.id).filter((id) => ids.includes(id));
      expect(got.sort()).toEqual([...ids].sort()); // each claimed exactly once
    } finally {
      await other.destroy();
    }
  });

  it('an owner whose lease was taken over cannot write: its checkpoint fails with LEASE_LOST and changes nothing', async () => {
    const s = await new PaperService(db.repo).start(REQUEST('fenced'));
    await db.ds.query(`UPDATE paper_sessions SET owner = 'old', lease_until = now() - interval '1 second' WHERE id = $1`, [s.id]);
    const claimed = await db.repo.claim('new', 60_000);
    expect(claimed.map((c) => c.id)).toContain(s.id);
    const write = db.repo.checkpoint(s.id, 'old', { pairs: [], signals: [{ pairIndex: 0, barTime: 0, side: 1, confidence: 1, level: null }], orders: [], trades: [], snapshots: [], events: [] });
    await expect(write).rejects.toBeInstanceOf(LeaseLostError);
    const rows = (await db.ds.query(`SELECT count(*)::int AS n FROM paper_signals WHERE session_id = $1`, [s.id])) as { n: number }[];
    expect(rows[0].n).toBe(0);
    expect(await db.repo.renew(s.id, 'old', 1000)).toBeNull();
  });
});
