// Content identifiers computed in the page: CIDv1, raw codec, sha2-256, base32, as
// `ipfs add --cid-version 1 --raw-leaves` prints for a small file and as OGate checks them.

const BASE32 = 'abcdefghijklmnopqrstuvwxyz234567';

function base32(bytes: Uint8Array): string {
  let out = '';
  let buffer = 0;
  let bits = 0;
  for (const byte of bytes) {
    buffer = (buffer << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += BASE32[(buffer >> (bits - 5)) & 31];
      bits -= 5;
    }
    buffer &= (1 << bits) - 1;
  }
  if (bits > 0) {
    out += BASE32[(buffer << (5 - bits)) & 31];
  }
  return out;
}

/** The raw CIDv1 of `bytes`. */
export async function rawCid(bytes: Uint8Array): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>));
  const cid = new Uint8Array(4 + digest.length);
  cid.set([0x01, 0x55, 0x12, 0x20]);
  cid.set(digest, 4);
  return `b${base32(cid)}`;
}

/** The descriptor's bytes: its JSON, as published. */
export function descriptorBytes(descriptor: unknown): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(descriptor));
}
