//! Prometheus metrics of the reactor, served at `/metrics` when a metrics token is configured.

use prometheus_client::{
	encoding::text::encode,
	metrics::{counter::Counter, family::Family, gauge::Gauge},
	registry::Registry,
};
use std::sync::atomic::{AtomicI64, AtomicU64};

type Labels = Vec<(String, String)>;

/// The reactor's counters and gauges.
pub struct Metrics {
	registry: Registry,
	/// Instances removed by reconciliation, by reason (`ended_on_chain`, `unknown_to_chain`).
	pub removals: Family<Labels, Counter<u64, AtomicU64>>,
	/// Removals due but left for a later pass by the per-pass cap.
	pub removals_deferred: Counter<u64, AtomicU64>,
	/// Reconciliation passes skipped because OGate's view was not current.
	pub stale_views: Counter<u64, AtomicU64>,
	/// Instances that OGate does not know, kept (in their grace period, or held on chain).
	pub unknown_kept: Gauge<i64, AtomicI64>,
	/// Deployments provisioned again by reconciliation.
	pub restored: Counter<u64, AtomicU64>,
	/// Running deployments whose lost infrastructure could not be restored.
	pub unrestorable: Counter<u64, AtomicU64>,
	/// Deprovisions done on OGate's deprovision tasks.
	pub deprovisioned: Counter<u64, AtomicU64>,
	/// Deployments suspended (compute stopped, state kept) on OGate's suspend tasks.
	pub suspended: Counter<u64, AtomicU64>,
	/// Deployments resumed from their kept state on OGate's resume tasks.
	pub resumed: Counter<u64, AtomicU64>,
}

impl Default for Metrics {
	fn default() -> Self {
		let mut registry = Registry::with_prefix("reactor");
		let metrics = Metrics {
			registry: Registry::default(),
			removals: Family::default(),
			removals_deferred: Counter::default(),
			stale_views: Counter::default(),
			unknown_kept: Gauge::default(),
			restored: Counter::default(),
			unrestorable: Counter::default(),
			deprovisioned: Counter::default(),
			suspended: Counter::default(),
			resumed: Counter::default(),
		};
		registry.register(
			"reconcile_removals",
			"Instances removed by reconciliation, by reason",
			metrics.removals.clone(),
		);
		registry.register(
			"reconcile_removals_deferred",
			"Removals left for a later pass by the per-pass cap",
			metrics.removals_deferred.clone(),
		);
		registry.register(
			"reconcile_stale_views",
			"Reconciliation passes skipped because OGate's view was not current",
			metrics.stale_views.clone(),
		);
		registry.register(
			"reconcile_unknown_kept",
			"Instances OGate does not know, kept in their grace period or because the chain holds them",
			metrics.unknown_kept.clone(),
		);
		registry.register(
			"reconcile_restored",
			"Deployments provisioned again by reconciliation",
			metrics.restored.clone(),
		);
		registry.register(
			"reconcile_unrestorable",
			"Running deployments whose lost infrastructure could not be restored",
			metrics.unrestorable.clone(),
		);
		registry.register(
			"deprovisioned",
			"Deprovisions done on OGate's tasks",
			metrics.deprovisioned.clone(),
		);
		registry.register(
			"suspended",
			"Deployments suspended (compute stopped, state kept) on OGate's tasks",
			metrics.suspended.clone(),
		);
		registry.register(
			"resumed",
			"Deployments resumed from their kept state on OGate's tasks",
			metrics.resumed.clone(),
		);
		Metrics { registry, ..metrics }
	}
}

impl Metrics {
	/// Counts a removal by reconciliation.
	pub fn removal(&self, reason: &str) {
		self.removals.get_or_create(&vec![("reason".into(), reason.into())]).inc();
	}

	/// The text exposition format.
	pub fn render(&self) -> String {
		let mut out = String::new();
		// Writing to a String cannot fail.
		let _ = encode(&mut out, &self.registry);
		out
	}
}
