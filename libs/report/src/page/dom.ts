/** Attributes and children of {@link h}. */
export type Attrs = Readonly<Record<string, string | number | boolean | null | undefined>>;

/**
 * Creates an element: `h('td', { class: 'num' }, '1.00 %')`. Attribute values `false`, null and
 * undefined are left out; children are nodes or text (never parsed as HTML).
 */
export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Attrs = {}, ...children: (Node | string | null | undefined)[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === false || v === null || v === undefined) continue;
    el.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children) if (c !== null && c !== undefined) el.append(c);
  return el;
}

/** A titled section with an id (its heading labels it for assistive technology). */
export function section(id: string, title: string, ...children: (Node | string | null | undefined)[]): HTMLElement {
  return h('section', { id, 'aria-labelledby': `${id}-title` }, h('h2', { id: `${id}-title` }, title), ...children);
}
