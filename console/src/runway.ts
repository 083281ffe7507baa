// The runway of a subscription: how many billing blocks its funds pay for, and whether the
// chain will accept it.

/** Relay-chain blocks per hour: billing counts relay blocks (6 s each). */
export const RELAY_BLOCKS_PER_HOUR = 600;

/** Whole billing blocks `funding` pays for at `pricePerBlock`; `null` for a free offering. */
export function runwayBlocks(funding: bigint, pricePerBlock: bigint): bigint | null {
  if (pricePerBlock === 0n) {
    return null;
  }
  return funding / pricePerBlock;
}

/** A runway in hours, to one decimal, for people. */
export function runwayHours(blocks: bigint): string {
  const tenths = (blocks * 10n) / BigInt(RELAY_BLOCKS_PER_HOUR);
  return `${tenths / 10n}.${tenths % 10n} h`;
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
    return `a paid subscription needs at least ${minRunway} blocks of funds (${runwayHours(
      BigInt(minRunway),
    )}): at least ${needed} units at this price`;
  }
  return null;
}
