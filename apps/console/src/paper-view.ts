/**
 * Live paper trading in the console: #paper lists sessions and starts one (a form generated from
 * the strategy's JSON Schema; the run scope), #paper/ID shows a session — status, open positions,
 * closed trades, the latest performance snapshot and the event stream — updated as the API pushes
 * the session's events (Server-Sent Events read with the key as a header), and stops it.
 */
import {
  formatCount, formatKrw, formatPercent, formatPrice, formatQuantity, formatUtcTime, h, section, sortableTable,
} from '@coinhts/report/widgets';
import { ApiCallError, call, followEvents, getJson } from './api';
import { field, fieldValue, schemaFields, showIssues, type FormField, type PropertySchema } from './schema-form';

/** What the paper views use of the console's frame. */
export interface ViewKit {
  shell(title: string, ...content: (Node | string)[]): void;
  errorBox(err: unknown): HTMLElement;
  /** Registers a clean-up run when the user leaves the view. */
  onLeave(f: () => void): void;
}

interface SessionView {
  id: string; name: string; status: string; owner: string | null; created_at: string; stopped_at: string | null; error: unknown;
  request: { timeframe: string; pairs: { symbol: string; strategy: string; params: Record<string, unknown> }[]; options: Record<string, unknown> };
  links: { self: string; stop: string; events: string };
}
interface Position { symbol: string; strategy: string; entryTime: number; entryFillPrice: number; quantity: number; entryFee: number; markPrice: number; markTime: number; unrealizedPnl: number }
interface Trade { symbol: string; entryTime: number; exitTime: number; entryPrice: number; exitPrice: number; quantity: number; fees: number; pnl: number; pnlPct: number; exitReason: string }
interface Snapshot { barTime: number; equity: number; cash: number; realizedPnl: number; unrealizedPnl: number; fees: number; trades: number; openPositions: number }
interface Strategy { name: string; title: string; description: string; params_schema: { properties?: Record<string, PropertySchema> } }

const BASE = '/api/v1/paper/sessions';
/** Events kept in the on-screen log (newest first). */
const LOG_SIZE = 200;

function statsTable(testId: string, caption: string, rows: [string, string][]): HTMLElement {
  return h('table', { class: 'stats', 'data-testid': testId }, h('caption', {}, caption),
    h('tbody', {}, ...rows.map(([k, v]) => h('tr', {}, h('th', { scope: 'row' }, k), h('td', { class: 'num' }, v)))));
}

