import { h } from '@coinhts/report/widgets';
import type { FieldIssue } from './api';

/** The part of a JSON Schema property the form reads. */
export interface PropertySchema {
  readonly type?: string | readonly string[];
  readonly description?: string;
  readonly default?: unknown;
  readonly minimum?: number;
  readonly maximum?: number;
  readonly exclusiveMinimum?: number;
  readonly exclusiveMaximum?: number;
  readonly enum?: readonly unknown[];
}

/** A form field: its input, and where its message goes. */
export interface FormField {
  readonly name: string;
  readonly input: HTMLInputElement | HTMLSelectElement;
  readonly message: HTMLElement;
  readonly kind: 'number' | 'integer' | 'boolean' | 'string';
}

let seq = 0;

/** A labelled field with a hint and a message slot wired for assistive technology. */
export function field(name: string, label: string, input: HTMLInputElement | HTMLSelectElement, hint: string, kind: FormField['kind']): { el: HTMLElement; field: FormField } {
  const id = `f${++seq}-${name.replace(/[^a-z0-9]/gi, '-')}`;
  input.id = id;
  input.name = name;
  const hintEl = h('small', { id: `${id}-hint`, class: 'hint' }, hint);
  const message = h('span', { id: `${id}-msg`, class: 'field-error', role: 'alert', 'data-field': name });
  input.setAttribute('aria-describedby', `${id}-hint ${id}-msg`);
  return { el: h('div', { class: 'field' }, h('label', { for: id }, label), input, hintEl, message), field: { name, input, message, kind } };
}

function range(p: PropertySchema): string {
  const lo = p.minimum !== undefined ? `≥ ${p.minimum}` : p.exclusiveMinimum !== undefined ? `> ${p.exclusiveMinimum}` : '';
  const hi = p.maximum !== undefined ? `≤ ${p.maximum}` : p.exclusiveMaximum !== undefined ? `< ${p.exclusiveMaximum}` : '';
  return [lo, hi].filter(Boolean).join(' and ');
}

/**
 * Fields for a strategy's parameters from its JSON Schema: numbers and integers as number inputs
 * (with min/max and step), booleans as yes/no selects, enums as selects; defaults filled in,
 * descriptions and ranges as hints. The browser does not enforce the ranges: the API's answer is
 * the one rule, shown next to the field.
 */
export function schemaFields(schema: { readonly properties?: Readonly<Record<string, PropertySchema>> }, prefix: string): { els: HTMLElement[]; fields: FormField[] } {
  const els: HTMLElement[] = [], fields: FormField[] = [];
  for (const [name, p] of Object.entries(schema.properties ?? {})) {
    const { input, kind, hint } = propertyInput(p);
    const f = field(`${prefix}${name}`, name, input, hint, kind);
    els.push(f.el);
    fields.push(f.field);
  }
  return { els, fields };
}

/** The JSON type of a property (the non-null one of a union). */
export function propertyType(p: PropertySchema): string {
  return Array.isArray(p.type) ? (p.type.find((t) => t !== 'null') as string) : (p.type as string | undefined) ?? 'string';
}

/**
 * The input of one JSON Schema property with its default filled in, its kind and its hint
 * (description, range, default). An enum without a default gets an empty first option, sent as
 * "not given" so the API's default applies.
 */
export function propertyInput(p: PropertySchema): { input: HTMLInputElement | HTMLSelectElement; kind: FormField['kind']; hint: string } {
  const type = propertyType(p);
  let input: HTMLInputElement | HTMLSelectElement;
  let kind: FormField['kind'];
  if (p.enum) {
    input = h('select', {}, ...(p.default === undefined ? [h('option', { value: '' }, '(default)')] : []),
      ...p.enum.map((v) => h('option', { value: String(v), selected: v === p.default }, String(v))));
    kind = typeof p.enum[0] === 'number' ? 'number' : 'string';
  } else if (type === 'boolean') {
    input = h('select', {}, h('option', { value: 'true', selected: p.default === true }, 'yes'), h('option', { value: 'false', selected: p.default === false }, 'no'));
    kind = 'boolean';
  } else if (type === 'number' || type === 'integer') {
    input = h('input', { type: 'number', step: type === 'integer' ? '1' : 'any', value: p.default === undefined ? '' : String(p.default) });
    kind = type;
  } else {
    input = h('input', { type: 'text', value: p.default === undefined ? '' : String(p.default) });
    kind = 'string';
  }
  const hint = [p.description?.replace(/\.$/, ''), range(p), p.default !== undefined ? `default ${JSON.stringify(p.default)}` : ''].filter(Boolean).join('; ');
  return { input, kind, hint };
}

/** The value of a field as JSON (empty number fields are left out so the API's default applies). */
export function fieldValue(f: FormField): unknown {
  const v = f.input.value.trim();
  if (f.kind === 'boolean') return v === 'true';
  if (f.kind === 'number' || f.kind === 'integer') return v === '' ? undefined : Number(v);
  if (v === '' && f.input instanceof HTMLSelectElement) return undefined;
  return v;
}

/**
 * Shows the API's validation issues next to their fields (matched by the field's name, with or
 * without the `body.` / `params.` prefixes the API adds) and returns the issues no field took.
 */
export function showIssues(fields: readonly FormField[], issues: readonly FieldIssue[]): FieldIssue[] {
  for (const f of fields) {
    f.message.textContent = '';
    f.input.removeAttribute('aria-invalid');
  }
  const rest: FieldIssue[] = [];
  for (const issue of issues) {
    const name = issue.field.replace(/^body\./, '');
    const f = fields.find((x) => x.name === name || x.name === `params.${name}` || x.name.replace(/^params\./, '') === name.replace(/^params\./, ''));
    if (!f) { rest.push(issue); continue; }
    f.message.textContent = issue.message;
    f.input.setAttribute('aria-invalid', 'true');
  }
  const first = fields.find((f) => f.input.getAttribute('aria-invalid') === 'true');
  first?.input.focus();
  return rest;
}
