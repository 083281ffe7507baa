//! Following finalized blocks: connect (and reconnect with backoff), catch up from the store's
//! cursor, reconcile with the chain's view of this provider's deployments, then apply each new
//! finalized block in order. Also the verification stage that turns awards into provision tasks.

use crate::{
	chain::{deployment_from_view, phase_catch_up, Chain},
	descriptor::ContentSource,
	metrics::Metrics,
	store::{BlockChanges, ChainChange, Cursor, Phase, ReportState, Store},
	sync::SyncState,
};
use backon::{BackoffBuilder, ExponentialBackoff, ExponentialBuilder};
use std::{collections::HashSet, sync::Arc, time::Duration};
use subxt::utils::AccountId32;
use subxt_signer::sr25519::Keypair;
use tokio::sync::{watch, Notify, RwLock};
use tokio_util::sync::CancellationToken;

/// What the follower shares with the rest of OGate.
pub struct Follower {
	/// The node's URL.
	pub url: String,
	/// The provider.
	pub provider: AccountId32,
	/// The operator key.
	pub operator: Keypair,
	/// The store.
	pub store: Arc<Store>,
	/// The live connection, for the reporter and the API; `None` while disconnected.
	pub chain: Arc<RwLock<Option<Arc<Chain>>>>,
	/// Woken when tasks were written.
	pub tasks_written: Arc<Notify>,
	/// Woken when reports may have changed.
	pub reports_changed: Arc<Notify>,
	/// Woken when awards wait for verification.
	pub to_verify: Arc<Notify>,
	/// The outbox's next position, for long polls.
	pub feed: watch::Sender<u64>,
	/// Counters.
	pub metrics: Arc<Metrics>,
	/// The first block when the store is empty (`None`: the finalized head).
	pub start_block: Option<u32>,
	/// Whether the store's view is current.
	pub sync: Arc<SyncState>,
	/// With no new finalized block for this long, the connection is taken as stalled and
	/// replaced.
	pub stall_timeout: Duration,
	/// What is done with is kept for this many finalized blocks, then pruned.
	pub retention_blocks: u32,
}

/// Pruning runs once per this many applied blocks.
const PRUNE_EVERY: u32 = 100;
/// The most tasks one pruning removes.
const PRUNE_LIMIT: usize = 10_000;

/// The first wait before reconnecting.
const FIRST_BACKOFF: Duration = Duration::from_millis(250);
/// The longest wait before reconnecting.
const MAX_BACKOFF: Duration = Duration::from_secs(30);

/// The waits between reconnections (`backon`): doubling from [`FIRST_BACKOFF`] to
/// [`MAX_BACKOFF`], each with a random jitter of up to as much again, so that gateways that
/// lost the same node do not all come back at the same instant; never giving up.
fn reconnect_backoff() -> ExponentialBackoff {
	ExponentialBuilder::default()
		.with_min_delay(FIRST_BACKOFF)
		.with_max_delay(MAX_BACKOFF)
		.with_jitter()
		.without_max_times()
		.build()
}

impl Follower {
	/// Follows the chain until shutdown, reconnecting with jittered exponential backoff (30 s,
	/// and up to as much again of jitter). The backoff starts again from its first step after a
	/// connection that applied a new finalized block.
	pub async fn run(self, shutdown: CancellationToken) {
		let mut backoff = reconnect_backoff();
		loop {
			let mut progressed = false;
			let attempt = async {
				let chain = Arc::new(
					Chain::connect(&self.url, self.provider, self.operator.clone()).await?,
				);
				tracing::info!(url = %self.url, "connected to the node");
				self.sync.connected();
				*self.chain.write().await = Some(chain.clone());
				self.follow(&chain, &mut progressed).await
			};
			tokio::select! {
				result = attempt => {
					if let Err(e) = result {
						tracing::warn!(error = %e, "lost the node");
					}
				},
				_ = shutdown.cancelled() => return,
			}
			self.sync.disconnected();
			*self.chain.write().await = None;
			if progressed {
				backoff = reconnect_backoff();
			}
			let wait = backoff.next().unwrap_or(MAX_BACKOFF);
			tracing::info!(retry_in = ?wait, "reconnecting");
			tokio::select! {
				_ = tokio::time::sleep(wait) => {},
				_ = shutdown.cancelled() => return,
			}
		}
	}

