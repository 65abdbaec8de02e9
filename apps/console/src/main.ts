/**
 * The coin-hts web console (served by the API under /console). Views by URL hash: #runs (list and
 * filter), #run/ID (the report, drawn by the same code as the report file, plus downloads), #new
 * (a backtest form generated from the strategy's JSON Schema, run now or queued with live progress
 * and cancel; presets), #compare/ID,ID (metrics side by side, equity overlaid), #data (inventory
 * and import). No inline scripts: it runs under the API's default CSP.
 */
import type { UTCTimestamp } from 'lightweight-charts';
import {
  formatCount, formatFractionAsPercent, formatKrw, formatNumber, formatPercent, formatRatio, formatUtcTime, h, section, sortableTable,
  type ReportData, type ReportView,
} from '@coinhts/report/widgets';
import type { ConsoleCharts } from './charts-entry';
import { ApiCallError, apiKey, call, download, followEvents, getJson, setApiKey, type FieldIssue } from './api';
import { gridParams, type GridParam } from './grid-form';
import { paperListView, paperSessionView, type ViewKit } from './paper-view';
import { field, fieldValue, schemaFields, showIssues, type FormField, type PropertySchema } from './schema-form';

interface RunItem {
  run_id: string; kind: string; status: string; strategy: string; symbols: string[]; timeframe: string | null; created_at: string;
  total_return_pct: number | null; sharpe: number | null; max_drawdown_pct: number | null; trade_count: number | null;
}
interface Strategy { name: string; title: string; description: string; params_schema: { properties?: Record<string, never> }; defaults: Record<string, unknown> }

const app = document.getElementById('app') as HTMLElement;

let chartsScript: Promise<ConsoleCharts> | null = null;
/** Loads /console/console-charts.js once (a same-origin script: allowed by the CSP). */
function charts(): Promise<ConsoleCharts> {
  chartsScript ??= new Promise((resolve, reject) => {
    const s = h('script', { src: '/console/console-charts.js' });
    s.addEventListener('load', () => resolve((window as unknown as { coinhtsCharts: ConsoleCharts }).coinhtsCharts));
    s.addEventListener('error', () => { chartsScript = null; reject(new Error('could not load /console/console-charts.js')); });
    document.head.append(s);
  });
  return chartsScript;
}
let current: ReportView | null = null;

function errorBox(err: unknown): HTMLElement {
  const msg = err instanceof ApiCallError ? `${err.code}: ${err.message}` : String(err);
  return h('p', { class: 'error', role: 'alert' }, msg);
}

/** Run when the view changes (closing event streams). */
const onLeave: (() => void)[] = [];

function shell(title: string, ...content: (Node | string)[]): void {
  current?.dispose();
  current = null;
  for (const f of onLeave.splice(0)) f();
  const nav = h('nav', { 'aria-label': 'Console' },
    h('a', { href: '#runs' }, 'Runs'), h('a', { href: '#new' }, 'New backtest'), h('a', { href: '#sweep' }, 'New sweep'),
    h('a', { href: '#paper' }, 'Paper trading'), h('a', { href: '#data' }, 'Data'),
    h('button', { type: 'button', id: 'forget-key' }, 'Forget key'));
  app.replaceChildren(h('header', { class: 'console-head' }, h('span', { class: 'brand' }, 'coin-hts console'), nav), h('main', { class: 'coinhts-report', id: 'main' }, h('h1', {}, title), ...content));
  (document.getElementById('forget-key') as HTMLButtonElement).addEventListener('click', () => { setApiKey(null); route(); });
  document.title = `${title} · coin-hts console`;
}

/** The frame the views in other modules draw into. */
const kit: ViewKit = { shell, errorBox, onLeave: (f) => { onLeave.push(f); } };

function keyView(): void {
  const input = h('input', { type: 'password', autocomplete: 'off', required: true });
  const f = field('api-key', 'API key', input, 'A key with the read scope (and run to submit backtests). Kept in this tab only, sent as a header.', 'string');
  const form = h('form', { class: 'key-form' }, f.el, h('button', { type: 'submit' }, 'Use key'));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    setApiKey(input.value.trim());
    location.hash = '#runs';
    route();
  });
  app.replaceChildren(h('main', { class: 'coinhts-report' }, h('h1', {}, 'coin-hts console'), form));
  input.focus();
}

