//! The chain side: reading finalized blocks and the runtime API, and signing status reports,
//! with code generated from the committed metadata (`metadata/dinfra.scale`).

use crate::{
	runtime_version::DinfraConfig,
	store::{BlockChanges, ChainChange, Cursor, Deployment, Phase, Report, ReportStatus},
	task::Notice,
};
use std::collections::{HashMap, HashSet};
use subxt::{
	client::{ClientAtBlock, OnlineClientAtBlockImpl},
	config::DefaultExtrinsicParamsBuilder,
	events::Phase as EventPhase,
	utils::{AccountId32, MultiAddress},
	OnlineClient,
};
use subxt_signer::sr25519::Keypair;

/// The DINFRA runtime's types and calls.
#[subxt::subxt(runtime_metadata_path = "../metadata/dinfra.scale")]
pub mod dinfra {}

use dinfra::{
	dinfra_subscription::events as ev,
	runtime_types::{
		bounded_collections::bounded_vec::BoundedVec,
		dinfra_primitives::{
			runtime_api::{SubscriptionPhase, SubscriptionView},
			subscription::TerminationReason,
		},
		dinfra_runtime::{configs::proxy::ProxyType, RuntimeCall},
		pallet_dinfra_subscription::{
			pallet::Call as SubscriptionCall,
			types::{DeploymentReport, ProvisioningFailure},
		},
	},
};

/// A client of the DINFRA node.
pub type Api = OnlineClient<DinfraConfig>;
type At = ClientAtBlock<DinfraConfig, OnlineClientAtBlockImpl<DinfraConfig>>;

/// A subscription as the runtime API shows it now: live, or recently ended (phase `Ended`).
pub type View = SubscriptionView<AccountId32, u128, u32>;

/// Whether the chain still holds the subscription: it has not ended. A view in phase `Ended` is
/// the chain's memory of a recent end, not a deployment to keep.
pub fn is_live(view: &View) -> bool {
	!matches!(view.phase, SubscriptionPhase::Ended)
}

/// Why a subscription ended, if the view is of an ended one: `by_subscriber`, `by_provider`,
/// `out_of_funds`, `no_offering` or `provisioning_failed`.
pub fn ended_reason(view: &View) -> Option<String> {
	view.ended.as_ref().map(|end| termination(&end.reason))
}

/// Blocks for which a signed report stays valid.
pub const REPORT_MORTALITY: u32 = 64;

/// Why a chain operation failed. All of them are retried: the node may be restarting.
#[derive(Debug, thiserror::Error)]
#[error("chain: {0}")]
pub struct ChainError(pub String);

impl ChainError {
	/// Whether the node no longer has the state this read needed: a node that is not an archive
	/// keeps the state of its last blocks only (256 by default).
	pub fn is_pruned_state(&self) -> bool {
		let text = self.0.to_lowercase();
		text.contains("state already discarded") || text.contains("pruned")
	}
}

fn err(e: impl std::fmt::Display) -> ChainError {
	ChainError(e.to_string())
}

/// The provider this gateway works for, and the operator key it signs with.
pub struct Chain {
	/// The connection.
	pub api: Api,
	/// The provider's account.
	pub provider: AccountId32,
	operator: Keypair,
	/// The runtime versions learnt from followed blocks.
	config: DinfraConfig,
	/// The node's legacy RPC methods, for handing a signed report to its transaction pool.
	rpc: subxt::rpcs::methods::legacy::LegacyRpcMethods<subxt::config::RpcConfigFor<DinfraConfig>>,
}

fn text(bytes: &[u8]) -> String {
	String::from_utf8_lossy(bytes).into_owned()
}

fn termination<Reason>(reason: &TerminationReason<Reason>) -> String {
	match reason {
		TerminationReason::BySubscriber => "by_subscriber".into(),
		TerminationReason::ByProvider { .. } => "by_provider".into(),
		TerminationReason::OutOfFunds => "out_of_funds".into(),
		TerminationReason::NoOffering => "no_offering".into(),
		TerminationReason::ProvisioningFailed => "provisioning_failed".into(),
	}
}

