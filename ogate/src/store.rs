//! The durable store: the transactional outbox behind every side effect OGate has.
//!
//! It is one redb file. Each finalized block is applied in one write transaction: the cursor
//! moves, deployments change, and the tasks and webhook deliveries the block produced are
//! written, all or nothing. So a crash at any moment leaves either the block fully applied or
//! not at all, and the follower resumes from the cursor. Deliveries, the pull feed and status
//! reports are read from here, never from memory, so a restart loses nothing.

use crate::task::{task_key, Action, Task};
use redb::{Database, ReadableTable, TableDefinition};
use serde::{de::DeserializeOwned, Deserialize, Serialize};
use std::{path::Path, sync::Arc};
use utoipa::ToSchema;

const META: TableDefinition<&str, &[u8]> = TableDefinition::new("meta");
const TASKS: TableDefinition<u64, &[u8]> = TableDefinition::new("tasks");
const DEPLOYMENTS: TableDefinition<u64, &[u8]> = TableDefinition::new("deployments");
const DELIVERIES: TableDefinition<(&str, u64), &[u8]> = TableDefinition::new("deliveries");
/// The deliveries still to attempt, so that the webhook worker never scans the history.
const PENDING: TableDefinition<(&str, u64), u64> = TableDefinition::new("pending_deliveries");
const FEED_CURSORS: TableDefinition<&str, u64> = TableDefinition::new("feed_cursors");
const REPORTS: TableDefinition<(u64, &str), &[u8]> = TableDefinition::new("reports");

const CURSOR: &str = "cursor";
const PROVIDER: &str = "provider";
const NEXT_SEQ: &str = "next_seq";

/// What went wrong in the store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
	/// The database failed.
	#[error("store: {0}")]
	Db(Box<redb::Error>),
	/// A record does not decode: the file was written by another version or damaged.
	#[error("store: a record does not decode: {0}")]
	Corrupt(#[from] serde_json::Error),
	/// The data directory holds another provider's deployments.
	#[error(
		"store: this data directory belongs to provider {stored}, not to the configured \
		 provider {configured}; fix the provider, or give this one its own data directory"
	)]
	WrongProvider {
		/// The provider the store was made for.
		stored: String,
		/// The provider in the configuration.
		configured: String,
	},
	/// An operation run off the async workers ([`Store::blocking`]) did not finish.
	#[error("store: the operation did not finish: {0}")]
	Interrupted(String),
}

macro_rules! db_err {
	($($t:ty),*) => {$(
		impl From<$t> for StoreError {
			fn from(e: $t) -> Self {
				StoreError::Db(Box::new(e.into()))
			}
		}
	)*};
}
db_err!(
	redb::Error,
	redb::DatabaseError,
	redb::TransactionError,
	redb::TableError,
	redb::StorageError,
	redb::CommitError
);

/// 32-byte hashes as hex strings, in records and in the API.
mod hex32 {
	use serde::{de::Error, Deserialize, Deserializer, Serializer};

	pub fn serialize<S: Serializer>(value: &[u8; 32], s: S) -> Result<S::Ok, S::Error> {
		s.serialize_str(&hex::encode(value))
	}

	pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<[u8; 32], D::Error> {
		let text = String::deserialize(d)?;
		let bytes = hex::decode(&text).map_err(D::Error::custom)?;
		bytes.try_into().map_err(|_| D::Error::custom("a hash has 32 bytes"))
	}
}

/// The last finalized block OGate has fully applied.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Cursor {
	/// Its number.
	pub number: u32,
	/// Its hash, hex.
	#[schema(value_type = String)]
	#[serde(with = "hex32")]
	pub hash: [u8; 32],
}

/// Where a deployment stands, as this gateway knows it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
	/// Awarded; the descriptor is being fetched and checked.
	Verifying,
	/// The reactor has the provision task; the chain waits for a report.
	Provisioning,
	/// Reported running on chain.
	Running,
	/// Its funds ran out: suspended on chain, a suspend task issued. Its state is kept until
	/// the grace ends; a top-up resumes it.
	Suspended,
	/// Provisioning failed (reported, timed out, or the descriptor was invalid).
	Failed,
	/// Ended on chain, or awarded away; a deprovision task was issued.
	Ended,
}

/// A deployment this gateway's provider holds or held.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Deployment {
	/// The subscription id.
	pub subscription: u64,
	/// The deployment type.
	pub deployment_type: u32,
	/// The descriptor's CID.
	pub descriptor_cid: String,
	/// The subscriber (SS58).
	pub subscriber: String,
	/// The price per billing block, decimal.
	pub price_per_block: String,
	/// The billing-clock block by which a report is due.
	pub provision_deadline: u32,
	/// The finalized block of the award.
	pub awarded_block: u32,
	/// Where it stands.
	pub phase: Phase,
	/// The endpoint reported on chain, once running.
	pub endpoint: Option<String>,
	/// Why it failed or ended.
	pub reason: Option<String>,
	/// The finalized block of the last change.
	pub updated_block: u32,
	/// The verified descriptor, once checked.
	#[serde(default)]
	pub descriptor: Option<serde_json::Value>,
}

/// A change the chain made to this provider's deployments, decoded from one event.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ChainChange {
	/// A subscription was awarded to this provider.
	Awarded {
		/// The deployment as awarded.
		deployment: Deployment,
	},
	/// The deployment was reported running.
	Running {
		/// The subscription.
		subscription: u64,
		/// Its endpoint.
		endpoint: String,
	},
	/// Provisioning failed (a `Failed` report or a timeout).
	Failed {
		/// The subscription.
		subscription: u64,
		/// What happened.
		reason: String,
	},
	/// The deployment must go: terminated, or awarded away from this provider.
	Ended {
		/// The subscription.
		subscription: u64,
		/// Why, as in [`Action::Deprovision`].
		reason: String,
	},
	/// The deployment's funds ran out and the chain suspended it.
	Suspended {
		/// The subscription.
		subscription: u64,
		/// The billing-clock block until which its state is kept.
		grace_ends_at: u32,
	},
	/// A suspended deployment was topped up and runs again.
	Resumed {
		/// The subscription.
		subscription: u64,
		/// When its funds now run out.
		expires_at: Option<u32>,
	},
	/// Something to tell the reactor about a deployment this provider holds.
	Notice {
		/// The subscription.
		subscription: u64,
		/// The notice.
		notice: crate::task::Notice,
	},
}

/// A finalized block's changes, with the index of the event each came from.
#[derive(Clone, Debug, Default)]
pub struct BlockChanges {
	/// `(event index, change)`, in event order.
	pub changes: Vec<(u32, ChainChange)>,
	/// Extrinsic hashes of this block with their proxied call's outcome (`Err` carries the
	/// error's name), for matching status reports this gateway sent.
	pub included: Vec<([u8; 32], Result<(), String>)>,
}

/// A webhook delivery of one task to one receiver.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Delivery {
	/// The receiver's configured name.
	pub webhook: String,
	/// The task's outbox position.
	pub seq: u64,
	/// Attempts made so far.
	pub attempts: u32,
	/// Where it stands.
	pub state: DeliveryState,
	/// Not before this time (milliseconds since the Unix epoch).
	pub next_attempt_ms: u64,
	/// What the last failed attempt got.
	pub last_error: Option<String>,
}

