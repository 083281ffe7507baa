// Funding continuity as people read it: the grace of a suspended subscription, what a resume
// needs, and a standing top-up, from the chain's numbers.

import { duration, until } from './time';
import { formatDinf } from './units';

/**
 * A suspended subscription's state in words: how long its grace has left at the relay chain's
 * `relayNow` (and when that is, from `now`), and what a top-up must add to resume it (its funds
 * must reach `MinRunway` blocks at its price).
 */
export function suspension(
  graceEndsAt: number,
  relayNow: number,
  balance: bigint,
  pricePerBlock: bigint,
  minRunway: number,
  now: Date,
): string {
  const left = graceEndsAt - relayNow;
  const needed = pricePerBlock * BigInt(minRunway) - balance;
  const grace =
    left > 0
      ? `its state is kept for ${duration(left)} more (ends ${until(graceEndsAt, relayNow, now)})`
      : 'its grace is ending';
  const topUp = needed > 0n ? `top up at least ${formatDinf(needed)} to resume` : 'top up to resume';
  return `Suspended, funds ran out: ${grace}; ${topUp}.`;
}

/** A standing top-up as the chain stores it. */
export interface StandingTopUp {
  sponsor: string;
  amount: bigint;
  minInterval: number;
  cap: bigint;
  drawn: bigint;
}

/** A standing top-up in words; `me` is the account looking at it, `name` names another sponsor. */
export function describeStanding(standing: StandingTopUp | null, me: string, name = standing?.sponsor): string {
  if (!standing) return 'none';
  const who = standing.sponsor === me ? 'you' : name;
  const every = standing.minInterval > 0 ? `, at most every ${duration(standing.minInterval)}` : '';
  const left = standing.cap - standing.drawn;
  return `${formatDinf(standing.amount)} when funds run low${every}; ${formatDinf(left)} of ${formatDinf(
    standing.cap,
  )} left; paid by ${who}`;
}

/**
 * Why the chain would refuse this standing top-up, or `null`: a draw must add something, and
 * the cap must be at least one draw and above what was drawn already.
 */
export function standingProblem(amount: bigint, cap: bigint, drawn: bigint): string | null {
  if (amount <= 0n) return 'a standing top-up must add something';
  if (cap < amount) return 'the cap must be at least one top-up';
  if (cap <= drawn) return `the cap must be above what was drawn already (${formatDinf(drawn)})`;
  return null;
}
