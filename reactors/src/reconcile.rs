//! Reconciliation: the infrastructure made to agree with OGate's deployments view.
//!
//! Tasks can be missed (a webhook delivered while the reactor was down, a crash between
//! provisioning and reporting) and infrastructure can vanish (a VM destroyed by hand, a
//! process that crashed for good). So on start and then every `interval`, the reconciler
//! compares the driver's list with OGate's view.
//!
//! Removing infrastructure destroys a subscriber's data (for CloudStack: destroy with expunge),
//! so it happens only on the chain's word, never because something is missing from a list:
//! - a pass does nothing at all when OGate says its view is not current (it is connecting,
//!   catching up, reconciling, or its operator key is not the provider's proxy);
//! - an instance whose deployment OGate shows as ended (terminated, or awarded away) is
//!   removed;
//! - an instance that OGate does not know is kept for a grace period (`Removals::grace`), then
//!   removed only if the chain, asked through OGate, holds no such subscription. One that the
//!   chain holds, for this provider or any other, is kept and logged;
//! - at most `Removals::max_per_pass` instances are removed per pass; each removal is logged
//!   and counted in `reactor_reconcile_removals{reason}`.
//!
//! A suspended deployment (its funds ran out; OGate's phase `suspended`) is left as it is: its
//! stopped instance is kept, not removed and not restarted; the resume task restarts it.
//!
//! An active deployment without a live instance is provisioned (again) and reported, so no
//! paid subscription goes without infrastructure. If that is refused for a deployment already
//! running, the reactor does not end it: cancelling is the operator's call (OGate's admin API),
//! so it logs an error, counts it in `reactor_reconcile_unrestorable_total`, and tries again
//! on every pass. One deployment that fails does not hold up the others.

use crate::{
	driver::{Driver, DriverError, InstanceState, Spec},
	ogate::Deployment,
	reactor::{Reactor, TaskError},
};
use std::{collections::BTreeMap, sync::Arc, time::Duration};

/// What one pass did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Pass {
	/// OGate's view was not current: the pass removed and restored nothing.
	pub stale: bool,
	/// Subscriptions whose infrastructure was removed.
	pub removed: Vec<u64>,
	/// Subscriptions whose removal is due but left for a later pass by the per-pass cap.
	pub deferred: Vec<u64>,
	/// Instances OGate does not know that were kept: in their grace period, held on chain, or
	/// the chain could not be asked.
	pub kept: Vec<u64>,
	/// Subscriptions provisioned because their infrastructure was missing.
	pub restored: Vec<u64>,
	/// Running subscriptions whose infrastructure is lost and could not be restored: left to
	/// the operator, tried again next pass.
	pub unrestorable: Vec<u64>,
}

/// Why an instance may be removed.
enum Removal {
	/// OGate shows its deployment ended on chain.
	Ended,
	/// OGate does not know it, its grace has passed, and the chain holds no such subscription.
	UnknownToChain,
}

impl Removal {
	fn label(&self) -> &'static str {
		match self {
			Removal::Ended => "ended_on_chain",
			Removal::UnknownToChain => "unknown_to_chain",
		}
	}
}

/// One reconciliation pass.
pub async fn pass<D: Driver>(reactor: &Reactor<D>) -> Result<Pass, TaskError> {
	let view = reactor.ogate.view().await?;
	if !view.current {
		tracing::warn!("OGate's deployments view is not current; this pass changes nothing");
		reactor.metrics.stale_views.inc();
		return Ok(Pass { stale: true, ..Pass::default() });
	}
	let known: BTreeMap<u64, Deployment> =
		view.deployments.into_iter().map(|d| (d.subscription, d)).collect();
	let instances = reactor.driver.list().await?;
	let mut done = Pass::default();
	forget_gone_unknowns(reactor, &instances);
	for instance in instances {
		let subscription = instance.subscription;
		let removal = match known.get(&subscription) {
			Some(deployment) if deployment.ended() => Removal::Ended,
			// Wanted, being verified, or failed and about to end: kept.
			Some(_) => {
				forget_unknown(reactor, subscription);
				continue;
			}
			None => match unknown(reactor, subscription).await {
				Some(removal) => removal,
				None => {
					done.kept.push(subscription);
					continue;
				}
			},
		};
		if done.removed.len() >= reactor.removals.max_per_pass {
			tracing::warn!(
				subscription,
				reason = removal.label(),
				cap = reactor.removals.max_per_pass,
				"removal due, left for a later pass: this pass removed its most"
			);
			reactor.metrics.removals_deferred.inc();
			done.deferred.push(subscription);
			continue;
		}
		let _guard = reactor.lock(subscription).await;
		// Read again under the lock: a provision task may have just been handed out.
		match reactor.ogate.deployment(subscription).await {
			Ok(None) if matches!(removal, Removal::UnknownToChain) => {}
			Ok(Some(d)) if d.ended() => {}
			Ok(_) => continue,
			Err(e) => {
				tracing::warn!(subscription, error = %e, "cannot check before removing; kept");
				continue;
			}
		}
		tracing::warn!(
			subscription,
			reason = removal.label(),
			"removing infrastructure: the chain has ended its subscription"
		);
		if let Err(e) = reactor.driver.deprovision(subscription).await {
			tracing::warn!(subscription, error = %e, "removal failed; next pass retries");
			continue;
		}
		reactor.metrics.removal(removal.label());
		forget_unknown(reactor, subscription);
		done.removed.push(subscription);
	}
	reactor.metrics.unknown_kept.set(i64::try_from(done.kept.len()).unwrap_or(i64::MAX));
	for (subscription, deployment) in known {
		if !deployment.wants_infrastructure() {
			continue;
		}
		if let Err(e) = restore(reactor, subscription, &deployment, &mut done).await {
			tracing::warn!(subscription, error = %e, "cannot restore yet; next pass retries");
		}
	}
	Ok(done)
}

