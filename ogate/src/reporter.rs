//! Status reports to the chain, each sent exactly once.
//!
//! A report is signed with the operator's next nonce, and the signed bytes are stored *before*
//! they are broadcast. After a crash the same bytes are broadcast again: the chain can include
//! them at most once, because the nonce is spent by the first inclusion, so no report is ever
//! executed twice. A report whose mortality ran out without inclusion (the follower has seen
//! every block up to then) is signed afresh.

use crate::{
	chain::Chain,
	metrics::Metrics,
	store::{ReportState, Store},
};
use std::{
	collections::HashMap,
	sync::Arc,
	time::{Duration, Instant},
};
use tokio::sync::{Notify, RwLock};
use tokio_util::sync::CancellationToken;

/// How often an unconfirmed report is broadcast again.
const REBROADCAST: Duration = Duration::from_secs(6);

/// Whether a report valid until block `valid_until` can no longer be included, given that
/// every block up to `applied` was applied and none of them included it.
fn expired(valid_until: u32, applied: u32) -> bool {
	applied > valid_until
}

/// Sends queued reports until shutdown.
pub struct Reporter {
	/// Where reports are queued and recorded.
	pub store: Arc<Store>,
	/// The current chain connection, if any.
	pub chain: Arc<RwLock<Option<Arc<Chain>>>>,
	/// Woken when a report is queued or a block is applied.
	pub wake: Arc<Notify>,
	/// Counters.
	pub metrics: Arc<Metrics>,
}

impl Reporter {
	/// Runs the loop.
	pub async fn run(self, shutdown: CancellationToken) {
		let mut last_broadcast: HashMap<[u8; 32], Instant> = HashMap::new();
		loop {
			let chain = self.chain.read().await.clone();
			if let Some(chain) = chain {
				if let Err(e) = self.step(&chain, &mut last_broadcast).await {
					tracing::warn!(error = %e, "status reports will be retried");
				}
			}
			tokio::select! {
				_ = self.wake.notified() => {},
				_ = tokio::time::sleep(Duration::from_secs(2)) => {},
				_ = shutdown.cancelled() => return,
			}
		}
	}

	async fn step(
		&self,
		chain: &Chain,
		last_broadcast: &mut HashMap<[u8; 32], Instant>,
	) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
		// One snapshot: a report is open here only if no block up to `applied` included it.
		let (open, applied) = self.store.open_reports_at_cursor()?;
		if open.is_empty() {
			last_broadcast.clear();
			return Ok(());
		}
		let applied = applied.unwrap_or(0);
		let chain_nonce = chain.operator_nonce().await?;
		let mut next_nonce = chain_nonce;
		for report in &open {
			if let ReportState::Submitted { nonce, .. } = report.state {
				next_nonce = next_nonce.max(nonce + 1);
			}
		}
		for mut report in open {
			match &report.state {
				ReportState::Submitted { hash, bytes, valid_until, nonce } => {
					if expired(*valid_until, applied) {
						// Every block it could have been in was applied and it was in none: it
						// can never be included now. Sign it again, with the same nonce if that
						// is still unspent, so that no later report waits on a gap.
						let nonce = if *nonce >= chain_nonce { *nonce } else { next_nonce };
						tracing::info!(
							subscription = report.subscription,
							nonce,
							"report expired; signing it again"
						);
						self.metrics.report("expired");
						self.submit(chain, &mut report, nonce, last_broadcast).await?;
						next_nonce = next_nonce.max(nonce + 1);
						continue;
					}
					let due = last_broadcast.get(hash).is_none_or(|t| t.elapsed() >= REBROADCAST);
					if due {
						let bytes = hex::decode(bytes)?;
						if let Err(e) = chain.broadcast(bytes).await {
							// Already in the pool or already included: both are fine.
							tracing::debug!(error = %e, "rebroadcast refused");
						}
						last_broadcast.insert(*hash, Instant::now());
					}
				}
				ReportState::Queued => {
					self.submit(chain, &mut report, next_nonce, last_broadcast).await?;
					next_nonce += 1;
				}
				ReportState::Finalized { .. } => {}
			}
		}
		Ok(())
	}

	/// Signs `report` with `nonce`, stores the signed bytes if the report is still in the state
	/// it was read in, then broadcasts them.
	async fn submit(
		&self,
		chain: &Chain,
		report: &mut crate::store::Report,
		nonce: u64,
		last_broadcast: &mut HashMap<[u8; 32], Instant>,
	) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
		let (hash, bytes, valid_until) = chain.sign(report, nonce).await?;
		let read = std::mem::replace(
			&mut report.state,
			ReportState::Submitted { nonce, hash, bytes: hex::encode(&bytes), valid_until },
		);
		// Stored first: a crash after this line re-sends these bytes, never others. Stored only
		// over the state it was read in: if a block finalized the report meanwhile, these bytes
		// are dropped unsent.
		let (stored, written) = (read, report.clone());
		if !self.store.blocking(move |store| store.replace_report(&stored, &written)).await? {
			tracing::info!(
				subscription = report.subscription,
				kind = report.status.kind(),
				"the report changed while it was signed (a block included it); not sent again"
			);
			return Ok(());
		}
		if let Err(e) = chain.broadcast(bytes).await {
			tracing::warn!(subscription = report.subscription, error = %e, "broadcast failed; will retry");
		}
		last_broadcast.insert(hash, Instant::now());
		self.metrics.report("submitted");
		tracing::info!(
			subscription = report.subscription,
			kind = report.status.kind(),
			nonce,
			"report submitted"
		);
		Ok(())
	}
}
