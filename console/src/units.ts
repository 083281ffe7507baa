// DINF amounts: 12 decimals, kept as bigint so that no unit is lost to floating point.

export const DECIMALS = 12;
export const UNIT = 10n ** BigInt(DECIMALS);

/** Parses a DINF amount typed by a person ("1.5", "0.001") into the smallest unit. */
export function parseDinf(text: string): bigint {
  const trimmed = text.trim();
  // Grouping commas, as amounts are shown, are accepted: "1,250.5".
  const match = /^(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d*))?$/.exec(trimmed);
  if (!match) {
    throw new Error(`"${text}" is not an amount of DINF`);
  }
  const [, digits, fraction = ''] = match;
  const whole = digits.replace(/,/g, '');
  if (fraction.length > DECIMALS) {
    throw new Error(`DINF has ${DECIMALS} decimals; "${text}" has more`);
  }
  return BigInt(whole) * UNIT + BigInt(fraction.padEnd(DECIMALS, '0') || '0');
}

/** Whole DINF grouped by thousands with commas: 1234567 -> "1,234,567". */
function grouped(whole: bigint): string {
  return whole.toString().replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/**
 * Formats an amount in the smallest unit as DINF, exactly: whole DINF grouped by thousands, the
 * fraction without trailing zeros ("1,250.5 DINF", "0.000000000001 DINF").
 */
export function formatDinf(value: bigint): string {
  const negative = value < 0n;
  const abs = negative ? -value : value;
  const whole = abs / UNIT;
  const fraction = (abs % UNIT).toString().padStart(DECIMALS, '0').replace(/0+$/, '');
  return `${negative ? '-' : ''}${grouped(whole)}${fraction ? `.${fraction}` : ''} DINF`;
}

/** An amount in the smallest unit as a number of DINF, for drawing (not for sums). */
export function dinfNumber(value: bigint): number {
  return Number(value) / Number(UNIT);
}
