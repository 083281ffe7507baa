// Relay-chain blocks as people read time. The chain counts time in relay-chain blocks (billing,
// graces, deadlines); the relay chain makes one every 6 s, so a block number is turned into a
// duration and a local date from the relay chain's current block and that rhythm. These are
// estimates: a slow or stalled relay chain makes the real moment later, never earlier.

/** Seconds per relay-chain block. */
export const RELAY_BLOCK_SECONDS = 6;

/** Relay-chain blocks per hour. */
export const RELAY_BLOCKS_PER_HOUR = 3_600 / RELAY_BLOCK_SECONDS;

/** Relay-chain blocks as a duration: "2 d 3 h", "1 h 5 min", "40 s". */
export function duration(blocks: number): string {
  const seconds = Math.max(0, blocks) * RELAY_BLOCK_SECONDS;
  const days = Math.floor(seconds / 86_400);
  const hours = Math.floor((seconds % 86_400) / 3_600);
  const minutes = Math.floor((seconds % 3_600) / 60);
  if (days > 0) return hours > 0 ? `${days} d ${hours} h` : `${days} d`;
  if (hours > 0) return minutes > 0 ? `${hours} h ${minutes} min` : `${hours} h`;
  if (minutes > 0) return `${minutes} min`;
  return `${seconds} s`;
}

/** The moment relay-chain block `block` is expected (or was made), seen at relay block `relayNow` at `now`. */
export function blockDate(block: number, relayNow: number, now: Date): Date {
  return new Date(now.getTime() + (block - relayNow) * RELAY_BLOCK_SECONDS * 1_000);
}

/**
 * A local date as people read it next to `now`: "14:05" today, "Tue 14:05" within a week either
 * way, "12 Jan 14:05" further off, "12 Jan 2028 14:05" in another year.
 */
export function localDate(date: Date, now: Date, locale?: string): string {
  const time = date.toLocaleTimeString(locale, { hour: '2-digit', minute: '2-digit', hour12: false });
  const sameDay = date.toDateString() === now.toDateString();
  if (sameDay) return time;
  const days = Math.abs(date.getTime() - now.getTime()) / 86_400_000;
  if (days < 6) return `${date.toLocaleDateString(locale, { weekday: 'short' })} ${time}`;
  const options: Intl.DateTimeFormatOptions = { day: 'numeric', month: 'short' };
  if (date.getFullYear() !== now.getFullYear()) options.year = 'numeric';
  return `${date.toLocaleDateString(locale, options)} ${time}`;
}

/** When relay block `block` comes, in words: "in 3 h 12 min, Tue 14:05"; "now" once reached. */
export function until(block: number, relayNow: number, now: Date, locale?: string): string {
  const left = block - relayNow;
  if (left <= 0) return 'now';
  return `in ${duration(left)}, ${localDate(blockDate(block, relayNow, now), now, locale)}`;
}

/** How long ago relay block `block` was, in words: "5 min ago"; "just now" within a block. */
export function ago(block: number, relayNow: number): string {
  const past = relayNow - block;
  if (past <= 0) return 'just now';
  return `${duration(past)} ago`;
}