async function runsView(params: URLSearchParams): Promise<void> {
  const strategy = h('input', { type: 'text', value: params.get('strategy') ?? '' });
  const symbol = h('input', { type: 'text', value: params.get('symbol') ?? '' });
  const kind = h('select', {}, ...['', 'sync', 'async', 'sweep'].map((k) => h('option', { value: k, selected: k === (params.get('kind') ?? '') }, k || 'any')));
  const filters = h('form', { class: 'controls', role: 'search' },
    field('strategy', 'Strategy', strategy, '', 'string').el, field('symbol', 'Symbol', symbol, '', 'string').el, field('kind', 'Kind', kind, '', 'string').el,
    h('button', { type: 'submit' }, 'Filter'));
  filters.addEventListener('submit', (e) => {
    e.preventDefault();
    const q = new URLSearchParams();
    if (strategy.value.trim()) q.set('strategy', strategy.value.trim());
    if (symbol.value.trim()) q.set('symbol', symbol.value.trim());
    if (kind.value) q.set('kind', kind.value);
    location.hash = `#runs?${q.toString()}`;
  });
  const list = h('div', { 'aria-live': 'polite' }, 'Loading…');
  const compare = h('button', { type: 'button', id: 'compare-selected' }, 'Compare selected');
  shell('Runs', filters, list, compare);
  const q = new URLSearchParams(params);
  q.set('limit', '50');
  try {
    const t0 = performance.now();
    const page = await getJson<{ items: RunItem[]; next_cursor: string | null }>(`/api/v1/backtests?${q.toString()}`);
    const rows = page.items;
    const checks = rows.map((r) => h('input', { type: 'checkbox', value: r.run_id, 'aria-label': `select run ${r.run_id} for comparison` }));
    list.replaceChildren(sortableTable({
      caption: `${formatCount(rows.length)} runs${page.next_cursor ? ' (first page)' : ''}; newest first`, rows: rows.length, testId: 'runs-table', pageSize: 50,
      columns: [
        { label: 'Run', key: (i) => rows[i].run_id, text: (i) => rows[i].run_id },
        { label: 'Created', key: (i) => rows[i].created_at, text: (i) => formatUtcTime(Date.parse(rows[i].created_at)) },
        { label: 'Kind', key: (i) => rows[i].kind, text: (i) => rows[i].kind },
        { label: 'Strategy', key: (i) => rows[i].strategy, text: (i) => rows[i].strategy },
        { label: 'Symbols', key: (i) => rows[i].symbols.join(','), text: (i) => `${rows[i].symbols.join(', ')} ${rows[i].timeframe ?? ''}` },
        { label: 'Return [%]', numeric: true, key: (i) => rows[i].total_return_pct ?? NaN, text: (i) => formatPercent(rows[i].total_return_pct, { unit: false }) },
        { label: 'Sharpe', numeric: true, key: (i) => rows[i].sharpe ?? NaN, text: (i) => formatRatio(rows[i].sharpe) },
        { label: 'Max. DD [%]', numeric: true, key: (i) => rows[i].max_drawdown_pct ?? NaN, text: (i) => formatPercent(rows[i].max_drawdown_pct === null ? null : -rows[i].max_drawdown_pct, { unit: false }) },
        { label: 'Trades', numeric: true, key: (i) => rows[i].trade_count ?? NaN, text: (i) => formatCount(rows[i].trade_count) },
      ],
    }));
    // Links and checkboxes go into the first column's cells after the table is drawn.
    const decorate = () => list.querySelectorAll('tbody tr').forEach((tr) => {
      const cell = tr.firstElementChild as HTMLElement;
      const id = cell.textContent ?? '';
      if (cell.querySelector('a')) return;
      const box = checks.find((c) => c.value === id);
      cell.replaceChildren(...(box ? [box, ' '] : []), h('a', { href: `#run/${id}` }, id));
    });
    decorate();
    performance.mark('coinhts-runs-drawn');
    new MutationObserver(decorate).observe(list, { childList: true, subtree: true });
    list.dataset.loadMs = String(Math.round(performance.now() - t0));
    compare.addEventListener('click', () => {
      const ids = checks.filter((c) => c.checked).map((c) => c.value);
      if (ids.length >= 2) location.hash = `#compare/${ids.join(',')}`;
      else compare.after(h('span', { role: 'alert', class: 'field-error' }, ' select two or more runs'));
    });
  } catch (err) {
    list.replaceChildren(errorBox(err));
  }
}