/** #paper: the sessions and the start form. */
export async function paperListView(kit: ViewKit): Promise<void> {
  const list = h('div', { 'aria-live': 'polite' }, 'Loading…');
  const strategies = (await getJson<{ strategies: Strategy[] }>('/api/v1/strategies')).strategies;
  const fields: FormField[] = [];
  const add = (name: string, label: string, input: HTMLInputElement | HTMLSelectElement, hint: string, kind: FormField['kind'] = 'string') => {
    const f = field(name, label, input, hint, kind);
    fields.push(f.field);
    return f.el;
  };
  const name = h('input', { type: 'text', required: true });
  const symbol = h('input', { type: 'text', value: 'KRW-BTC' });
  const strategySel = h('select', {}, ...strategies.map((s) => h('option', { value: s.name }, `${s.title} (${s.name})`)));
  const timeframe = h('select', {}, ...['1m', '3m', '5m', '10m', '15m', '30m', '1h', '4h'].map((t) => h('option', { value: t }, t)));
  const capital = h('input', { type: 'number', value: '1000000', step: 'any' });
  const paramsBox = h('fieldset', {}, h('legend', {}, 'Strategy parameters'));
  let paramFields: FormField[] = [];
  const renderParams = () => {
    const s = strategies.find((x) => x.name === strategySel.value) as Strategy;
    const r = schemaFields(s.params_schema, 'pairs.0.params.');
    paramFields = r.fields;
    paramsBox.replaceChildren(h('legend', {}, `Parameters of ${s.title}`), ...r.els);
  };
  strategySel.addEventListener('change', renderParams);
  const generalErrors = h('div', { role: 'alert' });
  const form = h('form', { novalidate: true, 'data-testid': 'paper-form' },
    add('name', 'Session name', name, 'Unique among running sessions: letters, digits, ".", "_", "-"'),
    add('pairs.0.symbol', 'Market', symbol, 'An Upbit KRW market, e.g. KRW-BTC'),
    add('pairs.0.strategy', 'Strategy', strategySel, 'Its parameters are generated below from its JSON Schema'), paramsBox,
    add('timeframe', 'Candles', timeframe, 'Closed candles of this length drive the strategy'),
    add('options.initial_capital', 'Capital [KRW]', capital, 'At least 5,000 KRW per pair', 'number'),
    generalErrors, h('button', { type: 'submit' }, 'Start session'));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const params = Object.fromEntries(paramFields.map((f) => [f.name.replace(/^pairs\.0\.params\./, ''), fieldValue(f)]).filter(([, v]) => v !== undefined));
    const body = {
      name: name.value.trim(), timeframe: timeframe.value, pairs: [{ symbol: symbol.value.trim(), strategy: strategySel.value, params }],
      options: capital.value.trim() === '' ? {} : { initial_capital: Number(capital.value) },
    };
    generalErrors.replaceChildren();
    showIssues([...fields, ...paramFields], []);
    call('POST', BASE, body)
      .then(async (r) => { location.hash = `#paper/${((await r.json()) as SessionView).id}`; })
      .catch((err: unknown) => {
        const rest = err instanceof ApiCallError ? showIssues([...fields, ...paramFields], err.issues) : [];
        if (!(err instanceof ApiCallError) || err.issues.length === 0 || rest.length > 0) generalErrors.replaceChildren(kit.errorBox(err));
      });
  });
  kit.shell('Paper trading', section('sessions', 'Sessions', list), section('start', 'Start a session', form));
  renderParams();
  try {
    const sessions = (await getJson<{ sessions: SessionView[] }>(BASE)).sessions;
    if (!sessions.length) { list.replaceChildren(h('p', {}, 'No sessions yet.')); return; }
    list.replaceChildren(h('table', { 'data-testid': 'paper-sessions' }, h('caption', {}, `${formatCount(sessions.length)} session${sessions.length === 1 ? '' : 's'}, newest first`),
      h('thead', {}, h('tr', {}, ...['Session', 'Status', 'Pairs', 'Started', 'Stopped'].map((c) => h('th', { scope: 'col' }, c)))),
      h('tbody', {}, ...sessions.map((s) => h('tr', {},
        h('td', {}, h('a', { href: `#paper/${s.id}` }, s.name)), h('td', {}, s.status),
        h('td', {}, s.request.pairs.map((p) => `${p.symbol} ${p.strategy}`).join(', ')),
        h('td', {}, formatUtcTime(Date.parse(s.created_at))), h('td', {}, s.stopped_at ? formatUtcTime(Date.parse(s.stopped_at)) : ''))))));
  } catch (err) {
    list.replaceChildren(kit.errorBox(err));
  }
}

/** How often an open session's views are refreshed besides on each event, ms (see paperSessionView). */
const QUIET_REFRESH_MS = 5_000;

