// DINF amounts: 12 decimals, kept as bigint so that no unit is lost to floating point.

export const DECIMALS = 12;
export const UNIT = 10n ** BigInt(DECIMALS);

/** Parses a DINF amount typed by a person ("1.5", "0.001") into the smallest unit. */
export function parseDinf(text: string): bigint {
  const trimmed = text.trim();
  const match = /^(\d+)(?:\.(\d*))?$/.exec(trimmed);
  if (!match) {
    throw new Error(`"${text}" is not an amount of DINF`);
  }
  const [, whole, fraction = ''] = match;
  if (fraction.length > DECIMALS) {
    throw new Error(`DINF has ${DECIMALS} decimals; "${text}" has more`);
  }
  return BigInt(whole) * UNIT + BigInt(fraction.padEnd(DECIMALS, '0') || '0');
}

/** Formats an amount in the smallest unit as DINF, without trailing zeros. */
export function formatDinf(value: bigint): string {
  const negative = value < 0n;
  const abs = negative ? -value : value;
  const whole = abs / UNIT;
  const fraction = (abs % UNIT).toString().padStart(DECIMALS, '0').replace(/0+$/, '');
  return `${negative ? '-' : ''}${whole}${fraction ? `.${fraction}` : ''} DINF`;
}
