//! The reactor: what each task means for the driver, and what goes back to OGate.
//!
//! Tasks for one subscription are handled one at a time, in order; tasks for different
//! subscriptions run side by side. Every step is idempotent, so a task delivered twice (by a
//! webhook retry, a feed re-read after a crash, or the reconciler) does its work once.

use crate::{
	driver::{Driver, DriverError, Spec},
	metrics::Metrics,
	ogate::{Ogate, OgateError},
};
use dinfra_ogate_protocol::task::{Action, Notice, Task};
use std::{
	collections::{BTreeMap, HashMap},
	sync::{Arc, Mutex},
	time::{Duration, Instant},
};

/// Why a task is not done yet; it is retried.
#[derive(Debug, thiserror::Error)]
pub enum TaskError {
	/// The infrastructure is unavailable.
	#[error(transparent)]
	Driver(#[from] DriverError),
	/// OGate is unavailable.
	#[error(transparent)]
	Ogate(#[from] OgateError),
}

/// When reconciliation may remove an instance that no task told it to remove.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Removals {
	/// How long an instance that OGate does not know is kept before the chain is asked about
	/// it. Covers a gateway that is importing deployments after a fresh data directory.
	pub grace: Duration,
	/// The most instances one reconciliation pass removes; the rest wait for the next pass.
	/// Bounds the damage of a wrong view that slipped through every other check.
	pub max_per_pass: usize,
}

impl Default for Removals {
	fn default() -> Self {
		Removals { grace: Duration::from_secs(600), max_per_pass: 5 }
	}
}

/// The reactor: one driver, one OGate.
pub struct Reactor<D> {
	/// Where deployments are made.
	pub driver: D,
	/// Where tasks come from and reports go.
	pub ogate: Ogate,
	/// When reconciliation may remove what no task asked it to.
	pub removals: Removals,
	/// Counters.
	pub metrics: Metrics,
	/// When each instance that OGate did not know was first seen, for its grace period.
	pub(crate) unknown_since: Mutex<HashMap<u64, Instant>>,
	locks: Mutex<HashMap<u64, Arc<tokio::sync::Mutex<()>>>>,
	/// The last task done per subscription: an older task arriving late (webhooks run side by
	/// side) is stale and skipped. Bounded: the oldest subscriptions are forgotten first.
	latest: Mutex<BTreeMap<u64, u64>>,
}

/// How many subscriptions' last task is remembered.
const REMEMBERED: usize = 100_000;

impl<D: Driver> Reactor<D> {
	/// A reactor driving `driver` for the OGate `ogate`, with the default removal policy.
	pub fn new(driver: D, ogate: Ogate) -> Arc<Reactor<D>> {
		Reactor::with_removals(driver, ogate, Removals::default())
	}

	/// A reactor driving `driver` for the OGate `ogate`, removing as `removals` allows.
	pub fn with_removals(driver: D, ogate: Ogate, removals: Removals) -> Arc<Reactor<D>> {
		Arc::new(Reactor {
			driver,
			ogate,
			removals,
			metrics: Metrics::default(),
			unknown_since: Mutex::new(HashMap::new()),
			locks: Mutex::new(HashMap::new()),
			latest: Mutex::new(BTreeMap::new()),
		})
	}

	/// Holds the subscription's lock: one piece of work per subscription at a time.
	pub async fn lock(&self, subscription: u64) -> tokio::sync::OwnedMutexGuard<()> {
		let lock = match self.locks.lock() {
			Ok(mut locks) => {
				// Locks nobody holds or waits for are dropped, so the map stays small.
				locks.retain(|_, l| Arc::strong_count(l) > 1);
				locks.entry(subscription).or_default().clone()
			}
			Err(_) => Arc::default(),
		};
		lock.lock_owned().await
	}

	/// Does what a task asks. `Ok` means done (or nothing to do); an error means try again.
	pub async fn handle(&self, task: &Task) -> Result<(), TaskError> {
		let _guard = self.lock(task.subscription).await;
		if let Ok(latest) = self.latest.lock() {
			if latest.get(&task.subscription).is_some_and(|seq| *seq > task.seq) {
				tracing::info!(key = task.key, "an older task arrived after a newer one; skipped");
				return Ok(());
			}
		}
		self.act(task).await?;
		if let Ok(mut latest) = self.latest.lock() {
			latest.insert(task.subscription, task.seq);
			while latest.len() > REMEMBERED {
				latest.pop_first();
			}
		}
		Ok(())
	}

