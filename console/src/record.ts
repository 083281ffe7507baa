// A provider's track record, as the chain keeps it (`DinfraApi.provider_record`, and in each
// quote), in words a subscriber reads before choosing an offer.

import { RELAY_BLOCK_SECONDS } from './time';
import { formatDinf } from './units';

/** The chain's `TrackRecord`, decoded to plain numbers. */
export interface TrackRecord {
  awards: number;
  running: number;
  /** Relay-chain blocks from award to running, summed over `running`. */
  provisioningBlocks: bigint;
  timeouts: number;
  failures: number;
  declines: number;
  cancellations: number;
  slashed: bigint;
  strikes: number;
  /** The relay-chain block at which a probation ends, if one was ever started. */
  probationUntil: number | null;
}

/** The mean time from award to running, in words ("about 2 min"), or null with no run yet. */
export function meanProvisioning(record: TrackRecord): string | null {
  if (record.running === 0) return null;
  const seconds = Number(record.provisioningBlocks * BigInt(RELAY_BLOCK_SECONDS)) / record.running;
  if (seconds < 90) return `about ${Math.round(seconds)} s`;
  return `about ${Math.round(seconds / 60)} min`;
}

/**
 * One line about a provider's record. `relayNow` is the relay chain's current block, to tell a
 * probation that is still on from one that is over.
 */
export function describeRecord(record: TrackRecord, relayNow: number | null): string {
  if (record.awards === 0) return 'new: no awards yet';
  const parts = [`${record.running} of ${record.awards} awards ran`];
  const mean = meanProvisioning(record);
  if (mean) parts.push(`ready in ${mean} on average`);
  const faults: string[] = [];
  if (record.timeouts) faults.push(`${record.timeouts} timed out`);
  if (record.failures) faults.push(`${record.failures} failed`);
  if (record.cancellations) faults.push(`${record.cancellations} cancelled`);
  parts.push(faults.length ? faults.join(', ') : 'no faults');
  if (record.declines) parts.push(`${record.declines} descriptors declined`);
  if (record.slashed > 0n) parts.push(`${formatDinf(record.slashed)} slashed to subscribers`);
  if (record.probationUntil !== null && relayNow !== null && relayNow < record.probationUntil) {
    const minutes = Math.ceil(((record.probationUntil - relayNow) * RELAY_BLOCK_SECONDS) / 60);
    parts.push(`on probation for ${minutes} more min`);
  }
  return parts.join('; ');
}

/** Decodes the polkadot.js codec of a `TrackRecord`. */
export function decodeRecord(codec: { toJSON(): unknown }): TrackRecord {
  const json = codec.toJSON() as Record<string, number | string | null>;
  const num = (key: string) => Number(json[key] ?? 0);
  const big = (key: string) => BigInt(json[key] ?? 0);
  const until = json.probationUntil;
  return {
    awards: num('awards'),
    running: num('running'),
    provisioningBlocks: big('provisioningBlocks'),
    timeouts: num('timeouts'),
    failures: num('failures'),
    declines: num('declines'),
    cancellations: num('cancellations'),
    slashed: big('slashed'),
    strikes: num('strikes'),
    probationUntil: until === null || until === undefined ? null : Number(until),
  };
}
