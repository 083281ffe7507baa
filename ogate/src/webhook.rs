//! Push delivery: each task POSTed to each configured reactor URL, signed (see
//! [`dinfra_ogate_protocol::signature`]), retried with exponential backoff, at least once.

use crate::{
	config::{Config, WebhookConfig},
	metrics::Metrics,
	store::{Delivery, DeliveryState, Store},
	task::Task,
};
pub use dinfra_ogate_protocol::signature::{
	now_ms, sign, verify, SignatureError, IDEMPOTENCY_HEADER, SIGNATURE_HEADER,
};
use std::{collections::HashMap, sync::Arc, time::Duration};
use tokio::{sync::Notify, task::JoinSet};
use tokio_util::sync::CancellationToken;

/// How many deliveries are in flight at once.
const IN_FLIGHT: usize = 64;

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
	pub async fn run(self, shutdown: CancellationToken) {
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
				let started = std::time::Instant::now();
				let outcomes = self.attempt(&http, ready).await;
				tracing::debug!(
					delivered = outcomes.len(),
					elapsed_ms = started.elapsed().as_secs_f64() * 1e3,
					"webhooks sent"
				);
				if let Err(e) = self.store.record_deliveries(&outcomes) {
					tracing::error!(error = %e, "cannot record deliveries");
				}
				continue;
			}
			let sleep = next.map_or(Duration::from_secs(3600), |t| Duration::from_millis(t - now));
			tokio::select! {
				_ = self.wake.notified() => {},
				_ = tokio::time::sleep(sleep) => {},
				_ = shutdown.cancelled() => return,
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
		.header(SIGNATURE_HEADER, sign(hook.secret.expose(), timestamp, &body))
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
