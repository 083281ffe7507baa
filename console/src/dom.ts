// A few lines for building the page's elements, so that views read as their structure.

type Child = Node | string | null | undefined | false;

/** An element by id. */
export const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;

/**
 * An element `tag` with `attrs` (a `class`, `dataset` entries as `data-*`, `on*` handlers as
 * properties, others as attributes; `false`, `null` and `undefined` leave one out) and children.
 */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Record<string, unknown> = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === false || value === null || value === undefined) continue;
    if (key.startsWith('on') && typeof value === 'function') {
      (el as unknown as Record<string, unknown>)[key] = value;
    } else if (key === 'class') {
      el.className = String(value);
    } else {
      el.setAttribute(key, value === true ? '' : String(value));
    }
  }
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child);
  }
  return el;
}

/** Sets `el`'s text only when it changed, so that a refresh at every block does not flicker. */
export function setText(el: Element | null, text: string): void {
  if (el && el.textContent !== text) el.textContent = text;
}

/** Replaces `el`'s children with what `make` builds, unless it already shows the same `key`. */
export function setChild(el: Element | null, key: string, make: () => Node): void {
  if (!el || (el as HTMLElement).dataset.key === key) return;
  (el as HTMLElement).dataset.key = key;
  el.replaceChildren(make());
}