async function runView(id: string): Promise<void> {
  const box = h('div', { id: 'report' }, 'Loading…');
  const dl = (label: string, path: string, name: string) => {
    const b = h('button', { type: 'button' }, label);
    b.addEventListener('click', () => { download(path, name).catch((e: unknown) => b.after(errorBox(e))); });
    return b;
  };
  const base = `/api/v1/backtests/${encodeURIComponent(id)}`;
  const downloads = h('div', { class: 'controls downloads' });
  shell(`Run ${id}`, downloads, box);
  try {
    const [data, c] = await Promise.all([getJson<ReportData>(`${base}/report?format=json`), charts()]);
    // A sweep has a ranking, not trades or equity: only its report file.
    downloads.replaceChildren(...(data.kind === 'backtest' ? [
      dl('Trades CSV', `${base}/trades?format=csv`, `${id}-trades.csv`), dl('Trades Parquet', `${base}/trades?format=parquet`, `${id}-trades.parquet`),
      dl('Equity CSV', `${base}/equity?format=csv`, `${id}-equity.csv`), dl('Equity Parquet', `${base}/equity?format=parquet`, `${id}-equity.parquet`)] : []),
    dl('Report file (HTML)', `${base}/report?download=true`, `${id}.html`));
    current = c.renderReport(box, data);
    (window as unknown as { coinhtsView: ReportView }).coinhtsView = current; // for browser tests: markers per symbol
    await current.drawn;
    requestAnimationFrame(() => requestAnimationFrame(() => { box.dataset.ready = 'true'; }));
  } catch (err) {
    box.replaceChildren(errorBox(err));
  }
}

interface TaskAccepted { task_id: string; links: { status: string; cancel: string; events: string } }
interface TaskStatus { state: string; progress: number; stage: string | null; run_id: string | null; error: { message: string } | null }

/**
 * Shows a queued task's progress in `status` as the API pushes it (the task's Server-Sent Events
 * stream, read with the key as a header), with a cancel button; ends with a link to its run.
 */
function followTask(task: TaskAccepted, status: HTMLElement, linkText: string): void {
  const ctl = new AbortController();
  onLeave.push(() => ctl.abort());
  const bar = h('progress', { max: 1, value: 0, 'aria-label': 'progress' });
  const stage = h('span', { 'data-testid': 'task-stage' }, 'queued');
  const cancel = h('button', { type: 'button' }, 'Cancel');
  status.replaceChildren(bar, ' ', stage, ' ', cancel);
  status.dataset.events = '0';
  cancel.addEventListener('click', () => { call('DELETE', task.links.cancel).catch((err: unknown) => status.append(errorBox(err))); });
  let last: TaskStatus | null = null;
  const ended = () => last !== null && ['completed', 'failed', 'cancelled'].includes(last.state);
  followEvents(task.links.events, (e) => {
    if (e.event === 'error') { status.append(errorBox((e.data as { error?: { message?: string } }).error?.message ?? 'the progress stream failed')); return; }
    if (e.event !== 'status') return;
    const s = e.data as TaskStatus;
    last = s;
    status.dataset.events = String(Number(status.dataset.events) + 1);
    bar.value = s.progress;
    stage.textContent = `${s.state}${s.stage ? `: ${s.stage}` : ''} (${formatFractionAsPercent(s.progress, { digits: 0 })})`;
    if (s.state === 'completed' && s.run_id) status.replaceChildren('done: ', h('a', { href: `#run/${s.run_id}`, 'data-testid': 'run-link' }, `${linkText} ${s.run_id}`));
    else if (s.state === 'failed' || s.state === 'cancelled') status.replaceChildren(`${s.state}: ${s.error?.message ?? ''}`);
  }, { signal: ctl.signal, done: ended, onReconnect: () => { stage.textContent = `${stage.textContent ?? ''} (reconnecting…)`; } })
    .catch((err: unknown) => status.append(errorBox(err)));
}

