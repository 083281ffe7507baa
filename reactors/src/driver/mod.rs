//! Drivers: where deployments are made.
//!
//! A driver knows one kind of infrastructure. The reactor asks it to provision, suspend, resume
//! and deprovision deployments and to list what exists; everything else (tasks, reports,
//! reconciliation) is the same for every driver. Each call must be idempotent: provisioning a
//! subscription that already has a deployment returns that deployment (starting it if it was
//! suspended), suspending a stopped one and deprovisioning one that does not exist succeed,
//! because tasks arrive at least once and the reconciler repeats work.
//!
//! Suspending stops a deployment's compute and keeps its state (a VM's volumes, a process's
//! state directory); only deprovisioning, on the chain's word, destroys state.

pub mod cloudstack;
pub mod local;

use serde_json::Value;
use std::future::Future;

/// What to provision: one subscription's deployment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Spec {
	/// The subscription the deployment is for; drivers tag what they make with it.
	pub subscription: u64,
	/// The deployment type's id on chain.
	pub deployment_type: u32,
	/// The descriptor, verified by OGate against its CID and the type's schema.
	pub descriptor: Value,
}

/// Where a deployment stands on the infrastructure.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum InstanceState {
	/// Being created or started.
	Starting,
	/// Up; the endpoint answers.
	Running,
	/// Gone or going: stopped, crashed for good, destroyed.
	Stopped,
}

/// A deployment as the infrastructure shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Instance {
	/// The subscription it belongs to.
	pub subscription: u64,
	/// Where the subscriber reaches it, once known.
	pub endpoint: Option<String>,
	/// Where it stands.
	pub state: InstanceState,
}

/// Why a driver call did not succeed.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum DriverError {
	/// It cannot work as asked, and that is the provider's side: the reason goes on chain as a
	/// `failed` report, which slashes the provider's collateral for the subscriber.
	#[error("{0}")]
	Refused(String),
	/// The descriptor cannot run as written (an image this provider does not offer, user data
	/// past the infrastructure's limit): the reason goes on chain as a `declined` report, which
	/// the chain records but does not slash.
	#[error("{0}")]
	Invalid(String),
	/// It may work later (the infrastructure is unreachable or busy): retry.
	#[error("{0}")]
	Unavailable(String),
}

/// One kind of infrastructure.
pub trait Driver: Send + Sync + 'static {
	/// A short name for logs.
	fn name(&self) -> &'static str;

	/// Makes the deployment, or returns the one that exists, once it runs.
	fn provision(&self, spec: &Spec) -> impl Future<Output = Result<Instance, DriverError>> + Send;

	/// Stops the deployment's compute and keeps its state, for a subscription whose funds ran
	/// out. Suspending one that is stopped already, or does not exist, succeeds.
	fn suspend(&self, subscription: u64) -> impl Future<Output = Result<(), DriverError>> + Send;

	/// Starts a suspended deployment again from its kept state, at the same endpoint, once it
	/// runs; one that runs already is returned as it is. `Refused` when nothing is kept.
	fn resume(
		&self,
		subscription: u64,
	) -> impl Future<Output = Result<Instance, DriverError>> + Send;

	/// Removes the deployment. Removing one that does not exist succeeds.
	fn deprovision(
		&self,
		subscription: u64,
	) -> impl Future<Output = Result<(), DriverError>> + Send;

	/// The subscription's deployment, if one exists.
	fn status(
		&self,
		subscription: u64,
	) -> impl Future<Output = Result<Option<Instance>, DriverError>> + Send;

	/// Every deployment this driver made and has not removed.
	fn list(&self) -> impl Future<Output = Result<Vec<Instance>, DriverError>> + Send;
}
