//! Deployment tasks: what a chain reactor is asked to do, in the market's words.
//!
//! OGate turns the finalized DINFRA events that concern its provider into tasks. A reactor gets
//! each task at least once, by webhook or from the feed, and uses `key` to do its side effect
//! once: the key is derived from the event's place in the finalized chain, so a task produced
//! again after a crash carries the same key.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A deployment task, in the order the chain produced them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Task {
	/// The task's position in the outbox: the feed's cursor.
	pub seq: u64,
	/// The idempotency key: the same task always has the same key.
	pub key: String,
	/// The subscription the task is about.
	pub subscription: u64,
	/// The finalized block whose event produced the task.
	pub block: u32,
	/// What to do.
	pub action: Action,
}

/// What a reactor is asked to do.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Action {
	/// Create the deployment and report it `running` (or `failed`) before the deadline.
	Provision {
		/// The deployment type's id on chain.
		deployment_type: u32,
		/// The descriptor's CID.
		descriptor_cid: String,
		/// The descriptor, fetched by CID, checked against the CID and valid against the
		/// deployment type's JSON Schema.
		descriptor: serde_json::Value,
		/// The subscriber's account (SS58).
		subscriber: String,
		/// The price per billing block, in the smallest unit of DINF, as a decimal string.
		price_per_block: String,
		/// The billing-clock block by which a report must be on chain.
		provision_deadline: u32,
	},
	/// Tear the deployment down. Deprovisioning something that does not exist succeeds.
	Deprovision {
		/// Why: `by_subscriber`, `by_provider`, `out_of_funds`, `no_offering`,
		/// `provisioning_failed` or `reawarded`.
		reason: String,
	},
	/// The subscription's funds ran out and the chain suspended it: stop the deployment's
	/// compute, and keep its state (its disk) until `grace_ends_at`. A `resume` follows if it is
	/// topped up in time, a `deprovision` if not. Suspending what is stopped already succeeds.
	Suspend {
		/// The billing-clock block until which the state must be kept.
		grace_ends_at: u32,
	},
	/// A suspended subscription was topped up and is billed again: start the deployment from
	/// its kept state, at the same endpoint. Resuming what runs already succeeds.
	Resume {
		/// When the funds now run out, if paid.
		expires_at: Option<u32>,
	},
	/// Nothing to do on the infrastructure; something the subscriber may want to know.
	Notice {
		/// What happened.
		notice: Notice,
	},
}

/// A notice about a deployment's funds.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Notice {
	/// Fewer than the chain's warning period of blocks of funds are left.
	LowFunds {
		/// The funds left, as a decimal string.
		balance: String,
		/// The billing-clock block at which the funds run out.
		expires_at: u32,
	},
	/// Someone added funds.
	ToppedUp {
		/// The funds now left, as a decimal string.
		balance: String,
		/// When the funds now run out, if the deployment is running and paid.
		expires_at: Option<u32>,
	},
}

impl Action {
	/// A short name of the action, for keys, logs and metrics.
	pub fn name(&self) -> &'static str {
		match self {
			Action::Provision { .. } => "provision",
			Action::Deprovision { .. } => "deprovision",
			Action::Suspend { .. } => "suspend",
			Action::Resume { .. } => "resume",
			Action::Notice { .. } => "notice",
		}
	}
}

/// The idempotency key of the task made from event `event_index` of finalized block `block`.
pub fn task_key(block: u32, event_index: u32, action: &Action, subscription: u64) -> String {
	format!("{subscription}-{}-{block}-{event_index}", action.name())
}
