//! `DinfraApi`: what subscribers, consoles and gateways ask the chain without a transaction.
//!
//! polkadot.js reaches it as `api.call.dinfraApi.*`, subxt as a runtime API call, and both through
//! the `state_call` RPC.

use crate::{DeploymentTypeId, TrackRecord};
use alloc::vec::Vec;
use codec::{Codec, Decode, Encode};
use polkadot_sdk::sp_api;
use scale_info::TypeInfo;

/// Which providers a quote covers.
#[derive(Encode, Decode, TypeInfo, Clone, PartialEq, Eq, Debug)]
pub enum QuoteTarget<AccountId> {
	/// Every provider with an offering of the type.
	Any,
	/// One named provider.
	Provider(AccountId),
	/// The providers in this list.
	Preferred(Vec<AccountId>),
}

/// An offering that could take a new subscription now, with what stands behind it.
#[derive(Encode, Decode, TypeInfo, Clone, PartialEq, Eq, Debug)]
pub struct Quote<AccountId, Balance, BlockNumber> {
	/// The provider.
	pub provider: AccountId,
	/// Its price per block for new awards.
	pub price_per_block: Balance,
	/// Its total capacity for the type.
	pub capacity: u32,
	/// How many more deployments it can take.
	pub free_capacity: u32,
	/// The collateral held for the offering, in the currency's smallest unit: what the provider
	/// answers for its capacity with. A fault is slashed from it and paid to the subscriber.
	pub collateral: Balance,
	/// The provider's track record.
	pub record: TrackRecord<Balance, BlockNumber>,
}

/// Where a subscription is in its life.
#[derive(Encode, Decode, TypeInfo, Clone, Copy, PartialEq, Eq, Debug)]
pub enum SubscriptionPhase {
	/// Waiting in the award queue.
	AwaitingAward,
	/// Awarded; the provider is provisioning it.
	Provisioning,
	/// Running and billed.
	Running,
}

/// A live subscription as a subscriber or gateway sees it, settled to the current block
/// without a transaction.
#[derive(Encode, Decode, TypeInfo, Clone, PartialEq, Eq, Debug)]
pub struct SubscriptionView<AccountId, Balance, BlockNumber> {
	/// Who subscribed.
	pub subscriber: AccountId,
	/// The deployment type.
	pub deployment_type: DeploymentTypeId,
	/// The descriptor's CID.
	pub descriptor_cid: Vec<u8>,
	/// Where it is in its life.
	pub phase: SubscriptionPhase,
	/// The relay-chain block at which it entered `phase`: queued (or re-queued after a failed
	/// provider), awarded, or first reported running.
	pub phase_since: BlockNumber,
	/// The providers that failed or declined it so far, in order; none of them is asked again.
	pub failed_providers: Vec<AccountId>,
	/// The provider, once awarded.
	pub provider: Option<AccountId>,
	/// The price per block agreed at the award.
	pub price_per_block: Option<Balance>,
	/// Where it is reached, once running.
	pub endpoint: Option<Vec<u8>>,
	/// The funds held for it, before what is owed now.
	pub balance: Balance,
	/// What it owes its provider up to the current block, not yet settled.
	pub owed_now: Balance,
	/// How many whole blocks the funds left after `owed_now` pay for; `None` when not billed
	/// (free, or not running).
	pub runway: Option<BlockNumber>,
	/// The block at which the funds run out; `None` when not billed.
	pub expires_at: Option<BlockNumber>,
}

sp_api::decl_runtime_apis! {
	/// Queries of the DINFRA market and its subscriptions.
	pub trait DinfraApi<AccountId, Balance, BlockNumber>
	where
		AccountId: Codec,
		Balance: Codec,
		BlockNumber: Codec,
	{
		/// The open offerings of `deployment_type` in `target` that have free capacity, with
		/// their prices, cheapest first.
		fn quote(
			deployment_type: DeploymentTypeId,
			target: QuoteTarget<AccountId>,
		) -> Vec<Quote<AccountId, Balance, BlockNumber>>;

		/// A registered provider's track record; `None` for an account that is not a provider.
		fn provider_record(provider: AccountId) -> Option<TrackRecord<Balance, BlockNumber>>;

		/// A live subscription, settled to now.
		fn subscription(id: u64) -> Option<SubscriptionView<AccountId, Balance, BlockNumber>>;

		/// The ids of the subscriptions awarded to `provider` (provisioning or running), so that
		/// a gateway can reconcile after downtime.
		fn provider_deployments(provider: AccountId) -> Vec<u64>;
	}
}