/// Bounds a text to `max` bytes at a character boundary, so that the chain accepts it.
fn bounded(text: &str, max: usize) -> BoundedVec<u8> {
	let mut end = text.len().min(max);
	while !text.is_char_boundary(end) {
		end -= 1;
	}
	BoundedVec(text.as_bytes()[..end].to_vec())
}

impl Chain {
	/// Connects to `url`.
	pub async fn connect(
		url: &str,
		provider: AccountId32,
		operator: Keypair,
	) -> Result<Chain, ChainError> {
		let config = DinfraConfig::default();
		// The legacy RPC methods (`state_getStorage`, finalized-head subscriptions): each read is
		// one request and one answer. subxt's default backend prefers `archive_v1`/`chainHead_v1`,
		// whose storage reads measured ~43 ms each against `dinfra-node --dev` (0.3 ms for the
		// block lookup beside it), on the path from finalization to a reactor's webhook.
		let rpc = subxt::rpcs::RpcClient::from_insecure_url(url).await.map_err(err)?;
		let methods = subxt::rpcs::methods::legacy::LegacyRpcMethods::new(rpc.clone());
		let backend = subxt::backend::LegacyBackend::builder().build(rpc);
		let api = Api::from_backend_with_config(config.clone(), std::sync::Arc::new(backend))
			.await
			.map_err(err)?;
		Ok(Chain { api, provider, operator, config, rpc: methods })
	}

	/// The operator's account.
	pub fn operator(&self) -> AccountId32 {
		self.operator.public_key().to_account_id()
	}

	/// The finalized head's number.
	pub async fn finalized_number(&self) -> Result<u32, ChainError> {
		let at = self.api.at_current_block().await.map_err(err)?;
		u32::try_from(at.block_number()).map_err(err)
	}

	/// The hash of finalized block `number`.
	pub async fn block_hash(&self, number: u32) -> Result<[u8; 32], ChainError> {
		Ok(self.at(number).await?.block_hash().0)
	}

	async fn at(&self, number: u32) -> Result<At, ChainError> {
		self.api.at_block(u64::from(number)).await.map_err(err)
	}

