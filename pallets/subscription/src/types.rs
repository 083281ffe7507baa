//! The records the subscription pallet keeps, and the words its calls and events use.

use crate::Config;
use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use dinfra_primitives::{AwardTarget, DeploymentTypeId, Market};
use polkadot_sdk::{
	frame_support::{
		pallet_prelude::*, traits::fungible::Inspect, CloneNoBound, DebugNoBound, EqNoBound,
		PartialEqNoBound,
	},
	frame_system,
	sp_runtime::traits::{BlockNumberProvider, Saturating},
};
use scale_info::TypeInfo;

/// A subscription's identifier, given out in order and never reused.
pub type SubscriptionId = u64;

/// The balance type of the pallet's currency.
pub type BalanceOf<T> =
	<<T as Config>::Currency as Inspect<<T as frame_system::Config>::AccountId>>::Balance;

/// A block number of the billing clock. In the runtime this is the relay chain's block number,
/// so that prices per block mean the same whatever the parachain's own block rate.
pub type BillingBlockOf<T> =
	<<T as Config>::BlockNumberProvider as BlockNumberProvider>::BlockNumber;

/// The CID of a deployment descriptor: the JSON document, on IPFS, that tells the provider what
/// to deploy.
pub type DescriptorCid<T> = BoundedVec<u8, <T as Config>::MaxCidLength>;

/// Where a running deployment is reached, as the provider reports it (a URL, a host and port).
pub type Endpoint<T> = BoundedVec<u8, <T as Config>::MaxEndpointLength>;

/// A short text a provider gives when a deployment fails or when it cancels one.
pub type Reason<T> = BoundedVec<u8, <T as Config>::MaxReasonLength>;

/// The providers a subscriber accepts.
pub type AwardTargetOf<T> = AwardTarget<
	<T as frame_system::Config>::AccountId,
	<<T as Config>::Market as Market<
		<T as frame_system::Config>::AccountId,
		BalanceOf<T>,
	>>::MaxPreferred,
>;

/// Providers that failed to provision a subscription; they are not asked again.
pub type FailedProviders<T> =
	BoundedVec<<T as frame_system::Config>::AccountId, <T as Config>::MaxAwardAttempts>;

/// What a provider reports about a deployment it was awarded.
#[derive(
	Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo, Clone, PartialEq, Eq, Debug,
)]
#[scale_info(capture_docs = "always")]
pub enum DeploymentReport<Endpoint, Reason> {
	/// The deployment runs and is reached at `endpoint`. Billing starts now. A running
	/// deployment may report again to announce a new endpoint.
	Running {
		/// Where the subscriber reaches the deployment.
		endpoint: Endpoint,
	},
	/// The provider could not provision a valid descriptor: a fault on its side. Its capacity
	/// is released, `FailureSlash` of a unit's collateral is paid to the subscriber, and the
	/// subscription goes to another provider.
	Failed {
		/// Why, for the subscriber.
		reason: Reason,
	},
	/// The provider declines the descriptor as invalid: it does not follow its schema, cannot be
	/// fetched, or cannot run as written. Not slashed; recorded in the provider's track record.
	/// The subscription goes to another provider, as after a failure.
	Declined {
		/// What is wrong with the descriptor, for the subscriber.
		reason: Reason,
	},
}

/// The report type of a runtime.
pub type DeploymentReportOf<T> = DeploymentReport<Endpoint<T>, Reason<T>>;

/// Why a provisioning attempt failed.
#[derive(
	Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo, Clone, PartialEq, Eq, Debug,
)]
#[scale_info(capture_docs = "always")]
pub enum ProvisioningFailure<Reason> {
	/// The provider reported that it failed.
	Reported {
		/// The provider's reason.
		reason: Reason,
	},
	/// The provider did not report within `ProvisionTimeout` blocks.
	TimedOut,
	/// The provider declined the descriptor as invalid. Not the provider's fault.
	Declined {
		/// What the provider found wrong with the descriptor.
		reason: Reason,
	},
}

pub use dinfra_primitives::TerminationReason;