/// Where a delivery stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryState {
	/// Waiting for its next attempt.
	Pending,
	/// The receiver answered 2xx.
	Delivered,
	/// Every attempt failed; it stays here until replayed.
	Failed,
}

/// A status report for a deployment, sent to the chain through the operator key.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Report {
	/// The subscription.
	pub subscription: u64,
	/// What is reported.
	pub status: ReportStatus,
	/// Where the report stands.
	pub state: ReportState,
}

/// What a report says.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum ReportStatus {
	/// The deployment runs and is reached at `endpoint`.
	Running {
		/// Where the subscriber reaches it.
		endpoint: String,
	},
	/// Provisioning failed on the provider's side: slashed on chain (`FailureSlash`).
	Failed {
		/// Why.
		reason: String,
	},
	/// The descriptor is invalid (it breaks its schema, cannot be fetched, or cannot run as
	/// written): declined, which the chain records but does not slash.
	Declined {
		/// What is wrong with the descriptor.
		reason: String,
	},
	/// The provider ends the deployment (`cancel_by_provider`).
	Cancel {
		/// Why.
		reason: String,
	},
	/// The provider claims what the deployment owes so far.
	Claim,
}

impl ReportStatus {
	/// The report's kind: a subscription has at most one report of each kind, except claims,
	/// which are keyed by the block they were requested at.
	pub fn kind(&self) -> &'static str {
		match self {
			ReportStatus::Running { .. } => "running",
			// One way or the other, a provisioning ends once: a failure and a decline exclude
			// each other.
			ReportStatus::Failed { .. } | ReportStatus::Declined { .. } => "failed",
			ReportStatus::Cancel { .. } => "cancel",
			ReportStatus::Claim => "claim",
		}
	}
}

/// Where a report stands.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum ReportState {
	/// Waiting to be signed.
	Queued,
	/// Signed with `nonce` and broadcast. The exact bytes are kept: sending them again can
	/// never execute twice, because the nonce is spent by the first inclusion.
	Submitted {
		/// The operator's nonce it uses.
		nonce: u64,
		/// The extrinsic's hash, hex.
		#[schema(value_type = String)]
		#[serde(with = "hex32")]
		hash: [u8; 32],
		/// The signed extrinsic, hex.
		bytes: String,
		/// The last block at which it is valid (mortality).
		valid_until: u32,
	},
	/// Included in a finalized block.
	Finalized {
		/// The block.
		block: u32,
		/// `None` if the call succeeded; otherwise the chain's error.
		error: Option<String>,
	},
}

fn put<T: Serialize>(value: &T) -> Vec<u8> {
	// Serialising these plain records cannot fail: they have no maps with non-string keys.
	serde_json::to_vec(value).unwrap_or_default()
}

fn get<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, StoreError> {
	Ok(serde_json::from_slice(bytes)?)
}

/// Moves a deployment from phase `from` to `to` at finalized block `number`; whether it did (it
/// exists and was in `from`).
fn move_phase(
	table: &mut redb::Table<'_, u64, &'static [u8]>,
	subscription: u64,
	from: Phase,
	to: Phase,
	number: u32,
) -> Result<bool, StoreError> {
	let Some(mut dep) = load(table, subscription)? else { return Ok(false) };
	if dep.phase != from {
		return Ok(false);
	}
	dep.phase = to;
	dep.updated_block = number;
	table.insert(subscription, put(&dep).as_slice())?;
	Ok(true)
}

/// One deployment record from the deployments table, if there is one.
fn load(
	table: &impl ReadableTable<u64, &'static [u8]>,
	subscription: u64,
) -> Result<Option<Deployment>, StoreError> {
	table.get(subscription)?.map(|v| get(v.value())).transpose()
}

/// What one call to [`Store::prune`] removed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Pruned {
	/// Tasks, with their deliveries.
	pub tasks: usize,
	/// Finalized reports.
	pub reports: usize,
	/// Ended deployments.
	pub deployments: usize,
}

/// The store.
pub struct Store {
	db: Database,
	webhooks: Vec<String>,
}

/// What applying a block or promoting awards produced, for waking the delivery workers.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Applied {
	/// New tasks.
	pub tasks: usize,
	/// New status reports to send.
	pub reports: usize,
	/// Awards whose descriptor must now be verified.
	pub to_verify: Vec<u64>,
}