async function newRunView(): Promise<void> {
  const strategies = (await getJson<{ strategies: Strategy[] }>('/api/v1/strategies')).strategies;
  const strategySel = h('select', {}, ...strategies.map((s) => h('option', { value: s.name }, `${s.title} (${s.name})`)));
  const common: FormField[] = [];
  const add = (name: string, label: string, input: HTMLInputElement | HTMLSelectElement, hint: string) => {
    const f = field(name, label, input, hint, 'string');
    common.push(f.field);
    return f.el;
  };
  const data = dataFields(add);
  const mode = h('select', {}, h('option', { value: 'sync' }, 'run now and wait'), h('option', { value: 'async' }, 'queue it (progress shown, can be cancelled)'));
  const paramsBox = h('fieldset', {}, h('legend', {}, 'Strategy parameters'));
  const presetSel = h('select', {}, h('option', { value: '' }, '(none)'));
  const presetName = h('input', { type: 'text' });
  const savePreset = h('button', { type: 'button' }, 'Save parameters as preset');
  const status = h('div', { class: 'status', 'aria-live': 'polite' });
  const generalErrors = h('div', { role: 'alert' });
  let paramFields: FormField[] = [];
  const strategyEl = add('strategy', 'Strategy', strategySel, 'Its parameters are generated below from its JSON Schema');
  const renderParams = async () => {
    const s = strategies.find((x) => x.name === strategySel.value) as Strategy;
    const { els, fields } = schemaFields(s.params_schema, 'params.');
    paramFields = fields;
    paramsBox.replaceChildren(h('legend', {}, `Parameters of ${s.title}`), h('p', { class: 'hint' }, s.description), ...els);
    try {
      const presets = (await getJson<{ presets: { name: string; params: Record<string, unknown> }[] }>(`/api/v1/presets?strategy=${encodeURIComponent(s.name)}`)).presets;
      presetSel.replaceChildren(h('option', { value: '' }, '(none)'), ...presets.map((p) => h('option', { value: JSON.stringify(p.params) }, p.name)));
    } catch (err) {
      presetSel.replaceChildren(h('option', { value: '' }, err instanceof ApiCallError ? `presets unavailable: ${err.code}` : 'presets unavailable'));
    }
  };
  strategySel.addEventListener('change', () => { void renderParams(); });
  presetSel.addEventListener('change', () => {
    if (!presetSel.value) return;
    const values = JSON.parse(presetSel.value) as Record<string, unknown>;
    for (const f of paramFields) {
      const v = values[f.name.replace(/^params\./, '')];
      if (v !== undefined) f.input.value = String(v);
    }
  });
  const form = h('form', { novalidate: true, 'data-testid': 'backtest-form' },
    strategyEl, paramsBox,
    h('fieldset', {}, h('legend', {}, 'Data and run'), ...data.els, add('mode', 'How', mode, '')),
    h('fieldset', {}, h('legend', {}, 'Presets'), field('preset', 'Load preset', presetSel, 'Fills the parameters above', 'string').el,
      field('preset-name', 'Preset name', presetName, 'Saves the parameters above under this name', 'string').el, savePreset),
    generalErrors,
    h('button', { type: 'submit' }, 'Run backtest'), status);
  savePreset.addEventListener('click', () => {
    const params = Object.fromEntries(paramFields.map((f) => [f.name.replace(/^params\./, ''), fieldValue(f)]).filter(([, v]) => v !== undefined));
    call('POST', '/api/v1/presets', { name: presetName.value.trim(), strategy: strategySel.value, params })
      .then(() => { status.textContent = `saved preset ${presetName.value.trim()}`; return renderParams(); })
      .catch((err: unknown) => generalErrors.replaceChildren(errorBox(err)));
  });
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    void submit();
  });
  async function submit(): Promise<void> {
    generalErrors.replaceChildren();
    status.textContent = 'submitting…';
    const params = Object.fromEntries(paramFields.map((f) => [f.name.replace(/^params\./, ''), fieldValue(f)]).filter(([, v]) => v !== undefined));
    const body = { strategy: strategySel.value, params, ...data.value() };
    try {
      showIssues([...paramFields, ...common], []);
      if (mode.value === 'sync') {
        const r = (await (await call('POST', '/api/v1/backtests', body)).json()) as { run_id: string };
        status.replaceChildren('done: ', h('a', { href: `#run/${r.run_id}`, 'data-testid': 'run-link' }, `open run ${r.run_id}`));
        return;
      }
      const task = (await (await call('POST', '/api/v1/backtests/async', body)).json()) as TaskAccepted;
      followTask(task, status, 'open run');
    } catch (err) {
      status.textContent = '';
      const rest = err instanceof ApiCallError ? showIssues([...paramFields, ...common], err.issues) : [];
      if (!(err instanceof ApiCallError) || err.issues.length === 0 || rest.length > 0) generalErrors.replaceChildren(errorBox(err));
    }
  }
  shell('New backtest', form);
  await renderParams();
}