/// Where a subscription is in its life.
#[derive(
	Encode, Decode, MaxEncodedLen, TypeInfo, CloneNoBound, PartialEqNoBound, EqNoBound, DebugNoBound,
)]
#[scale_info(capture_docs = "always", skip_type_params(T))]
#[codec(mel_bound())]
pub enum SubscriptionStatus<T: Config> {
	/// Queued for an award since `since`.
	AwaitingAward {
		/// The relay-chain block at which it (last) entered the queue; `AwardTimeout` counts
		/// from here.
		since: BillingBlockOf<T>,
	},
	/// Awarded to `provider`, which is provisioning it. Nothing is billed yet.
	Provisioning {
		/// The provider that holds one unit of capacity for it.
		provider: T::AccountId,
		/// The price per relay-chain block agreed at the award, in DINF's smallest unit (10⁻¹² DINF).
		price_per_block: BalanceOf<T>,
		/// When it was awarded (relay-chain block).
		awarded_at: BillingBlockOf<T>,
		/// The market's live clock at the award ([`LiveClockInfo::live`]), in relay-chain
		/// blocks: `ProvisionTimeout`
		/// counts only the time in which the parachain advanced, so that a stall of the chain
		/// is not blamed on the provider.
		awarded_live: BillingBlockOf<T>,
	},
	/// Running at `provider` and billed per block since `settled_at`.
	Running {
		/// The provider that runs it.
		provider: T::AccountId,
		/// The price per relay-chain block agreed at the award, in DINF's smallest unit (10⁻¹² DINF).
		price_per_block: BalanceOf<T>,
		/// Where the subscriber reaches it.
		endpoint: Endpoint<T>,
		/// Billing is settled up to this relay-chain block.
		settled_at: BillingBlockOf<T>,
		/// The relay-chain block at which it was first reported running, or last resumed;
		/// `MinServicePeriod` and the grace it has earned count from here.
		running_since: BillingBlockOf<T>,
		/// Whether `LowFunds` has been announced for the current funds.
		low_funds_warned: bool,
	},
	/// Its funds ran out while running: nothing is billed, and the provider keeps the
	/// deployment's state (its disk) but may stop its compute, until `grace_ends_at`. A top-up
	/// that funds `MinRunway` blocks resumes it; after the grace it ends `OutOfFunds`.
	Suspended {
		/// The provider that keeps its state, and one unit of capacity for it.
		provider: T::AccountId,
		/// The price per relay-chain block agreed at the award, in DINF's smallest unit
		/// (10⁻¹² DINF); billing resumes at it.
		price_per_block: BalanceOf<T>,
		/// Where the subscriber reached it before the suspension.
		endpoint: Endpoint<T>,
		/// The relay-chain block at which its run began (first reported running, or last
		/// resumed).
		running_since: BillingBlockOf<T>,
		/// The relay-chain block at which it was suspended.
		suspended_at: BillingBlockOf<T>,
		/// The relay-chain block at which the grace ends: `suspended_at` plus the grace it
		/// earned, the blocks it ran since `running_since`, at most `GracePeriod`.
		grace_ends_at: BillingBlockOf<T>,
	},
}

impl<T: Config> SubscriptionStatus<T> {
	/// The provider holding capacity for the subscription, if any.
	pub fn provider(&self) -> Option<&T::AccountId> {
		match self {
			Self::AwaitingAward { .. } => None,
			Self::Provisioning { provider, .. }
			| Self::Running { provider, .. }
			| Self::Suspended { provider, .. } => Some(provider),
		}
	}

	/// The price per relay-chain block agreed at the award, once awarded.
	pub fn price_per_block(&self) -> Option<BalanceOf<T>> {
		match self {
			Self::AwaitingAward { .. } => None,
			Self::Provisioning { price_per_block, .. }
			| Self::Running { price_per_block, .. }
			| Self::Suspended { price_per_block, .. } => Some(*price_per_block),
		}
	}
}

