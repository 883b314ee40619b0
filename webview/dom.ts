/**
 * A small element builder. Everything the inspector shows comes from servers under test, so text
 * always goes in through text nodes and never through innerHTML.
 */

export type Child = Node | string | number | null | undefined | false;

/** Attributes to set; `class` sets the class list, `false` and `undefined` skip the attribute. */
export type Attributes = Record<string, string | number | boolean | undefined>;

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attributes?: Attributes,
  ...children: Child[]
): HTMLElementTagNameMap[K];
export function h(tag: string, attributes?: Attributes, ...children: Child[]): HTMLElement;
export function h(tag: string, attributes: Attributes = {}, ...children: Child[]): HTMLElement {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === false) continue;
    if (name === 'class') element.className = String(value);
    else element.setAttribute(name, value === true ? '' : String(value));
  }
  append(element, children);
  return element;
}

export function append(parent: Node, children: Child[]): void {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    // A value of the wrong type from the host becomes text instead of an appendChild error.
    parent.appendChild(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/** A toolkit button that calls `onClick`; `label` names the action for screen readers. */
export function button(
  text: string,
  onClick: () => void,
  options: { label?: string; appearance?: 'primary' | 'secondary' } = {},
): HTMLElement {
  const element = h('vscode-button', {
    appearance: options.appearance ?? 'secondary',
    'aria-label': options.label,
  });
  element.textContent = text;
  element.addEventListener('click', onClick);
  return element;
}

/**
 * A two-column table of names and values, the usual shape of headers and form bodies. The caption
 * is for screen readers; `headings`, when given, adds a visible header row.
 */
export function pairTable(
  caption: string,
  pairs: ReadonlyArray<readonly [string, Child]>,
  headings?: readonly [string, string],
): HTMLTableElement {
  const rows = pairs.map(([name, value]) =>
    h('tr', {}, h('th', { scope: 'row' }, name), h('td', {}, value)),
  );
  const head = headings
    ? h(
        'thead',
        {},
        h('tr', {}, h('th', { scope: 'col' }, headings[0]), h('th', { scope: 'col' }, headings[1])),
      )
    : undefined;
  return h(
    'table',
    { class: 'pairs' },
    h('caption', { class: 'visually-hidden' }, caption),
    head,
    h('tbody', {}, ...rows),
  );
}

/** Text that screen readers read but the page does not show. */
export function srOnly(text: string, id?: string): HTMLElement {
  return h('span', { class: 'visually-hidden', id }, text);
}
