// Accounts as people recognise them: the polkadot.js identicon (the same picture wallets and
// polkadot.js apps draw for the address), a provider's name from its on-chain metadata, and the
// address shortened, with the whole of it a hover or a screen reader away.

import { polkadotIcon } from '@polkadot/ui-shared';

const SVG = 'http://www.w3.org/2000/svg';

/** The longest provider name shown; longer names are cut with an ellipsis. */
export const MAX_NAME = 40;

/** "5Grwva…utQY": the first six and the last four characters of an address. */
export function shortAddress(address: string): string {
  return address.length > 13 ? `${address.slice(0, 6)}…${address.slice(-4)}` : address;
}

/**
 * The name in a provider's metadata (`{"name": "..."}`), or `null` if it has none: metadata
 * that is not JSON, a name that is not a string, or one that is blank. Control characters are
 * dropped and the name is cut at `MAX_NAME` characters, so that a provider cannot make its
 * entry in the page misleading or huge.
 */
export function providerName(metadata: string): string | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(metadata);
  } catch {
    return null;
  }
  if (typeof parsed !== 'object' || parsed === null) return null;
  const name = (parsed as { name?: unknown }).name;
  if (typeof name !== 'string') return null;
  const clean = name.replace(/[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2066-\u2069]/g, '').trim();
  if (!clean) return null;
  const chars = [...clean];
  return chars.length > MAX_NAME ? `${chars.slice(0, MAX_NAME - 1).join('')}…` : clean;
}

/** The identicon of `address`, `size` pixels wide, as an SVG element hidden from screen readers. */
export function identicon(address: string, size = 24): SVGSVGElement {
  const svg = document.createElementNS(SVG, 'svg');
  svg.setAttribute('viewBox', '0 0 64 64');
  svg.setAttribute('width', String(size));
  svg.setAttribute('height', String(size));
  svg.setAttribute('aria-hidden', 'true');
  svg.classList.add('identicon');
  let circles: { cx: number; cy: number; fill: string; r: number }[] = [];
  try {
    circles = polkadotIcon(address, { isAlternative: false });
  } catch {
    // Not an address: an empty grey disc.
    circles = [{ cx: 32, cy: 32, fill: '#ddd', r: 32 }];
  }
  for (const c of circles) {
    const circle = document.createElementNS(SVG, 'circle');
    circle.setAttribute('cx', String(c.cx));
    circle.setAttribute('cy', String(c.cy));
    circle.setAttribute('r', String(c.r));
    circle.setAttribute('fill', c.fill);
    svg.append(circle);
  }
  return svg;
}

/**
 * An account as the page shows it: identicon, name (if known) and short address; the full
 * address is the element's `title`, its accessible label and its `data-address`.
 */
export function identity(address: string, name: string | null, you = false): HTMLElement {
  const box = document.createElement('span');
  box.className = 'identity';
  box.dataset.address = address;
  box.title = address;
  const label = document.createElement('span');
  label.className = 'identity-text';
  if (name) {
    const strong = document.createElement('span');
    strong.className = 'identity-name';
    strong.textContent = you ? `${name} (you)` : name;
    label.append(strong);
  } else if (you) {
    const strong = document.createElement('span');
    strong.className = 'identity-name';
    strong.textContent = 'you';
    label.append(strong);
  }
  const short = document.createElement('span');
  short.className = 'identity-address';
  short.textContent = shortAddress(address);
  // Read out as words, not a string of letters: the name and that the address follows.
  short.setAttribute('aria-label', `address ${address}`);
  label.append(short);
  box.append(identicon(address), label);
  return box;
}
