import {
  AreaSeries, CandlestickSeries, createChart, createSeriesMarkers, HistogramSeries, LineSeries, type IChartApi, type ISeriesMarkersPluginApi,
  type SeriesMarker, type Time, type UTCTimestamp,
} from 'lightweight-charts';
import {
  formatCount, formatDuration, formatFractionAsPercent, formatKrw, formatNumber, formatPercent, formatPrice, formatQuantity, formatRatio, formatUtcTime, formatValue, MISSING, unitLabel,
  type ValueKind,
} from '../format';
import { heatmapGrid } from '../heatmap';
import { histogram } from '../histogram';
import type { BacktestReportData, ReportData, SweepReportData, WalkForwardReportData } from '../report-data';
import { formatStatRow, statsRows, type StatRow } from '../stats-rows';
import { h, section } from './dom';
import { COLORS, drawHeatmap, histogramFigure } from './plots';
import { sortableTable } from './sortable-table';

/** What a rendered report exposes (to the console and to browser tests). */
export interface ReportView {
  /** Trades whose entry and exit markers sit on each symbol's price chart, and the markers drawn (fills on one candle share one). */
  markerCounts(): Record<string, { readonly entries: number; readonly exits: number; readonly drawn: number }>;
  /** Removes the charts (the console calls this before showing another run). */
  dispose(): void;
  /** Resolves once every chart has been created (they paint on the following frame). */
  readonly drawn: Promise<void>;
  /** Walk-forward reports: the folds whose out-of-sample start is marked on the stitched equity, and the markers drawn. */
  windowMarkers?(): { readonly folds: number; readonly drawn: number };
}

/** Trades the markers of a plugin stand for (the count is in each marker's id, `entry:3`). */
const represented = (m: ISeriesMarkersPluginApi<Time>): number => m.markers().reduce((a, x) => a + Number(String(x.id).split(':')[1]), 0);

const sec = (ms: number): UTCTimestamp => Math.floor(ms / 1000) as UTCTimestamp;

function baseChart(container: HTMLElement, height: number, priceFormatter: (p: number) => string): IChartApi {
  return createChart(container, {
    autoSize: true,
    height,
    layout: { background: { color: '#ffffff' }, textColor: COLORS.text, attributionLogo: false, fontFamily: 'system-ui, sans-serif' },
    grid: { vertLines: { color: '#eeeef2' }, horzLines: { color: '#eeeef2' } },
    rightPriceScale: { borderColor: COLORS.grid },
    timeScale: { borderColor: COLORS.grid, timeVisible: true, secondsVisible: false },
    localization: { priceFormatter, timeFormatter: (t: Time) => formatUtcTime(Number(t) * 1000) },
  });
}

function chartBox(testId: string, label: string, height: number): HTMLElement {
  const el = h('div', { class: 'chart', 'data-testid': testId, role: 'img', 'aria-label': label });
  el.style.height = `${height}px`;
  return el;
}

function statsTable(caption: string, rows: readonly StatRow[], testId: string): HTMLElement {
  return h('table', { class: 'stats', 'data-testid': testId },
    h('caption', {}, caption),
    h('tbody', {}, ...rows.map((r) => h('tr', {}, h('th', { scope: 'row' }, r.label), h('td', { class: r.kind === 'text' ? undefined : 'num', 'data-key': r.key ?? undefined }, formatStatRow(r))))));
}

function legend(items: readonly { readonly color: string; readonly label: string; readonly value: string; readonly key?: string }[]): HTMLElement {
  return h('ul', { class: 'legend' }, ...items.map((i) => h('li', {},
    h('span', { class: 'swatch', 'data-color': i.color }), `${i.label}: `, h('strong', { 'data-key': i.key }, i.value))));
}

/** Colours the legend swatches (set through the CSSOM, which a strict CSP allows). */
function paintSwatches(root: HTMLElement): void {
  root.querySelectorAll<HTMLElement>('.swatch[data-color]').forEach((el) => { el.style.background = el.dataset.color ?? ''; });
}

