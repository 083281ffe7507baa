//! The shape check for IPFS content identifiers (CIDs).
//!
//! Deployment types name their JSON Schema by CID, and subscriptions name their descriptor by
//! CID. The chain never fetches the content, but it refuses text that cannot be a CID, so that a
//! gateway never has to guess what a typo meant.
//!
//! Accepted are the string forms that IPFS tools print:
//! - **CIDv0**: 46 base58btc characters starting with `Qm`, a sha2-256 multihash;
//! - **CIDv1**: a multibase prefix (`b`/`B` base32, `z` base58btc, `f`/`F` base16) followed by
//!   `<version 1><codec><multihash>`, every part a valid unsigned varint, and the multihash digest
//!   exactly as long as it says.
//!
//! The check is pure and allocation-free, so the runtime can run it on every call.

/// The longest decoded CID this check accepts, in bytes. A sha2-512 CIDv1 is 70 bytes.
pub const MAX_DECODED_LEN: usize = 128;

/// The CID version found by [`validate`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CidVersion {
	/// A CIDv0: base58btc, sha2-256, dag-pb.
	V0,
	/// A CIDv1 with its multicodec.
	V1 {
		/// The content's multicodec, for example `0x70` (dag-pb) or `0x55` (raw).
		codec: u64,
	},
}

/// Why some text is not a CID.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CidError {
	/// The text is empty.
	Empty,
	/// The first character is not a multibase prefix this chain accepts (`b`, `B`, `z`, `f`,
	/// `F`), and the text is not a CIDv0 (`Qm...`, 46 characters).
	UnsupportedMultibase,
	/// A character is outside the alphabet of the text's base.
	InvalidCharacter,
	/// The text decodes to more than [`MAX_DECODED_LEN`] bytes.
	TooLong,
	/// The bits left over at the end of a base32 or base16 text are not a canonical padding.
	NonCanonicalEncoding,
	/// A varint is truncated or longer than nine bytes.
	InvalidVarint,
	/// The CID version is not 1 (a CIDv0 must be written in its `Qm...` form).
	UnsupportedVersion,
	/// The multihash is truncated, empty, or followed by extra bytes.
	InvalidMultihash,
}

const BASE58_ALPHABET: &[u8; 58] = b"123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";

/// Checks that `text` is a CIDv0 or CIDv1 in one of the accepted string forms.
pub fn validate(text: &[u8]) -> Result<CidVersion, CidError> {
	let (&prefix, body) = text.split_first().ok_or(CidError::Empty)?;
	let mut buf = [0u8; MAX_DECODED_LEN];
	if text.len() == 46 && text.starts_with(b"Qm") {
		let bytes = decode_base58(text, &mut buf)?;
		// A CIDv0 is a bare sha2-256 multihash: code 0x12, length 32.
		return match bytes {
			[0x12, 0x20, digest @ ..] if digest.len() == 32 => Ok(CidVersion::V0),
			_ => Err(CidError::InvalidMultihash),
		};
	}
	let bytes = match prefix {
		b'b' => decode_base32(body, b'a', &mut buf)?,
		b'B' => decode_base32(body, b'A', &mut buf)?,
		b'z' => decode_base58(body, &mut buf)?,
		b'f' => decode_base16(body, false, &mut buf)?,
		b'F' => decode_base16(body, true, &mut buf)?,
		_ => return Err(CidError::UnsupportedMultibase),
	};
	let (version, rest) = read_varint(bytes)?;
	if version != 1 {
		return Err(CidError::UnsupportedVersion);
	}
	let (codec, multihash) = read_varint(rest)?;
	check_multihash(multihash)?;
	Ok(CidVersion::V1 { codec })
}

/// A multihash is `<code><digest length><digest>` with nothing after the digest.
fn check_multihash(bytes: &[u8]) -> Result<(), CidError> {
	let (_code, rest) = read_varint(bytes)?;
	let (len, digest) = read_varint(rest).map_err(|_| CidError::InvalidMultihash)?;
	if len == 0 || digest.len() as u64 != len {
		return Err(CidError::InvalidMultihash);
	}
	Ok(())
}

/// Reads an unsigned LEB128 varint of at most nine bytes (the multiformats limit).
fn read_varint(bytes: &[u8]) -> Result<(u64, &[u8]), CidError> {
	let mut value: u64 = 0;
	for (i, &byte) in bytes.iter().enumerate().take(9) {
		value |= u64::from(byte & 0x7f) << (7 * i);
		if byte & 0x80 == 0 {
			let rest = bytes.get(i + 1..).unwrap_or_default();
			return Ok((value, rest));
		}
	}
	Err(CidError::InvalidVarint)
}

