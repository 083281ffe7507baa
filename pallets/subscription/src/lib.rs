//! # DINFRA subscription pallet
//!
//! What subscribers pay through. A subscriber funds a subscription to a deployment type; the
//! chain awards it to a provider through the [`Market`] (the provider pallet), bills it per
//! block while the deployment runs, and refunds the rest when it ends.
//!
//! - **Award queues, one per deployment type.** `subscribe` queues the subscription in its type's
//!   queue. `on_initialize` gives the types turns, one subscription per turn, first come first
//!   served within a type, so that a flood of subscriptions to one type cannot delay the awards
//!   of another. A subscription that finds no eligible offering leaves the queue and waits
//!   `AwardRetryInterval` blocks in the due index before its next try, so a hopeless one costs a
//!   try a minute, not one a block; each failed try burns `AwardAttemptFee` from its deposit,
//!   which pays for the work many times over. After `AwardTimeout` it ends `NoOffering`, with
//!   the funding and the rest of the deposit refunded. `MaxQueueLength` (over all types) and
//!   `MaxQueuePerType` bound the queues on every path: `subscribe` is refused beyond them, and
//!   a subscription that is to be queued again (after a failed provider, or for its next try)
//!   waits another interval instead. Ending a queued subscription frees its slot at once.
//! - **Providers answer for faults.** A provider that lets `ProvisionTimeout` pass, reports a
//!   failure, or cancels within `MinServicePeriod` of the start is slashed through the market
//!   (the provider pallet's collateral) and the slash is paid to the subscriber. A provider that
//!   declines a descriptor as invalid is not slashed. The provisioning deadline counts only
//!   relay-chain time in which the parachain advanced (a gap of more than `MaxLiveGap` relay
//!   blocks between two parachain blocks counts as `MaxLiveGap`), so a stall of the chain, in
//!   which no report could land, slashes nobody.
//! - **Billing starts at `Running`.** The provider reports the deployment running; from then on
//!   `price × elapsed blocks` is owed, capped at the funds. Nothing is billed while provisioning.
//! - **Lazy settlement.** What is owed is paid to the provider, straight from the subscriber's
//!   hold, whenever the subscription is touched: top-up, claim, termination, cancellation,
//!   expiry. No hook iterates live subscriptions.
//! - **Due index.** Each subscription has at most one entry in an index keyed by (block, id): its
//!   provisioning deadline, its low-funds warning or its expiry. `on_initialize` works through
//!   due entries from a cursor under a weight meter and carries what is left to the next block,
//!   so a block's cost depends on the work due in it, never on how many subscriptions exist.
//!
//! - **Suspension instead of destruction.** When a running subscription's funds run out, it is
//!   `Suspended`, not ended. Nothing is billed while it is suspended. Its provider keeps the
//!   deployment's state (its disk, and the unit of capacity), and may stop its compute, until the
//!   grace ends: the grace is as long as the deployment ran since it was started or last resumed,
//!   at most `GracePeriod` (one day in the runtime). So a provider never keeps a suspended
//!   deployment longer than it was just paid to run it, and a subscriber who lets its funds run
//!   out again and again holds a provider's capacity at most half the time unpaid. A top-up
//!   that brings the funds to `MinRunway` blocks at its price (as subscribing needs) resumes it,
//!   and billing restarts from the resume; a smaller one is refused. After the grace it ends
//!   `OutOfFunds`. The provider is not paid for the grace. A provider that cancels a suspended
//!   deployment is slashed as for an early cancellation: it promised to keep the state.
//! - **Standing top-ups.** A subscriber, or anyone sponsoring a subscription, can set one
//!   standing top-up on it: an amount, a minimum interval between draws and a total cap, with
//!   `StandingTopUpDeposit` held from the sponsor. The hook draws it from the sponsor's free
//!   balance (never below the existential deposit, never beyond the cap, never for an ended
//!   subscription) in the block where the runway falls below `LowFundsWarning`, again when the
//!   funds run out, and during a suspension (where it resumes the subscription if the draw funds
//!   `MinRunway` blocks). A draw emits `ToppedUp` with `automatic: true`; a sponsor that cannot
//!   pay gets `StandingTopUpFailed`, and `LowFunds` still goes out. The sponsor can change or
//!   cancel it at any time; the subscriber can cancel it, or replace it with its own. What a
//!   sponsor adds becomes the subscriber's, as with `top_up`.
//! - **Recent ends are kept.** The last `MaxEndedRecords` subscriptions to end stay readable,
//!   with why and when they ended and what came back (`EndedSubscriptions`, and
//!   `DinfraApi::subscription` in phase `Ended`), so that a client can tell an ended subscription
//!   from one that never existed. The record is bounded whatever users do, so it takes no deposit.
//!
//! The billing clock is `BlockNumberProvider`: the relay chain's block number in the runtime.
//! `on_initialize` runs before the block's relay-chain data is set, so the hook sees the relay
//! parent of the previous parachain block, while transactions see their own: the hook's clock
//! lags by the relay blocks between two parachain blocks (one or two). Deadlines and expiries are
//! therefore processed that much late, never early, and an expiry settles only to the hook's
//! clock, so the lag never bills a subscriber for time not yet passed.