function backtestReport(root: HTMLElement, d: BacktestReportData): ReportView {
  const s = d.summary;
  const p = s.portfolio;
  const t = statsRows(s);
  const charts: IChartApi[] = [];
  const markers = new Map<string, { entries: ISeriesMarkersPluginApi<Time>; exits: ISeriesMarkersPluginApi<Time> }>();
  const runLine = [d.run.id ? `run ${d.run.id}` : 'unsaved run', d.run.created_at ? `stored ${d.run.created_at}` : null, `engine ${s.engine_version}`, d.run.source ? `data ${d.run.source}` : null]
    .filter(Boolean).join(' · ');

  const equityBox = chartBox('equity-chart', `Equity curve with buy and hold, ${formatCount(d.equity.points)} points`, 320);
  const ddBox = chartBox('drawdown-chart', 'Drawdown in percent', 200);
  const bhColors = ['#7a5c00', '#6b2fa0', '#00737a', '#9c3d00'];
  const equityLegend = legend([
    { color: COLORS.equity, label: 'Equity, final', value: formatKrw(p.final_equity_krw), key: 'portfolio.final_equity_krw' },
    { color: COLORS.equity, label: 'Return', value: formatPercent(p.total_return_pct), key: 'portfolio.total_return_pct' },
    ...s.symbols.map((x, i) => ({ color: bhColors[i % bhColors.length], label: `Buy & hold ${x.symbol}`, value: formatPercent(x.buy_and_hold_return_pct), key: `symbols.${i}.buy_and_hold_return_pct` })),
  ]);
  const ddLegend = legend([{ color: COLORS.down, label: 'Max. drawdown', value: formatPercent(p.max_drawdown_pct === 0 ? 0 : -p.max_drawdown_pct), key: 'portfolio.max_drawdown_pct' },
    { color: COLORS.down, label: 'duration', value: formatDuration(p.max_drawdown_duration_ms) }]);
  const downsampledNote = d.equity.points > d.equity.t.length ? ` Drawn: ${formatCount(d.equity.t.length)} of ${formatCount(d.equity.points)} points (minimum and maximum per pixel column); every number shown is exact.` : '';

  const priceSections = d.prices.map((ps) => {
    const n = d.trades.symbol.filter((x) => x === ps.symbol).length;
    const box = chartBox(`price-chart-${ps.symbol}`, `${ps.symbol} ${ps.timeframe} candles with ${n} entries and ${n} exits`, 360);
    return { ps, box, el: h('div', { class: 'price' }, h('h3', {}, `${ps.symbol} ${ps.timeframe}`), box,
      h('p', { class: 'note' }, `${formatCount(n)} trades: ▲ entry, ▼ exit.${ps.bars > ps.t.length ? ` ${formatCount(ps.bars)} candles drawn as ${formatCount(ps.t.length)} (merged per pixel column).` : ''}`)) };
  });
  const missingPrices = s.symbols.filter((x) => !d.prices.some((ps) => ps.symbol === x.symbol)).map((x) => x.symbol);

  const tr = d.trades;
  const tradeCols: { label: string; kind: ValueKind | 'price' | 'qty' | 'text'; get: (i: number) => number | string }[] = [
    { label: 'Symbol', kind: 'text', get: (i) => tr.symbol[i] },
    { label: 'Entry time', kind: 'time_ms', get: (i) => tr.entry_time[i] },
    { label: 'Exit time', kind: 'time_ms', get: (i) => tr.exit_time[i] },
    { label: 'Entry price', kind: 'price', get: (i) => tr.entry_price[i] },
    { label: 'Exit price', kind: 'price', get: (i) => tr.exit_price[i] },
    { label: 'Quantity', kind: 'qty', get: (i) => tr.quantity[i] },
    { label: 'Fees [KRW]', kind: 'krw', get: (i) => tr.fees[i] },
    { label: 'P&L [KRW]', kind: 'krw', get: (i) => tr.pnl[i] },
    { label: 'P&L [%]', kind: 'percent', get: (i) => tr.pnl_pct[i] },
    { label: 'Bars', kind: 'count', get: (i) => tr.bars_held[i] },
    { label: 'Exit reason', kind: 'text', get: (i) => tr.exit_reason[i] },
  ];
  const cellText = (kind: string, v: number | string): string =>
    kind === 'price' ? formatPrice(v as number) : kind === 'qty' ? formatQuantity(v as number) : formatValue(kind as ValueKind, v, { unit: false });

  const perSym = t.perSymbol;
  root.replaceChildren(
    h('header', { class: 'report-head' }, h('h1', { elementtiming: 'report-title' }, d.title), h('p', { class: 'meta' }, runLine),
      h('p', { class: 'meta' }, `${formatUtcTime(s.period.start_ms)} – ${formatUtcTime(s.period.end_ms)} · ${formatCount(s.period.bars)} bars · ${formatCount(p.trade_count)} trades · ${formatCount(s.signal_study.signals)} signals`)),
    section('setup', 'Setup', statsTable('Strategy, parameters, data range, fees and slippage', t.setup, 'setup-table')),
    section('equity', 'Equity', equityLegend, equityBox, h('p', { class: 'note' }, `Equity in KRW after each bar's close; buy and hold invests the initial capital in each symbol at its first close.${missingPrices.length ? ` No candles for ${missingPrices.join(', ')}: no buy-and-hold line or price chart for it.` : ''}${downsampledNote}`)),
    section('drawdown', 'Drawdown', ddLegend, ddBox),
    section('prices', 'Prices and trades', ...(priceSections.length ? priceSections.map((x) => x.el) : [h('p', {}, 'The candles of this run are not in the candle store any more: no price chart.')])),
    section('returns', 'Returns',
      h('div', { class: 'plots' },
        histogramFigure(histogram(tr.pnl_pct), { title: 'Trade returns [%] (after fees and slippage)', unit: ' %', testId: 'trade-returns-histogram' }),
        histogramFigure(histogram(d.signalReturnsPct), { title: `Signal-study returns [%] (close to close after ${s.signal_study.hold_period_bars} bar(s), no costs)`, unit: ' %', testId: 'signal-returns-histogram' }))),
    section('symbols', 'Per symbol',
      h('table', { 'data-testid': 'per-symbol-table' }, h('caption', {}, 'Each symbol: buy and hold, exposure, its trades and its signal study'),
        h('thead', {}, h('tr', {}, ...perSym.columns.map((c) => h('th', { scope: 'col', class: c.kind === 'text' ? undefined : 'num' }, unitLabel(c.kind) ? `${c.label} [${unitLabel(c.kind)}]` : c.label)))),
        h('tbody', {}, ...perSym.rows.map((r) => h('tr', {}, ...r.map((v, i) => h('td', { class: perSym.columns[i].kind === 'text' ? undefined : 'num' }, formatValue(perSym.columns[i].kind, v, { unit: false, digits: perSym.columns[i].digits })))))))),
    section('stats', 'Statistics', statsTable('Performance (portfolio with fees and slippage)', t.performance, 'stats-table')),
    section('signal-study', 'Signal study', statsTable(`Every Buy signal, close to close after ${s.signal_study.hold_period_bars} bar(s), no costs (the original coin_hts view)`, t.signalStudy, 'signal-study-table')),
    section('trades', 'Trades', sortableTable({
      caption: `${formatCount(tr.symbol.length)} trades; choose a column header to sort`, rows: tr.symbol.length, testId: 'trades-table',
      columns: tradeCols.map((c) => ({ label: c.label, numeric: c.kind !== 'text', key: c.get, text: (i: number) => cellText(c.kind, c.get(i)) })),
    })),
    h('footer', {}, h('p', {}, 'coin-hts report. Charts: TradingView Lightweight Charts™ (Apache License 2.0), copyright TradingView, Inc.; bundled in this file, nothing is fetched.')),
  );
  paintSwatches(root);
  performance.mark('coinhts-report-dom');

  // Charts are created once their boxes are in the document (they size themselves to it), after
  // the text and tables have been painted once: a large run shows its numbers first.
  const drawCharts = (): void => {
  const equityChart = baseChart(equityBox, 320, (x) => formatNumber(x, 0));
  charts.push(equityChart);
  const eq = equityChart.addSeries(LineSeries, { color: COLORS.equity, lineWidth: 2, title: 'Equity', priceLineVisible: false });
  eq.setData(d.equity.t.map((x, i) => ({ time: sec(x), value: d.equity.v[i] })));
  d.buyAndHold.forEach((b, i) => {
    const line = equityChart.addSeries(LineSeries, { color: bhColors[i % bhColors.length], lineWidth: 1, title: `B&H ${b.symbol}`, priceLineVisible: false, lastValueVisible: false });
    line.setData(b.t.map((x, k) => ({ time: sec(x), value: b.v[k] })));
  });
  equityChart.timeScale().fitContent();
  performance.mark('coinhts-report-equity');

  const ddChart = baseChart(ddBox, 200, (x) => `${formatNumber(x)} %`);
  charts.push(ddChart);
  const dd = ddChart.addSeries(AreaSeries, { lineColor: COLORS.down, topColor: 'rgba(179,38,30,0.05)', bottomColor: 'rgba(179,38,30,0.35)', lineWidth: 1, priceLineVisible: false, invertFilledArea: true });
  dd.setData(d.drawdown.t.map((x, i) => ({ time: sec(x), value: d.drawdown.v[i] })));
  ddChart.timeScale().fitContent();
  performance.mark('coinhts-report-drawdown');

  for (const { ps, box } of priceSections) {
    const chart = baseChart(box, 360, formatPrice);
    charts.push(chart);
    const candles = chart.addSeries(CandlestickSeries, { upColor: COLORS.up, downColor: COLORS.down, borderVisible: false, wickUpColor: COLORS.up, wickDownColor: COLORS.down, priceLineVisible: false });
    candles.setData(ps.t.map((x, i) => ({ time: sec(x), open: ps.o[i], high: ps.h[i], low: ps.l[i], close: ps.c[i] })));
    // A trade's marker sits on the (merged) candle that contains its fill time.
    const at = (ms: number): UTCTimestamp => {
      let lo = 0, hi = ps.t.length - 1;
      while (lo < hi) {
        const mid = (lo + hi + 1) >> 1;
        if (ps.t[mid] <= ms) lo = mid; else hi = mid - 1;
      }
      return sec(ps.t[lo]);
    };
    // One marker per (merged) candle and kind; a candle holding several fills shows their count.
    // The marker id carries how many trades it stands for, so markerCounts() adds up to the trades.
    const group = (times: number[], kind: 'entry' | 'exit'): SeriesMarker<Time>[] => {
      const counts = new Map<number, number>();
      for (const x of times) counts.set(x, (counts.get(x) ?? 0) + 1);
      return [...counts].sort((a, b) => a[0] - b[0]).map(([time, n]) => ({
        time: time as UTCTimestamp, id: `${kind}:${n}`, text: n > 1 ? String(n) : undefined,
        position: kind === 'entry' ? 'belowBar' : 'aboveBar', shape: kind === 'entry' ? 'arrowUp' : 'arrowDown', color: kind === 'entry' ? COLORS.up : COLORS.down,
      }));
    };
    const entryTimes: number[] = [], exitTimes: number[] = [];
    for (let i = 0; i < tr.symbol.length; i++) {
      if (tr.symbol[i] !== ps.symbol) continue;
      entryTimes.push(at(tr.entry_time[i]));
      exitTimes.push(at(tr.exit_time[i]));
    }
    markers.set(ps.symbol, { entries: createSeriesMarkers(candles, group(entryTimes, 'entry')), exits: createSeriesMarkers(candles, group(exitTimes, 'exit')) });
    chart.timeScale().fitContent();
  }
  };
  const drawn = new Promise<void>((resolve) => requestAnimationFrame(() => setTimeout(() => { drawCharts(); resolve(); }, 0)));

  return {
    markerCounts: () => Object.fromEntries([...markers].map(([k, m]) => [k, { entries: represented(m.entries), exits: represented(m.exits), drawn: m.entries.markers().length + m.exits.markers().length }])),
    dispose: () => { for (const c of charts) c.remove(); },
    drawn,
  };
}

