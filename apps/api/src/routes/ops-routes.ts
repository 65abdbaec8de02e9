import type { JobQueues, JobState, JobStatus } from '@coinhts/jobs';
import { z } from 'zod';
import { ApiError, ApiErrorCode } from '../http/api-error';
import type { ApiMetrics } from '../http/metrics';
import type { RouteDef } from '../http/route-table';
import type { OpenApiDocument } from '../openapi/build-openapi';
import { renderDocsPage } from '../openapi/docs-page';
import type { ReadinessCheck, RouteDeps } from './deps';
import { iso } from './views';

/** Error raised by `/readyz` when a dependency does not answer (503). */
class NotReadyError extends Error {
  readonly code = 'UNAVAILABLE' as const;
  constructor(readonly checks: Record<string, string>) {
    super(`Not ready: ${Object.entries(checks).filter(([, v]) => v !== 'ok').map(([k, v]) => `${k} ${v}`).join('; ')}`);
  }
}

async function runCheck(c: ReadinessCheck, timeoutMs: number): Promise<string> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([c.check(), new Promise((_, reject) => { timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs); })]);
    return 'ok';
  } catch (err) {
    return `error: ${(err as Error).message}`;
  } finally {
    clearTimeout(timer);
  }
}

/** Job counts of the queues, for the metrics gauge and the admin page. */
export async function queueCounts(jobs: JobQueues): Promise<Record<string, Record<string, number>>> {
  // Sweep counts include the chunk jobs as well as the sweeps (parents): BullMQ counts both.
  const [backtest, sweep, dead] = await Promise.all([jobs.backtests.counts(), jobs.sweeps.counts(), jobs.deadLetter.size()]);
  return { backtest: { ...backtest }, sweep: { ...sweep }, 'dead-letter': { failed: dead } };
}

const esc = (s: unknown): string => String(s).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);

function jobRow(s: JobStatus): string {
  const detail = s.state === 'running' ? `${Math.round(s.progress * 100)} % ${s.stage}` : s.state === 'failed' ? `${s.error.code}: ${s.error.message}` : s.state === 'completed' ? `run ${s.runId ?? ''}` : s.state === 'cancelled' ? s.reason : `waiting for ${s.waitingFor}`;
  return `<tr><td><code>${esc(s.id)}</code></td><td>${esc(s.state)}</td><td>${esc(iso(s.createdAt) ?? '')}</td><td>${s.attemptsMade}/${s.maxAttempts}</td><td>${esc(detail)}</td></tr>`;
}