#![cfg_attr(not(feature = "std"), no_std)]
#![deny(missing_docs)]

extern crate alloc;

mod billing;
mod dispatchables;
mod ended;
mod hooks;
mod invariants;
mod standing;
mod suspension;
pub mod types;
mod view;
pub mod weights;

#[cfg(feature = "runtime-benchmarks")]
mod benchmarking;
#[cfg(test)]
mod mock;
#[cfg(test)]
mod tests;

pub use pallet::*;
pub use types::*;
pub use weights::WeightInfo;

use dinfra_primitives::Market;
use polkadot_sdk::{frame_support, frame_system, sp_runtime};

const LOG_TARGET: &str = "runtime::dinfra-subscription";

/// How many blocks of the due index one `DueSpans` bitmap covers: a day's stall (14,400 relay
/// blocks) is 57 reads of the bitmaps, not 14,400 of the blocks.
pub const DUE_SPAN: u32 = 256;

/// What the benchmarks need from the runtime: an open offering to award subscriptions to.
#[cfg(feature = "runtime-benchmarks")]
pub trait BenchmarkHelper<AccountId, Balance> {
	/// Creates a deployment type and `providers` providers with an open offering of it, each
	/// with `capacity` units at `price_per_block`, and returns the type's id and the providers.
	fn market(
		providers: u32,
		capacity: u32,
		price_per_block: Balance,
	) -> (dinfra_primitives::DeploymentTypeId, alloc::vec::Vec<AccountId>);
}

#[frame_support::pallet]
/// DINFRA subscriptions: a subscriber funds a subscription to a deployment type, the chain
/// awards it to a provider's offering (the provider pallet), bills it per relay-chain block
/// while the deployment runs, and refunds the rest when it ends.
///
/// Life of a subscription: `subscribe` queues it (`AwaitingAward`); the hook awards it to the
/// least loaded eligible offering (`Provisioning`, event `Awarded`); the provider reports it
/// running (`Running`, billing starts) or failed or declined (the next provider is asked, at most
/// `MaxAwardAttempts`); it ends when the subscriber terminates it, the provider cancels it, its
/// funds run out, no offering takes it within `AwardTimeout`, or every provider failed. A
/// provider that misses `ProvisionTimeout`, fails or cancels early is slashed for the
/// subscriber. `DinfraApi::subscription` shows each stage with the block it began.
///
/// Units: every amount (prices, funding, top-ups, balances, deposits, fees, refunds) is in
/// DINF's smallest unit, 10⁻¹² DINF (1 DINF = 1,000,000,000,000). Prices are per relay-chain
/// block. Block numbers (deadlines, `expires_at`, `next_try`) and durations (runways, timeouts)
/// count relay-chain blocks of about 6 s (600 an hour, 14,400 a day), never this parachain's own
/// blocks. The hook sees the relay parent of the previous parachain block, transactions their
/// own, so the hook acts one or two relay blocks late, never early.
pub mod pallet {
	use super::*;
	use frame_support::{
		pallet_prelude::*,
		traits::fungible::{Inspect, Mutate, MutateHold},
	};
	use frame_system::pallet_prelude::*;
	use sp_runtime::traits::BlockNumberProvider;

	/// The in-code storage version.
	const STORAGE_VERSION: StorageVersion = StorageVersion::new(1);

	#[pallet::pallet]
	#[pallet::storage_version(STORAGE_VERSION)]
	pub struct Pallet<T>(_);

	/// Configuration of subscriptions and their billing.
	#[pallet::config]
	pub trait Config: polkadot_sdk::frame_system::Config {
		/// The currency subscriptions are funded and paid in.
		type Currency: Inspect<Self::AccountId>
			+ Mutate<Self::AccountId>
			+ MutateHold<Self::AccountId, Reason = Self::RuntimeHoldReason>;

		/// The overarching hold reason, which this pallet's [`HoldReason`] is part of.
		type RuntimeHoldReason: From<HoldReason>;

		/// The market that awards subscriptions to providers: the provider pallet.
		type Market: Market<Self::AccountId, BalanceOf<Self>>;