fn decode_base58<'a>(
	text: &[u8],
	buf: &'a mut [u8; MAX_DECODED_LEN],
) -> Result<&'a [u8], CidError> {
	// Big-number conversion from base 58 into base 256, least significant byte at the end of `buf`.
	let mut len = 0usize;
	for &c in text {
		let digit =
			BASE58_ALPHABET.iter().position(|&a| a == c).ok_or(CidError::InvalidCharacter)?;
		let mut carry = digit as u32;
		for byte in buf.iter_mut().rev().take(len) {
			carry += u32::from(*byte) * 58;
			*byte = (carry & 0xff) as u8;
			carry >>= 8;
		}
		while carry > 0 {
			len += 1;
			let at = MAX_DECODED_LEN.checked_sub(len).ok_or(CidError::TooLong)?;
			*buf.get_mut(at).ok_or(CidError::TooLong)? = (carry & 0xff) as u8;
			carry >>= 8;
		}
	}
	// Each leading '1' encodes a leading zero byte.
	let zeros = text.iter().take_while(|&&c| c == b'1').count();
	let total =
		len.checked_add(zeros).filter(|&t| t <= MAX_DECODED_LEN).ok_or(CidError::TooLong)?;
	let decoded = buf.get_mut(MAX_DECODED_LEN.saturating_sub(total)..).ok_or(CidError::TooLong)?;
	decoded.iter_mut().take(zeros).for_each(|byte| *byte = 0);
	Ok(decoded)
}

fn decode_base32<'a>(
	text: &[u8],
	first_letter: u8,
	buf: &'a mut [u8; MAX_DECODED_LEN],
) -> Result<&'a [u8], CidError> {
	let mut acc: u32 = 0;
	let mut bits = 0u32;
	let mut len = 0usize;
	for &c in text {
		let value = match c {
			c if (first_letter..first_letter + 26).contains(&c) => c - first_letter,
			b'2'..=b'7' => c - b'2' + 26,
			_ => return Err(CidError::InvalidCharacter),
		};
		acc = (acc << 5) | u32::from(value);
		bits += 5;
		if bits >= 8 {
			bits -= 8;
			*buf.get_mut(len).ok_or(CidError::TooLong)? = (acc >> bits) as u8;
			len += 1;
			acc &= (1 << bits) - 1;
		}
	}
	// Unpadded RFC 4648: fewer than five bits may be left, and they must be zero.
	if bits >= 5 || acc != 0 {
		return Err(CidError::NonCanonicalEncoding);
	}
	buf.get(..len).ok_or(CidError::TooLong)
}

fn decode_base16<'a>(
	text: &[u8],
	upper: bool,
	buf: &'a mut [u8; MAX_DECODED_LEN],
) -> Result<&'a [u8], CidError> {
	if !text.len().is_multiple_of(2) {
		return Err(CidError::NonCanonicalEncoding);
	}
	let nibble = |c: u8| -> Result<u8, CidError> {
		match c {
			b'0'..=b'9' => Ok(c - b'0'),
			b'a'..=b'f' if !upper => Ok(c - b'a' + 10),
			b'A'..=b'F' if upper => Ok(c - b'A' + 10),
			_ => Err(CidError::InvalidCharacter),
		}
	};
	let decoded = buf.get_mut(..text.len() / 2).ok_or(CidError::TooLong)?;
	for (slot, pair) in decoded.iter_mut().zip(text.chunks_exact(2)) {
		if let [high, low] = pair {
			*slot = (nibble(*high)? << 4) | nibble(*low)?;
		}
	}
	Ok(decoded)
}

#[cfg(test)]
mod tests {
	use super::*;

	const V0: &[u8] = b"QmYwAPJzv5CZsnA625s3Xf2nemtYgPpHdWEz79ojWnPbdG";
	const V1_DAG_PB: &[u8] = b"bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi";
	const V1_RAW: &[u8] = b"bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy";
	const V1_BASE58: &[u8] = b"zb2rhe5P4gXftAwvA4eXQ5HJwsER2owDyS9sKaQRRVQPn93bA";

	fn hex(bytes: &[u8]) -> Vec<u8> {
		let mut out = b"f".to_vec();
		for b in bytes {
			out.extend_from_slice(format!("{b:02x}").as_bytes());
		}
		out
	}

	#[test]
	fn accepts_the_cids_ipfs_prints() {
		assert_eq!(validate(V0), Ok(CidVersion::V0));
		assert_eq!(validate(V1_DAG_PB), Ok(CidVersion::V1 { codec: 0x70 }));
		assert_eq!(validate(V1_RAW), Ok(CidVersion::V1 { codec: 0x55 }));
		assert_eq!(validate(V1_BASE58), Ok(CidVersion::V1 { codec: 0x55 }));
		let upper = V1_DAG_PB.to_ascii_uppercase();
		assert_eq!(validate(&upper), Ok(CidVersion::V1 { codec: 0x70 }));
	}

