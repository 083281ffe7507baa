//! `DinfraApi`: what subscribers, consoles and gateways ask the chain without a transaction.
//!
//! polkadot.js reaches it as `api.call.dinfraApi.*`, subxt as a runtime API call, and both through
//! the `state_call` RPC.

use crate::{AwardTarget, DeploymentTypeId, TerminationReason, TrackRecord, MAX_PREFERRED};
use alloc::vec::Vec;
use codec::{Codec, Decode, Encode};
use polkadot_sdk::{frame_support::traits::ConstU32, sp_api};
use scale_info::TypeInfo;

/// Which providers a quote covers: the same shape, and the same bound of `MaxPreferred` (8)
/// preferred providers, as a subscription's award target, so that a client can quote exactly
/// what it will subscribe with.
pub type QuoteTarget<AccountId> = AwardTarget<AccountId, ConstU32<MAX_PREFERRED>>;

/// An offering that could take a new subscription now, with what stands behind it.
#[derive(Encode, Decode, TypeInfo, Clone, PartialEq, Eq, Debug)]
#[scale_info(capture_docs = "always")]
pub struct Quote<AccountId, Balance, BlockNumber> {
	/// The provider.
	pub provider: AccountId,
	/// Its price per relay-chain block for new awards, in DINF's smallest unit (10⁻¹² DINF).
	pub price_per_block: Balance,
	/// Its total capacity for the type.
	pub capacity: u32,
	/// How many more deployments it can take.
	pub free_capacity: u32,
	/// The collateral held for the offering, in DINF's smallest unit (10⁻¹² DINF): what the
	/// provider answers for its capacity with. A fault is slashed from it and paid to the subscriber.
	pub collateral: Balance,
	/// The provider's track record.
	pub record: TrackRecord<Balance, BlockNumber>,
}

/// Where a subscription is in its life.
#[derive(Encode, Decode, TypeInfo, Clone, Copy, PartialEq, Eq, Debug)]
#[scale_info(capture_docs = "always")]
pub enum SubscriptionPhase {
	/// Waiting in the award queue.
	AwaitingAward,
	/// Awarded; the provider is provisioning it.
	Provisioning,
	/// Running and billed.
	Running,
	/// Ended; `ended` says why and what came back. An ended subscription is kept for the last
	/// `MaxEndedRecords` ends, then forgotten: `subscription` answers `None` for it as for an id
	/// never given out.
	Ended,
	/// Its funds ran out: nothing is billed, the provider keeps its state (and may stop its
	/// compute) until `grace_ends_at`; a top-up of `MinRunway` blocks resumes it.
	Suspended,
}

/// How a subscription ended, as `DinfraApi::subscription` shows it in phase `Ended`.
#[derive(Encode, Decode, TypeInfo, Clone, PartialEq, Eq, Debug)]
#[scale_info(capture_docs = "always")]
pub struct SubscriptionEnd<Balance> {
	/// Why it ended.
	pub reason: TerminationReason<Vec<u8>>,
	/// The funds returned to the subscriber, in DINF's smallest unit (10⁻¹² DINF).
	pub refunded: Balance,
	/// The storage deposit returned to the subscriber, in DINF's smallest unit (10⁻¹² DINF):
	/// `SubscriptionDeposit` less the award fees burned from it.
	pub deposit_returned: Balance,
}

/// A subscription as a subscriber or gateway sees it, settled to the current block without a
/// transaction; or, in phase `Ended`, as it was when it ended.
#[derive(Encode, Decode, TypeInfo, Clone, PartialEq, Eq, Debug)]
#[scale_info(capture_docs = "always")]
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
	/// provider), awarded, first reported running, or ended.
	pub phase_since: BlockNumber,
	/// The providers that failed or declined it so far, in order; none of them is asked again.
	pub failed_providers: Vec<AccountId>,
	/// The provider, once awarded.
	pub provider: Option<AccountId>,
	/// The price per relay-chain block agreed at the award, in DINF's smallest unit (10⁻¹²
	/// DINF).
	pub price_per_block: Option<Balance>,
	/// Where it is reached, once running (while suspended: where it was reached).
	pub endpoint: Option<Vec<u8>>,
	/// The funds held for it, before what is owed now, in DINF's smallest unit (10⁻¹² DINF);
	/// zero once ended.
	pub balance: Balance,
	/// What it owes its provider up to the current block, not yet settled, in DINF's smallest
	/// unit (10⁻¹² DINF).
	pub owed_now: Balance,
	/// What its providers have been paid so far, settled, in DINF's smallest unit (10⁻¹² DINF).
	pub paid: Balance,
	/// How many whole relay-chain blocks the funds left after `owed_now` pay for; `None` when
	/// not billed (free, not running, or ended).
	pub runway: Option<BlockNumber>,
	/// The relay-chain block at which the funds run out; `None` when not billed.
	pub expires_at: Option<BlockNumber>,
	/// How it ended, in phase `Ended`; `None` before.
	pub ended: Option<SubscriptionEnd<Balance>>,
	/// In phase `Suspended`, the relay-chain block at which it ends `OutOfFunds` unless topped
	/// up; `None` otherwise.
	pub grace_ends_at: Option<BlockNumber>,
}

sp_api::decl_runtime_apis! {
	/// Queries of the DINFRA market and its subscriptions.
	pub trait DinfraApi<AccountId, Balance, BlockNumber>
	where
		AccountId: Codec + Clone + PartialEq + Eq + core::fmt::Debug,
		Balance: Codec,
		BlockNumber: Codec,
	{
		/// The open offerings of `deployment_type` in `target` that have free capacity, with
		/// their prices (per relay-chain block, in DINF's smallest unit), collateral and track
		/// records, cheapest first. `target` takes at most `MaxPreferred` (8) preferred
		/// providers, as `subscribe` does.
		fn quote(
			deployment_type: DeploymentTypeId,
			target: QuoteTarget<AccountId>,
		) -> Vec<Quote<AccountId, Balance, BlockNumber>>;

		/// A registered provider's track record; `None` for an account that is not a provider.
		fn provider_record(provider: AccountId) -> Option<TrackRecord<Balance, BlockNumber>>;

		/// A subscription, settled to now; or one that ended recently (phase `Ended`, kept for the
		/// last `MaxEndedRecords` ends). `None` for an id never given out or ended long ago.
		fn subscription(id: u64) -> Option<SubscriptionView<AccountId, Balance, BlockNumber>>;

		/// The ids of the subscriptions awarded to `provider` (provisioning or running), so that
		/// a gateway can reconcile after downtime.
		fn provider_deployments(provider: AccountId) -> Vec<u64>;
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	/// A quote takes the same bounded list as a subscription: a client that sends more than
	/// `MaxPreferred` providers gets a decoding error, not a quote it could not subscribe with.
	#[test]
	fn a_quote_takes_at_most_max_preferred_providers() {
		let preferred = |n: u64| (2u8, (0..n).collect::<Vec<u64>>()).encode();
		let most = u64::from(MAX_PREFERRED);
		let fits = QuoteTarget::<u64>::decode(&mut &preferred(most)[..]).expect("8 decode");
		assert!(matches!(fits, AwardTarget::Preferred(list) if list.len() == 8));
		assert!(QuoteTarget::<u64>::decode(&mut &preferred(most + 1)[..]).is_err());
	}
}
