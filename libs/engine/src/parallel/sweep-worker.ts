import { parentPort, workerData } from 'node:worker_threads';
import { getStrategy } from '../strategies';
import { evaluateParamSet } from '../sweep';
import type { WorkerInit, WorkerReply, WorkerTask } from './protocol';

// Worker side of runSweepParallel: evaluates chunks of combinations against shared candles.
const init = workerData as WorkerInit;
const port = parentPort;
if (!port) throw new Error('sweep-worker must run as a worker thread');
let strategy: ReturnType<typeof getStrategy> | undefined;
try {
  strategy = getStrategy(init.strategy);
  port.postMessage({ type: 'ready' } satisfies WorkerReply);
} catch (err) {
  const e = err as { name?: string; code?: string; message?: string };
  port.postMessage({ type: 'error', error: { name: e.name ?? 'Error', code: e.code, message: e.message ?? String(err) } } satisfies WorkerReply);
}
port.on('message', (task: WorkerTask) => {
  if (!strategy) return;
  try {
    const rows = task.sets.map((set, k) => evaluateParamSet(strategy as never, init.baseParams, set, task.start + k, init.series, init.options, init.rankBy));
    port.postMessage({ type: 'rows', rows } satisfies WorkerReply);
  } catch (err) {
    const e = err as { name?: string; code?: string; message?: string; issues?: unknown };
    port.postMessage({ type: 'error', error: { name: e.name ?? 'Error', code: e.code, message: e.message ?? String(err), issues: e.issues } } satisfies WorkerReply);
  }
});