		/// The billing clock. The runtime uses the relay chain's block number, so that a price
		/// per block is a price per six seconds whatever the parachain's block rate.
		type BlockNumberProvider: BlockNumberProvider;

		/// The storage deposit held from a subscriber for each live subscription, and returned
		/// when it ends, in DINF's smallest unit (10⁻¹² DINF). It covers the subscription record, its
		/// queue and index entries.
		#[pallet::constant]
		type SubscriptionDeposit: Get<BalanceOf<Self>>;

		/// The default of `MinRunway`, in relay-chain blocks: in force until Root sets another
		/// with `set_min_runway`. The value in force is the `MinRunway` storage item; read that.
		#[pallet::constant]
		type DefaultMinRunway: Get<BillingBlockOf<Self>>;

		/// How long a subscription may wait for an award before it ends as `NoOffering` with a
		/// full refund, in relay-chain blocks.
		#[pallet::constant]
		type AwardTimeout: Get<BillingBlockOf<Self>>;

		/// How long an awarded provider has to report the deployment running or failed, in
		/// relay-chain blocks in which the parachain advanced. After that it counts as failed, and
		/// the subscription goes to another provider.
		#[pallet::constant]
		type ProvisionTimeout: Get<BillingBlockOf<Self>>;

		/// A provider that cancels a deployment still provisioning, or running for fewer than
		/// this many relay-chain blocks, is slashed `EarlyCancelSlash` of a unit's collateral for
		/// the subscriber. A subscriber plans around a deployment that lasts; a provider that
		/// wants to stop early pays for the disruption.
		#[pallet::constant]
		type MinServicePeriod: Get<BillingBlockOf<Self>>;

		/// The most relay-chain blocks that one parachain block adds to the live clock that
		/// provisioning deadlines are measured on. A longer gap is a stall of the parachain, in
		/// which no provider could get a report in; the excess is not counted against anyone.
		#[pallet::constant]
		type MaxLiveGap: Get<BillingBlockOf<Self>>;

		/// How many providers may try to provision one subscription before it ends as
		/// `ProvisioningFailed` with a full refund.
		#[pallet::constant]
		type MaxAwardAttempts: Get<u32>;

		/// `LowFunds` is announced when a running subscription has fewer than this many
		/// relay-chain blocks of funds left, so that gateways can warn the subscriber in time to
		/// top up.
		#[pallet::constant]
		type LowFundsWarning: Get<BillingBlockOf<Self>>;

		/// The most subscriptions that may wait in the award queues, over all types; `subscribe`
		/// is refused beyond it.
		#[pallet::constant]
		type MaxQueueLength: Get<u32>;

		/// The most subscriptions that may wait in one deployment type's award queue, so that a
		/// flood of subscriptions to one type leaves room for the others.
		#[pallet::constant]
		type MaxQueuePerType: Get<u32>;

		/// How long a subscription that found no eligible offering waits before its next try, in
		/// relay-chain blocks. Offerings change by transactions, not every block; trying each
		/// block would be work for nothing.
		#[pallet::constant]
		type AwardRetryInterval: Get<BillingBlockOf<Self>>;

		/// Burned from a subscription's deposit for each award try that finds no eligible
		/// offering, in DINF's smallest unit (10⁻¹² DINF). The try is work the subscriber causes and
		/// a transaction fee does not cover; this pays for it, many times over, so that flooding
		/// the queues with hopeless subscriptions costs more than the chain work it causes. A
		/// subscription awarded at its first try pays nothing.
		#[pallet::constant]
		type AwardAttemptFee: Get<BalanceOf<Self>>;

		/// The longest descriptor CID, in bytes.
		#[pallet::constant]
		type MaxCidLength: Get<u32>;

		/// The longest endpoint a provider can report, in bytes.
		#[pallet::constant]
		type MaxEndpointLength: Get<u32>;

		/// The longest failure or cancellation reason, in bytes.
		#[pallet::constant]
		type MaxReasonLength: Get<u32>;

		/// The most weight `on_initialize` spends on awards and due entries in one block. What
		/// does not fit is carried to the next block.
		#[pallet::constant]
		type MaxBlockWork: Get<Weight>;

		/// The longest grace a suspended subscription gets before it ends `OutOfFunds`, in
		/// relay-chain blocks. A subscription's grace is the blocks it ran since it was started or
		/// last resumed, at most this.
		#[pallet::constant]
		type GracePeriod: Get<BillingBlockOf<Self>>;

		/// The storage deposit held from a sponsor for a standing top-up, in DINF's smallest unit
		/// (10⁻¹² DINF), returned when the standing top-up ends.
		#[pallet::constant]
		type StandingTopUpDeposit: Get<BalanceOf<Self>>;

