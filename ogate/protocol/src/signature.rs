//! Webhook signatures.
//!
//! The body is the task as JSON. `X-Dinfra-Signature: t=<unix seconds>,v1=<hex>` carries an
//! HMAC-SHA256, keyed with the webhook's secret, over `<t>.<body>`; a receiver recomputes it,
//! compares in constant time and refuses timestamps too far from its clock, so that a captured
//! request cannot be replayed later. `X-Dinfra-Idempotency-Key` repeats the task's key.

use hmac::{Hmac, Mac};
use sha2::Sha256;
use std::time::{SystemTime, UNIX_EPOCH};

/// The signature header.
pub const SIGNATURE_HEADER: &str = "x-dinfra-signature";
/// The idempotency-key header.
pub const IDEMPOTENCY_HEADER: &str = "x-dinfra-idempotency-key";

/// Milliseconds since the Unix epoch.
pub fn now_ms() -> u64 {
	SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_millis() as u64)
}

fn mac(secret: &str, timestamp: u64, body: &[u8]) -> Hmac<Sha256> {
	// HMAC takes keys of any length.
	let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes())
		.unwrap_or_else(|_| unreachable!("HMAC accepts any key length"));
	mac.update(timestamp.to_string().as_bytes());
	mac.update(b".");
	mac.update(body);
	mac
}

/// The signature header's value for `body` sent at `timestamp` (Unix seconds).
pub fn sign(secret: &str, timestamp: u64, body: &[u8]) -> String {
	let tag = mac(secret, timestamp, body).finalize().into_bytes();
	format!("t={timestamp},v1={}", hex::encode(tag))
}

/// Why a webhook request was refused by [`verify`].
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
	/// The header is missing or not `t=…,v1=…`.
	#[error("malformed signature header")]
	Malformed,
	/// The timestamp is further than the tolerance from now.
	#[error("stale timestamp")]
	Stale,
	/// The signature does not match.
	#[error("signature mismatch")]
	Mismatch,
}

/// Checks a signature header against the body, as a receiver does. `now` and `tolerance` are
/// in Unix seconds.
pub fn verify(
	secret: &str,
	header: &str,
	body: &[u8],
	now: u64,
	tolerance: u64,
) -> Result<(), SignatureError> {
	let mut timestamp = None;
	let mut signature = None;
	for part in header.split(',') {
		match part.trim().split_once('=') {
			Some(("t", t)) => timestamp = t.parse::<u64>().ok(),
			Some(("v1", v)) => signature = hex::decode(v).ok(),
			_ => {}
		}
	}
	let (timestamp, signature) = timestamp.zip(signature).ok_or(SignatureError::Malformed)?;
	if now.abs_diff(timestamp) > tolerance {
		return Err(SignatureError::Stale);
	}
	mac(secret, timestamp, body).verify_slice(&signature).map_err(|_| SignatureError::Mismatch)
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn a_signature_verifies_only_for_the_same_secret_body_and_a_fresh_timestamp() {
		let header = sign("s3cret", 1_700_000_000, b"{\"seq\":1}");
		assert_eq!(verify("s3cret", &header, b"{\"seq\":1}", 1_700_000_010, 300), Ok(()));
		assert_eq!(
			verify("other", &header, b"{\"seq\":1}", 1_700_000_010, 300),
			Err(SignatureError::Mismatch)
		);
		assert_eq!(
			verify("s3cret", &header, b"{\"seq\":2}", 1_700_000_010, 300),
			Err(SignatureError::Mismatch)
		);
		assert_eq!(
			verify("s3cret", &header, b"{\"seq\":1}", 1_700_001_000, 300),
			Err(SignatureError::Stale)
		);
		assert_eq!(verify("s3cret", "v1=00", b"", 0, 300), Err(SignatureError::Malformed));
	}

	#[test]
	fn the_signature_is_hmac_sha256_over_timestamp_dot_body() {
		// Computed independently: Python's hmac.new(b"Jefe", b"0.what do ya want for
		// nothing?", hashlib.sha256).hexdigest().
		assert_eq!(
			sign("Jefe", 0, b"what do ya want for nothing?"),
			"t=0,v1=37f471929915ccd2cbbe79feb84ffcff4f2bb25e15fc41c2506687331ae179cc"
		);
	}
}