impl Store {
	/// Runs `operation` on tokio's blocking threads: a commit waits for the disk (`fsync`),
	/// and an async worker that waits with it serves nothing else meanwhile (on two cores, half
	/// of the gateway). For the writes made once per request or per report.
	pub async fn blocking<R: Send + 'static>(
		self: &Arc<Self>,
		operation: impl FnOnce(&Store) -> Result<R, StoreError> + Send + 'static,
	) -> Result<R, StoreError> {
		let store = self.clone();
		tokio::task::spawn_blocking(move || operation(&store))
			.await
			.map_err(|e| StoreError::Interrupted(e.to_string()))?
	}

	/// Opens (or creates) the store in `dir`. `webhooks` are the receivers' names: each new
	/// task gets a delivery to each.
	pub fn open(dir: &Path, webhooks: Vec<String>) -> Result<Store, StoreError> {
		std::fs::create_dir_all(dir).map_err(|e| StoreError::from(redb::StorageError::Io(e)))?;
		let db = Database::create(dir.join("ogate.redb"))?;
		let tx = db.begin_write()?;
		{
			tx.open_table(META)?;
			tx.open_table(TASKS)?;
			tx.open_table(DEPLOYMENTS)?;
			tx.open_table(DELIVERIES)?;
			tx.open_table(PENDING)?;
			tx.open_table(FEED_CURSORS)?;
			tx.open_table(REPORTS)?;
		}
		tx.commit()?;
		Ok(Store { db, webhooks })
	}

	/// Writes a task to the outbox with a pending delivery to each webhook.
	fn append_task(
		&self,
		tasks: &mut redb::Table<u64, &[u8]>,
		deliveries: &mut redb::Table<(&str, u64), &[u8]>,
		pending: &mut redb::Table<(&str, u64), u64>,
		task: &Task,
	) -> Result<(), StoreError> {
		tasks.insert(task.seq, put(task).as_slice())?;
		for webhook in &self.webhooks {
			let delivery = Delivery {
				webhook: webhook.clone(),
				seq: task.seq,
				attempts: 0,
				state: DeliveryState::Pending,
				next_attempt_ms: 0,
				last_error: None,
			};
			deliveries.insert((webhook.as_str(), task.seq), put(&delivery).as_slice())?;
			pending.insert((webhook.as_str(), task.seq), 0)?;
		}
		Ok(())
	}

	/// The last applied finalized block, if any.
	pub fn cursor(&self) -> Result<Option<Cursor>, StoreError> {
		let tx = self.db.begin_read()?;
		let meta = tx.open_table(META)?;
		meta.get(CURSOR)?.map(|v| get(v.value())).transpose()
	}

	/// Applies finalized block `cursor` in one transaction: its changes to deployments, the
	/// tasks they produce, and the outcome of the reports it included; then moves the cursor.
	/// A block at or below the cursor is ignored, so applying twice changes nothing.
	pub fn apply_block(&self, cursor: Cursor, block: &BlockChanges) -> Result<Applied, StoreError> {
		let tx = self.db.begin_write()?;
		let applied = {
			let mut meta = tx.open_table(META)?;
			if let Some(old) = meta.get(CURSOR)?.map(|v| get::<Cursor>(v.value())).transpose()? {
				if cursor.number <= old.number {
					return Ok(Applied::default());
				}
			}
			meta.insert(CURSOR, put(&cursor).as_slice())?;
			drop(meta);
			self.write_changes(&tx, cursor.number, block)?
		};
		tx.commit()?;
		Ok(applied)
	}

	/// Applies changes found by reconciling with the chain at block `at`, without moving the
	/// cursor.
	pub fn reconcile(&self, at: u32, changes: &BlockChanges) -> Result<Applied, StoreError> {
		let tx = self.db.begin_write()?;
		let applied = self.write_changes(&tx, at, changes)?;
		tx.commit()?;
		Ok(applied)
	}

	fn write_changes(
		&self,
		tx: &redb::WriteTransaction,
		number: u32,
		block: &BlockChanges,
	) -> Result<Applied, StoreError> {
		let mut applied = Applied::default();
		let mut meta = tx.open_table(META)?;
		let mut deployments = tx.open_table(DEPLOYMENTS)?;
		let mut tasks = tx.open_table(TASKS)?;
		let mut deliveries = tx.open_table(DELIVERIES)?;
		let mut pending = tx.open_table(PENDING)?;
		let mut reports = tx.open_table(REPORTS)?;
		let mut next_seq =
			meta.get(NEXT_SEQ)?.map(|v| get::<u64>(v.value())).transpose()?.unwrap_or(0);
		for (event_index, change) in &block.changes {
			let mut emit = |subscription: u64, action: Action| -> Result<(), StoreError> {
				let key = task_key(number, *event_index, &action, subscription);
				let task = Task { seq: next_seq, key, subscription, block: number, action };
				self.append_task(&mut tasks, &mut deliveries, &mut pending, &task)?;
				next_seq += 1;
				applied.tasks += 1;
				Ok(())
			};
			match change {
				ChainChange::Awarded { deployment } => {
					// A deployment found running by reconciliation is recorded as it is; any
					// other award is verified before a reactor sees it.
					let mut deployment = deployment.clone();
					if !matches!(deployment.phase, Phase::Running | Phase::Suspended) {
						deployment.phase = Phase::Verifying;
						applied.to_verify.push(deployment.subscription);
					}
					deployment.awarded_block = number;
					deployment.updated_block = number;
					deployments.insert(deployment.subscription, put(&deployment).as_slice())?;
				}
				ChainChange::Running { subscription, endpoint } => {
					let Some(mut dep) = load(&deployments, *subscription)? else { continue };
					dep.phase = Phase::Running;
					dep.endpoint = Some(endpoint.clone());
					dep.updated_block = number;
					deployments.insert(*subscription, put(&dep).as_slice())?;
				}
				ChainChange::Failed { subscription, reason } => {
					let Some(mut dep) = load(&deployments, *subscription)? else { continue };
					dep.phase = Phase::Failed;
					dep.reason = Some(reason.clone());
					dep.updated_block = number;
					deployments.insert(*subscription, put(&dep).as_slice())?;
				}
				ChainChange::Ended { subscription, reason } => {
					let Some(mut dep) = load(&deployments, *subscription)? else { continue };
					if dep.phase == Phase::Ended {
						continue;
					}
					// An award still being verified was never handed to a reactor: there is
					// nothing to tear down, and its provision task is never issued.
					let handed_out = dep.phase != Phase::Verifying;
					dep.phase = Phase::Ended;
					dep.reason = Some(reason.clone());
					dep.updated_block = number;
					deployments.insert(*subscription, put(&dep).as_slice())?;
					if handed_out {
						emit(*subscription, Action::Deprovision { reason: reason.clone() })?;
					}
				}
				// Only a deployment handed out and running has compute to stop; a repeated event
				// finds it moved already and makes no second task.
				ChainChange::Suspended { subscription, grace_ends_at } => {
					let (from, to) = (Phase::Running, Phase::Suspended);
					if move_phase(&mut deployments, *subscription, from, to, number)? {
						emit(*subscription, Action::Suspend { grace_ends_at: *grace_ends_at })?;
					}
				}
				ChainChange::Resumed { subscription, expires_at } => {
					let (from, to) = (Phase::Suspended, Phase::Running);
					if move_phase(&mut deployments, *subscription, from, to, number)? {
						emit(*subscription, Action::Resume { expires_at: *expires_at })?;
					}
				}
				ChainChange::Notice { subscription, notice } => {
					let held = load(&deployments, *subscription)?
						.is_some_and(|dep| dep.phase != Phase::Ended);
					if held {
						emit(*subscription, Action::Notice { notice: notice.clone() })?;
					}
				}
			}
		}
		// Reports this block included are final now.
		if !block.included.is_empty() {
			let mut done = Vec::new();
			for entry in reports.iter()? {
				let (key, value) = entry?;
				let report: Report = get(value.value())?;
				if let ReportState::Submitted { hash, .. } = report.state {
					if let Some((_, outcome)) = block.included.iter().find(|(h, _)| *h == hash) {
						let (subscription, kind) = key.value();
						done.push((subscription, kind.to_string(), report, outcome.clone()));
					}
				}
			}
			for (subscription, kind, mut report, outcome) in done {
				report.state = ReportState::Finalized { block: number, error: outcome.err() };
				reports.insert((subscription, kind.as_str()), put(&report).as_slice())?;
			}
		}
		meta.insert(NEXT_SEQ, put(&next_seq).as_slice())?;
		Ok(applied)
	}

	/// Ends the verification of awards: each valid descriptor becomes a provision task, each
	/// invalid one a `failed` report. One transaction for the whole batch. Awards that ended
	/// meanwhile are skipped.
	pub fn settle_verification(
		&self,
		outcomes: Vec<(u64, Result<serde_json::Value, String>)>,
	) -> Result<Applied, StoreError> {
		let mut applied = Applied::default();
		let tx = self.db.begin_write()?;
		{
			let mut meta = tx.open_table(META)?;
			let mut deployments = tx.open_table(DEPLOYMENTS)?;
			let mut tasks = tx.open_table(TASKS)?;
			let mut deliveries = tx.open_table(DELIVERIES)?;
			let mut pending = tx.open_table(PENDING)?;
			let mut reports = tx.open_table(REPORTS)?;
			let mut next_seq =
				meta.get(NEXT_SEQ)?.map(|v| get::<u64>(v.value())).transpose()?.unwrap_or(0);
			for (subscription, outcome) in outcomes {
				let Some(mut dep) = load(&deployments, subscription)? else { continue };
				if dep.phase != Phase::Verifying {
					continue;
				}
				match outcome {
					Ok(descriptor) => {
						dep.descriptor = Some(descriptor.clone());
						let action = Action::Provision {
							deployment_type: dep.deployment_type,
							descriptor_cid: dep.descriptor_cid.clone(),
							descriptor,
							subscriber: dep.subscriber.clone(),
							price_per_block: dep.price_per_block.clone(),
							provision_deadline: dep.provision_deadline,
						};
						let task = Task {
							seq: next_seq,
							key: format!("{subscription}-provision-{}", dep.awarded_block),
							subscription,
							block: dep.awarded_block,
							action,
						};
						self.append_task(&mut tasks, &mut deliveries, &mut pending, &task)?;
						next_seq += 1;
						applied.tasks += 1;
						dep.phase = Phase::Provisioning;
					}
					Err(reason) => {
						// The descriptor is at fault, not the provider: declined, not failed.
						let report = Report {
							subscription,
							status: ReportStatus::Declined { reason: reason.clone() },
							state: ReportState::Queued,
						};
						reports.insert((subscription, "failed"), put(&report).as_slice())?;
						applied.reports += 1;
						dep.phase = Phase::Failed;
						dep.reason = Some(reason);
					}
				}
				deployments.insert(subscription, put(&dep).as_slice())?;
			}
			meta.insert(NEXT_SEQ, put(&next_seq).as_slice())?;
		}
		tx.commit()?;
		Ok(applied)
	}

	/// Moves the cursor to `cursor` without applying the blocks in between, for a node that no
	/// longer has their state. A report submitted with a nonce below `operator_nonce` (the
	/// operator's next nonce at that block) was included in one of them, since only this gateway
	/// signs with the operator key: it is marked final, outcome unread, so that it is never
	/// signed again. Returns how many reports were so marked.
	pub fn skip_to(&self, cursor: Cursor, operator_nonce: u64) -> Result<usize, StoreError> {
		let tx = self.db.begin_write()?;
		let settled = {
			let mut meta = tx.open_table(META)?;
			let old = meta.get(CURSOR)?.map(|v| get::<Cursor>(v.value())).transpose()?;
			if old.is_some_and(|old| old.number >= cursor.number) {
				return Ok(0);
			}
			meta.insert(CURSOR, put(&cursor).as_slice())?;
			let mut reports = tx.open_table(REPORTS)?;
			let mut spent = Vec::new();
			for entry in reports.iter()? {
				let (key, value) = entry?;
				let report: Report = get(value.value())?;
				if matches!(report.state, ReportState::Submitted { nonce, .. } if nonce < operator_nonce)
				{
					let (subscription, kind) = key.value();
					spent.push((subscription, kind.to_string(), report));
				}
			}
			for (subscription, kind, mut report) in spent.iter().cloned() {
				report.state = ReportState::Finalized {
					block: cursor.number,
					error: Some(
						"included in a block this gateway skipped (the node pruned its state); \
						 outcome not read"
							.into(),
					),
				};
				reports.insert((subscription, kind.as_str()), put(&report).as_slice())?;
			}
			spent.len()
		};
		tx.commit()?;
		Ok(settled)
	}

	/// Ties the store to `provider` on first use, and refuses any other provider after that:
	/// a store applied to the wrong provider's chain view would end every deployment it holds.
	pub fn claim_provider(&self, provider: &str) -> Result<(), StoreError> {
		let tx = self.db.begin_write()?;
		{
			let mut meta = tx.open_table(META)?;
			let stored = meta.get(PROVIDER)?.map(|v| get::<String>(v.value())).transpose()?;
			match stored {
				Some(stored) if stored != provider => {
					return Err(StoreError::WrongProvider {
						stored,
						configured: provider.to_string(),
					})
				}
				Some(_) => {}
				None => {
					meta.insert(PROVIDER, put(&provider.to_string()).as_slice())?;
				}
			}
		}
		tx.commit()?;
		Ok(())
	}

	/// One deployment.
	pub fn deployment(&self, subscription: u64) -> Result<Option<Deployment>, StoreError> {
		let tx = self.db.begin_read()?;
		let table = tx.open_table(DEPLOYMENTS)?;
		load(&table, subscription)
	}

	/// Every deployment this gateway knows, by subscription id; `active` leaves out ended ones.
	pub fn deployments(&self, active: bool) -> Result<Vec<Deployment>, StoreError> {
		let tx = self.db.begin_read()?;
		let table = tx.open_table(DEPLOYMENTS)?;
		let mut out = Vec::new();
		for entry in table.iter()? {
			let dep: Deployment = get(entry?.1.value())?;
			if !active || dep.phase != Phase::Ended {
				out.push(dep);
			}
		}
		Ok(out)
	}

	/// Awards still waiting for their descriptor check (after a restart, say).
	pub fn verifying(&self) -> Result<Vec<Deployment>, StoreError> {
		Ok(self.deployments(true)?.into_iter().filter(|d| d.phase == Phase::Verifying).collect())
	}

	/// Up to `limit` tasks after outbox position `after` (all from the start if `None`).
	pub fn tasks_after(&self, after: Option<u64>, limit: usize) -> Result<Vec<Task>, StoreError> {
		let tx = self.db.begin_read()?;
		let table = tx.open_table(TASKS)?;
		let start = after.map_or(0, |a| a.saturating_add(1));
		let mut out = Vec::new();
		for entry in table.range(start..)?.take(limit) {
			out.push(get(entry?.1.value())?);
		}
		Ok(out)
	}

	/// One task.
	pub fn task(&self, seq: u64) -> Result<Option<Task>, StoreError> {
		let tx = self.db.begin_read()?;
		let table = tx.open_table(TASKS)?;
		table.get(seq)?.map(|v| get(v.value())).transpose()
	}

	/// The number of tasks ever produced.
	pub fn task_count(&self) -> Result<u64, StoreError> {
		let tx = self.db.begin_read()?;
		let meta = tx.open_table(META)?;
		// The next position, which pruning never moves back.
		Ok(meta.get(NEXT_SEQ)?.map(|v| get::<u64>(v.value())).transpose()?.unwrap_or(0))
	}

	/// Removes what is done with and older than finalized block `before`, at most `limit` tasks
	/// per call: tasks that every feed consumer has acknowledged and no webhook still has to
	/// deliver, with their deliveries; reports included in a block before it; and deployments
	/// that ended before it. A reactor that reconciles against the view after that sees such a
	/// deployment as unknown, which it keeps until the chain confirms the subscription is gone.
	pub fn prune(&self, before: u32, limit: usize) -> Result<Pruned, StoreError> {
		let mut pruned = Pruned::default();
		let tx = self.db.begin_write()?;
		{
			let acked: Vec<u64> = {
				let cursors = tx.open_table(FEED_CURSORS)?;
				let mut acked = Vec::new();
				for entry in cursors.iter()? {
					acked.push(entry?.1.value());
				}
				acked
			};
			let mut tasks = tx.open_table(TASKS)?;
			let mut deliveries = tx.open_table(DELIVERIES)?;
			let pending = tx.open_table(PENDING)?;
			let mut done = Vec::new();
			for entry in tasks.iter()? {
				let task: Task = get(entry?.1.value())?;
				let delivered = self
					.webhooks
					.iter()
					.all(|w| pending.get((w.as_str(), task.seq)).ok().flatten().is_none());
				if task.block >= before
					|| acked.iter().any(|a| *a < task.seq)
					|| !delivered || done.len() >= limit
				{
					// Tasks are in outbox order: the first one kept ends the run.
					break;
				}
				done.push(task.seq);
			}
			for seq in done {
				tasks.remove(seq)?;
				for webhook in &self.webhooks {
					deliveries.remove((webhook.as_str(), seq))?;
				}
				pruned.tasks += 1;
			}
			let mut reports = tx.open_table(REPORTS)?;
			let mut settled = Vec::new();
			for entry in reports.iter()? {
				let (key, value) = entry?;
				let report: Report = get(value.value())?;
				if matches!(report.state, ReportState::Finalized { block, .. } if block < before) {
					let (subscription, kind) = key.value();
					settled.push((subscription, kind.to_string()));
				}
			}
			for (subscription, kind) in settled {
				reports.remove((subscription, kind.as_str()))?;
				pruned.reports += 1;
			}
			let mut deployments = tx.open_table(DEPLOYMENTS)?;
			let mut ended = Vec::new();
			for entry in deployments.iter()? {
				let dep: Deployment = get(entry?.1.value())?;
				if dep.phase == Phase::Ended && dep.updated_block < before {
					ended.push(dep.subscription);
				}
			}
			for subscription in ended {
				deployments.remove(subscription)?;
				pruned.deployments += 1;
			}
		}
		tx.commit()?;
		Ok(pruned)
	}

	/// The last outbox position a feed consumer acknowledged.
	pub fn feed_cursor(&self, consumer: &str) -> Result<Option<u64>, StoreError> {
		let tx = self.db.begin_read()?;
		let table = tx.open_table(FEED_CURSORS)?;
		Ok(table.get(consumer)?.map(|v| v.value()))
	}

	/// Acknowledges every task up to `seq` for `consumer`. The cursor never moves back.
	pub fn ack(&self, consumer: &str, seq: u64) -> Result<u64, StoreError> {
		let tx = self.db.begin_write()?;
		let cursor = {
			let mut table = tx.open_table(FEED_CURSORS)?;
			let old = table.get(consumer)?.map(|v| v.value());
			let new = old.map_or(seq, |o| o.max(seq));
			table.insert(consumer, new)?;
			new
		};
		tx.commit()?;
		Ok(cursor)
	}

	/// Deliveries in `state` (all if `None`).
	pub fn deliveries(&self, state: Option<DeliveryState>) -> Result<Vec<Delivery>, StoreError> {
		let tx = self.db.begin_read()?;
		let table = tx.open_table(DELIVERIES)?;
		let mut out = Vec::new();
		for entry in table.iter()? {
			let delivery: Delivery = get(entry?.1.value())?;
			if state.is_none_or(|s| s == delivery.state) {
				out.push(delivery);
			}
		}
		Ok(out)
	}

	/// Records the outcomes of delivery attempts, in one transaction.
	pub fn record_deliveries(&self, batch: &[Delivery]) -> Result<(), StoreError> {
		let tx = self.db.begin_write()?;
		{
			let mut table = tx.open_table(DELIVERIES)?;
			let mut pending = tx.open_table(PENDING)?;
			for delivery in batch {
				let key = (delivery.webhook.as_str(), delivery.seq);
				table.insert(key, put(delivery).as_slice())?;
				if delivery.state == DeliveryState::Pending {
					pending.insert(key, delivery.next_attempt_ms)?;
				} else {
					pending.remove(key)?;
				}
			}
		}
		tx.commit()?;
		Ok(())
	}

	/// The deliveries still to attempt, each with its task, soonest first.
	pub fn pending_deliveries(&self, limit: usize) -> Result<Vec<(Delivery, Task)>, StoreError> {
		let tx = self.db.begin_read()?;
		let pending = tx.open_table(PENDING)?;
		let deliveries = tx.open_table(DELIVERIES)?;
		let tasks = tx.open_table(TASKS)?;
		let mut out = Vec::new();
		for entry in pending.iter()? {
			let (key, _) = entry?;
			let (webhook, seq) = key.value();
			let delivery = deliveries.get((webhook, seq))?.map(|v| get::<Delivery>(v.value()));
			let task = tasks.get(seq)?.map(|v| get::<Task>(v.value()));
			if let (Some(delivery), Some(task)) = (delivery, task) {
				out.push((delivery?, task?));
			}
		}
		out.sort_by_key(|(d, _)| (d.next_attempt_ms, d.seq));
		out.truncate(limit);
		Ok(out)
	}

	/// Puts a failed delivery back in line for an immediate attempt. Returns it, or `None` if
	/// there is no such delivery.
	pub fn replay(&self, webhook: &str, seq: u64) -> Result<Option<Delivery>, StoreError> {
		let tx = self.db.begin_write()?;
		let replayed = {
			let mut table = tx.open_table(DELIVERIES)?;
			let existing =
				table.get((webhook, seq))?.map(|v| get::<Delivery>(v.value())).transpose()?;
			match existing {
				Some(mut d) => {
					d.state = DeliveryState::Pending;
					d.attempts = 0;
					d.next_attempt_ms = 0;
					table.insert((webhook, seq), put(&d).as_slice())?;
					tx.open_table(PENDING)?.insert((webhook, seq), 0)?;
					Some(d)
				}
				None => None,
			}
		};
		tx.commit()?;
		Ok(replayed)
	}

	/// Queues a status report, once: a report of the same kind for the same subscription that
	/// exists already is returned as it is (`false`: nothing new is sent). Two kinds may be made
	/// again once the previous one is final: a claim, and a `running` report with a new
	/// endpoint (a running deployment may announce a new endpoint).
	pub fn queue_report(
		&self,
		subscription: u64,
		status: ReportStatus,
	) -> Result<(Report, bool), StoreError> {
		let tx = self.db.begin_write()?;
		let outcome = {
			let mut table = tx.open_table(REPORTS)?;
			let kind = status.kind();
			let existing =
				table.get((subscription, kind))?.map(|v| get::<Report>(v.value())).transpose()?;
			let renewable = |report: &Report| {
				matches!(report.state, ReportState::Finalized { .. })
					&& (kind == "claim" || (kind == "running" && report.status != status))
			};
			match existing {
				Some(report) if !renewable(&report) => (report, false),
				_ => {
					let report = Report { subscription, status, state: ReportState::Queued };
					table.insert((subscription, kind), put(&report).as_slice())?;
					(report, true)
				}
			}
		};
		tx.commit()?;
		Ok(outcome)
	}

	/// Every report, or those in a state other than finalized when `open` is set.
	pub fn reports(&self, open: bool) -> Result<Vec<Report>, StoreError> {
		let tx = self.db.begin_read()?;
		let table = tx.open_table(REPORTS)?;
		let mut out = Vec::new();
		for entry in table.iter()? {
			let report: Report = get(entry?.1.value())?;
			if !open || !matches!(report.state, ReportState::Finalized { .. }) {
				out.push(report);
			}
		}
		Ok(out)
	}

	/// The open reports and the cursor's block, read in one transaction: a report that the
	/// cursor's block (or an earlier one) included is never seen as still open beside it. Read
	/// one after the other, a block applied in between could make an included report look
	/// expired, and it would be signed and run a second time.
	pub fn open_reports_at_cursor(&self) -> Result<(Vec<Report>, Option<u32>), StoreError> {
		let tx = self.db.begin_read()?;
		let meta = tx.open_table(META)?;
		let cursor = meta.get(CURSOR)?.map(|v| get::<Cursor>(v.value())).transpose()?;
		let table = tx.open_table(REPORTS)?;
		let mut open = Vec::new();
		for entry in table.iter()? {
			let report: Report = get(entry?.1.value())?;
			if !matches!(report.state, ReportState::Finalized { .. }) {
				open.push(report);
			}
		}
		Ok((open, cursor.map(|c| c.number)))
	}

	/// Stores a report's new state only if its stored state is still `expected`
	/// (compare-and-set). `false`: it changed meanwhile (a block finalized it), and the new
	/// state is not stored, so nothing may be sent for it.
	pub fn replace_report(
		&self,
		expected: &ReportState,
		report: &Report,
	) -> Result<bool, StoreError> {
		let tx = self.db.begin_write()?;
		let replaced = {
			let mut table = tx.open_table(REPORTS)?;
			let key = (report.subscription, report.status.kind());
			let stored = table.get(key)?.map(|v| get::<Report>(v.value())).transpose()?;
			let unchanged = stored.is_some_and(|s| s.state == *expected);
			if unchanged {
				table.insert(key, put(report).as_slice())?;
			}
			unchanged
		};
		tx.commit()?;
		Ok(replaced)
	}
}