	async fn follow(
		&self,
		chain: &Chain,
		progressed: &mut bool,
	) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
		let head = chain.finalized_number().await?;
		self.sync.finalized(head);
		let cursor = self.store.cursor()?;
		if let Some(cursor) = cursor {
			self.sync.applied(cursor.number);
		}
		let mut next = match cursor {
			Some(cursor) => cursor.number + 1,
			None => self.start_block.unwrap_or(head),
		};
		self.catch_up(chain, &mut next, head).await?;
		self.settle_view(chain, next.saturating_sub(1)).await?;
		let mut blocks = chain.api.stream_blocks().await?;
		loop {
			let block = match tokio::time::timeout(self.stall_timeout, blocks.next()).await {
				Err(_) => {
					return Err(format!(
						"no finalized block for {} s: the stream is stalled",
						self.stall_timeout.as_secs()
					)
					.into())
				}
				Ok(None) => return Err("the finalized block stream ended".into()),
				Ok(Some(block)) => block?,
			};
			let number = u32::try_from(block.number())?;
			self.sync.finalized(number);
			let before = next;
			self.catch_up(chain, &mut next, number).await?;
			*progressed |= next > before;
			self.settle_view(chain, next.saturating_sub(1)).await?;
		}
	}

	/// Checks that the operator key can act for the provider, and reconciles once per
	/// connection when it can. A gateway whose operator is not the provider's proxy (a wrong
	/// provider in the configuration, say) never reconciles: the chain's list of that
	/// provider's deployments would end every deployment the store holds.
	async fn settle_view(
		&self,
		chain: &Chain,
		at: u32,
	) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
		let authorization = chain.operator_authorization().await?;
		if self.sync.authorization(authorization.clone()) {
			match authorization {
				Err(why) => tracing::error!(
					reason = why,
					"the operator cannot act for the provider: the deployments view is not current \
					 and nothing is reconciled"
				),
				Ok(()) => tracing::info!("the operator key is the provider's DinfraOperator proxy"),
			}
		}
		if self.sync.authorized() && !self.sync.is_reconciled() {
			self.reconcile(chain, at).await?;
			self.sync.reconciled();
			tracing::info!(at, "reconciled with the chain; the deployments view is current");
		}
		Ok(())
	}

	/// Applies every finalized block from `next` to `head`, in order.
	async fn catch_up(
		&self,
		chain: &Chain,
		next: &mut u32,
		head: u32,
	) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
		self.metrics.finalized.set(i64::from(head));
		while *next <= head {
			let watched: HashSet<[u8; 32]> = self
				.store
				.reports(true)?
				.into_iter()
				.filter_map(|r| match r.state {
					ReportState::Submitted { hash, .. } => Some(hash),
					_ => None,
				})
				.collect();
			let started = std::time::Instant::now();
			let (cursor, changes) = match chain.block_changes(*next, &watched).await {
				Ok(found) => found,
				Err(e) if e.is_pruned_state() => {
					return self.skip_pruned(chain, next, head, e).await
				}
				Err(e) => return Err(e.into()),
			};
			let fetched = started.elapsed();
			self.apply(cursor, &changes)?;
			tracing::debug!(
				block = *next,
				changes = changes.changes.len(),
				fetch_ms = fetched.as_secs_f64() * 1e3,
				total_ms = started.elapsed().as_secs_f64() * 1e3,
				"block applied"
			);
			*next += 1;
		}
		Ok(())
	}

	/// The node no longer has the state of block `next` (it keeps only its last blocks): the
	/// cursor moves to `head` without the blocks in between, reports whose nonce was spent in
	/// them are settled, and the store is reconciled with the chain's list at `head`, which
	/// imports the deployments awarded meanwhile and ends those ended meanwhile. Notices of the
	/// skipped blocks are lost; nothing is provisioned or removed on a guess.
	async fn skip_pruned(
		&self,
		chain: &Chain,
		next: &mut u32,
		head: u32,
		why: crate::chain::ChainError,
	) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
		tracing::warn!(
			from = *next,
			to = head,
			error = %why,
			"the node no longer has the state of the blocks after the cursor; skipping to the \
			 finalized head and reconciling"
		);
		let hash = chain.block_hash(head).await?;
		let nonce = chain.operator_nonce().await?;
		let settled = self.store.skip_to(Cursor { number: head, hash }, nonce)?;
		if settled > 0 {
			tracing::warn!(settled, "reports included in skipped blocks are final, outcome unread");
			self.reports_changed.notify_one();
		}
		self.sync.applied(head);
		self.sync.unreconciled();
		self.metrics.cursor.set(i64::from(head));
		self.metrics.skipped_blocks.inc_by(u64::from(head.saturating_sub(*next)) + 1);
		*next = head + 1;
		Ok(())
	}

	fn apply(
		&self,
		cursor: Cursor,
		changes: &BlockChanges,
	) -> Result<(), crate::store::StoreError> {
		let applied = self.store.apply_block(cursor, changes)?;
		self.sync.applied(cursor.number);
		if cursor.number.is_multiple_of(PRUNE_EVERY) {
			let before = cursor.number.saturating_sub(self.retention_blocks);
			let pruned = self.store.prune(before, PRUNE_LIMIT)?;
			if pruned != crate::store::Pruned::default() {
				tracing::info!(before, ?pruned, "pruned what is done with");
			}
		}
		self.metrics.cursor.set(i64::from(cursor.number));
		if applied.tasks > 0 {
			self.metrics.tasks.inc_by(applied.tasks as u64);
			self.announce_tasks()?;
		}
		if !applied.to_verify.is_empty() {
			self.to_verify.notify_one();
		}
		if !changes.included.is_empty() {
			self.metrics.report("finalized");
			self.reports_changed.notify_one();
		}
		Ok(())
	}

	fn announce_tasks(&self) -> Result<(), crate::store::StoreError> {
		self.feed.send_replace(self.store.task_count()?);
		self.tasks_written.notify_one();
		Ok(())
	}

	/// Compares the chain's list of this provider's deployments at block `at` with the store:
	/// deployments the store does not know are imported (to be verified and provisioned, or
	/// recorded as running), deployments the store holds that the chain no longer shows are
	/// ended with a deprovision task, and deployments both hold in another phase are moved to the
	/// chain's, with the suspend or resume task the missed event would have made
	/// ([`phase_catch_up`]).
	async fn reconcile(
		&self,
		chain: &Chain,
		at: u32,
	) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
		let on_chain: HashSet<u64> = chain.provider_deployments(at).await?.into_iter().collect();
		let local = self.store.deployments(true)?;
		let local_ids: HashSet<u64> = local.iter().map(|d| d.subscription).collect();
		let mut changes = BlockChanges::default();
		for id in on_chain.difference(&local_ids) {
			// A view read a moment later may already show the end: nothing to import then.
			if let Some(view) = chain.view(*id).await?.filter(crate::chain::is_live) {
				tracing::info!(subscription = id, "imported a deployment the store did not know");
				changes.changes.push((
					u32::MAX,
					ChainChange::Awarded { deployment: deployment_from_view(*id, &view, at) },
				));
			}
		}
		for dep in &local {
			let live = matches!(
				dep.phase,
				Phase::Provisioning | Phase::Running | Phase::Suspended | Phase::Verifying
			);
			let handed_out =
				matches!(dep.phase, Phase::Provisioning | Phase::Running | Phase::Suspended);
			if handed_out && on_chain.contains(&dep.subscription) {
				if let Some(view) = chain.view(dep.subscription).await? {
					let caught_up = phase_catch_up(dep.subscription, dep.phase, &view);
					if !caught_up.is_empty() {
						tracing::info!(
							subscription = dep.subscription,
							from = ?dep.phase,
							to = ?view.phase,
							"the chain moved it meanwhile; catching up"
						);
					}
					changes.changes.extend(caught_up.into_iter().map(|c| (u32::MAX, c)));
				}
			}
			if live && !on_chain.contains(&dep.subscription) {
				tracing::info!(
					subscription = dep.subscription,
					"the chain no longer shows it; deprovisioning"
				);
				changes.changes.push((
					u32::MAX,
					ChainChange::Ended {
						subscription: dep.subscription,
						reason: "reconciled".into(),
					},
				));
			}
		}
		if changes.changes.is_empty() {
			return Ok(());
		}
		let imported = self.store.reconcile(at, &changes)?;
		if imported.tasks > 0 {
			self.announce_tasks()?;
		}
		if !imported.to_verify.is_empty() {
			self.to_verify.notify_one();
		}
		Ok(())
	}
}

