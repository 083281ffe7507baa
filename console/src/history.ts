// A subscription's balance over time, since it was opened. The chain keeps only the present, so
// the history is read from the node's past states: the first block that holds the subscription
// is found by bisection, the funds left are read at evenly spaced blocks from there to now, and
// every block the page sees afterwards adds a point. A node keeps past states for a while only
// (256 blocks by default); where they are gone the history starts at the oldest one it has, and
// says so. Points on a straight run (billing at a fixed price) are merged, and a history never
// holds more than `MAX_POINTS`, so it stays small in the browser's storage.

import type { Point } from './pictures';

/** The most points a history keeps. */
export const MAX_POINTS = 120;

/** Blocks read from the node's past states to draw a history first seen. */
export const BACKFILL_SAMPLES = 24;

/** What the node says of a subscription at a past block. */
export type Sample =
  | { kind: 'absent' }
  | { kind: 'pruned' }
  | { kind: 'present'; point: Point };

/** A subscription's balance history, and whether it reaches back to the opening. */
export interface History {
  points: Point[];
  /** Whether the first point is the opening block; false where the node had no older state. */
  fromOpening: boolean;
}

/** Twice the area of the triangle a, b, c: how much b bends the line from a to c. */
function bend(a: Point, b: Point, c: Point): bigint {
  const area =
    BigInt(b.block - a.block) * (c.funds - a.funds) - BigInt(c.block - a.block) * (b.funds - a.funds);
  return area < 0n ? -area : area;
}

/**
 * `points` with `p` added in block order (replacing a point at the same block), the middle of
 * any three points on one straight line dropped, and, above `max` points, the points that bend
 * the line least dropped until `max` are left. The first and last points are always kept.
 */
export function addPoint(points: Point[], p: Point, max = MAX_POINTS): Point[] {
  const out = points.filter((q) => q.block !== p.block);
  const at = out.findIndex((q) => q.block > p.block);
  if (at < 0) out.push(p);
  else out.splice(at, 0, p);
  for (let i = 1; i + 1 < out.length; ) {
    if (bend(out[i - 1], out[i], out[i + 1]) === 0n) out.splice(i, 1);
    else i += 1;
  }
  while (out.length > Math.max(2, max)) {
    let least = 1;
    for (let i = 2; i + 1 < out.length; i += 1) {
      if (bend(out[i - 1], out[i], out[i + 1]) < bend(out[least - 1], out[least], out[least + 1])) least = i;
    }
    out.splice(least, 1);
  }
  return out;
}

/**
 * A history read from the node's past states, up to block `head` (at which the subscription
 * exists): the first block holding it found by bisection over [1, head] (before it the node
 * answers absent, or pruned where it kept no state), then `samples` blocks evenly spaced from
 * there to `head`. `probe` asks the node about one block.
 */
export async function backfill(
  head: number,
  probe: (block: number) => Promise<Sample>,
  samples = BACKFILL_SAMPLES,
): Promise<History> {
  let lo = 0;
  let loKind: Sample['kind'] = 'absent';
  let hi = head;
  const seen = new Map<number, Point>();
  while (hi - lo > 1) {
    const mid = lo + Math.floor((hi - lo) / 2);
    const sample = await probe(mid);
    if (sample.kind === 'present') {
      hi = mid;
      seen.set(mid, sample.point);
    } else {
      lo = mid;
      loKind = sample.kind;
    }
  }
  let points: Point[] = [];
  const steps = Math.max(1, samples - 1);
  const blocks = new Set<number>();
  for (let i = 0; i <= steps; i += 1) blocks.add(hi + Math.round(((head - hi) * i) / steps));
  for (const block of [...blocks].sort((a, b) => a - b)) {
    const known = seen.get(block);
    const sample: Sample = known ? { kind: 'present', point: known } : await probe(block);
    if (sample.kind === 'present') points = addPoint(points, sample.point);
  }
  return { points, fromOpening: loKind === 'absent' };
}

/** A history as the browser's storage keeps it: JSON, funds as decimal strings. */
export function encodeHistory(history: History): string {
  return JSON.stringify({
    fromOpening: history.fromOpening,
    points: history.points.map((p) => [p.block, p.funds.toString()]),
  });
}

/** A stored history, or `null` if what is stored is not one (a stale or foreign entry). */
export function decodeHistory(text: string | null): History | null {
  if (!text) return null;
  try {
    const parsed = JSON.parse(text) as { fromOpening?: unknown; points?: unknown };
    if (typeof parsed.fromOpening !== 'boolean' || !Array.isArray(parsed.points)) return null;
    const points: Point[] = [];
    for (const entry of parsed.points) {
      if (!Array.isArray(entry) || !Number.isSafeInteger(entry[0]) || typeof entry[1] !== 'string' || !/^\d+$/.test(entry[1])) {
        return null;
      }
      points.push({ block: entry[0] as number, funds: BigInt(entry[1]) });
    }
    return { fromOpening: parsed.fromOpening, points: points.slice(0, MAX_POINTS) };
  } catch {
    return null;
  }
}

/** The part of the browser's `Storage` a history store uses. */
export type KeyValue = Pick<Storage, 'getItem' | 'setItem' | 'removeItem' | 'key' | 'length'>;

/**
 * Histories kept in the browser's storage under `prefix` (one chain's), by subscription id. The
 * storage may be full, switched off (a private window) or hold something else under a key: then
 * a history is not stored, or not read, and nothing else is affected.
 */
export class HistoryStore {
  constructor(
    private readonly storage: () => KeyValue,
    private readonly prefix: string,
  ) {}

  load(id: number): History | null {
    try {
      return decodeHistory(this.storage().getItem(`${this.prefix}${id}`));
    } catch {
      return null;
    }
  }

  save(id: number, history: History): boolean {
    try {
      this.storage().setItem(`${this.prefix}${id}`, encodeHistory(history));
      return true;
    } catch {
      return false;
    }
  }

  /** Forgets the stored histories of subscriptions not in `live` (ended ones). */
  forget(live: Set<number>): void {
    try {
      const storage = this.storage();
      for (let i = storage.length - 1; i >= 0; i -= 1) {
        const key = storage.key(i);
        if (key?.startsWith(this.prefix) && !live.has(Number(key.slice(this.prefix.length)))) storage.removeItem(key);
      }
    } catch {
      // Storage switched off: nothing stored to forget.
    }
  }
}