const SWEEP_METRICS: readonly { readonly key: string; readonly label: string; readonly kind: ValueKind }[] = [
  { key: 'total_return_pct', label: 'Return', kind: 'percent' },
  { key: 'sharpe', label: 'Sharpe', kind: 'ratio' },
  { key: 'max_drawdown_pct', label: 'Max. DD', kind: 'percent' },
  { key: 'win_rate', label: 'Win', kind: 'fraction' },
  { key: 'trade_count', label: 'Trades', kind: 'count' },
  { key: 'profit_factor', label: 'Profit factor', kind: 'ratio' },
];

function sweepReport(root: HTMLElement, d: SweepReportData): ReportView {
  const rows = d.ranking.rows;
  const params = [...new Set(rows.flatMap((r) => Object.keys(r.params)))];
  const metricKeys = ['score', ...new Set(rows.flatMap((r) => Object.keys(r.metrics ?? {})))];
  const canvas = h('canvas', { role: 'img', 'data-testid': 'sweep-heatmap', 'aria-label': 'Heat map' });
  const select = (id: string, label: string, options: readonly string[], value: string) => {
    const el = h('select', { id }, ...options.map((o) => h('option', { value: o, selected: o === value }, o)));
    return { el, wrap: h('label', { for: id }, `${label} `, el) };
  };
  const swept = d.sweptParams.length >= 2 ? d.sweptParams : params;
  const xs = select('heat-x', 'Across', params, swept[0] ?? '');
  const ys = select('heat-y', 'Up', params, swept[1] ?? swept[0] ?? '');
  const ms = select('heat-metric', 'Colour', metricKeys, 'score');
  const redraw = () => {
    const metric = ms.el.value;
    const direction = metric === 'score' ? d.ranking.direction : /drawdown|volatility/.test(metric) ? 'min' : 'max';
    drawHeatmap(canvas, heatmapGrid(rows, xs.el.value, ys.el.value, metric, direction), metric === 'score' ? `score (${d.ranking.rankBy})` : metric);
  };
  for (const s of [xs, ys, ms]) s.el.addEventListener('change', redraw);
  const cols = [
    { label: 'Rank', numeric: true, key: (i: number) => i, text: (i: number) => String(i + 1) },
    ...params.map((p) => ({ label: p, numeric: true, key: (i: number) => (typeof rows[i].params[p] === 'number' ? rows[i].params[p] as number : String(rows[i].params[p])), text: (i: number) => String(rows[i].params[p] ?? '') })),
    { label: `Score (${d.ranking.rankBy})`, numeric: true, key: (i: number) => rows[i].score ?? NaN, text: (i: number) => formatNumber(rows[i].score, 3) },
    ...SWEEP_METRICS.map((m) => ({
      label: unitLabel(m.kind) ? `${m.label} [${unitLabel(m.kind)}]` : m.label, numeric: true,
      key: (i: number) => rows[i].metrics?.[m.key] ?? NaN,
      text: (i: number) => formatValue(m.kind, m.key === 'max_drawdown_pct' && rows[i].metrics?.[m.key] ? -(rows[i].metrics?.[m.key] as number) : rows[i].metrics?.[m.key], { unit: false }),
    })),
    { label: 'Error', numeric: false, key: (i: number) => rows[i].error?.message ?? '', text: (i: number) => rows[i].error?.message ?? '' },
  ];
  const over = d.overfitting;
  root.replaceChildren(
    h('header', { class: 'report-head' }, h('h1', {}, d.title), h('p', { class: 'meta' }, [d.run.id ? `run ${d.run.id}` : null, d.run.created_at ? `stored ${d.run.created_at}` : null].filter(Boolean).join(' · ')),
      h('p', { class: 'meta' }, `${formatCount(d.ranking.total)} combinations, ${formatCount(d.ranking.evaluated)} ran, ${formatCount(d.ranking.failed)} rejected; best ${d.ranking.direction === 'max' ? 'highest' : 'lowest'} ${d.ranking.rankBy} first`)),
    section('request', 'Request', h('pre', { class: 'request', tabindex: 0 }, JSON.stringify(d.request, null, 2))),
    section('heatmap', 'Heat map', h('div', { class: 'controls' }, xs.wrap, ys.wrap, ms.wrap), h('figure', { class: 'plot' }, canvas,
      h('figcaption', {}, 'Each cell: the best value over the other parameters; grey: no combination ran.'))),
    over ? section('overfitting', 'Overfitting', h('table', { class: 'stats' }, h('tbody', {}, ...Object.entries(over).map(([k, v]) => h('tr', {}, h('th', { scope: 'row' }, k), h('td', { class: 'num' }, formatRatio(v)))))))
      : '',
    section('ranking', 'Ranking', sortableTable({ caption: `${formatCount(rows.length)} combinations, best first; choose a header to sort`, rows: rows.length, columns: cols, testId: 'ranking-table' })),
    h('footer', {}, h('p', {}, 'coin-hts sweep report; nothing is fetched.')),
  );
  redraw();
  return { markerCounts: () => ({}), dispose: () => undefined, drawn: Promise.resolve() };
}