/// How many descriptors are fetched and checked at once.
pub const VERIFY_CONCURRENCY: usize = 16;
/// The first wait before a descriptor that was not found is fetched again.
const FIRST_RETRY: Duration = Duration::from_secs(5);
/// The longest wait between fetches of a descriptor that is not found.
const MAX_RETRY: Duration = Duration::from_secs(300);

/// Verifies awarded descriptors and hands valid ones out as provision tasks.
///
/// Up to [`VERIFY_CONCURRENCY`] descriptors are fetched at once, so one slow or missing CID
/// holds up no other. A descriptor that no source has yet (or only with other bytes) is tried
/// again with backoff, 5 s doubling, until it appears; after `descriptor_wait` it is declined as
/// not retrievable, well before the chain's provisioning deadline, which would slash the
/// provider for the benefit of whoever named a CID with nothing behind it. An invalid
/// descriptor is declined at once. A restart forgets how long a CID has been missing, and
/// waits again.
pub struct Verifier {
	/// The store.
	pub store: Arc<Store>,
	/// The current connection, to read deployment types' schema CIDs.
	pub chain: Arc<RwLock<Option<Arc<Chain>>>>,
	/// Where content comes from.
	pub content: Arc<ContentSource>,
	/// Woken when awards wait.
	pub wake: Arc<Notify>,
	/// Woken when tasks were written.
	pub tasks_written: Arc<Notify>,
	/// Woken when a failed report was queued.
	pub reports_changed: Arc<Notify>,
	/// The outbox's next position.
	pub feed: watch::Sender<u64>,
	/// Counters.
	pub metrics: Arc<Metrics>,
	/// Schema CIDs by deployment type. A type's schema never changes and a type id is never
	/// reused, so one chain read per type serves every later award.
	pub schemas: std::sync::Mutex<std::collections::HashMap<u32, String>>,
	/// Awards whose descriptor was not found: how often, when to try again, and since when it
	/// has been missing.
	pub retries: std::sync::Mutex<
		std::collections::HashMap<u64, (u32, std::time::Instant, std::time::Instant)>,
	>,
	/// How long a descriptor may be missing before it is declined.
	pub descriptor_wait: Duration,
}

