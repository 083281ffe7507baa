// The pictures people look at before they read: a subscription's runway, an offer's load, a
// provider's track record and a subscription's balance over time. Each is drawn from numbers
// computed by a pure function here (tested on its own) and carries its meaning in words as its
// accessible label, so that nothing is said only by a picture.

import type { TrackRecord } from './record';

const SVG = 'http://www.w3.org/2000/svg';

/** A share in [0, 1] of `part` out of `whole`; 0 when there is no whole. */
export function share(part: bigint, whole: bigint): number {
  if (whole <= 0n || part <= 0n) return 0;
  if (part >= whole) return 1;
  // Four decimal places are all a bar can show.
  return Number((part * 10_000n) / whole) / 10_000;
}

/** How a runway looks: plenty, low (under `LowFundsWarning`), or out (suspended or none left). */
export type Tone = 'ok' | 'low' | 'out';

/**
 * A subscription's runway as a bar: the funds left against everything put in (what is left plus
 * what its providers were paid and are owed), and its tone.
 */
export function runwayShare(
  fundsLeft: bigint,
  spent: bigint,
  runway: number | null,
  lowFundsWarning: number,
  suspended: boolean,
): { fraction: number; tone: Tone } {
  const fraction = share(fundsLeft, fundsLeft + spent);
  if (suspended || (runway !== null && runway === 0)) return { fraction, tone: 'out' };
  if (runway !== null && runway < lowFundsWarning) return { fraction, tone: 'low' };
  return { fraction, tone: 'ok' };
}

/** A horizontal bar of `segments` (shares that sum to at most 1), labelled in words. */
export function bar(label: string, segments: { fraction: number; kind: string }[], className: string): HTMLElement {
  const box = document.createElement('div');
  box.className = `bar ${className}`;
  box.setAttribute('role', 'img');
  box.setAttribute('aria-label', label);
  box.title = label;
  for (const s of segments) {
    if (s.fraction <= 0) continue;
    const fill = document.createElement('span');
    fill.className = `bar-fill ${s.kind}`;
    fill.style.width = `${(Math.min(1, s.fraction) * 100).toFixed(2)}%`;
    box.append(fill);
  }
  return box;
}

/** An offering's load: units in use against its capacity. */
export function loadShare(capacity: number, free: number): { inUse: number; fraction: number } {
  const inUse = Math.max(0, capacity - free);
  return { inUse, fraction: capacity > 0 ? Math.min(1, inUse / capacity) : 0 };
}

/**
 * A track record's awards in parts: ran, ended by the provider's fault before running (timed
 * out or failed), declined (a descriptor it would not run: not a fault), and still under way.
 * Shares of all awards, summing to 1 when there was any award. (An early cancellation ends a
 * deployment that ran, so it is among those that ran; the words beside the bar name it.)
 */
export function recordParts(record: TrackRecord): { ran: number; faults: number; declined: number; pending: number } {
  const awards = Math.max(0, record.awards);
  if (awards === 0) return { ran: 0, faults: 0, declined: 0, pending: 0 };
  const ran = Math.min(record.running, awards);
  const faults = Math.min(record.timeouts + record.failures, awards - ran);
  const declined = Math.min(record.declines, awards - ran - faults);
  const pending = awards - ran - faults - declined;
  return { ran: ran / awards, faults: faults / awards, declined: declined / awards, pending: pending / awards };
}

/** One point of a subscription's balance history: the funds left at a relay-chain block. */
export interface Point {
  block: number;
  funds: bigint;
}

/**
 * The polyline of `points` in a `width` × `height` box (the y axis from zero to the highest
 * balance, the x axis from the first block to the last), as SVG `points` text; empty for fewer
 * than two points.
 */
export function chartLine(points: Point[], width: number, height: number): string {
  if (points.length < 2) return '';
  const first = points[0].block;
  const span = Math.max(1, points[points.length - 1].block - first);
  const top = points.reduce((m, p) => (p.funds > m ? p.funds : m), 0n);
  const y = (funds: bigint) => (top === 0n ? height : height - share(funds, top) * height);
  return points
    .map((p) => `${(((p.block - first) / span) * width).toFixed(1)},${y(p.funds).toFixed(1)}`)
    .join(' ');
}

/** The balance chart: a line and the area under it, labelled with what it shows in words. */
export function balanceChart(points: Point[], label: string, width = 240, height = 48): SVGSVGElement {
  const svg = document.createElementNS(SVG, 'svg');
  svg.setAttribute('viewBox', `0 0 ${width} ${height}`);
  svg.setAttribute('preserveAspectRatio', 'none');
  svg.setAttribute('role', 'img');
  svg.setAttribute('aria-label', label);
  svg.classList.add('chart');
  const title = document.createElementNS(SVG, 'title');
  title.textContent = label;
  svg.append(title);
  const line = chartLine(points, width, height);
  if (line) {
    const area = document.createElementNS(SVG, 'polygon');
    area.setAttribute('points', `0,${height} ${line} ${width},${height}`);
    area.classList.add('chart-area');
    const stroke = document.createElementNS(SVG, 'polyline');
    stroke.setAttribute('points', line);
    stroke.classList.add('chart-line');
    stroke.setAttribute('vector-effect', 'non-scaling-stroke');
    svg.append(area, stroke);
  }
  return svg;
}