		/// How many ended subscriptions are remembered (`EndedSubscriptions`): the last this
		/// many to end. An older one is forgotten when a new one ends.
		#[pallet::constant]
		type MaxEndedRecords: Get<u32>;

		/// Weights of this pallet's calls and per-block work, from its benchmarks.
		type WeightInfo: WeightInfo;

		/// Sets up a market for the benchmarks.
		#[cfg(feature = "runtime-benchmarks")]
		type BenchmarkHelper: BenchmarkHelper<Self::AccountId, BalanceOf<Self>>;
	}

	/// Why this pallet holds funds.
	#[pallet::composite_enum]
	pub enum HoldReason {
		/// A subscription's funds not yet paid to its provider.
		Funding,
		/// A subscription's storage deposit.
		SubscriptionDeposit,
		/// A standing top-up's storage deposit, held from its sponsor.
		StandingTopUpDeposit,
	}

	/// The default of [`MinRunway`]: the runtime's `DefaultMinRunway`.
	#[pallet::type_value]
	pub fn DefaultMinRunwayValue<T: Config>() -> BillingBlockOf<T> {
		T::DefaultMinRunway::get()
	}

	/// A paid subscription must be funded for at least this many relay-chain blocks at its
	/// maximum price, at `subscribe`. It keeps providers from provisioning deployments that
	/// would expire before they are up, and subscribers from paying for setup work they never
	/// use. Root sets it with `set_min_runway`; until then it is the constant `DefaultMinRunway`.
	/// `subscribe` reads the copy in `Intake`, which `set_min_runway` keeps equal to it.
	#[pallet::storage]
	pub type MinRunway<T: Config> =
		StorageValue<_, BillingBlockOf<T>, ValueQuery, DefaultMinRunwayValue<T>>;

	/// Live subscriptions. Amounts are in DINF's smallest unit (10⁻¹² DINF); blocks are
	/// relay-chain blocks.
	#[pallet::storage]
	pub type Subscriptions<T: Config> =
		StorageMap<_, Twox64Concat, SubscriptionId, Subscription<T>, OptionQuery>;

	/// The award queues: subscription ids by deployment type and queue position.
	#[pallet::storage]
	pub type AwardQueue<T> = StorageDoubleMap<
		_,
		Twox64Concat,
		dinfra_primitives::DeploymentTypeId,
		Twox64Concat,
		u64,
		SubscriptionId,
		OptionQuery,
	>;

	/// Each deployment type's award queue: its bounds and how many wait in it. Removed when
	/// empty.
	#[pallet::storage]
	pub type TypeQueues<T> =
		StorageMap<_, Twox64Concat, dinfra_primitives::DeploymentTypeId, TypeQueueInfo, ValueQuery>;

	/// The ring of turns: the deployment types whose queues hold entries, by position. Each
	/// such type is in it once.
	#[pallet::storage]
	pub type Turns<T> =
		StorageMap<_, Twox64Concat, u64, dinfra_primitives::DeploymentTypeId, OptionQuery>;

	/// The id the next subscription gets, how many are queued, the ring of turns' bounds, and a
	/// copy of the minimum runway (relay-chain blocks) for `subscribe`.
	#[pallet::storage]
	pub type Intake<T: Config> = StorageValue<_, IntakeInfo<BillingBlockOf<T>>, ValueQuery>;

	/// The subscriptions awarded to each provider (provisioning or running), for gateways that
	/// reconcile after downtime.
	#[pallet::storage]
	pub type ProviderSubscriptions<T: Config> = StorageDoubleMap<
		_,
		Blake2_128Concat,
		T::AccountId,
		Twox64Concat,
		SubscriptionId,
		(),
		OptionQuery,
	>;

	/// The due index: subscriptions with a provisioning deadline, a low-funds warning or an
	/// expiry at a relay-chain block. Keyed by (block, id), so that no block's bucket can
	/// overflow.
	#[pallet::storage]
	pub type Due<T: Config> = StorageDoubleMap<
		_,
		Twox64Concat,
		BillingBlockOf<T>,
		Twox64Concat,
		SubscriptionId,
		(),
		OptionQuery,
	>;

	/// How many due entries each relay-chain block of the due index holds. The hook reads this count to
	/// step over empty blocks, so that finding the next due entry is one read, whatever the
	/// size of the index.
	#[pallet::storage]
	pub type DueCount<T: Config> = StorageMap<_, Twox64Concat, BillingBlockOf<T>, u32, ValueQuery>;