#[cfg(test)]
mod tests {
	use super::*;
	use crate::task::Notice;

	fn deployment(subscription: u64) -> Deployment {
		Deployment {
			subscription,
			deployment_type: 0,
			descriptor_cid: "bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy".into(),
			subscriber: "5FHneW46xGXgs5mUiveU4sbTyGBzmstUspZC92UhjJM694ty".into(),
			price_per_block: "1000".into(),
			provision_deadline: 200,
			awarded_block: 0,
			phase: Phase::Verifying,
			endpoint: None,
			reason: None,
			updated_block: 0,
			descriptor: None,
		}
	}

	fn cursor(number: u32) -> Cursor {
		Cursor { number, hash: [number as u8; 32] }
	}

	/// The interleaving that ran a report twice: the reporter reads the report open, a block
	/// that includes it and then more blocks past its mortality are applied, and the reporter,
	/// now seeing the cursor past `valid_until`, re-signs it. The snapshot read and the
	/// compare-and-set each stop it.
	#[test]
	fn a_report_included_while_the_reporter_looked_is_never_signed_again() {
		let dir = tempfile::tempdir().unwrap();
		let store = Store::open(dir.path(), Vec::new()).unwrap();
		store.apply_block(cursor(1), &block(vec![])).unwrap();
		let status = ReportStatus::Failed { reason: "no capacity".into() };
		let (mut report, _) = store.queue_report(7, status).unwrap();
		let submitted =
			ReportState::Submitted { nonce: 3, hash: [9; 32], bytes: "00".into(), valid_until: 4 };
		assert!(store
			.replace_report(
				&ReportState::Queued,
				&Report { state: submitted.clone(), ..report.clone() }
			)
			.unwrap());
		report.state = submitted.clone();

		// The reporter's first read: open, cursor at 1.
		let (open, applied) = store.open_reports_at_cursor().unwrap();
		assert_eq!((open, applied), (vec![report.clone()], Some(1)));

		// Meanwhile the follower applies block 2, which includes it, and blocks up to 6.
		let mut including = block(vec![]);
		including.included.push(([9; 32], Ok(())));
		store.apply_block(cursor(2), &including).unwrap();
		for n in 3..=6 {
			store.apply_block(cursor(n), &block(vec![])).unwrap();
		}

		// Read as one snapshot, the cursor past its mortality never comes with it open.
		let (open, applied) = store.open_reports_at_cursor().unwrap();
		assert_eq!((open.len(), applied), (0, Some(6)));

		// And a decision taken on the first, stale read cannot store new bytes over it.
		let resigned = ReportState::Submitted {
			nonce: 4,
			hash: [10; 32],
			bytes: "01".into(),
			valid_until: 70,
		};
		let again = Report { state: resigned, ..report.clone() };
		assert!(!store.replace_report(&submitted, &again).unwrap(), "stored over a final report");
		let stored = store.reports(false).unwrap();
		assert!(
			matches!(stored[0].state, ReportState::Finalized { block: 2, error: None }),
			"{stored:?}"
		);
	}