impl Verifier {
	/// The schema CID of a deployment type: cached, or read from the chain (`None`: the type is
	/// gone).
	async fn schema_cid(
		&self,
		chain: &Chain,
		deployment_type: u32,
	) -> Result<Option<String>, crate::chain::ChainError> {
		if let Some(cid) = self.schemas.lock().ok().and_then(|s| s.get(&deployment_type).cloned()) {
			return Ok(Some(cid));
		}
		let cid = chain.schema_cid(deployment_type).await?;
		if let (Some(cid), Ok(mut schemas)) = (&cid, self.schemas.lock()) {
			schemas.insert(deployment_type, cid.clone());
		}
		Ok(cid)
	}

	/// Runs until shutdown.
	pub async fn run(self, shutdown: CancellationToken) {
		loop {
			if let Err(e) = self.step().await {
				tracing::warn!(error = %e, "descriptor verification will be retried");
			}
			tokio::select! {
				_ = self.wake.notified() => {},
				_ = tokio::time::sleep(Duration::from_secs(5)) => {},
				_ = shutdown.cancelled() => return,
			}
		}
	}

	/// Whether an award is due for a fetch, and forgets awards no longer waiting.
	fn due(&self, waiting: &[crate::store::Deployment]) -> Vec<crate::store::Deployment> {
		let now = std::time::Instant::now();
		let Ok(mut retries) = self.retries.lock() else { return waiting.to_vec() };
		retries.retain(|id, _| waiting.iter().any(|d| d.subscription == *id));
		waiting
			.iter()
			.filter(|d| retries.get(&d.subscription).is_none_or(|(_, at, _)| now >= *at))
			.cloned()
			.collect()
	}

