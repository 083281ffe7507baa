//! Prometheus metrics, served at `/metrics`.

use prometheus_client::{
	encoding::text::encode,
	metrics::{counter::Counter, family::Family, gauge::Gauge},
	registry::Registry,
};
use std::sync::atomic::AtomicU64;

/// OGate's counters and gauges.
pub struct Metrics {
	registry: Registry,
	/// The last finalized block applied to the store.
	pub cursor: Gauge<i64, std::sync::atomic::AtomicI64>,
	/// The chain's finalized head, as last seen.
	pub finalized: Gauge<i64, std::sync::atomic::AtomicI64>,
	/// Tasks written to the outbox.
	pub tasks: Counter<u64, AtomicU64>,
	/// Webhook attempts, by outcome.
	pub deliveries: Family<Vec<(String, String)>, Counter<u64, AtomicU64>>,
	/// Status reports sent to the chain, by outcome.
	pub reports: Family<Vec<(String, String)>, Counter<u64, AtomicU64>>,
	/// Finalized blocks skipped because the node no longer had their state.
	pub skipped_blocks: Counter<u64, AtomicU64>,
}

impl Default for Metrics {
	fn default() -> Self {
		let mut registry = Registry::with_prefix("ogate");
		let metrics = Metrics {
			cursor: Gauge::default(),
			finalized: Gauge::default(),
			tasks: Counter::default(),
			deliveries: Family::default(),
			reports: Family::default(),
			skipped_blocks: Counter::default(),
			registry: Registry::default(),
		};
		registry.register("cursor_block", "Last finalized block applied", metrics.cursor.clone());
		registry.register(
			"finalized_block",
			"The chain's finalized head",
			metrics.finalized.clone(),
		);
		registry.register("tasks", "Tasks written to the outbox", metrics.tasks.clone());
		registry.register(
			"webhook_deliveries",
			"Webhook attempts by outcome",
			metrics.deliveries.clone(),
		);
		registry.register("reports", "Status reports by outcome", metrics.reports.clone());
		registry.register(
			"skipped_blocks",
			"Finalized blocks skipped because the node no longer had their state",
			metrics.skipped_blocks.clone(),
		);
		Metrics { registry, ..metrics }
	}
}

impl Metrics {
	/// Counts a webhook attempt.
	pub fn delivery(&self, ok: bool) {
		let outcome = if ok { "delivered" } else { "failed" };
		self.deliveries.get_or_create(&vec![("outcome".into(), outcome.into())]).inc();
	}

	/// Counts a report event (`submitted`, `finalized`, `error`).
	pub fn report(&self, outcome: &str) {
		self.reports.get_or_create(&vec![("outcome".into(), outcome.into())]).inc();
	}

	/// The text exposition format.
	pub fn render(&self) -> String {
		let mut out = String::new();
		// Writing to a String cannot fail.
		let _ = encode(&mut out, &self.registry);
		out
	}
}