/// A standing top-up: funds that a sponsor (the subscriber or anyone else) has agreed to add to
/// a subscription whenever its runway falls below `LowFundsWarning`, and when it is suspended.
/// At most one per subscription. Amounts are in DINF's smallest unit (10⁻¹² DINF); blocks are
/// relay-chain blocks.
#[derive(
	Encode, Decode, MaxEncodedLen, TypeInfo, CloneNoBound, PartialEqNoBound, EqNoBound, DebugNoBound,
)]
#[scale_info(capture_docs = "always", skip_type_params(T))]
#[codec(mel_bound())]
pub struct StandingTopUp<T: Config> {
	/// Who pays, from its free balance, never below the existential deposit.
	pub sponsor: T::AccountId,
	/// How much one draw adds (the last draw adds what is left under `cap`), in DINF's smallest
	/// unit (10⁻¹² DINF).
	pub amount: BalanceOf<T>,
	/// The fewest relay-chain blocks between two draws.
	pub min_interval: BillingBlockOf<T>,
	/// The most that all draws together may add, in DINF's smallest unit (10⁻¹² DINF).
	pub cap: BalanceOf<T>,
	/// What has been drawn so far, in DINF's smallest unit (10⁻¹² DINF).
	pub drawn: BalanceOf<T>,
	/// The relay-chain block of the last draw, if any.
	pub last_drawn_at: Option<BillingBlockOf<T>>,
	/// The storage deposit held from the sponsor, returned when the standing top-up ends, in
	/// DINF's smallest unit (10⁻¹² DINF).
	pub deposit: BalanceOf<T>,
}

impl<T: Config> StandingTopUp<T> {
	/// What the next draw adds: `amount`, or what is left under `cap`.
	pub fn next_draw(&self) -> BalanceOf<T> {
		self.amount.min(self.cap.saturating_sub(self.drawn))
	}

	/// The first relay-chain block at which it may be drawn again.
	pub fn next_draw_at(&self) -> Option<BillingBlockOf<T>> {
		self.last_drawn_at.map(|last| last.saturating_add(self.min_interval))
	}
}

/// Why a standing top-up ended.
#[derive(
	Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo, Clone, PartialEq, Eq, Debug,
)]
#[scale_info(capture_docs = "always")]
pub enum StandingTopUpEnd {
	/// Its sponsor, or the subscriber, cancelled it.
	Cancelled,
	/// The subscriber set its own in its place.
	Replaced,
	/// Its draws reached its cap.
	CapReached,
	/// Its subscription ended.
	SubscriptionEnded,
}

/// Why a standing top-up was not drawn when it was due.
#[derive(
	Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo, Clone, PartialEq, Eq, Debug,
)]
#[scale_info(capture_docs = "always")]
pub enum StandingTopUpFailure {
	/// The sponsor's free balance, less the existential deposit, does not cover the draw.
	SponsorCannotPay,
	/// The subscription is suspended, and the draw would not fund `MinRunway` blocks, which a
	/// resume needs.
	BelowMinRunway,
}

/// A live subscription. An ended one is removed, and a short record of its end is kept in
/// `EndedSubscriptions` for a while; its history is in the events.
#[derive(
	Encode, Decode, MaxEncodedLen, TypeInfo, CloneNoBound, PartialEqNoBound, EqNoBound, DebugNoBound,
)]
#[scale_info(capture_docs = "always", skip_type_params(T))]
#[codec(mel_bound())]
pub struct Subscription<T: Config> {
	/// Who subscribed: refunds and the deposit go back to this account.
	pub subscriber: T::AccountId,
	/// What kind of infrastructure is wanted.
	pub deployment_type: DeploymentTypeId,
	/// The CID of the descriptor that says exactly what to deploy.
	pub descriptor_cid: DescriptorCid<T>,
	/// Which providers are acceptable.
	pub target: AwardTargetOf<T>,
	/// The highest price per relay-chain block the subscriber accepts, in DINF's smallest unit (10⁻¹² DINF).
	pub max_price_per_block: BalanceOf<T>,
	/// The funds not yet paid to the provider, held from the subscriber, in DINF's smallest unit (10⁻¹² DINF).
	pub balance: BalanceOf<T>,
	/// The storage deposit held from the subscriber, in DINF's smallest unit (10⁻¹² DINF).
	pub deposit: BalanceOf<T>,
	/// What has been paid to providers so far, in DINF's smallest unit (10⁻¹² DINF).
	pub paid: BalanceOf<T>,
	/// Where it is in its life.
	pub status: SubscriptionStatus<T>,
	/// Providers that failed to provision it.
	pub failed_providers: FailedProviders<T>,
	/// The relay-chain block of its entry in the due index (provisioning deadline, low-funds warning or
	/// expiry), if it has one.
	pub due_at: Option<BillingBlockOf<T>>,
}

