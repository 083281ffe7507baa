// The runway of a subscription: how many billing blocks its funds pay for, and whether the
// chain will accept it.

import { duration } from './time';
import { formatDinf } from './units';

/** Whole billing blocks `funding` pays for at `pricePerBlock`; `null` for a free offering. */
export function runwayBlocks(funding: bigint, pricePerBlock: bigint): bigint | null {
  if (pricePerBlock === 0n) {
    return null;
  }
  return funding / pricePerBlock;
}

/**
 * Why the chain would refuse this funding, or `null` if it would accept it: a paid
 * subscription must fund at least `minRunway` blocks (the runtime's `MinRunway`).
 */
export function fundingProblem(
  funding: bigint,
  pricePerBlock: bigint,
  minRunway: number,
): string | null {
  if (funding < 0n) {
    return 'the funding cannot be negative';
  }
  const blocks = runwayBlocks(funding, pricePerBlock);
  if (blocks === null) {
    return null;
  }
  if (blocks < BigInt(minRunway)) {
    const needed = pricePerBlock * BigInt(minRunway);
    return `a paid subscription needs at least ${minRunway} blocks of funds (about ${duration(
      minRunway,
    )}): at least ${formatDinf(needed)} at this price`;
  }
  return null;
}

/** What a funding buys, in words: "600 blocks: about 1 h of running at this price". */
export function describeRunway(blocks: bigint | null): string {
  if (blocks === null) return 'free: no funds are spent';
  return `${blocks} blocks: about ${duration(Number(blocks))} of running at this price`;
}