	async fn act(&self, task: &Task) -> Result<(), TaskError> {
		match &task.action {
			Action::Provision { deployment_type, descriptor, .. } => {
				let spec = Spec {
					subscription: task.subscription,
					deployment_type: *deployment_type,
					descriptor: descriptor.clone(),
				};
				self.provision(&spec).await
			}
			Action::Deprovision { reason } => {
				tracing::warn!(
					subscription = task.subscription,
					reason,
					"deprovisioning: the chain ended it"
				);
				self.driver.deprovision(task.subscription).await?;
				self.metrics.deprovisioned.inc();
				Ok(())
			}
			Action::Suspend { grace_ends_at } => {
				tracing::warn!(
					subscription = task.subscription,
					grace_ends_at,
					"suspending: the funds ran out; compute stopped, state kept until the grace ends"
				);
				self.driver.suspend(task.subscription).await?;
				self.metrics.suspended.inc();
				Ok(())
			}
			Action::Resume { expires_at } => self.resume(task.subscription, *expires_at).await,
			Action::Notice { notice } => {
				match notice {
					Notice::LowFunds { balance, expires_at } => tracing::info!(
						subscription = task.subscription,
						balance,
						expires_at,
						"funds are low"
					),
					Notice::ToppedUp { balance, expires_at } => tracing::info!(
						subscription = task.subscription,
						balance,
						?expires_at,
						"topped up"
					),
				}
				Ok(())
			}
		}
	}

	/// Starts a suspended deployment from its kept state. If nothing was kept (the
	/// infrastructure lost it), the deployment is provisioned afresh from its descriptor and
	/// reported, so that a paying subscription is not left without infrastructure. The caller
	/// holds the subscription's lock.
	async fn resume(&self, subscription: u64, expires_at: Option<u32>) -> Result<(), TaskError> {
		match self.driver.resume(subscription).await {
			Ok(instance) => {
				tracing::info!(
					subscription,
					endpoint = instance.endpoint,
					?expires_at,
					"resumed from its kept state"
				);
				self.metrics.resumed.inc();
				Ok(())
			}
			Err(DriverError::Refused(reason) | DriverError::Invalid(reason)) => {
				tracing::error!(
					subscription,
					reason,
					"nothing kept to resume; provisioning afresh from the descriptor"
				);
				let deployment_type =
					self.ogate.deployment(subscription).await?.map(|d| d.deployment_type);
				let Some(deployment_type) = deployment_type else { return Ok(()) };
				let descriptor = self.ogate.descriptor(subscription).await?;
				self.provision(&Spec { subscription, deployment_type, descriptor }).await
			}
			Err(e @ DriverError::Unavailable(_)) => Err(e.into()),
		}
	}

	/// Provisions and reports the outcome. The caller holds the subscription's lock.
	pub async fn provision(&self, spec: &Spec) -> Result<(), TaskError> {
		tracing::info!(
			subscription = spec.subscription,
			driver = self.driver.name(),
			"provisioning"
		);
		match self.driver.provision(spec).await {
			Ok(instance) => {
				let endpoint = instance.endpoint.unwrap_or_else(|| "-".into());
				tracing::info!(subscription = spec.subscription, endpoint, "running");
				settled(self.ogate.running(spec.subscription, &endpoint).await)
			}
			Err(DriverError::Refused(reason)) => {
				tracing::warn!(subscription = spec.subscription, reason, "provisioning failed");
				settled(self.ogate.failed(spec.subscription, &reason).await)
			}
			Err(DriverError::Invalid(reason)) => {
				tracing::warn!(subscription = spec.subscription, reason, "descriptor declined");
				settled(self.ogate.declined(spec.subscription, &reason).await)
			}
			Err(e @ DriverError::Unavailable(_)) => Err(e.into()),
		}
	}
}

/// A report OGate answers with 409 or 404 is one the deployment is past (it ended, or failed
/// already): nothing to retry. Anything else unanswered is retried.
fn settled(result: Result<(), OgateError>) -> Result<(), TaskError> {
	match result {
		Err(e) if matches!(e.status(), Some(404 | 409)) => {
			tracing::info!(error = %e, "report no longer applies");
			Ok(())
		}
		other => other.map_err(Into::into),
	}
}