/// The market's live clock: relay-chain time counted only while the parachain advances, in
/// relay-chain blocks.
///
/// Each parachain block adds the relay-chain blocks since the previous one, but at most
/// `MaxLiveGap` of them: a longer gap is a stall of the chain, in which no provider could report,
/// and provisioning deadlines are measured on this clock, so a stall moves them out.
#[derive(Encode, Decode, MaxEncodedLen, TypeInfo, Clone, Copy, PartialEq, Eq, Debug, Default)]
#[scale_info(capture_docs = "always")]
pub struct LiveClockInfo<BlockNumber> {
	/// The relay-chain block the previous parachain block's hook saw.
	pub seen: BlockNumber,
	/// Relay-chain blocks counted so far, stalls left out.
	pub live: BlockNumber,
}

/// What is kept of a subscription after it ended, for the last `MaxEndedRecords` ends.
#[derive(
	Encode, Decode, MaxEncodedLen, TypeInfo, CloneNoBound, PartialEqNoBound, EqNoBound, DebugNoBound,
)]
#[scale_info(capture_docs = "always", skip_type_params(T))]
#[codec(mel_bound())]
pub struct EndedSubscription<T: Config> {
	/// Who subscribed.
	pub subscriber: T::AccountId,
	/// The deployment type.
	pub deployment_type: DeploymentTypeId,
	/// The descriptor's CID.
	pub descriptor_cid: DescriptorCid<T>,
	/// The provider that held it when it ended, if it was awarded.
	pub provider: Option<T::AccountId>,
	/// The price per relay-chain block agreed at the award, in DINF's smallest unit (10⁻¹² DINF).
	pub price_per_block: Option<BalanceOf<T>>,
	/// The providers that failed or declined it, in order.
	pub failed_providers: FailedProviders<T>,
	/// Why it ended.
	pub reason: TerminationReason<Reason<T>>,
	/// The relay-chain block at which it ended.
	pub ended_at: BillingBlockOf<T>,
	/// The funds returned to the subscriber, in DINF's smallest unit (10⁻¹² DINF).
	pub refunded: BalanceOf<T>,
	/// The storage deposit returned to the subscriber, in DINF's smallest unit (10⁻¹² DINF).
	pub deposit_returned: BalanceOf<T>,
	/// What its providers were paid over its life, in DINF's smallest unit (10⁻¹² DINF).
	pub paid: BalanceOf<T>,
}

/// Where new subscriptions come in: the next id to give out, how many subscriptions are queued
/// over all types, the ring of deployment types whose queues take turns (positions
/// `turn_head..turn_tail` of `Turns`), and the minimum runway. One value, so that `subscribe`
/// reads and writes it once.
#[derive(Encode, Decode, MaxEncodedLen, TypeInfo, Clone, Copy, PartialEq, Eq, Debug, Default)]
#[scale_info(capture_docs = "always")]
pub struct IntakeInfo<BlockNumber> {
	/// The id the next subscription gets.
	pub next_id: SubscriptionId,
	/// How many subscriptions wait in the type queues, over all types.
	pub queued: u64,
	/// The position of the next type to take its turn.
	pub turn_head: u64,
	/// The position the next type to join the ring gets.
	pub turn_tail: u64,
	/// The minimum runway in force, in relay-chain blocks, once Root has set one: a copy of the
	/// `MinRunway` storage value (which clients read), kept here so that `subscribe` reads no
	/// extra item. `None` until Root sets it: `DefaultMinRunway` is in force.
	pub min_runway: Option<BlockNumber>,
}

impl<BlockNumber> IntakeInfo<BlockNumber> {
	/// How many subscriptions are queued, over all types.
	pub fn len(&self) -> u64 {
		self.queued
	}

	/// Whether no subscription is queued.
	pub fn is_empty(&self) -> bool {
		self.len() == 0
	}
}

/// One deployment type's award queue: its entries are at positions `head..tail` of
/// `AwardQueue`, some of them left by subscriptions that ended while queued (skipped when the
/// queue reaches them; their slot is free at once).
#[derive(Encode, Decode, MaxEncodedLen, TypeInfo, Clone, Copy, PartialEq, Eq, Debug, Default)]
#[scale_info(capture_docs = "always")]
pub struct TypeQueueInfo {
	/// The position of the oldest entry.
	pub head: u64,
	/// The position the next entry gets.
	pub tail: u64,
	/// How many subscriptions wait in it: `tail - head` less the entries left behind.
	pub queued: u32,
	/// Whether the type is in the ring of turns.
	pub in_turn: bool,
}