/** The symbols, timeframe and date range fields of the backtest and sweep forms. */
function dataFields(add: (name: string, label: string, input: HTMLInputElement | HTMLSelectElement, hint: string) => HTMLElement) {
  const symbols = h('input', { type: 'text', value: 'KRW-BTC' });
  const timeframe = h('select', {}, ...['1m', '3m', '5m', '10m', '15m', '30m', '1h', '4h', '1d', '1w', '1mo'].map((t) => h('option', { value: t, selected: t === '1d' }, t)));
  const start = h('input', { type: 'date', value: '2024-01-01' });
  const end = h('input', { type: 'date', value: '2024-12-31' });
  const els = [add('symbols', 'Symbols', symbols, 'Comma-separated, e.g. KRW-BTC, KRW-ETH'), add('timeframe', 'Timeframe', timeframe, ''),
    add('start_date', 'From', start, 'First day (inclusive, Asia/Seoul unless the API is set otherwise)'), add('end_date', 'To', end, 'Last day, inclusive')];
  const value = () => ({ symbols: symbols.value.split(',').map((x) => x.trim()).filter(Boolean), timeframe: timeframe.value, start_date: start.value, end_date: end.value });
  return { els, value };
}

/** Request fields of the sweep route the form sets itself; the others are generated from the API's schema. */
const SWEEP_OWN_FIELDS = new Set(['strategy', 'params', 'grid', 'symbols', 'start_date', 'end_date', 'timeframe', 'options']);

async function sweepView(): Promise<void> {
  const [strategies, spec] = await Promise.all([
    getJson<{ strategies: Strategy[] }>('/api/v1/strategies').then((r) => r.strategies),
    getJson<{ paths: Record<string, { post?: { requestBody?: { content?: Record<string, { schema?: { properties?: Record<string, PropertySchema> } }> } } }> }>('/openapi.json'),
  ]);
  const bodySchema = spec.paths['/api/v1/sweeps']?.post?.requestBody?.content?.['application/json']?.schema?.properties ?? {};
  const common: FormField[] = [];
  const add = (name: string, label: string, input: HTMLInputElement | HTMLSelectElement, hint: string) => {
    const f = field(name, label, input, hint, 'string');
    common.push(f.field);
    return f.el;
  };
  const strategySel = h('select', {}, ...strategies.map((s) => h('option', { value: s.name }, `${s.title} (${s.name})`)));
  const strategyEl = add('strategy', 'Strategy', strategySel, 'Its parameters are generated below from its JSON Schema');
  const data = dataFields(add);
  // Ranking and search options: every other field of the sweep request, from the API's own schema.
  const search = schemaFields({ properties: Object.fromEntries(Object.entries(bodySchema).filter(([k]) => !SWEEP_OWN_FIELDS.has(k))) }, '');
  const paramsBox = h('fieldset', {}, h('legend', {}, 'Strategy parameters'));
  const count = h('p', { class: 'note', 'aria-live': 'polite', 'data-testid': 'combinations' });
  const status = h('div', { class: 'status', 'aria-live': 'polite' });
  const generalErrors = h('div', { role: 'alert' });
  let params: GridParam[] = [];
  const read = () => {
    const fixed: Record<string, unknown> = {}, grid: Record<string, unknown[]> = {}, problems: FieldIssue[] = [];
    for (const p of params) {
      const v = p.value();
      if (typeof v === 'string') problems.push({ field: `params.${p.name}`, message: v });
      else if ('grid' in v) grid[p.name] = [...v.grid];
      else if (v.fixed !== undefined) fixed[p.name] = v.fixed;
    }
    return { fixed, grid, problems };
  };
  const recount = () => {
    const { grid } = read();
    const n = Object.values(grid).reduce((a, v) => a * v.length, 1);
    count.textContent = Object.keys(grid).length ? `${formatCount(n)} combinations` : 'choose a list or a range for at least one parameter';
  };
  const renderParams = () => {
    const s = strategies.find((x) => x.name === strategySel.value) as Strategy;
    params = gridParams(s.params_schema, recount);
    paramsBox.replaceChildren(h('legend', {}, `Parameters of ${s.title}`), h('p', { class: 'hint' }, s.description), ...params.map((p) => p.el));
    recount();
  };
  strategySel.addEventListener('change', renderParams);
  const form = h('form', { novalidate: true, 'data-testid': 'sweep-form' },
    strategyEl, paramsBox, count,
    h('fieldset', {}, h('legend', {}, 'Data'), ...data.els),
    h('fieldset', {}, h('legend', {}, 'Ranking and search'), h('p', { class: 'hint' }, 'Every combination of the lists and ranges above is run (a grid) and ranked.'), ...search.els),
    generalErrors, h('button', { type: 'submit' }, 'Run sweep'), status);
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    void submit();
  });
  const allFields = () => [...params.map((p) => p.field), ...search.fields, ...common];
  async function submit(): Promise<void> {
    generalErrors.replaceChildren();
    const { fixed, grid, problems } = read();
    if (problems.length) { showIssues(allFields(), problems); return; }
    const options = Object.fromEntries(search.fields.map((f) => [f.name, fieldValue(f)]).filter(([, v]) => v !== undefined));
    const body = { strategy: strategySel.value, params: fixed, grid, ...data.value(), ...options };
    status.textContent = 'submitting…';
    try {
      showIssues(allFields(), []);
      const task = (await (await call('POST', '/api/v1/sweeps', body)).json()) as TaskAccepted;
      followTask(task, status, 'open sweep');
    } catch (err) {
      status.textContent = '';
      const rest = err instanceof ApiCallError ? showIssues(allFields(), err.issues) : [];
      if (!(err instanceof ApiCallError) || err.issues.length === 0 || rest.length > 0) generalErrors.replaceChildren(errorBox(err));
    }
  }
  shell('New sweep', form);
  renderParams();
}

