//! Push delivery: each task POSTed to each configured reactor URL, signed, retried with
//! exponential backoff, at least once.
//!
//! The body is the task as JSON. `X-Dinfra-Signature: t=<unix seconds>,v1=<hex>` carries an
//! HMAC-SHA256, keyed with the webhook's secret, over `<t>.<body>`; a receiver recomputes it,
//! compares in constant time and refuses timestamps too far from its clock, so that a captured
//! request cannot be replayed later. `X-Dinfra-Idempotency-Key` repeats the task's key.

use crate::{
	config::{Config, WebhookConfig},
	metrics::Metrics,
	shutdown::Shutdown,
	store::{Delivery, DeliveryState, Store},
	task::Task,
};
use hmac::{Hmac, Mac};
use sha2::Sha256;
use std::{
	collections::HashMap,
	sync::Arc,
	time::{Duration, SystemTime, UNIX_EPOCH},
};
use tokio::{sync::Notify, task::JoinSet};

/// The signature header.
pub const SIGNATURE_HEADER: &str = "x-dinfra-signature";
/// The idempotency-key header.
pub const IDEMPOTENCY_HEADER: &str = "x-dinfra-idempotency-key";
/// How many deliveries are in flight at once.
const IN_FLIGHT: usize = 64;

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

/// Delivers pending tasks until shutdown.
pub struct Deliverer {
	/// The store the deliveries are read from and recorded in.
	pub store: Arc<Store>,
	/// Woken when new tasks are written or a delivery is replayed.
	pub wake: Arc<Notify>,
	/// Counters.
	pub metrics: Arc<Metrics>,
	/// The receivers, by name.
	pub webhooks: HashMap<String, WebhookConfig>,
	/// Retry policy.
	pub config: Config,
}

impl Deliverer {
	/// Runs the delivery loop.
	pub async fn run(self, mut shutdown: Shutdown) {
		let http = reqwest::Client::builder()
			.timeout(Duration::from_secs(10))
			.pool_max_idle_per_host(IN_FLIGHT)
			.build()
			.unwrap_or_default();
		loop {
			let now = now_ms();
			let due = match self.store.pending_deliveries(usize::MAX) {
				Ok(due) => due,
				Err(e) => {
					tracing::error!(error = %e, "cannot read pending deliveries");
					Vec::new()
				}
			};
			let next = due.iter().map(|(d, _)| d.next_attempt_ms).filter(|t| *t > now).min();
			let ready: Vec<_> = due.into_iter().filter(|(d, _)| d.next_attempt_ms <= now).collect();
			if !ready.is_empty() {
				let outcomes = self.attempt(&http, ready).await;
				if let Err(e) = self.store.record_deliveries(&outcomes) {
					tracing::error!(error = %e, "cannot record deliveries");
				}
				continue;
			}
			let sleep = next.map_or(Duration::from_secs(3600), |t| Duration::from_millis(t - now));
			tokio::select! {
				_ = self.wake.notified() => {},
				_ = tokio::time::sleep(sleep) => {},
				_ = shutdown.recv() => return,
			}
		}
	}

	/// Attempts each delivery once, `IN_FLIGHT` at a time; returns their new states.
	async fn attempt(&self, http: &reqwest::Client, ready: Vec<(Delivery, Task)>) -> Vec<Delivery> {
		let mut out = Vec::with_capacity(ready.len());
		let mut running = JoinSet::new();
		for (delivery, task) in ready {
			let Some(hook) = self.webhooks.get(&delivery.webhook).cloned() else {
				// A receiver removed from the configuration keeps its history; nothing is sent.
				continue;
			};
			while running.len() >= IN_FLIGHT {
				if let Some(Ok(done)) = running.join_next().await {
					out.push(done);
				}
			}
			let (http, config, metrics) = (http.clone(), self.config.clone(), self.metrics.clone());
			running.spawn(async move {
				let result = post(&http, &hook, &task).await;
				metrics.delivery(result.is_ok());
				settle(delivery, result, &config)
			});
		}
		while let Some(done) = running.join_next().await {
			if let Ok(done) = done {
				out.push(done);
			}
		}
		out
	}
}

/// One POST of a task to a receiver.
async fn post(http: &reqwest::Client, hook: &WebhookConfig, task: &Task) -> Result<(), String> {
	let body = serde_json::to_vec(task).map_err(|e| e.to_string())?;
	let timestamp = now_ms() / 1000;
	let response = http
		.post(&hook.url)
		.header("content-type", "application/json")
		.header(SIGNATURE_HEADER, sign(&hook.secret, timestamp, &body))
		.header(IDEMPOTENCY_HEADER, &task.key)
		.body(body)
		.send()
		.await
		.map_err(|e| e.to_string())?;
	if response.status().is_success() {
		Ok(())
	} else {
		Err(format!("HTTP {}", response.status()))
	}
}

/// A delivery's state after an attempt.
fn settle(mut delivery: Delivery, result: Result<(), String>, config: &Config) -> Delivery {
	delivery.attempts = delivery.attempts.saturating_add(1);
	match result {
		Ok(()) => {
			delivery.state = DeliveryState::Delivered;
			delivery.last_error = None;
		}
		Err(e) => {
			delivery.last_error = Some(e);
			if delivery.attempts >= config.webhook_max_attempts {
				delivery.state = DeliveryState::Failed;
			} else {
				delivery.next_attempt_ms =
					now_ms().saturating_add(config.backoff(delivery.attempts).as_millis() as u64);
			}
		}
	}
	delivery
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

	#[test]
	fn a_failing_delivery_backs_off_then_fails_for_good() {
		let config = Config { webhook_max_attempts: 2, ..Config::default() };
		let delivery = Delivery {
			webhook: "r".into(),
			seq: 0,
			attempts: 0,
			state: DeliveryState::Pending,
			next_attempt_ms: 0,
			last_error: None,
		};
		let once = settle(delivery, Err("HTTP 500".into()), &config);
		assert_eq!((once.state, once.attempts), (DeliveryState::Pending, 1));
		assert!(once.next_attempt_ms >= now_ms());
		let twice = settle(once, Err("HTTP 500".into()), &config);
		assert_eq!(twice.state, DeliveryState::Failed);
		assert_eq!(twice.last_error.as_deref(), Some("HTTP 500"));
	}
}