	/// What finalized block `number` changed for this provider, and the outcome of the reports
	/// among `watched` (extrinsic hashes) it included.
	pub async fn block_changes(
		&self,
		number: u32,
		watched: &HashSet<[u8; 32]>,
	) -> Result<(Cursor, BlockChanges), ChainError> {
		let started = std::time::Instant::now();
		let at = self.at(number).await?;
		let at_ms = started.elapsed().as_secs_f64() * 1e3;
		let cursor = Cursor { number, hash: at.block_hash().0 };
		let events = at.events().fetch().await.map_err(err)?;
		tracing::trace!(
			at_ms,
			events_ms = started.elapsed().as_secs_f64() * 1e3 - at_ms,
			"block read"
		);
		let mut out = BlockChanges::default();
		let me = &self.provider;
		let mut upgraded = false;
		for event in events.iter() {
			let event = event.map_err(err)?;
			let index = event.index();
			if event.pallet_name() == "System" && event.event_name() == "CodeUpdated" {
				upgraded = true;
			}
			if event.pallet_name() != "DinfraSubscription" {
				continue;
			}
			let change = match event.event_name() {
				"Awarded" => {
					let e: ev::Awarded = event.decode_fields_unchecked_as().map_err(err)?;
					(&e.provider == me).then(|| ChainChange::Awarded {
						deployment: Deployment {
							subscription: e.id,
							deployment_type: e.deployment_type,
							descriptor_cid: text(&e.descriptor_cid.0),
							subscriber: e.subscriber.to_string(),
							price_per_block: e.price_per_block.to_string(),
							provision_deadline: e.provision_deadline,
							awarded_block: number,
							phase: Phase::Verifying,
							endpoint: None,
							reason: None,
							updated_block: number,
							descriptor: None,
						},
					})
				}
				"DeploymentRunning" => {
					let e: ev::DeploymentRunning =
						event.decode_fields_unchecked_as().map_err(err)?;
					(&e.provider == me).then(|| ChainChange::Running {
						subscription: e.id,
						endpoint: text(&e.endpoint.0),
					})
				}
				"DeploymentFailed" => {
					let e: ev::DeploymentFailed =
						event.decode_fields_unchecked_as().map_err(err)?;
					(&e.provider == me).then(|| ChainChange::Failed {
						subscription: e.id,
						reason: match e.failure {
							ProvisioningFailure::Reported { reason } => text(&reason.0),
							ProvisioningFailure::TimedOut => "timed out".into(),
							ProvisioningFailure::Declined { reason } => {
								format!("declined: {}", text(&reason.0))
							}
						},
					})
				}
				"Reawarded" => {
					let e: ev::Reawarded = event.decode_fields_unchecked_as().map_err(err)?;
					(&e.from == me).then(|| ChainChange::Ended {
						subscription: e.id,
						reason: "reawarded".into(),
					})
				}
				"Terminated" => {
					let e: ev::Terminated = event.decode_fields_unchecked_as().map_err(err)?;
					(e.provider.as_ref() == Some(me)).then(|| ChainChange::Ended {
						subscription: e.id,
						reason: termination(&e.reason),
					})
				}
				"Suspended" => {
					let e: ev::Suspended = event.decode_fields_unchecked_as().map_err(err)?;
					(&e.provider == me).then_some(ChainChange::Suspended {
						subscription: e.id,
						grace_ends_at: e.grace_ends_at,
					})
				}
				"Resumed" => {
					let e: ev::Resumed = event.decode_fields_unchecked_as().map_err(err)?;
					(&e.provider == me).then_some(ChainChange::Resumed {
						subscription: e.id,
						expires_at: e.expires_at,
					})
				}
				// The store keeps notices only for deployments this provider holds.
				"LowFunds" => {
					let e: ev::LowFunds = event.decode_fields_unchecked_as().map_err(err)?;
					Some(ChainChange::Notice {
						subscription: e.id,
						notice: Notice::LowFunds {
							balance: e.balance.to_string(),
							expires_at: e.expires_at,
						},
					})
				}
				"ToppedUp" => {
					let e: ev::ToppedUp = event.decode_fields_unchecked_as().map_err(err)?;
					Some(ChainChange::Notice {
						subscription: e.id,
						notice: Notice::ToppedUp {
							balance: e.balance.to_string(),
							expires_at: e.expires_at,
						},
					})
				}
				_ => None,
			};
			if let Some(change) = change {
				out.changes.push((index, change));
			}
		}
		if !watched.is_empty() {
			let extrinsics = at.extrinsics().fetch().await.map_err(err)?;
			let mut ours = Vec::new();
			for extrinsic in extrinsics.iter() {
				let extrinsic = extrinsic.map_err(err)?;
				let hash = extrinsic.hash().0;
				if watched.contains(&hash) {
					ours.push((hash, u32::try_from(extrinsic.index()).map_err(err)?));
				}
			}
			if !ours.is_empty() {
				let mut outcomes = proxied_outcomes(&events)?;
				for (hash, position) in ours {
					let outcome = outcomes
						.remove(&position)
						.unwrap_or_else(|| Err("no outcome recorded".into()));
					out.included.push((hash, outcome));
				}
			}
		}
		// The next block runs this block's runtime unless this block enacted new code.
		if upgraded {
			self.config.upgraded_at(u64::from(number));
		} else {
			self.config.learn(u64::from(number), at.spec_version(), at.transaction_version());
		}
		Ok((cursor, out))
	}