/** #paper/ID: one session, live. */
export async function paperSessionView(kit: ViewKit, id: string): Promise<void> {
  const url = `${BASE}/${encodeURIComponent(id)}`;
  const statusBox = h('div', {}, 'Loading…');
  const positionsBox = h('div', {});
  const tradesBox = h('div', {});
  const perfBox = h('div', {});
  const log = h('ol', { class: 'event-log', 'data-testid': 'paper-events', reversed: true, tabindex: 0, 'aria-label': 'Events, newest first' });
  const streamState = h('p', { class: 'note', 'data-testid': 'paper-stream', 'aria-live': 'polite' }, 'connecting to the event stream…');
  const stop = h('button', { type: 'button' }, 'Stop session');
  const stopMsg = h('span', { role: 'status' });
  kit.shell(`Paper session`, h('div', { class: 'controls' }, stop, stopMsg), section('status', 'Status', statusBox),
    section('positions', 'Open positions', positionsBox), section('trades', 'Closed trades', tradesBox),
    section('performance', 'Performance', perfBox), section('events', 'Events (live)', streamState, log));
  stop.addEventListener('click', () => {
    call('POST', `${url}/stop`).then(() => { stopMsg.textContent = 'stop requested'; }).catch((err: unknown) => stopMsg.replaceChildren(kit.errorBox(err)));
  });

  // Refreshes the views from the API; events arriving meanwhile make it run once more afterwards.
  let running = false, again = false, refreshes = 0;
  const refresh = async (): Promise<void> => {
    if (running) { again = true; return; }
    running = true;
    try {
      do {
        again = false;
        const [st, pos, tr, perf] = await Promise.all([
          getJson<{ session: SessionView; equity: number; trades: number; pairs: { symbol: string; bars: number; lastCandleTime: number | null }[] }>(url),
          getJson<{ positions: Position[] }>(`${url}/positions`), getJson<{ trades: Trade[] }>(`${url}/trades`), getJson<{ snapshots: Snapshot[] }>(`${url}/performance`),
        ]);
        draw(st, pos.positions, tr.trades, perf.snapshots);
        document.title = `${st.session.name} · coin-hts console`;
        const heading = document.querySelector('#main h1');
        if (heading) heading.textContent = `Paper session ${st.session.name}`;
      } while (again);
      refreshes++;
      statusBox.dataset.refreshes = String(refreshes);
    } catch (err) {
      statusBox.replaceChildren(kit.errorBox(err));
    } finally {
      running = false;
    }
  };
  let status = '';
  const draw = (st: { session: SessionView; equity: number; trades: number; pairs: { symbol: string; bars: number; lastCandleTime: number | null }[] }, positions: Position[], trades: Trade[], snaps: Snapshot[]) => {
    const s = st.session;
    status = s.status;
    const capital = typeof s.request.options.initial_capital === 'number' ? s.request.options.initial_capital : null;
    statsTableInto(statusBox, statsTable('paper-status', `${s.name}: ${s.request.pairs.map((p) => `${p.symbol} ${p.strategy}`).join(', ')}, ${s.request.timeframe} candles`, [
      ['Status', s.status], ['Equity', formatKrw(st.equity)], ['Return', capital ? formatPercent((st.equity / capital - 1) * 100) : '–'],
      ['Closed trades', formatCount(st.trades)], ['Candles applied', formatCount(st.pairs.reduce((a, p) => a + p.bars, 0))],
      ['Last candle', formatUtcTime(Math.max(...st.pairs.map((p) => p.lastCandleTime ?? -Infinity)))], ['Owner process', s.owner ?? '–'],
      ['Started', formatUtcTime(Date.parse(s.created_at))],
    ]));
    stop.disabled = s.status !== 'running';
    positionsBox.replaceChildren(positions.length ? h('table', { 'data-testid': 'paper-positions' }, h('caption', {}, `${positions.length} open`),
      h('thead', {}, h('tr', {}, ...['Symbol', 'Since', 'Entry fill', 'Quantity', 'Mark', 'Unrealized P&L [KRW]'].map((c, i) => h('th', { scope: 'col', class: i > 1 ? 'num' : undefined }, c)))),
      h('tbody', {}, ...positions.map((p) => h('tr', {}, h('td', {}, p.symbol), h('td', {}, formatUtcTime(p.entryTime)), h('td', { class: 'num' }, formatPrice(p.entryFillPrice)),
        h('td', { class: 'num' }, formatQuantity(p.quantity)), h('td', { class: 'num' }, formatPrice(p.markPrice)), h('td', { class: 'num' }, formatKrw(p.unrealizedPnl, { unit: false }))))))
      : h('p', { 'data-testid': 'paper-positions' }, 'No open position.'));
    tradesBox.replaceChildren(sortableTable({
      caption: `${formatCount(trades.length)} trades`, rows: trades.length, testId: 'paper-trades',
      columns: [
        { label: 'Symbol', key: (i) => trades[i].symbol, text: (i) => trades[i].symbol },
        { label: 'Entry time', key: (i) => trades[i].entryTime, text: (i) => formatUtcTime(trades[i].entryTime) },
        { label: 'Exit time', key: (i) => trades[i].exitTime, text: (i) => formatUtcTime(trades[i].exitTime) },
        { label: 'Entry price', numeric: true, key: (i) => trades[i].entryPrice, text: (i) => formatPrice(trades[i].entryPrice) },
        { label: 'Exit price', numeric: true, key: (i) => trades[i].exitPrice, text: (i) => formatPrice(trades[i].exitPrice) },
        { label: 'Quantity', numeric: true, key: (i) => trades[i].quantity, text: (i) => formatQuantity(trades[i].quantity) },
        { label: 'Fees [KRW]', numeric: true, key: (i) => trades[i].fees, text: (i) => formatKrw(trades[i].fees, { unit: false }) },
        { label: 'P&L [KRW]', numeric: true, key: (i) => trades[i].pnl, text: (i) => formatKrw(trades[i].pnl, { unit: false }) },
        { label: 'P&L [%]', numeric: true, key: (i) => trades[i].pnlPct, text: (i) => formatPercent(trades[i].pnlPct, { unit: false }) },
        { label: 'Exit reason', key: (i) => trades[i].exitReason, text: (i) => trades[i].exitReason },
      ],
    }));
    const last = snaps[snaps.length - 1];
    perfBox.replaceChildren(last ? statsTable('paper-performance', `Latest of ${formatCount(snaps.length)} snapshots (candle ${formatUtcTime(last.barTime)})`, [
      ['Equity', formatKrw(last.equity)], ['Cash', formatKrw(last.cash)], ['Realized P&L', formatKrw(last.realizedPnl)], ['Unrealized P&L', formatKrw(last.unrealizedPnl)],
      ['Fees paid', formatKrw(last.fees)], ['Trades', formatCount(last.trades)], ['Open positions', formatCount(last.openPositions)],
    ]) : h('p', { 'data-testid': 'paper-performance' }, 'No performance snapshot yet.'));
  };
  const statsTableInto = (box: HTMLElement, table: HTMLElement) => box.replaceChildren(table);

  await refresh();
  const ctl = new AbortController();
  kit.onLeave(() => ctl.abort());
  // A quiet candle (no signal, order or snapshot) is applied without an event, yet it moves
  // "Candles applied" and "Last candle": while the session runs, the views are also refreshed every
  // QUIET_REFRESH_MS, so they never stay behind the API for longer.
  const quiet = setInterval(() => { if (status === 'running' || status === 'stopping') void refresh(); }, QUIET_REFRESH_MS);
  kit.onLeave(() => clearInterval(quiet));
  let received = 0;
  followEvents(`${url}/events`, (e) => {
    received++;
    streamState.textContent = `live: ${formatCount(received)} events received`;
    const data = e.data as Record<string, unknown>;
    const { created_at: at, ...rest } = data;
    log.prepend(h('li', { 'data-type': e.event, 'data-id': e.id ?? '' }, h('strong', {}, e.event), ` #${e.id ?? ''} `, typeof at === 'string' ? `${formatUtcTime(Date.parse(at))} ` : '', h('code', {}, JSON.stringify(rest))));
    while (log.childElementCount > LOG_SIZE) log.lastElementChild?.remove();
    log.dataset.count = String(received);
    void refresh();
  }, { signal: ctl.signal, onReconnect: () => { streamState.textContent = 'the event stream dropped; reconnecting (no event is lost)…'; } })
    .catch((err: unknown) => streamState.replaceChildren(kit.errorBox(err)));
}