const paramText = (p: Readonly<Record<string, unknown>> | null): string => (p ? Object.entries(p).map(([k, v]) => `${k}=${String(v)}`).join(', ') : 'none ran');
const windowText = (w: { readonly start_ms: number; readonly end_ms: number }): string => `${formatUtcTime(w.start_ms)} – ${formatUtcTime(w.end_ms)}`;

function walkForwardReport(root: HTMLElement, d: WalkForwardReportData): ReportView {
  const folds = d.folds;
  const ran = folds.filter((f) => f.bestParams !== null).length;
  const gap = d.isMeanScore !== null && d.oosMeanScore !== null ? d.isMeanScore - d.oosMeanScore : null;
  const equityBox = chartBox('wf-equity-chart', `Stitched out-of-sample equity of ${folds.length} folds, ${formatCount(d.equity.points)} points, each fold's start marked`, 320);
  const st = d.stability;
  const summary: StatRow[] = [
    { key: null, label: 'Folds (with a result)', kind: 'text', value: `${formatCount(folds.length)} (${formatCount(ran)})` },
    { label: 'Out-of-sample return, compounded', kind: 'percent', value: d.oosCompoundedReturnPct, key: 'oosCompoundedReturnPct' },
    { key: null, label: 'Stitched equity, first → last', kind: 'text', value: `${formatKrw(d.equity.first)} → ${formatKrw(d.equity.last)}` },
    { label: `Mean in-sample ${d.rankBy}`, kind: 'ratio', value: d.isMeanScore, key: 'isMeanScore' },
    { label: `Mean out-of-sample ${d.rankBy}`, kind: 'ratio', value: d.oosMeanScore, key: 'oosMeanScore' },
    { label: 'In-sample minus out-of-sample (overfitting gap)', kind: 'ratio', value: gap, key: 'gap' },
  ];
  const stabilityRows: StatRow[] = [
    { label: 'Best set changed between folds', kind: 'count', value: st.changes, key: 'changes' },
    { label: 'Folds choosing the most frequent set', kind: 'fraction', value: st.modalShare, key: 'modalShare' },
  ];
  const cols = [
    { label: 'Fold', numeric: true, key: (i: number) => folds[i].fold, text: (i: number) => String(folds[i].fold + 1) },
    { label: 'In-sample window', numeric: false, key: (i: number) => folds[i].inSample.start_ms, text: (i: number) => windowText(folds[i].inSample) },
    { label: 'Out-of-sample window', numeric: false, key: (i: number) => folds[i].outOfSample.start_ms, text: (i: number) => windowText(folds[i].outOfSample) },
    { label: 'Best parameters (in-sample)', numeric: false, key: (i: number) => paramText(folds[i].bestParams), text: (i: number) => paramText(folds[i].bestParams) },
    { label: `In-sample ${d.rankBy}`, numeric: true, key: (i: number) => folds[i].inSampleScore ?? NaN, text: (i: number) => formatRatio(folds[i].inSampleScore) },
    { label: `Out-of-sample ${d.rankBy}`, numeric: true, key: (i: number) => folds[i].outOfSampleScore ?? NaN, text: (i: number) => formatRatio(folds[i].outOfSampleScore) },
    { label: 'OOS return [%]', numeric: true, key: (i: number) => folds[i].outOfSampleMetrics?.total_return_pct ?? NaN, text: (i: number) => formatPercent(folds[i].outOfSampleMetrics?.total_return_pct, { unit: false }) },
    { label: 'OOS max. DD [%]', numeric: true, key: (i: number) => folds[i].outOfSampleMetrics?.max_drawdown_pct ?? NaN, text: (i: number) => { const x = folds[i].outOfSampleMetrics?.max_drawdown_pct; return formatPercent(x ? -x : x, { unit: false }); } },
    { label: 'OOS trades', numeric: true, key: (i: number) => folds[i].outOfSampleMetrics?.trade_count ?? NaN, text: (i: number) => formatCount(folds[i].outOfSampleMetrics?.trade_count) },
  ];
  const params = st.params;
  root.replaceChildren(
    h('header', { class: 'report-head' }, h('h1', {}, d.title), h('p', { class: 'meta' }, [d.run.id ? `run ${d.run.id}` : 'unsaved run', d.run.created_at ? `stored ${d.run.created_at}` : null].filter(Boolean).join(' · ')),
      h('p', { class: 'meta' }, `Each fold optimises ${d.rankBy} (${d.direction === 'max' ? 'highest' : 'lowest'} best) on its in-sample window and trades the best parameters on the following out-of-sample window.`)),
    section('wf-summary', 'Summary', statsTable('Out of sample against in sample', summary, 'wf-summary-table')),
    section('wf-equity', 'Out-of-sample equity', equityBox,
      h('p', { class: 'note' }, `The folds' out-of-sample equity curves (KRW) joined end to end, each rescaled to start where the previous one ended; ▼ F1, F2 … and the grey bars mark where each fold's out-of-sample window begins.${d.equity.points > d.equity.t.length ? ` Drawn: ${formatCount(d.equity.t.length)} of ${formatCount(d.equity.points)} points (minimum and maximum per pixel column).` : ''}`)),
    section('wf-folds', 'Folds', sortableTable({ caption: `${formatCount(folds.length)} folds (windows UTC, end exclusive); choose a header to sort`, rows: folds.length, columns: cols, testId: 'wf-folds-table' })),
    section('wf-stability', 'Parameter stability',
      statsTable('How often the chosen parameters change', stabilityRows, 'wf-stability-summary'),
      h('div', { class: 'scroll' }, h('table', { 'data-testid': 'wf-stability-table' }, h('caption', {}, 'The value each fold chose, and its spread (population standard deviation)'),
        h('thead', {}, h('tr', {}, ...['Parameter', 'Chosen per fold', 'Distinct', 'Mean', 'Std. dev.', 'Std. dev. / |mean|'].map((c, i) => h('th', { scope: 'col', class: i > 1 ? 'num' : undefined }, c)))),
        h('tbody', {}, ...params.map((p) => h('tr', {}, h('th', { scope: 'row' }, p.name), h('td', {}, p.values.map((v) => (v === null ? MISSING : String(v))).join(' · ')),
          h('td', { class: 'num' }, formatCount(p.distinct)), h('td', { class: 'num' }, formatNumber(p.mean)), h('td', { class: 'num' }, formatNumber(p.std)),
          h('td', { class: 'num' }, formatFractionAsPercent(p.relativeStd)))))))),
    section('request', 'Request', h('pre', { class: 'request', tabindex: 0 }, JSON.stringify(d.request, null, 2))),
    h('footer', {}, h('p', {}, 'coin-hts walk-forward report. Charts: TradingView Lightweight Charts™ (Apache License 2.0), copyright TradingView, Inc.; bundled in this file, nothing is fetched.')),
  );
  let chart: IChartApi | null = null;
  let marks: ISeriesMarkersPluginApi<Time> | null = null;
  let marked = 0;
  const drawn = new Promise<void>((resolve) => requestAnimationFrame(() => setTimeout(() => {
    chart = baseChart(equityBox, 320, (x) => formatNumber(x, 0));
    const t = d.equity.t;
    const line = chart.addSeries(LineSeries, { color: COLORS.equity, lineWidth: 2, title: 'OOS equity', priceLineVisible: false });
    line.setData(t.map((x, i) => ({ time: sec(x), value: d.equity.v[i] })));
    // Each fold's out-of-sample start, on the first drawn point at or after it (folds without equity get none).
    const starts: { fold: number; time: UTCTimestamp }[] = [];
    for (const f of folds) {
      let lo = 0, hi = t.length;
      while (lo < hi) { const mid = (lo + hi) >> 1; if (t[mid] < f.outOfSample.start_ms) lo = mid + 1; else hi = mid; }
      if (lo < t.length && t[lo] < f.outOfSample.end_ms && !starts.some((x) => x.time === sec(t[lo]))) starts.push({ fold: f.fold, time: sec(t[lo]) });
    }
    marked = starts.length;
    marks = createSeriesMarkers(line, starts.map((x) => ({ time: x.time, position: 'aboveBar', shape: 'arrowDown', color: COLORS.text, text: `F${x.fold + 1}` })));
    const bounds = chart.addSeries(HistogramSeries, { color: 'rgba(74,74,82,0.22)', priceScaleId: 'bounds', priceLineVisible: false, lastValueVisible: false });
    chart.priceScale('bounds').applyOptions({ scaleMargins: { top: 0, bottom: 0 }, visible: false });
    bounds.setData(starts.map((x) => ({ time: x.time, value: 1 })));
    chart.timeScale().fitContent();
    resolve();
  }, 0)));
  return {
    markerCounts: () => ({}),
    windowMarkers: () => ({ folds: marked, drawn: marks?.markers().length ?? 0 }),
    dispose: () => { (chart as IChartApi | null)?.remove(); },
    drawn,
  };
}

/** Renders a report into `root` (replacing its content) and returns handles on what it drew. */
export function renderReport(root: HTMLElement, data: ReportData): ReportView {
  root.classList.add('coinhts-report');
  if (data.kind === 'sweep') return sweepReport(root, data);
  if (data.kind === 'walk-forward') return walkForwardReport(root, data);
  return backtestReport(root, data);
}