	/// Which blocks of each span of `DUE_SPAN` (256) relay-chain blocks of the due index hold
	/// entries: one bit per block, keyed by the span's first block; a span with none is removed. One read
	/// finds the next block with entries in a span, so that after a stall of the chain (a jump of
	/// the relay clock) the hook reaches what is due within a block or two, whatever lies
	/// between, not one block at a time.
	#[pallet::storage]
	pub type DueSpans<T: Config> =
		StorageMap<_, Twox64Concat, BillingBlockOf<T>, [u8; 32], OptionQuery>;

	/// The first relay-chain block of the due index that may still hold unprocessed entries.
	#[pallet::storage]
	pub type DueCursor<T: Config> = StorageValue<_, BillingBlockOf<T>, OptionQuery>;

	/// The live clock that provisioning deadlines are measured on: relay-chain blocks counted
	/// only while the parachain advances (see [`LiveClockInfo`]).
	#[pallet::storage]
	pub type LiveClock<T: Config> = StorageValue<_, LiveClockInfo<BillingBlockOf<T>>, OptionQuery>;

	/// The last `MaxEndedRecords` subscriptions to end: why, when (relay-chain block) and what
	/// came back (in DINF's smallest unit, 10⁻¹² DINF). The record is bounded whatever users do,
	/// so it takes no deposit; `DinfraApi::subscription` shows it in phase `Ended`.
	#[pallet::storage]
	pub type EndedSubscriptions<T: Config> =
		StorageMap<_, Twox64Concat, SubscriptionId, EndedSubscription<T>, OptionQuery>;

	/// Standing top-ups, at most one per live subscription: who pays, how much per draw, how
	/// often and up to what cap (DINF's smallest unit; relay-chain blocks).
	#[pallet::storage]
	pub type StandingTopUps<T: Config> =
		StorageMap<_, Twox64Concat, SubscriptionId, StandingTopUp<T>, OptionQuery>;

	/// The ring of ended records, by slot: which subscription each of the `MaxEndedRecords`
	/// slots remembers. The next end takes slot `EndedCursor` and forgets what was there.
	#[pallet::storage]
	pub type EndedOrder<T> = StorageMap<_, Twox64Concat, u32, SubscriptionId, OptionQuery>;

	/// The slot of [`EndedOrder`] that the next end takes.
	#[pallet::storage]
	pub type EndedCursor<T> = StorageValue<_, u32, ValueQuery>;