	/// The schema CID of a deployment type.
	pub async fn schema_cid(&self, deployment_type: u32) -> Result<Option<String>, ChainError> {
		let at = self.api.at_current_block().await.map_err(err)?;
		let entry = at
			.storage()
			.try_fetch(dinfra::storage().dinfra_provider().deployment_types(), (deployment_type,))
			.await
			.map_err(err)?;
		match entry {
			Some(value) => Ok(Some(text(&value.decode().map_err(err)?.schema_cid.0))),
			None => Ok(None),
		}
	}

	/// A live subscription as the runtime API shows it now (settled to the current block).
	pub async fn view(&self, subscription: u64) -> Result<Option<View>, ChainError> {
		let at = self.api.at_current_block().await.map_err(err)?;
		let call = dinfra::runtime_apis().dinfra_api().subscription(subscription);
		at.runtime_apis().call(call).await.map_err(err)
	}

	/// Whether the operator key can act for the provider: it must be a `DinfraOperator` proxy of
	/// the provider without delay, as of the finalized head. `Err` says why not, in words an
	/// operator can act on (a wrong provider in the configuration shows up here).
	pub async fn operator_authorization(&self) -> Result<Result<(), String>, ChainError> {
		use dinfra::runtime_types::dinfra_runtime::configs::proxy::ProxyType;
		let at = self.api.at_current_block().await.map_err(err)?;
		let entry = at
			.storage()
			.try_fetch(dinfra::storage().proxy().proxies(), (self.provider,))
			.await
			.map_err(err)?;
		let operator = self.operator();
		let proxies = match entry {
			Some(value) => value.decode().map_err(err)?.0 .0,
			None => Vec::new(),
		};
		let ours = proxies.iter().find(|p| p.delegate == operator);
		Ok(match ours {
			Some(p) if matches!(p.proxy_type, ProxyType::DinfraOperator) && p.delay == 0 => Ok(()),
			Some(_) => Err(format!(
				"the operator {operator} is a proxy of provider {} but not a DinfraOperator proxy \
				 without delay",
				self.provider
			)),
			None => Err(format!(
				"the operator {operator} is not a proxy of provider {}: is the provider right, and \
				 was the proxy added?",
				self.provider
			)),
		})
	}

	/// The subscriptions awarded to this provider at finalized block `number`.
	pub async fn provider_deployments(&self, number: u32) -> Result<Vec<u64>, ChainError> {
		let at = self.at(number).await?;
		let call = dinfra::runtime_apis().dinfra_api().provider_deployments(self.provider);
		at.runtime_apis().call(call).await.map_err(err)
	}

	/// The operator's next nonce as of the finalized head.
	pub async fn operator_nonce(&self) -> Result<u64, ChainError> {
		let at = self.api.at_current_block().await.map_err(err)?;
		at.tx().account_nonce(&self.operator()).await.map_err(err)
	}

	/// Signs a report as the operator, through its `DinfraOperator` proxy of the provider, with
	/// `nonce`, mortal for [`REPORT_MORTALITY`] blocks from the finalized head. Returns the
	/// extrinsic's hash, its bytes and its last valid block.
	pub async fn sign(
		&self,
		report: &Report,
		nonce: u64,
	) -> Result<([u8; 32], Vec<u8>, u32), ChainError> {
		let id = report.subscription;
		let call = match &report.status {
			ReportStatus::Running { endpoint } => SubscriptionCall::report_deployment {
				id,
				report: DeploymentReport::Running { endpoint: bounded(endpoint, 256) },
			},
			ReportStatus::Failed { reason } => SubscriptionCall::report_deployment {
				id,
				report: DeploymentReport::Failed { reason: bounded(reason, 256) },
			},
			ReportStatus::Declined { reason } => SubscriptionCall::report_deployment {
				id,
				report: DeploymentReport::Declined { reason: bounded(reason, 256) },
			},
			ReportStatus::Cancel { reason } => {
				SubscriptionCall::cancel_by_provider { id, reason: bounded(reason, 256) }
			}
			ReportStatus::Claim => SubscriptionCall::claim { id },
		};
		let proxied = dinfra::transactions().proxy().proxy(
			MultiAddress::Id(self.provider),
			Some(ProxyType::DinfraOperator),
			RuntimeCall::DinfraSubscription(call),
		);
		let at = self.api.at_current_block().await.map_err(err)?;
		let head = u32::try_from(at.block_number()).map_err(err)?;
		let params = DefaultExtrinsicParamsBuilder::<DinfraConfig>::new()
			.nonce(nonce)
			.mortal(u64::from(REPORT_MORTALITY))
			.build();
		let signed = at.tx().create_signed(&proxied, &self.operator, params).await.map_err(err)?;
		Ok((signed.hash().0, signed.encoded().to_vec(), head.saturating_add(REPORT_MORTALITY)))
	}