	#[test]
	fn pruning_removes_only_what_is_done_with_and_older_than_the_retention() {
		let dir = tempfile::tempdir().unwrap();
		let store = Store::open(dir.path(), vec!["hook".into()]).unwrap();
		// Block 1: 1 awarded (verifying); block 2: it ends (a deprovision task, seq 0);
		// block 10: 2 awarded, ended at 11 (seq 1).
		for (n, changes) in [
			(1, vec![ChainChange::Awarded { deployment: deployment(1) }]),
			(2, vec![ChainChange::Running { subscription: 1, endpoint: "e".into() }]),
			(3, vec![ChainChange::Ended { subscription: 1, reason: "out_of_funds".into() }]),
			(10, vec![ChainChange::Awarded { deployment: deployment(2) }]),
			(11, vec![ChainChange::Running { subscription: 2, endpoint: "e".into() }]),
			(12, vec![ChainChange::Ended { subscription: 2, reason: "by_subscriber".into() }]),
		] {
			store.apply_block(cursor(n), &block(changes)).unwrap();
		}
		assert_eq!(store.task_count().unwrap(), 2);

		// Undelivered: nothing goes.
		let nothing = store.prune(100, 1_000).unwrap();
		assert_eq!(nothing, Pruned { tasks: 0, reports: 0, deployments: 2 });
		let pending = store.pending_deliveries(10).unwrap();
		assert_eq!(pending.len(), 2);
		let mut delivered: Vec<Delivery> = pending.into_iter().map(|(d, _)| d).collect();
		for d in &mut delivered {
			d.state = DeliveryState::Delivered;
		}
		store.record_deliveries(&delivered).unwrap();

		// A feed consumer that acknowledged only the first task holds the second.
		store.ack("reactor", 0).unwrap();
		assert_eq!(store.prune(100, 1_000).unwrap().tasks, 1);
		assert_eq!(
			store.tasks_after(None, 10).unwrap().iter().map(|t| t.seq).collect::<Vec<_>>(),
			vec![1]
		);
		store.ack("reactor", 1).unwrap();
		// Younger than the retention: kept.
		assert_eq!(store.prune(12, 1_000).unwrap().tasks, 0);
		assert_eq!(store.prune(13, 1_000).unwrap().tasks, 1);
		assert!(store.tasks_after(None, 10).unwrap().is_empty());
		// The outbox position never moves back, and the next task continues from it.
		assert_eq!(store.task_count().unwrap(), 2);
		store
			.apply_block(
				cursor(20),
				&block(vec![ChainChange::Awarded { deployment: deployment(3) }]),
			)
			.unwrap();
		store
			.apply_block(
				cursor(21),
				&block(vec![ChainChange::Ended { subscription: 3, reason: "x".into() }]),
			)
			.unwrap();
		assert_eq!(store.tasks_after(None, 10).unwrap().len(), 0, "3 was never handed out");
	}