/// An instance OGate does not know: `None` keeps it, `Some` may remove it.
async fn unknown<D: Driver>(reactor: &Reactor<D>, subscription: u64) -> Option<Removal> {
	let now = std::time::Instant::now();
	let first_seen = match reactor.unknown_since.lock() {
		Ok(mut unknown) => *unknown.entry(subscription).or_insert(now),
		Err(_) => now,
	};
	if now.duration_since(first_seen) < reactor.removals.grace {
		tracing::info!(subscription, "an instance OGate does not know; kept in its grace period");
		return None;
	}
	match reactor.ogate.chain_subscription(subscription).await {
		Ok(on_chain) if !on_chain.exists => Some(Removal::UnknownToChain),
		Ok(on_chain) if on_chain.ours => {
			tracing::warn!(subscription, "OGate does not know it, but the chain holds it; kept");
			None
		}
		Ok(on_chain) => {
			tracing::error!(
				subscription,
				provider = on_chain.provider,
				"the chain holds this subscription for another provider; kept. Check the \
				 provider that OGate is configured with"
			);
			None
		}
		Err(e) => {
			tracing::warn!(subscription, error = %e, "cannot ask the chain about it; kept");
			None
		}
	}
}

fn forget_unknown<D>(reactor: &Reactor<D>, subscription: u64) {
	if let Ok(mut unknown) = reactor.unknown_since.lock() {
		unknown.remove(&subscription);
	}
}

/// Grace clocks of instances that are no longer there are dropped, so the map stays small.
fn forget_gone_unknowns<D>(reactor: &Reactor<D>, instances: &[crate::driver::Instance]) {
	if let Ok(mut unknown) = reactor.unknown_since.lock() {
		unknown.retain(|id, _| instances.iter().any(|i| i.subscription == *id));
	}
}

/// Makes sure a deployment that must exist does, and that the chain knows its endpoint.
async fn restore<D: Driver>(
	reactor: &Reactor<D>,
	subscription: u64,
	deployment: &Deployment,
	done: &mut Pass,
) -> Result<(), TaskError> {
	let _guard = reactor.lock(subscription).await;
	let live = reactor
		.driver
		.status(subscription)
		.await?
		.is_some_and(|i| i.state != InstanceState::Stopped);
	if live && deployment.phase == "running" {
		return Ok(());
	}
	// Missing, or made but never reported (the reactor stopped in between).
	let descriptor = reactor.ogate.descriptor(subscription).await?;
	let spec = Spec { subscription, deployment_type: deployment.deployment_type, descriptor };
	if !live {
		tracing::warn!(
			subscription,
			phase = deployment.phase,
			"deployment has no infrastructure; provisioning"
		);
	}
	match (deployment.phase.as_str(), reactor.driver.provision(&spec).await) {
		(_, Ok(instance)) => {
			let endpoint = instance.endpoint.unwrap_or_else(|| "-".into());
			if deployment.endpoint.as_deref() != Some(endpoint.as_str()) {
				reactor.ogate.running(subscription, &endpoint).await.or_else(ignore_conflict)?;
			}
			if !live {
				reactor.metrics.restored.inc();
				done.restored.push(subscription);
			}
		}
		("running", Err(DriverError::Refused(reason) | DriverError::Invalid(reason))) => {
			tracing::error!(
				subscription,
				reason,
				"infrastructure lost and not restorable; the operator decides whether to cancel \
				 (OGate's admin API); tried again next pass"
			);
			reactor.metrics.unrestorable.inc();
			done.unrestorable.push(subscription);
		}
		(_, Err(DriverError::Refused(reason))) => {
			reactor.ogate.failed(subscription, &reason).await.or_else(ignore_conflict)?;
		}
		(_, Err(DriverError::Invalid(reason))) => {
			reactor.ogate.declined(subscription, &reason).await.or_else(ignore_conflict)?;
		}
		// Unavailable for now: the next pass tries again; the others go on.
		(_, Err(e)) => return Err(e.into()),
	}
	Ok(())
}

fn ignore_conflict(e: crate::ogate::OgateError) -> Result<(), crate::ogate::OgateError> {
	match e.status() {
		Some(404 | 409) => Ok(()),
		_ => Err(e),
	}
}

/// Reconciles every `interval` until `stop` fires; a failed pass is logged and retried.
pub async fn run<D: Driver>(
	reactor: Arc<Reactor<D>>,
	interval: Duration,
	stop: tokio_util::sync::CancellationToken,
) {
	loop {
		match pass(&reactor).await {
			Ok(done) if done == Pass::default() => tracing::debug!("reconciled: nothing to do"),
			Ok(done) if done.stale => tracing::info!("reconciliation waits for a current view"),
			Ok(done) => tracing::info!(?done, "reconciled"),
			Err(e) => tracing::warn!(error = %e, "reconciliation failed; will retry"),
		}
		if tokio::time::timeout(interval, stop.cancelled()).await.is_ok() {
			return;
		}
	}
}