	/// Events for subscribers, providers and gateways. Each carries what a gateway needs to act
	/// without reading storage.
	#[pallet::event]
	#[pallet::generate_deposit(pub(super) fn deposit_event)]
	pub enum Event<T: Config> {
		/// A subscription was funded and queued for an award.
		Subscribed {
			/// The new subscription.
			id: SubscriptionId,
			/// Who subscribed.
			subscriber: T::AccountId,
			/// The deployment type.
			deployment_type: dinfra_primitives::DeploymentTypeId,
			/// The descriptor's CID.
			descriptor_cid: DescriptorCid<T>,
			/// The highest price per relay-chain block accepted, in DINF's smallest unit (10⁻¹² DINF).
			max_price_per_block: BalanceOf<T>,
			/// The funds held for it, in DINF's smallest unit (10⁻¹² DINF).
			funding: BalanceOf<T>,
		},
		/// A subscription was awarded to a provider, which should now provision it and report
		/// before `provision_deadline`.
		Awarded {
			/// The subscription.
			id: SubscriptionId,
			/// Who subscribed.
			subscriber: T::AccountId,
			/// The provider that is to provision it.
			provider: T::AccountId,
			/// The deployment type.
			deployment_type: dinfra_primitives::DeploymentTypeId,
			/// The descriptor's CID: what to deploy.
			descriptor_cid: DescriptorCid<T>,
			/// The price per relay-chain block it will be billed at once running, in DINF's smallest unit (10⁻¹² DINF).
			price_per_block: BalanceOf<T>,
			/// The relay-chain block by which the provider must report, if the parachain does not
			/// stall (a stall moves it later).
			provision_deadline: BillingBlockOf<T>,
		},
		/// The provider reported the deployment running. Billing runs from this block.
		DeploymentRunning {
			/// The subscription.
			id: SubscriptionId,
			/// The provider.
			provider: T::AccountId,
			/// Where the subscriber reaches it.
			endpoint: Endpoint<T>,
			/// The relay-chain block at which its funds run out at the current balance; `None` for
			/// a free subscription.
			expires_at: Option<BillingBlockOf<T>>,
		},
		/// A provider failed to provision a subscription; its capacity is released.
		DeploymentFailed {
			/// The subscription.
			id: SubscriptionId,
			/// The provider that failed.
			provider: T::AccountId,
			/// What happened.
			failure: ProvisioningFailure<Reason<T>>,
		},
		/// A subscription went back to the award queue after `from` failed; it will not be
		/// awarded to `from` again.
		Reawarded {
			/// The subscription.
			id: SubscriptionId,
			/// The provider that failed and should tear down anything it started.
			from: T::AccountId,
			/// How many providers have failed it so far.
			attempts: u32,
		},
		/// A queued subscription found no eligible offering. It waits in the due index until
		/// `next_try`, and `fee` was burned from its deposit for the try.
		AwardDeferred {
			/// The subscription.
			id: SubscriptionId,
			/// The relay-chain block of its next try.
			next_try: BillingBlockOf<T>,
			/// Burned from its deposit, in DINF's smallest unit (10⁻¹² DINF).
			fee: BalanceOf<T>,
		},
		/// Funds were added to a subscription.
		ToppedUp {
			/// The subscription.
			id: SubscriptionId,
			/// Who paid: the subscriber or a sponsor.
			by: T::AccountId,
			/// How much was added, in DINF's smallest unit (10⁻¹² DINF).
			amount: BalanceOf<T>,
			/// The funds now left, in DINF's smallest unit (10⁻¹² DINF).
			balance: BalanceOf<T>,
			/// The relay-chain block at which the funds run out, if it is running and paid.
			expires_at: Option<BillingBlockOf<T>>,
			/// Whether a standing top-up was drawn by the hook, rather than a `top_up` call.
			automatic: bool,
		},
		/// A running subscription's funds ran out: it is suspended, nothing is billed, and its
		/// provider keeps the deployment's state (and may stop its compute) until `grace_ends_at`.
		Suspended {
			/// The subscription.
			id: SubscriptionId,
			/// Who should top up.
			subscriber: T::AccountId,
			/// The provider that keeps its state.
			provider: T::AccountId,
			/// The funds left, less than a block's price, in DINF's smallest unit (10⁻¹² DINF).
			balance: BalanceOf<T>,
			/// What a top-up must bring the funds to for it to resume, in DINF's smallest unit
			/// (10⁻¹² DINF): `MinRunway` blocks at its price.
			resume_at_balance: BalanceOf<T>,
			/// The relay-chain block at which it ends `OutOfFunds` unless topped up.
			grace_ends_at: BillingBlockOf<T>,
		},
		/// A suspended subscription was topped up and runs again; billing restarts now. The
		/// provider should restart its compute.
		Resumed {
			/// The subscription.
			id: SubscriptionId,
			/// The provider that runs it.
			provider: T::AccountId,
			/// The relay-chain block at which the funds run out.
			expires_at: Option<BillingBlockOf<T>>,
		},
		/// A standing top-up was set on a subscription, or changed by its sponsor.
		StandingTopUpSet {
			/// The subscription.
			id: SubscriptionId,
			/// Who pays.
			sponsor: T::AccountId,
			/// How much one draw adds, in DINF's smallest unit (10⁻¹² DINF).
			amount: BalanceOf<T>,
			/// The fewest relay-chain blocks between two draws.
			min_interval: BillingBlockOf<T>,
			/// The most all draws may add, in DINF's smallest unit (10⁻¹² DINF).
			cap: BalanceOf<T>,
		},
		/// A standing top-up ended, and its deposit went back to its sponsor.
		StandingTopUpEnded {
			/// The subscription.
			id: SubscriptionId,
			/// Who paid.
			sponsor: T::AccountId,
			/// What all its draws added, in DINF's smallest unit (10⁻¹² DINF).
			drawn: BalanceOf<T>,
			/// Why it ended.
			reason: StandingTopUpEnd,
		},
		/// A standing top-up was due but not drawn.
		StandingTopUpFailed {
			/// The subscription.
			id: SubscriptionId,
			/// Who was to pay.
			sponsor: T::AccountId,
			/// What the draw would have added, in DINF's smallest unit (10⁻¹² DINF).
			amount: BalanceOf<T>,
			/// Why it was not drawn.
			reason: StandingTopUpFailure,
		},
		/// A running subscription has fewer than `LowFundsWarning` blocks of funds left.
		LowFunds {
			/// The subscription.
			id: SubscriptionId,
			/// Who should top up.
			subscriber: T::AccountId,
			/// The funds left after settlement, in DINF's smallest unit (10⁻¹² DINF).
			balance: BalanceOf<T>,
			/// The relay-chain block at which the funds run out and the deployment ends.
			expires_at: BillingBlockOf<T>,
		},
		/// A provider was paid what a subscription owed it so far.
		Claimed {
			/// The subscription.
			id: SubscriptionId,
			/// The provider.
			provider: T::AccountId,
			/// How much it was paid now, in DINF's smallest unit (10⁻¹² DINF).
			amount: BalanceOf<T>,
		},
		/// A subscription ended. Its deployment, if any, should be torn down.
		Terminated {
			/// The subscription.
			id: SubscriptionId,
			/// Who subscribed.
			subscriber: T::AccountId,
			/// The provider that held it, if it was awarded.
			provider: Option<T::AccountId>,
			/// The deployment type.
			deployment_type: dinfra_primitives::DeploymentTypeId,
			/// Why it ended.
			reason: TerminationReason<Reason<T>>,
			/// The funds returned to the subscriber, in DINF's smallest unit (10⁻¹² DINF): what was left of
			/// its funding and top-ups. The deposit is not included; it is `deposit_returned`.
			refunded: BalanceOf<T>,
			/// The storage deposit returned to the subscriber, in DINF's smallest unit (10⁻¹² DINF):
			/// `SubscriptionDeposit` less the award fees burned from it.
			deposit_returned: BalanceOf<T>,
			/// What providers were paid over its life, in DINF's smallest unit (10⁻¹² DINF).
			paid: BalanceOf<T>,
		},
		/// Root changed `MinRunway`. It applies to subscriptions made from now on.
		MinRunwaySet {
			/// The runway required before, in relay-chain blocks.
			old: BillingBlockOf<T>,
			/// The runway required now, in relay-chain blocks.
			new: BillingBlockOf<T>,
		},
	}