	#[test]
	fn skipping_pruned_blocks_settles_the_reports_whose_nonce_was_spent_and_no_other() {
		let dir = tempfile::tempdir().unwrap();
		let store = Store::open(dir.path(), Vec::new()).unwrap();
		store.apply_block(cursor(5), &block(vec![])).unwrap();
		for (subscription, nonce) in [(1, 3), (2, 4)] {
			let status = ReportStatus::Failed { reason: "x".into() };
			let (report, _) = store.queue_report(subscription, status).unwrap();
			let state = ReportState::Submitted {
				nonce,
				hash: [subscription as u8; 32],
				bytes: "00".into(),
				valid_until: 60,
			};
			assert!(store
				.replace_report(&ReportState::Queued, &Report { state, ..report })
				.unwrap());
		}
		// The chain's next nonce is 4: nonce 3 was spent, in a block that cannot be read.
		assert_eq!(store.skip_to(cursor(500), 4).unwrap(), 1);
		assert_eq!(store.cursor().unwrap(), Some(cursor(500)));
		let (open, applied) = store.open_reports_at_cursor().unwrap();
		assert_eq!(applied, Some(500));
		assert_eq!(open.iter().map(|r| r.subscription).collect::<Vec<_>>(), vec![2]);
		// Never backwards.
		assert_eq!(store.skip_to(cursor(400), 9).unwrap(), 0);
		assert_eq!(store.cursor().unwrap(), Some(cursor(500)));
	}