	#[test]
	fn base16_form_of_a_cidv1_is_accepted() {
		let mut buf = [0u8; MAX_DECODED_LEN];
		let bytes = decode_base32(&V1_RAW[1..], b'a', &mut buf).unwrap().to_vec();
		assert_eq!(&bytes[..4], &[0x01, 0x55, 0x12, 0x20]);
		assert_eq!(validate(&hex(&bytes)), Ok(CidVersion::V1 { codec: 0x55 }));
		// `F` is upper-case base16; the digits must follow the prefix's case.
		assert_eq!(validate(&hex(&bytes).to_ascii_uppercase()), Ok(CidVersion::V1 { codec: 0x55 }));
		let mut mixed = hex(&bytes)[1..].to_ascii_uppercase();
		mixed.insert(0, b'f');
		assert_eq!(validate(&mixed), Err(CidError::InvalidCharacter));
	}

	#[test]
	fn base58_decoding_keeps_leading_zeros() {
		let mut buf = [0u8; MAX_DECODED_LEN];
		assert_eq!(decode_base58(b"11", &mut buf).unwrap(), &[0, 0]);
		assert_eq!(decode_base58(b"1z", &mut buf).unwrap(), &[0, 57]);
		assert_eq!(decode_base58(b"5R", &mut buf).unwrap(), &[1, 0]);
	}

	#[test]
	fn rejects_what_is_not_a_cid() {
		assert_eq!(validate(b""), Err(CidError::Empty));
		assert_eq!(validate(b"hello world"), Err(CidError::UnsupportedMultibase));
		assert_eq!(validate(b"ipfs://bafy"), Err(CidError::UnsupportedMultibase));
		// A CIDv0 with a character outside base58 ('0').
		let mut bad = V0.to_vec();
		bad[10] = b'0';
		assert_eq!(validate(&bad), Err(CidError::InvalidCharacter));
		// A CIDv1 cut short by five bytes (eight base32 characters): the digest is shorter than
		// the multihash says.
		assert_eq!(validate(&V1_DAG_PB[..V1_DAG_PB.len() - 8]), Err(CidError::InvalidMultihash));
		// Cut short by four characters, it does not even end on a byte.
		assert_eq!(
			validate(&V1_DAG_PB[..V1_DAG_PB.len() - 4]),
			Err(CidError::NonCanonicalEncoding)
		);
		// Extra bytes after the digest.
		let mut long = V1_RAW.to_vec();
		long.extend_from_slice(b"aaaaaaaa");
		assert_eq!(validate(&long), Err(CidError::InvalidMultihash));
		// Mixed case is not base32.
		let mut mixed = V1_RAW.to_vec();
		mixed[5] = mixed[5].to_ascii_uppercase();
		assert_eq!(validate(&mixed), Err(CidError::InvalidCharacter));
	}

	#[test]
	fn rejects_wrong_versions_and_varints() {
		// Version 2.
		assert_eq!(
			validate(&hex(&[0x02, 0x55, 0x12, 0x01, 0xaa])),
			Err(CidError::UnsupportedVersion)
		);
		// Version 0 in binary form is not a CIDv1.
		assert_eq!(
			validate(&hex(&[0x00, 0x55, 0x12, 0x01, 0xaa])),
			Err(CidError::UnsupportedVersion)
		);
		// A varint that never ends.
		assert_eq!(validate(&hex(&[0x01, 0xff, 0xff])), Err(CidError::InvalidVarint));
		// An empty digest.
		assert_eq!(validate(&hex(&[0x01, 0x55, 0x12, 0x00])), Err(CidError::InvalidMultihash));
		// A minimal valid one: identity-free code 0x12 with a one-byte digest.
		assert_eq!(
			validate(&hex(&[0x01, 0x55, 0x12, 0x01, 0xaa])),
			Ok(CidVersion::V1 { codec: 0x55 })
		);
	}

	#[test]
	fn rejects_oversized_and_non_canonical_text() {
		let mut huge = b"f0155".to_vec();
		huge.extend(core::iter::repeat_n(b'a', 2 * MAX_DECODED_LEN));
		assert_eq!(validate(&huge), Err(CidError::TooLong));
		assert_eq!(validate(b"f015"), Err(CidError::NonCanonicalEncoding));
		let mut huge58 = b"z".to_vec();
		huge58.extend(core::iter::repeat_n(b'z', 200));
		assert_eq!(validate(&huge58), Err(CidError::TooLong));
		// Base32 with non-zero trailing bits: 'b' + "ab" has two bits left over, one of them set.
		assert_eq!(validate(b"bab"), Err(CidError::NonCanonicalEncoding));
	}
}
