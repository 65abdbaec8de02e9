import { h } from './dom';

/** A column of {@link sortableTable}: header, how to read a row's sort key, how to show it. */
export interface TableColumn {
  readonly label: string;
  /** Sort key of row `i` (numbers sort numerically, strings alphabetically). */
  readonly key: (i: number) => number | string;
  /** Cell text of row `i`. */
  readonly text: (i: number) => string;
  readonly numeric?: boolean;
}

/** Options of {@link sortableTable}. */
export interface SortableTableOptions {
  readonly caption: string;
  readonly rows: number;
  readonly columns: readonly TableColumn[];
  /** Rows per page (default 100): a 10,000-row table stays quick to draw. */
  readonly pageSize?: number;
  /** `data-testid` of the table. */
  readonly testId?: string;
}

/**
 * A table sortable by any column (header buttons, keyboard reachable, `aria-sort` kept current)
 * and paged, so large tables draw only one page of rows. Sorting covers every row.
 */
export function sortableTable(o: SortableTableOptions): HTMLElement {
  const pageSize = o.pageSize ?? 100;
  let order = Array.from({ length: o.rows }, (_, i) => i);
  let page = 0;
  let sortCol = -1, dir = 1;
  const tbody = h('tbody');
  const status = h('span', { class: 'pager-status', 'aria-live': 'polite' });
  const prev = h('button', { type: 'button' }, 'Previous');
  const next = h('button', { type: 'button' }, 'Next');
  const pages = () => Math.max(1, Math.ceil(o.rows / pageSize));
  const headers = o.columns.map((c, ci) => {
    const btn = h('button', { type: 'button', class: 'sort' }, c.label);
    btn.addEventListener('click', () => sortBy(ci));
    return h('th', { scope: 'col', class: c.numeric ? 'num' : undefined, 'aria-sort': 'none' }, btn);
  });
  function draw(): void {
    const from = page * pageSize, to = Math.min(o.rows, from + pageSize);
    const frag = document.createDocumentFragment();
    for (let k = from; k < to; k++) {
      const i = order[k];
      frag.append(h('tr', {}, ...o.columns.map((c) => h('td', { class: c.numeric ? 'num' : undefined }, c.text(i)))));
    }
    tbody.replaceChildren(frag);
    status.textContent = o.rows === 0 ? 'no rows' : `rows ${from + 1}–${to} of ${o.rows.toLocaleString('en-US')}`;
    prev.disabled = page === 0;
    next.disabled = page >= pages() - 1;
  }
  function sortBy(ci: number): void {
    dir = sortCol === ci ? -dir : 1;
    sortCol = ci;
    const key = o.columns[ci].key;
    const keys = new Map<number, number | string>();
    for (const i of order) keys.set(i, key(i));
    order = [...order].sort((a, b) => {
      const x = keys.get(a) as number | string, y = keys.get(b) as number | string;
      const c = typeof x === 'number' && typeof y === 'number' ? (Number.isNaN(x) ? 1 : Number.isNaN(y) ? -1 : x - y) : String(x).localeCompare(String(y));
      return c === 0 ? a - b : c * dir;
    });
    headers.forEach((th, k) => th.setAttribute('aria-sort', k === ci ? (dir > 0 ? 'ascending' : 'descending') : 'none'));
    page = 0;
    draw();
  }
  prev.addEventListener('click', () => { page = Math.max(0, page - 1); draw(); });
  next.addEventListener('click', () => { page = Math.min(pages() - 1, page + 1); draw(); });
  draw();
  const table = h('table', { 'data-testid': o.testId }, h('caption', {}, o.caption), h('thead', {}, h('tr', {}, ...headers)), tbody);
  return h('div', { class: 'table-wrap' }, h('div', { class: 'scroll', tabindex: 0, role: 'region', 'aria-label': o.caption }, table), o.rows > pageSize ? h('div', { class: 'pager' }, prev, status, next) : status);
}