	/// Why a call was refused. A refused call changes nothing.
	#[pallet::error]
	pub enum Error<T> {
		/// No live subscription has this id.
		UnknownSubscription,
		/// Only the subscriber can do this.
		NotSubscriber,
		/// Only the provider the subscription is awarded to can do this.
		NotAwardedProvider,
		/// No deployment type has this id.
		UnknownDeploymentType,
		/// The deployment type is retired and takes no new subscriptions.
		DeploymentTypeRetired,
		/// The descriptor CID is not a CIDv0 (`Qm...`) or a CIDv1 in base32, base58btc or
		/// base16.
		InvalidCid,
		/// A preferred-provider target must name at least one provider.
		EmptyPreferredList,
		/// A paid subscription must be funded for at least `MinRunway` relay-chain blocks at its
		/// maximum price.
		FundingBelowMinRunway,
		/// `MinRunway` must be at least one relay-chain block.
		ZeroMinRunway,
		/// A top-up must add something.
		ZeroTopUp,
		/// The award queues are full (`MaxQueueLength`), or this type's is (`MaxQueuePerType`);
		/// try again in a few blocks.
		QueueFull,
		/// All subscription ids are used up.
		SubscriptionIdsExhausted,
		/// Only a deployment that is being provisioned can be reported failed; a running one
		/// can be cancelled.
		NotProvisioning,
		/// Only a running subscription has earnings to claim.
		NotRunning,
		/// The subscription is suspended: its deployment reports nothing until it resumes.
		SubscriptionSuspended,
		/// A top-up to a suspended subscription must bring its funds to `MinRunway` relay-chain
		/// blocks at its price, which a resume needs.
		ResumeBelowMinRunway,
		/// The subscription has no standing top-up.
		NoStandingTopUp,
		/// Only the sponsor of the standing top-up, or the subscriber, can do this.
		NotSponsor,
		/// Another account sponsors this subscription's standing top-up; only it can change it,
		/// and only the subscriber can replace it.
		StandingTopUpTaken,
		/// A standing top-up's cap must be at least its amount, and above what it has drawn.
		CapTooLow,
	}

	#[pallet::hooks]
	impl<T: Config> Hooks<BlockNumberFor<T>> for Pallet<T> {
		fn on_initialize(_n: BlockNumberFor<T>) -> Weight {
			Self::do_tick()
		}

		#[cfg(feature = "try-runtime")]
		fn try_state(_n: BlockNumberFor<T>) -> Result<(), sp_runtime::TryRuntimeError> {
			Self::do_try_state()
		}
	}

	#[pallet::call(weight(<T as Config>::WeightInfo))]
	impl<T: Config> Pallet<T> {
		/// Subscribe to a deployment type.
		///
		/// `funding` is held from the caller, and so is `SubscriptionDeposit`; both are in DINF's
		/// smallest unit (10⁻¹² DINF), as is `max_price_per_block`, a price per relay-chain
		/// block. A paid subscription (`max_price_per_block` above zero) must be funded for
		/// `MinRunway` relay-chain blocks at that price. The subscription is queued and awarded in a coming block to
		/// the least loaded provider in `target` whose price is at most `max_price_per_block`.
		/// Billing starts only when the provider reports it running.
		#[pallet::call_index(0)]
		pub fn subscribe(
			origin: OriginFor<T>,
			deployment_type: dinfra_primitives::DeploymentTypeId,
			descriptor_cid: DescriptorCid<T>,
			target: AwardTargetOf<T>,
			#[pallet::compact] max_price_per_block: BalanceOf<T>,
			#[pallet::compact] funding: BalanceOf<T>,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_subscribe(
				who,
				deployment_type,
				descriptor_cid,
				target,
				max_price_per_block,
				funding,
			)
		}