	/// Schedules the next fetch of an award whose descriptor was not found, or says why it is
	/// declined when it has been missing for `descriptor_wait`.
	fn retry_later(&self, subscription: u64, what: &str) -> Option<String> {
		let Ok(mut retries) = self.retries.lock() else { return None };
		let now = std::time::Instant::now();
		let (attempts, since) = retries.get(&subscription).map_or((0, now), |(n, _, s)| (*n, *s));
		if now.duration_since(since) >= self.descriptor_wait {
			retries.remove(&subscription);
			return Some(format!(
				"descriptor not retrievable for {} s: {what}",
				self.descriptor_wait.as_secs()
			));
		}
		let wait = FIRST_RETRY.saturating_mul(1 << attempts.min(10)).min(MAX_RETRY);
		// Never wait past the moment it would be declined.
		let wait = wait.min(self.descriptor_wait.saturating_sub(now.duration_since(since)));
		retries.insert(subscription, (attempts + 1, now + wait, since));
		None
	}

	async fn step(&self) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
		let waiting = self.store.verifying()?;
		let due = self.due(&waiting);
		if due.is_empty() {
			return Ok(());
		}
		let Some(chain) = self.chain.read().await.clone() else { return Ok(()) };
		let started = std::time::Instant::now();
		let mut schemas = std::collections::HashMap::new();
		for dep in &due {
			if let std::collections::hash_map::Entry::Vacant(entry) =
				schemas.entry(dep.deployment_type)
			{
				entry.insert(self.schema_cid(&chain, dep.deployment_type).await?);
			}
		}
		let permits = Arc::new(tokio::sync::Semaphore::new(VERIFY_CONCURRENCY));
		let mut checks = tokio::task::JoinSet::new();
		for dep in due {
			let schema = schemas.get(&dep.deployment_type).cloned().flatten();
			let (content, permits) = (self.content.clone(), permits.clone());
			checks.spawn(async move {
				let _permit = permits.acquire_owned().await;
				use crate::descriptor::DescriptorError;
				let outcome = match schema {
					None => Err(Ok("the deployment type no longer exists".to_string())),
					Some(schema) => {
						match content.verified_descriptor(&dep.descriptor_cid, &schema).await {
							Ok(descriptor) => Ok(descriptor),
							// Content that is not there yet may appear: fetched again later.
							Err(DescriptorError::NotFound(what)) => {
								tracing::info!(
									subscription = dep.subscription,
									what,
									"descriptor not found yet"
								);
								Err(Err(what))
							}
							Err(e) => Err(Ok(e.to_string())),
						}
					}
				};
				(dep.subscription, outcome)
			});
		}
		let mut outcomes = Vec::new();
		while let Some(done) = checks.join_next().await {
			match done? {
				// Not found: fetched again later, or declined once it has been missing too long.
				(subscription, Err(Err(what))) => {
					if let Some(reason) = self.retry_later(subscription, &what) {
						tracing::warn!(subscription, reason, "descriptor declined");
						outcomes.push((subscription, Err(reason)));
					}
				}
				(subscription, Ok(descriptor)) => outcomes.push((subscription, Ok(descriptor))),
				(subscription, Err(Ok(reason))) => outcomes.push((subscription, Err(reason))),
			}
		}
		let verified = outcomes.len();
		let applied = self.store.settle_verification(outcomes)?;
		tracing::debug!(verified, elapsed_ms = started.elapsed().as_secs_f64() * 1e3, "verified");
		if applied.tasks > 0 {
			self.metrics.tasks.inc_by(applied.tasks as u64);
			self.feed.send_replace(self.store.task_count()?);
			self.tasks_written.notify_one();
		}
		if applied.reports > 0 {
			self.reports_changed.notify_one();
		}
		Ok(())
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn reconnection_waits_double_with_jitter_up_to_their_cap_and_never_give_up() {
		let waits: Vec<Duration> = reconnect_backoff().take(200).collect();
		assert_eq!(waits.len(), 200, "the follower never stops trying");
		// The first wait is the first step plus up to as much again of jitter.
		assert!(waits[0] >= FIRST_BACKOFF && waits[0] < FIRST_BACKOFF * 2, "{:?}", waits[0]);
		assert!(waits.iter().all(|w| *w <= MAX_BACKOFF * 2), "capped");
		assert!(waits[20..].iter().all(|w| *w >= MAX_BACKOFF), "it grows to the cap");
		// Two gateways that lost the same node do not retry in step.
		let other: Vec<Duration> = reconnect_backoff().take(200).collect();
		assert_ne!(waits, other, "jittered");
	}
}
