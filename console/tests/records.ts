// Track records for tests: a provider's empty record, with what a test sets.

import type { TrackRecord } from '../src/record';

export const record = (over: Partial<TrackRecord> = {}): TrackRecord => ({
  awards: 0,
  running: 0,
  provisioningBlocks: 0n,
  timeouts: 0,
  failures: 0,
  declines: 0,
  cancellations: 0,
  slashed: 0n,
  strikes: 0,
  probationUntil: null,
  ...over,
});