		/// Add `amount`, in DINF's smallest unit (10⁻¹² DINF), to a live subscription. Anyone may, so a
		/// sponsor can pay for someone else's deployment; the funds become the subscriber's, held
		/// for the subscription, and what is unspent is refunded to the subscriber.
		#[pallet::call_index(1)]
		pub fn top_up(
			origin: OriginFor<T>,
			id: SubscriptionId,
			#[pallet::compact] amount: BalanceOf<T>,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_top_up(who, id, amount)
		}

		/// End a subscription now. What the provider earned up to this block is paid, the rest
		/// is refunded, and the deposit is returned.
		#[pallet::call_index(2)]
		pub fn terminate(origin: OriginFor<T>, id: SubscriptionId) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_terminate(who, id)
		}

		/// Report on a deployment awarded to the caller: `Running` starts billing (or announces
		/// a new endpoint), `Failed` hands the subscription to another provider and pays the
		/// subscriber `FailureSlash` of a unit's collateral, `Declined` hands it on unslashed.
		#[pallet::call_index(3)]
		#[pallet::weight(
			T::WeightInfo::report_running()
				.max(T::WeightInfo::report_failed())
				.max(T::WeightInfo::report_failed_ending())
				.saturating_add(T::Market::record_outcome_weight())
		)]
		pub fn report_deployment(
			origin: OriginFor<T>,
			id: SubscriptionId,
			report: DeploymentReportOf<T>,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_report_deployment(who, id, report)
		}

		/// Cancel a deployment awarded to the caller. What it earned up to this block is paid,
		/// and the rest is refunded to the subscriber. A deployment still provisioning or running
		/// for less than `MinServicePeriod` costs the caller `EarlyCancelSlash` of a unit's
		/// collateral, paid to the subscriber.
		#[pallet::call_index(4)]
		#[pallet::weight(
			T::WeightInfo::cancel_by_provider().saturating_add(T::Market::record_outcome_weight())
		)]
		pub fn cancel_by_provider(
			origin: OriginFor<T>,
			id: SubscriptionId,
			reason: Reason<T>,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_cancel_by_provider(who, id, reason)
		}

		/// Take what a running subscription owes the caller up to this block.
		#[pallet::call_index(5)]
		pub fn claim(origin: OriginFor<T>, id: SubscriptionId) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_claim(who, id)
		}

		/// Set, or change, the caller's standing top-up on a live subscription: from now on, the
		/// hook adds `amount` (DINF's smallest unit, 10⁻¹² DINF) from the caller's free balance
		/// when the runway falls below `LowFundsWarning` blocks, when the funds run out, and
		/// during a suspension, at most once every `min_interval` relay-chain blocks and at most
		/// `cap` in all. A new standing top-up holds `StandingTopUpDeposit` from the caller. Only
		/// its sponsor can change one; the subscriber may replace another sponsor's with its own.
		/// A change keeps what was drawn so far, which counts against the new cap.
		#[pallet::call_index(7)]
		pub fn set_standing_top_up(
			origin: OriginFor<T>,
			id: SubscriptionId,
			#[pallet::compact] amount: BalanceOf<T>,
			min_interval: BillingBlockOf<T>,
			#[pallet::compact] cap: BalanceOf<T>,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_set_standing_top_up(who, id, amount, min_interval, cap)
		}

		/// Cancel a subscription's standing top-up; its sponsor or the subscriber may. The
		/// deposit goes back to the sponsor.
		#[pallet::call_index(8)]
		pub fn cancel_standing_top_up(origin: OriginFor<T>, id: SubscriptionId) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_cancel_standing_top_up(who, id)
		}

		/// Set `MinRunway`, the relay-chain blocks of funding a paid subscription needs at its
		/// price cap. Root only; at least one block. It applies to subscriptions made from now
		/// on; live ones keep what they have.
		#[pallet::call_index(6)]
		pub fn set_min_runway(origin: OriginFor<T>, blocks: BillingBlockOf<T>) -> DispatchResult {
			ensure_root(origin)?;
			Self::do_set_min_runway(blocks)
		}
	}
}