	#[test]
	fn a_data_directory_serves_only_the_provider_it_was_made_for() {
		let dir = tempfile::tempdir().unwrap();
		let bob = "5FHneW46xGXgs5mUiveU4sbTyGBzmstUspZC92UhjJM694ty";
		let eve = "5HGjWAeFDfFCWPsjFQdVV2Msvz2XtMktvgocEZcCj68kUMaw";
		{
			let store = Store::open(dir.path(), Vec::new()).unwrap();
			store.claim_provider(bob).unwrap();
			store.claim_provider(bob).unwrap();
		}
		// Reopened, as after a restart with another configuration.
		let store = Store::open(dir.path(), Vec::new()).unwrap();
		match store.claim_provider(eve) {
			Err(StoreError::WrongProvider { stored, configured }) => {
				assert_eq!((stored.as_str(), configured.as_str()), (bob, eve))
			}
			other => panic!("another provider was accepted: {other:?}"),
		}
		store.claim_provider(bob).unwrap();
	}

	fn block(changes: Vec<ChainChange>) -> BlockChanges {
		BlockChanges {
			changes: changes.into_iter().enumerate().map(|(i, c)| (i as u32, c)).collect(),
			included: Vec::new(),
		}
	}

	/// Applies finalized block `number` holding one award, of subscription `id`.
	fn award(store: &Store, number: u32, id: u64) {
		let awarded = block(vec![ChainChange::Awarded { deployment: deployment(id) }]);
		store.apply_block(cursor(number), &awarded).unwrap();
	}

	fn open(dir: &Path) -> Store {
		Store::open(dir, vec!["reactor".into()]).unwrap()
	}

	#[test]
	fn an_award_becomes_a_provision_task_only_once_its_descriptor_is_verified() {
		let dir = tempfile::tempdir().unwrap();
		let store = open(dir.path());
		let applied = store
			.apply_block(
				cursor(5),
				&block(vec![ChainChange::Awarded { deployment: deployment(7) }]),
			)
			.unwrap();
		assert_eq!(applied.to_verify, vec![7]);
		assert_eq!(store.task_count().unwrap(), 0, "nothing is handed out before the check");

		let applied =
			store.settle_verification(vec![(7, Ok(serde_json::json!({"cpu": 2})))]).unwrap();
		assert_eq!(applied.tasks, 1);
		let task = store.task(0).unwrap().unwrap();
		assert_eq!((task.subscription, task.key.as_str()), (7, "7-provision-5"));
		assert!(
			matches!(task.action, Action::Provision { ref descriptor, .. } if descriptor["cpu"] == 2)
		);
		assert_eq!(store.deployment(7).unwrap().unwrap().phase, Phase::Provisioning);
		assert_eq!(store.deliveries(Some(DeliveryState::Pending)).unwrap().len(), 1);

		// Settling again changes nothing.
		assert_eq!(
			store.settle_verification(vec![(7, Ok(serde_json::json!({})))]).unwrap().tasks,
			0
		);
	}

	#[test]
	fn an_invalid_descriptor_queues_one_failed_report_and_no_task() {
		let dir = tempfile::tempdir().unwrap();
		let store = open(dir.path());
		award(&store, 5, 7);
		let applied = store.settle_verification(vec![(7, Err("hash mismatch".into()))]).unwrap();
		assert_eq!((applied.tasks, applied.reports), (0, 1));
		let reports = store.reports(true).unwrap();
		assert_eq!(reports.len(), 1);
		assert_eq!(reports[0].status, ReportStatus::Declined { reason: "hash mismatch".into() });
		assert_eq!(store.deployment(7).unwrap().unwrap().phase, Phase::Failed);
	}

	#[test]
	fn an_ended_deployment_gets_one_deprovision_and_no_more_notices() {
		let dir = tempfile::tempdir().unwrap();
		let store = open(dir.path());
		award(&store, 1, 1);
		store.settle_verification(vec![(1, Ok(serde_json::json!({})))]).unwrap();
		let ended = || ChainChange::Ended { subscription: 1, reason: "out_of_funds".into() };
		let notice = ChainChange::Notice {
			subscription: 1,
			notice: Notice::LowFunds { balance: "5".into(), expires_at: 9 },
		};
		store.apply_block(cursor(2), &block(vec![notice.clone(), ended()])).unwrap();
		store.apply_block(cursor(3), &block(vec![ended(), notice])).unwrap();
		let actions: Vec<_> =
			store.tasks_after(None, 10).unwrap().into_iter().map(|t| t.action.name()).collect();
		assert_eq!(actions, ["provision", "notice", "deprovision"]);
	}