	/// Hands a signed extrinsic to the node's transaction pool (`author_submitExtrinsic`) and
	/// returns its verdict at once: accepted, ready or waiting on an earlier nonce, or refused
	/// (invalid, already there). Sending the same bytes again is harmless: its nonce can be spent
	/// once.
	///
	/// It does not watch the extrinsic: a watch reports nothing for one waiting on an earlier
	/// nonce until the pool drops it, up to [`REPORT_MORTALITY`] blocks later, and the reporter
	/// sends reports one after another. Measured before: one refused report held each of the 14
	/// behind it for its whole mortality in turn (88 s on 100 ms blocks; about 90 minutes on 6 s
	/// blocks). Inclusion is learnt from the followed blocks.
	pub async fn broadcast(&self, bytes: Vec<u8>) -> Result<(), ChainError> {
		self.rpc.author_submit_extrinsic(&bytes).await.map(|_| ()).map_err(err)
	}
}

/// What happened to the call proxied by each extrinsic of a block, by the extrinsic's position:
/// `Ok`, or the error's name (the proxy's own failure included). One pass over the block's
/// events, whatever the number of reports looked for: a block of 161 reports has over a
/// thousand events, and a pass per report took over a second.
fn proxied_outcomes(
	events: &subxt::events::Events<DinfraConfig>,
) -> Result<HashMap<u32, Result<(), String>>, ChainError> {
	let mut outcomes = HashMap::new();
	for event in events.iter() {
		let event = event.map_err(err)?;
		let EventPhase::ApplyExtrinsic(position) = event.phase() else { continue };
		if outcomes.contains_key(&position) {
			continue;
		}
		match (event.pallet_name(), event.event_name()) {
			("Proxy", "ProxyExecuted") => {
				let e: dinfra::proxy::events::ProxyExecuted =
					event.decode_fields_unchecked_as().map_err(err)?;
				outcomes.insert(position, e.result.map_err(|e| format!("{e:?}")));
			}
			("System", "ExtrinsicFailed") => {
				let e: dinfra::system::events::ExtrinsicFailed =
					event.decode_fields_unchecked_as().map_err(err)?;
				outcomes.insert(position, Err(format!("{:?}", e.dispatch_error)));
			}
			_ => {}
		}
	}
	Ok(outcomes)
}

/// The changes that bring a deployment the store holds in `local` phase to the phase the chain's
/// `view` shows, when events between them were missed (the node had pruned the blocks a gateway
/// was down for): a suspension missed would leave compute running that the subscriber no longer
/// pays for, and a resume missed would leave a paying subscriber's deployment stopped. Only the
/// moves events make are made: provisioning to running (the report's endpoint), running to
/// suspended, suspended to running. Anything else, ends included, is left to the rest of the
/// reconciliation.
pub fn phase_catch_up(subscription: u64, local: Phase, view: &View) -> Vec<ChainChange> {
	let running = || ChainChange::Running {
		subscription,
		endpoint: view.endpoint.as_deref().map(text).unwrap_or_default(),
	};
	let suspended = || ChainChange::Suspended {
		subscription,
		grace_ends_at: view.grace_ends_at.unwrap_or_default(),
	};
	match (local, &view.phase) {
		(Phase::Provisioning, SubscriptionPhase::Running) => vec![running()],
		(Phase::Provisioning, SubscriptionPhase::Suspended) => vec![running(), suspended()],
		(Phase::Running, SubscriptionPhase::Suspended) => vec![suspended()],
		(Phase::Suspended, SubscriptionPhase::Running) => {
			vec![ChainChange::Resumed { subscription, expires_at: view.expires_at }]
		}
		_ => Vec::new(),
	}
}