async function compareView(ids: string[]): Promise<void> {
  const box = h('div', {}, 'Loading…');
  shell(`Compare ${ids.length} runs`, box);
  try {
    const [runs, { createChart, LineSeries }] = await Promise.all([Promise.all(ids.map((id) => getJson<ReportData>(`/api/v1/backtests/${encodeURIComponent(id)}/report?format=json`))), charts()]);
    const backtests = runs.filter((r): r is Extract<ReportData, { kind: 'backtest' }> => r.kind === 'backtest');
    const metrics: [string, (r: (typeof backtests)[number]) => string][] = [
      ['Strategy', (r) => r.summary.strategy.name], ['Symbols', (r) => r.summary.symbols.map((s) => s.symbol).join(', ')],
      ['Return', (r) => formatPercent(r.summary.portfolio.total_return_pct)], ['CAGR', (r) => formatPercent(r.summary.portfolio.cagr_pct)],
      ['Sharpe Ratio', (r) => formatRatio(r.summary.portfolio.sharpe)], ['Max. Drawdown', (r) => formatPercent(-r.summary.portfolio.max_drawdown_pct)],
      ['Win Rate', (r) => formatFractionAsPercent(r.summary.portfolio.win_rate)], ['# Trades', (r) => formatCount(r.summary.portfolio.trade_count)],
      ['Equity Final', (r) => formatKrw(r.summary.portfolio.final_equity_krw)],
    ];
    const colors = ['#1f4e9c', '#b3261e', '#0b7a3e', '#6b2fa0', '#7a5c00'];
    const chartBox = h('div', { class: 'chart', 'data-testid': 'compare-chart', role: 'img', 'aria-label': `Equity of ${backtests.length} runs overlaid` });
    chartBox.style.height = '340px';
    box.replaceChildren(
      section('compare-metrics', 'Metrics', h('table', { 'data-testid': 'compare-table' }, h('caption', {}, 'Side by side'),
        h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Metric'), ...backtests.map((r, i) => h('th', { scope: 'col' }, h('span', { class: 'swatch', 'data-color': colors[i % colors.length] }), r.run.id ?? '')))),
        h('tbody', {}, ...metrics.map(([label, f]) => h('tr', {}, h('th', { scope: 'row' }, label), ...backtests.map((r) => h('td', { class: 'num' }, f(r)))))))),
      section('compare-equity', 'Equity (KRW)', chartBox),
    );
    box.querySelectorAll<HTMLElement>('.swatch[data-color]').forEach((el) => { el.style.background = el.dataset.color ?? ''; });
    const chart = createChart(chartBox, { autoSize: true, layout: { attributionLogo: false }, localization: { priceFormatter: (x: number) => formatNumber(x, 0) } });
    backtests.forEach((r, i) => {
      chart.addSeries(LineSeries, { color: colors[i % colors.length], lineWidth: 2, title: r.run.id?.slice(0, 8) ?? '', priceLineVisible: false })
        .setData(r.equity.t.map((t, k) => ({ time: Math.floor(t / 1000) as UTCTimestamp, value: r.equity.v[k] })));
    });
    chart.timeScale().fitContent();
    current = { markerCounts: () => ({}), dispose: () => chart.remove(), drawn: Promise.resolve() };
    requestAnimationFrame(() => requestAnimationFrame(() => { box.dataset.ready = 'true'; }));
  } catch (err) {
    box.replaceChildren(errorBox(err));
  }
}