/** Health, readiness, metrics, OpenAPI, docs and the admin queue page. */
export function opsRoutes(deps: RouteDeps, metrics: ApiMetrics, spec: () => OpenApiDocument): RouteDef[] {
  let docsHtml: string | undefined;
  return [
    {
      method: 'get',
      path: '/healthz',
      operationId: 'healthz',
      summary: 'Liveness: the process is up',
      tags: ['ops'],
      scope: null,
      responses: { 200: { description: 'Up', schema: z.object({ status: z.literal('ok'), uptime_s: z.number() }), example: { status: 'ok', uptime_s: 12.5 } } },
      handler: (_req, res) => {
        res.json({ status: 'ok', uptime_s: Math.round(process.uptime() * 10) / 10 });
      },
    },
    {
      method: 'get',
      path: '/readyz',
      operationId: 'readyz',
      summary: 'Readiness: PostgreSQL, Redis and storage answer (503 otherwise, and while shutting down)',
      tags: ['ops'],
      scope: null,
      responses: {
        200: { description: 'Ready', schema: z.object({ status: z.literal('ready'), checks: z.record(z.string(), z.string()) }), example: { status: 'ready', checks: { postgres: 'ok', redis: 'ok', storage: 'ok' } } },
      },
      handler: async (_req, res) => {
        if (deps.isShuttingDown()) throw new ApiError(ApiErrorCode.ShuttingDown, 'The server is shutting down');
        const results = await Promise.all(deps.readiness.map(async (c) => [c.name, await runCheck(c, 2_000)] as const));
        const checks = Object.fromEntries(results);
        if (results.some(([, v]) => v !== 'ok')) throw Object.assign(new NotReadyError(checks), { details: { checks } });
        res.json({ status: 'ready', checks });
      },
    },
    {
      method: 'get',
      path: '/metrics',
      operationId: 'metrics',
      summary: 'Prometheus metrics: requests and latency per route, queue gauges, process',
      tags: ['ops'],
      scope: 'read',
      responses: { 200: { description: 'Prometheus text format', contentTypes: ['text/plain'] } },
      handler: async (_req, res) => {
        res.setHeader('Content-Type', metrics.registry.contentType);
        res.send(await metrics.registry.metrics());
      },
    },
    {
      method: 'get',
      path: '/openapi.json',
      operationId: 'openapi',
      summary: 'This OpenAPI 3.1 document',
      tags: ['docs'],
      scope: null,
      responses: { 200: { description: 'OpenAPI 3.1 JSON', contentTypes: ['application/json'] } },
      handler: (_req, res) => {
        res.json(spec());
      },
    },
    {
      method: 'get',
      path: '/docs',
      operationId: 'docs',
      summary: 'Browsable API reference (self-contained HTML)',
      tags: ['docs'],
      scope: null,
      responses: { 200: { description: 'HTML page', contentTypes: ['text/html'] } },
      handler: (_req, res) => {
        docsHtml ??= renderDocsPage(spec());
        res.type('html').send(docsHtml);
      },
    },
    {
      method: 'get',
      path: '/admin/queues',
      operationId: 'adminQueues',
      summary: 'Queue overview for operators (HTML; admin keys only; browsers may log in with Basic auth, key as password)',
      tags: ['admin'],
      scope: 'admin',
      basicChallenge: true,
      responses: { 200: { description: 'HTML page', contentTypes: ['text/html'] } },
      handler: async (_req, res) => {
        const counts = await queueCounts(deps.jobs);
        const states: JobState[] = ['running', 'queued', 'failed', 'completed', 'cancelled'];
        const sections: string[] = [];
        for (const [name, q] of [['backtest', deps.jobs.backtests], ['sweep', deps.jobs.sweeps]] as const) {
          const rows: string[] = [];
          for (const st of states) for (const s of await q.list(st, { limit: 10 })) rows.push(jobRow(s));
          sections.push(`<h2>${esc(name)}</h2><p>${Object.entries(counts[name] ?? {}).map(([k, v]) => `${esc(k)}: <b>${v}</b>`).join(' · ')}</p><table><tr><th>id</th><th>state</th><th>created</th><th>attempts</th><th>detail</th></tr>${rows.join('') || '<tr><td colspan="5">no jobs</td></tr>'}</table>`);
        }
        const dead = await deps.jobs.deadLetter.list({ limit: 20 });
        const schedule = await deps.jobs.ingestion.getDailySchedule();
        res.type('html').send(`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>coin-hts queues</title>
<style>body{font:14px system-ui,sans-serif;margin:20px}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:3px 6px;text-align:left;font-size:13px}</style></head><body>
<h1>Queues</h1>${sections.join('')}
<h2>dead letters (${counts['dead-letter'].failed})</h2><table><tr><th>queue</th><th>job</th><th>error</th><th>attempts</th><th>failed at</th></tr>${dead.map((d) => `<tr><td>${esc(d.queue)}</td><td><code>${esc(d.jobId)}</code></td><td>${esc(`${d.error.code}: ${d.error.message}`)}</td><td>${d.attemptsMade}/${d.maxAttempts}</td><td>${esc(iso(d.failedAt))}</td></tr>`).join('') || '<tr><td colspan="5">none</td></tr>'}</table>
<h2>daily data refresh</h2><p>${schedule ? `${esc(schedule.pattern)} ${esc(schedule.tz)}, next ${esc(iso(schedule.nextRunAt) ?? 'unknown')}` : 'not scheduled'}</p>
</body></html>`);
      },
    },
  ];
}