	/// A run-out suspends a running deployment (one suspend task), a top-up resumes it (one
	/// resume task), a repeated event changes nothing, a deployment that never ran is not
	/// suspended, and the end after the grace deprovisions it.
	#[test]
	fn a_suspension_and_a_resume_become_one_task_each_and_the_end_one_deprovision() {
		let dir = tempfile::tempdir().unwrap();
		let store = open(dir.path());
		let both = vec![
			ChainChange::Awarded { deployment: deployment(1) },
			ChainChange::Awarded { deployment: deployment(2) },
		];
		store.apply_block(cursor(1), &block(both)).unwrap();
		store
			.settle_verification(vec![
				(1, Ok(serde_json::json!({}))),
				(2, Ok(serde_json::json!({}))),
			])
			.unwrap();
		let running = ChainChange::Running { subscription: 1, endpoint: "e".into() };
		let suspended = |id| ChainChange::Suspended { subscription: id, grace_ends_at: 90 };
		let resumed = ChainChange::Resumed { subscription: 1, expires_at: Some(120) };
		store.apply_block(cursor(2), &block(vec![running])).unwrap();
		// 2 is still provisioning: nothing of it runs, nothing to suspend.
		store.apply_block(cursor(3), &block(vec![suspended(1), suspended(2)])).unwrap();
		assert_eq!(store.deployment(1).unwrap().unwrap().phase, Phase::Suspended);
		assert_eq!(store.deployment(2).unwrap().unwrap().phase, Phase::Provisioning);
		store.apply_block(cursor(4), &block(vec![suspended(1), resumed.clone()])).unwrap();
		store.apply_block(cursor(5), &block(vec![resumed])).unwrap();
		assert_eq!(store.deployment(1).unwrap().unwrap().phase, Phase::Running);
		store.apply_block(cursor(6), &block(vec![suspended(1)])).unwrap();
		store
			.apply_block(
				cursor(7),
				&block(vec![ChainChange::Ended { subscription: 1, reason: "out_of_funds".into() }]),
			)
			.unwrap();
		let tasks: Vec<_> = store
			.tasks_after(None, 20)
			.unwrap()
			.into_iter()
			.filter(|t| t.subscription == 1)
			.map(|t| t.action)
			.collect();
		assert_eq!(
			tasks.iter().map(|a| a.name()).collect::<Vec<_>>(),
			["provision", "suspend", "resume", "suspend", "deprovision"]
		);
		assert_eq!(tasks[1], Action::Suspend { grace_ends_at: 90 });
		assert_eq!(tasks[2], Action::Resume { expires_at: Some(120) });
	}

	#[test]
	fn an_award_that_ends_before_verification_is_never_handed_out() {
		let dir = tempfile::tempdir().unwrap();
		let store = open(dir.path());
		award(&store, 1, 1);
		store
			.apply_block(
				cursor(2),
				&block(vec![ChainChange::Ended {
					subscription: 1,
					reason: "by_subscriber".into(),
				}]),
			)
			.unwrap();
		assert_eq!(
			store.settle_verification(vec![(1, Ok(serde_json::json!({})))]).unwrap().tasks,
			0
		);
		assert_eq!(store.task_count().unwrap(), 0);
	}

	#[test]
	fn a_block_is_applied_once_and_survives_a_reopen() {
		let dir = tempfile::tempdir().unwrap();
		{
			let store = open(dir.path());
			award(&store, 3, 1);
			store.settle_verification(vec![(1, Ok(serde_json::json!({})))]).unwrap();
			let again = store
				.apply_block(
					cursor(3),
					&block(vec![ChainChange::Awarded { deployment: deployment(2) }]),
				)
				.unwrap();
			assert_eq!(again, Applied::default());
		}
		let store = open(dir.path());
		assert_eq!(store.cursor().unwrap(), Some(cursor(3)));
		assert_eq!(store.task_count().unwrap(), 1);
		assert!(store.deployment(2).unwrap().is_none());
	}

	#[test]
	fn a_report_is_queued_once_and_finalized_by_the_block_that_includes_it() {
		let dir = tempfile::tempdir().unwrap();
		let store = open(dir.path());
		let running = ReportStatus::Running { endpoint: "http://127.0.0.1:1".into() };
		let (report, new) = store.queue_report(4, running.clone()).unwrap();
		assert!(new);
		let (_, new) = store.queue_report(4, running.clone()).unwrap();
		assert!(!new, "the same status is queued once");
		let (first, new) = store
			.queue_report(4, ReportStatus::Running { endpoint: "http://other".into() })
			.unwrap();
		assert!(!new && first.status == running, "a second running report keeps the first");

		let hash = [9; 32];
		let submitted = Report {
			state: ReportState::Submitted { nonce: 0, hash, bytes: "00".into(), valid_until: 70 },
			..report
		};
		assert!(store.replace_report(&report.state, &submitted).unwrap());
		let included = BlockChanges { changes: vec![], included: vec![(hash, Ok(()))] };
		store.apply_block(cursor(8), &included).unwrap();
		assert_eq!(
			store.reports(false).unwrap()[0].state,
			ReportState::Finalized { block: 8, error: None }
		);
		assert!(store.reports(true).unwrap().is_empty());

		// Once final, the same endpoint is still not sent again; a new endpoint is.
		assert!(!store.queue_report(4, running).unwrap().1);
		let moved = ReportStatus::Running { endpoint: "http://127.0.0.1:2".into() };
		assert!(store.queue_report(4, moved).unwrap().1);
	}

	#[test]
	fn claims_repeat_only_after_the_previous_one_is_final() {
		let dir = tempfile::tempdir().unwrap();
		let store = open(dir.path());
		assert!(store.queue_report(1, ReportStatus::Claim).unwrap().1);
		assert!(!store.queue_report(1, ReportStatus::Claim).unwrap().1);
		let queued = store.reports(true).unwrap()[0].state.clone();
		let finalized = Report {
			subscription: 1,
			status: ReportStatus::Claim,
			state: ReportState::Finalized { block: 3, error: None },
		};
		assert!(store.replace_report(&queued, &finalized).unwrap());
		assert!(store.queue_report(1, ReportStatus::Claim).unwrap().1);
	}

	#[test]
	fn feed_cursors_never_move_back_and_failed_deliveries_can_be_replayed() {
		let dir = tempfile::tempdir().unwrap();
		let store = open(dir.path());
		assert_eq!(store.ack("r", 5).unwrap(), 5);
		assert_eq!(store.ack("r", 2).unwrap(), 5);
		assert_eq!(store.feed_cursor("r").unwrap(), Some(5));
		assert_eq!(store.feed_cursor("other").unwrap(), None);

		award(&store, 1, 1);
		store.settle_verification(vec![(1, Ok(serde_json::json!({})))]).unwrap();
		let mut delivery = store.deliveries(None).unwrap().remove(0);
		delivery.state = DeliveryState::Failed;
		delivery.attempts = 12;
		store.record_deliveries(&[delivery]).unwrap();
		assert!(store.pending_deliveries(10).unwrap().is_empty());
		assert_eq!(store.deliveries(Some(DeliveryState::Failed)).unwrap().len(), 1);
		let replayed = store.replay("reactor", 0).unwrap().unwrap();
		assert_eq!((replayed.state, replayed.attempts), (DeliveryState::Pending, 0));
		assert_eq!(store.pending_deliveries(10).unwrap().len(), 1);
		assert!(store.replay("reactor", 99).unwrap().is_none());
	}
}