async function dataView(): Promise<void> {
  const box = h('div', {}, 'Loading…');
  const file = h('input', { type: 'file', accept: '.csv,.parquet' });
  const symbol = h('input', { type: 'text', placeholder: 'KRW-BTC' });
  const tf = h('input', { type: 'text', placeholder: '1h' });
  const out = h('div', { 'aria-live': 'polite' });
  const form = h('form', { class: 'controls' }, field('file', 'File (CSV or Parquet)', file, '', 'string').el, field('symbol', 'Symbol', symbol, '', 'string').el,
    field('timeframe', 'Timeframe', tf, '', 'string').el, h('button', { type: 'submit' }, 'Import'));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const f = file.files?.[0];
    if (!f) { out.replaceChildren(h('p', { role: 'alert' }, 'choose a file')); return; }
    const q = new URLSearchParams({ symbol: symbol.value.trim(), timeframe: tf.value.trim() });
    call('POST', `/api/v1/data/import?${q.toString()}`, f, { contentType: f.name.endsWith('.parquet') ? 'application/vnd.apache.parquet' : 'text/csv' })
      .then(async (r) => { out.replaceChildren(h('pre', {}, JSON.stringify(await r.json(), null, 2))); })
      .catch((err: unknown) => out.replaceChildren(errorBox(err)));
  });
  shell('Data', section('inventory', 'Inventory', box), section('import', 'Import candles', form, out));
  try {
    const inv = await getJson<{ series: { symbol: string; timeframe: string; rows: number; bytes: number; first: string | null; last: string | null }[] }>('/api/v1/data/inventory');
    const s = inv.series;
    box.replaceChildren(sortableTable({
      caption: `${s.length} series`, rows: s.length, testId: 'inventory-table',
      columns: [
        { label: 'Symbol', key: (i) => s[i].symbol, text: (i) => s[i].symbol }, { label: 'Timeframe', key: (i) => s[i].timeframe, text: (i) => s[i].timeframe },
        { label: 'Candles', numeric: true, key: (i) => s[i].rows, text: (i) => formatCount(s[i].rows) },
        { label: 'First', key: (i) => s[i].first ?? '', text: (i) => formatUtcTime(s[i].first ? Date.parse(s[i].first as string) : null) },
        { label: 'Last', key: (i) => s[i].last ?? '', text: (i) => formatUtcTime(s[i].last ? Date.parse(s[i].last as string) : null) },
      ],
    }));
  } catch (err) {
    box.replaceChildren(errorBox(err));
  }
}

function route(): void {
  if (!apiKey()) { keyView(); return; }
  const hash = location.hash.replace(/^#/, '') || 'runs';
  const [path, query] = hash.split('?');
  const [view, arg] = path.split('/');
  const done = (p: Promise<void>) => p.catch((err: unknown) => app.append(errorBox(err)));
  if (view === 'run' && arg) void done(runView(decodeURIComponent(arg)));
  else if (view === 'new') void done(newRunView());
  else if (view === 'sweep') void done(sweepView());
  else if (view === 'paper' && arg) void done(paperSessionView(kit, decodeURIComponent(arg)));
  else if (view === 'paper') void done(paperListView(kit));
  else if (view === 'compare' && arg) void done(compareView(arg.split(',').map(decodeURIComponent)));
  else if (view === 'data') void done(dataView());
  else void done(runsView(new URLSearchParams(query ?? '')));
}

window.addEventListener('hashchange', route);
route();
