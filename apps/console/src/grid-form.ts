/**
 * The parameter part of the sweep form, generated from a strategy's JSON Schema: per parameter a
 * fixed value, a list of values or (numbers) a range from–to by step. Fixed values go to the
 * sweep's `params`, the others to its `grid`.
 */
import { h } from '@coinhts/report/widgets';
import { field, fieldValue, propertyInput, propertyType, type FormField, type PropertySchema } from './schema-form';

/** How one parameter is swept. */
export type SweepMode = 'fixed' | 'list' | 'range';

/** One parameter of the sweep form. */
export interface GridParam {
  readonly name: string;
  readonly el: HTMLElement;
  /** Where the API's message about this parameter goes (its name is `params.NAME`). */
  readonly field: FormField;
  readonly mode: HTMLSelectElement;
  /** The fixed value, or the values to try; a string when the form cannot read them (shown next to the parameter). */
  value(): { readonly fixed: unknown } | { readonly grid: readonly unknown[] } | string;
}

/** At most this many values per parameter (the API allows 10,000 combinations in all). */
const MAX_VALUES = 10_000;

/** The decimals of a number as written (`0.05` → 2), so a range adds steps without float drift. */
function decimals(x: number): number {
  const s = String(x);
  const e = s.indexOf('e-');
  if (e >= 0) return Number(s.slice(e + 2));
  const k = s.indexOf('.');
  return k < 0 ? 0 : s.length - k - 1;
}

/**
 * The values from `from` to `to` (inclusive, when a step lands on it) by `step`, rounded to the
 * inputs' decimals: `rangeValues(0.1, 0.3, 0.1)` is `[0.1, 0.2, 0.3]`, not `0.30000000000000004`.
 * Returns a message instead when the range is not one.
 */
export function rangeValues(from: number, to: number, step: number): number[] | string {
  if (![from, to, step].every(Number.isFinite)) return 'give from, to and step as numbers';
  if (step <= 0) return 'step must be greater than 0';
  if (to < from) return 'to must not be below from';
  const n = Math.floor((to - from) / step + 1e-9) + 1;
  if (n > MAX_VALUES) return `the range has ${n} values; at most ${MAX_VALUES} are allowed`;
  const d = Math.max(decimals(from), decimals(step));
  return Array.from({ length: n }, (_, i) => Number((from + i * step).toFixed(d)));
}

function listValue(text: string, kind: FormField['kind']): unknown[] {
  return text.split(',').map((x) => x.trim()).filter((x) => x !== '').map((x) => {
    if (kind === 'boolean') return x === 'true' || x === 'yes' ? true : x === 'false' || x === 'no' ? false : x;
    if (kind === 'number' || kind === 'integer') return Number.isFinite(Number(x)) ? Number(x) : x; // the API names what is wrong
    return x;
  });
}

/** The sweep editor of each parameter of `schema`; `onChange` runs on every edit (for the combination count). */
export function gridParams(schema: { readonly properties?: Readonly<Record<string, PropertySchema>> }, onChange: () => void): GridParam[] {
  return Object.entries(schema.properties ?? {}).map(([name, p]) => {
    const type = propertyType(p);
    const numeric = type === 'number' || type === 'integer';
    const { input, kind, hint } = propertyInput(p);
    const f = field(`params.${name}`, `Value of ${name}`, input, '', kind);
    const mode = h('select', {},
      h('option', { value: 'fixed' }, 'one value'), h('option', { value: 'list' }, 'list of values'), ...(numeric ? [h('option', { value: 'range' }, 'range')] : []));
    const modeField = field(`mode.${name}`, `Sweep ${name}`, mode, '', 'string');
    const listInput = h('input', { type: 'text', placeholder: numeric ? 'e.g. 10, 20, 30' : p.enum ? p.enum.join(', ') : 'true, false' });
    const list = field(`list.${name}`, `Values of ${name}`, listInput, 'comma-separated', 'string');
    const num = (label: string, value: string) => field(`${label}.${name}`, `${name} ${label}`, h('input', { type: 'number', step: type === 'integer' ? '1' : 'any', value }), '', kind);
    const def = typeof p.default === 'number' ? p.default : undefined;
    const from = num('from', def === undefined ? '' : String(def));
    const to = num('to', def === undefined ? '' : String(def));
    const step = num('step', type === 'integer' ? '1' : '');
    const rangeBox = h('div', { class: 'range' }, from.el, to.el, step.el);
    const show = () => {
      f.el.hidden = mode.value !== 'fixed';
      list.el.hidden = mode.value !== 'list';
      rangeBox.hidden = mode.value !== 'range';
    };
    show();
    const el = h('fieldset', { class: 'grid-param', 'data-param': name },
      h('legend', {}, name), h('p', { class: 'hint' }, hint), modeField.el, f.el, list.el, rangeBox);
    // The message slot of the parameter is the one of its fixed value, moved under the legend so it shows in every mode.
    el.insertBefore(f.field.message, modeField.el);
    el.addEventListener('input', onChange);
    el.addEventListener('change', () => { show(); onChange(); });
    return {
      name, el, field: f.field, mode,
      value: () => {
        if (mode.value === 'fixed') return { fixed: fieldValue(f.field) };
        if (mode.value === 'list') {
          const vs = listValue(listInput.value, kind);
          return vs.length ? { grid: vs } : 'list at least one value';
        }
        const r = rangeValues(Number(from.field.input.value === '' ? NaN : from.field.input.value), Number(to.field.input.value === '' ? NaN : to.field.input.value), Number(step.field.input.value === '' ? NaN : step.field.input.value));
        return typeof r === 'string' ? r : { grid: r };
      },
    };
  });
}
