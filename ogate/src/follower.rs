//! Following finalized blocks: connect (and reconnect with backoff), catch up from the store's
//! cursor, reconcile with the chain's view of this provider's deployments, then apply each new
//! finalized block in order. Also the verification stage that turns awards into provision tasks.

use crate::{
	chain::{deployment_from_view, Chain},
	descriptor::ContentSource,
	metrics::Metrics,
	shutdown::Shutdown,
	store::{BlockChanges, ChainChange, Cursor, Phase, ReportState, Store},
};
use std::{collections::HashSet, sync::Arc, time::Duration};
use subxt::utils::AccountId32;
use subxt_signer::sr25519::Keypair;
use tokio::sync::{watch, Notify, RwLock};

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
}

impl Follower {
	/// Follows the chain until shutdown, reconnecting with exponential backoff (up to 30 s).
	pub async fn run(self, mut shutdown: Shutdown) {
		let mut backoff = Duration::from_millis(250);
		loop {
			let attempt = async {
				let chain = Arc::new(
					Chain::connect(&self.url, self.provider, self.operator.clone()).await?,
				);
				tracing::info!(url = %self.url, "connected to the node");
				*self.chain.write().await = Some(chain.clone());
				self.follow(&chain).await
			};
			tokio::select! {
				result = attempt => {
					if let Err(e) = result {
						tracing::warn!(error = %e, retry_in = ?backoff, "lost the node");
					}
				},
				_ = shutdown.recv() => return,
			}
			*self.chain.write().await = None;
			tokio::select! {
				_ = tokio::time::sleep(backoff) => {},
				_ = shutdown.recv() => return,
			}
			backoff = (backoff * 2).min(Duration::from_secs(30));
		}
	}

	async fn follow(&self, chain: &Chain) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
		let head = chain.finalized_number().await?;
		let mut next = match self.store.cursor()? {
			Some(cursor) => cursor.number + 1,
			None => self.start_block.unwrap_or(head),
		};
		self.catch_up(chain, &mut next, head).await?;
		self.reconcile(chain, next.saturating_sub(1)).await?;
		let mut blocks = chain.api.stream_blocks().await?;
		while let Some(block) = blocks.next().await {
			let number = u32::try_from(block?.number())?;
			self.catch_up(chain, &mut next, number).await?;
		}
		Err("the finalized block stream ended".into())
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
			let (cursor, changes) = chain.block_changes(*next, &watched).await?;
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

	fn apply(
		&self,
		cursor: Cursor,
		changes: &BlockChanges,
	) -> Result<(), crate::store::StoreError> {
		let applied = self.store.apply_block(cursor, changes)?;
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
	/// recorded as running), and deployments the store holds that the chain no longer shows
	/// are ended with a deprovision task.
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
			if let Some(view) = chain.view(*id).await? {
				tracing::info!(subscription = id, "imported a deployment the store did not know");
				changes.changes.push((
					u32::MAX,
					ChainChange::Awarded { deployment: deployment_from_view(*id, &view, at) },
				));
			}
		}
		for dep in &local {
			let live = matches!(dep.phase, Phase::Provisioning | Phase::Running | Phase::Verifying);
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

/// Verifies awarded descriptors and hands valid ones out as provision tasks.
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
	pub async fn run(self, mut shutdown: Shutdown) {
		loop {
			if let Err(e) = self.step().await {
				tracing::warn!(error = %e, "descriptor verification will be retried");
			}
			tokio::select! {
				_ = self.wake.notified() => {},
				_ = tokio::time::sleep(Duration::from_secs(5)) => {},
				_ = shutdown.recv() => return,
			}
		}
	}

	async fn step(&self) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
		let waiting = self.store.verifying()?;
		if waiting.is_empty() {
			return Ok(());
		}
		let Some(chain) = self.chain.read().await.clone() else { return Ok(()) };
		let started = std::time::Instant::now();
		let mut outcomes = Vec::with_capacity(waiting.len());
		let mut schemas = std::collections::HashMap::new();
		for dep in waiting {
			if let std::collections::hash_map::Entry::Vacant(entry) =
				schemas.entry(dep.deployment_type)
			{
				entry.insert(self.schema_cid(&chain, dep.deployment_type).await?);
			}
			let schema = schemas.get(&dep.deployment_type).cloned().flatten();
			let outcome = match schema {
				None => Err("the deployment type no longer exists".to_string()),
				Some(schema) => {
					match self.content.verified_descriptor(&dep.descriptor_cid, &schema).await {
						Ok(descriptor) => Ok(descriptor),
						// Content that is not there yet may appear; anything else is final.
						Err(crate::descriptor::DescriptorError::NotFound(_)) => continue,
						Err(e) => Err(e.to_string()),
					}
				}
			};
			outcomes.push((dep.subscription, outcome));
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
