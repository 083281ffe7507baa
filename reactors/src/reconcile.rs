//! Reconciliation: the infrastructure made to agree with OGate's deployments view.
//!
//! Tasks can be missed (a webhook delivered while the reactor was down, a crash between
//! provisioning and reporting) and infrastructure can vanish (a VM destroyed by hand, a
//! process that crashed for good). So on start and then every `interval`, the reconciler
//! compares the driver's list with the active deployments OGate shows:
//! - what exists but no active deployment wants is removed: no orphan keeps running unpaid;
//! - an active deployment without a live instance is provisioned (again) and reported, so no
//!   paid subscription goes without infrastructure; if that is refused for a deployment
//!   already running, the provider cancels it, which refunds the subscriber the rest.

use crate::{
	driver::{Driver, DriverError, InstanceState, Spec},
	ogate::Deployment,
	reactor::{Reactor, TaskError},
};
use std::{collections::BTreeMap, sync::Arc, time::Duration};

/// What one pass did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Pass {
	/// Subscriptions whose infrastructure was removed.
	pub removed: Vec<u64>,
	/// Subscriptions provisioned because their infrastructure was missing.
	pub restored: Vec<u64>,
	/// Running subscriptions cancelled because their infrastructure could not be restored.
	pub cancelled: Vec<u64>,
}

/// One reconciliation pass.
pub async fn pass<D: Driver>(reactor: &Reactor<D>) -> Result<Pass, TaskError> {
	let wanted: BTreeMap<u64, Deployment> = reactor
		.ogate
		.deployments()
		.await?
		.into_iter()
		.filter(Deployment::wants_infrastructure)
		.map(|d| (d.subscription, d))
		.collect();
	let mut done = Pass::default();
	for instance in reactor.driver.list().await? {
		if wanted.contains_key(&instance.subscription) {
			continue;
		}
		let _guard = reactor.lock(instance.subscription).await;
		// Read again under the lock: a provision task may have just been handed out.
		if reactor.ogate.deployments().await?.iter().any(|d| {
			d.subscription == instance.subscription
				&& (d.wants_infrastructure() || d.phase == "verifying")
		}) {
			continue;
		}
		tracing::warn!(
			subscription = instance.subscription,
			"removing infrastructure no deployment wants"
		);
		reactor.driver.deprovision(instance.subscription).await?;
		done.removed.push(instance.subscription);
	}
	for (subscription, deployment) in wanted {
		let _guard = reactor.lock(subscription).await;
		let live = reactor
			.driver
			.status(subscription)
			.await?
			.is_some_and(|i| i.state != InstanceState::Stopped);
		if live && deployment.phase == "running" {
			continue;
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
					reactor
						.ogate
						.running(subscription, &endpoint)
						.await
						.or_else(ignore_conflict)?;
				}
				if !live {
					done.restored.push(subscription);
				}
			}
			("running", Err(DriverError::Refused(reason))) => {
				tracing::error!(
					subscription,
					reason,
					"infrastructure lost and not restorable; cancelling"
				);
				let reason = format!("infrastructure lost: {reason}");
				reactor.ogate.cancel(subscription, &reason).await.or_else(ignore_conflict)?;
				done.cancelled.push(subscription);
			}
			(_, Err(DriverError::Refused(reason))) => {
				reactor.ogate.failed(subscription, &reason).await.or_else(ignore_conflict)?;
			}
			// Unavailable for now: the next pass tries again; the others go on.
			(_, Err(e)) => {
				tracing::warn!(subscription, error = %e, "cannot restore yet; next pass retries");
			}
		}
	}
	Ok(done)
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
	mut stop: tokio::sync::watch::Receiver<bool>,
) {
	loop {
		match pass(&reactor).await {
			Ok(done) if done == Pass::default() => tracing::debug!("reconciled: nothing to do"),
			Ok(done) => tracing::info!(?done, "reconciled"),
			Err(e) => tracing::warn!(error = %e, "reconciliation failed; will retry"),
		}
		if tokio::time::timeout(interval, crate::stopped(&mut stop)).await.is_ok() {
			return;
		}
	}
}