/// The local record of a deployment the chain shows this provider holding, for one the store
/// does not know (after a fresh start from a later block, say).
pub fn deployment_from_view(subscription: u64, view: &View, at: u32) -> Deployment {
	// A running or suspended deployment exists on this provider's machines (a suspended one's
	// state is kept through the grace): it is never provisioned a second time.
	Deployment {
		subscription,
		deployment_type: view.deployment_type,
		descriptor_cid: text(&view.descriptor_cid),
		subscriber: view.subscriber.to_string(),
		price_per_block: view.price_per_block.unwrap_or_default().to_string(),
		provision_deadline: 0,
		awarded_block: at,
		phase: match view.phase {
			SubscriptionPhase::Running => Phase::Running,
			SubscriptionPhase::Suspended => Phase::Suspended,
			_ => Phase::Verifying,
		},
		endpoint: view.endpoint.as_deref().map(text),
		reason: None,
		updated_block: at,
		descriptor: None,
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	fn view(phase: SubscriptionPhase) -> View {
		SubscriptionView {
			subscriber: AccountId32([1; 32]),
			deployment_type: 0,
			descriptor_cid: b"bafkrei".to_vec(),
			phase,
			phase_since: 10,
			failed_providers: Vec::new(),
			provider: Some(AccountId32([2; 32])),
			price_per_block: Some(1),
			endpoint: Some(b"http://10.0.0.1:8080".to_vec()),
			balance: 100,
			owed_now: 0,
			paid: 5,
			runway: Some(100),
			expires_at: Some(110),
			ended: None,
			grace_ends_at: Some(40),
		}
	}

	#[test]
	fn missed_suspensions_and_resumes_are_caught_up_and_nothing_else_is_guessed() {
		let resumed = phase_catch_up(7, Phase::Suspended, &view(SubscriptionPhase::Running));
		assert!(matches!(
			resumed.as_slice(),
			[ChainChange::Resumed { subscription: 7, expires_at: Some(110) }]
		));
		let suspended = phase_catch_up(7, Phase::Running, &view(SubscriptionPhase::Suspended));
		assert!(matches!(
			suspended.as_slice(),
			[ChainChange::Suspended { subscription: 7, grace_ends_at: 40 }]
		));
		// Provisioning when the gateway went down: the report it made and the suspension after.
		let both = phase_catch_up(7, Phase::Provisioning, &view(SubscriptionPhase::Suspended));
		assert!(matches!(
			both.as_slice(),
			[ChainChange::Running { subscription: 7, endpoint }, ChainChange::Suspended { .. }]
				if endpoint == "http://10.0.0.1:8080"
		));
		// The same phase, a phase the chain goes back to only by events the store would have
		// seen, an award still being verified, or an end (left to the rest of reconciliation).
		for (local, chain) in [
			(Phase::Running, SubscriptionPhase::Running),
			(Phase::Suspended, SubscriptionPhase::Suspended),
			(Phase::Running, SubscriptionPhase::Provisioning),
			(Phase::Verifying, SubscriptionPhase::Running),
			(Phase::Running, SubscriptionPhase::Ended),
			(Phase::Ended, SubscriptionPhase::Running),
		] {
			assert!(phase_catch_up(7, local, &view(chain)).is_empty(), "{local:?}");
		}
	}
}
