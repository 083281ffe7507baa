//! The DINFRA market's economics: deposits, bonds, runway, timeouts and maxima.
//!
//! Prices are per block of the billing clock, which is the relay chain's block number (one block
//! every six seconds), so that a price means the same whatever the parachain's own block rate. At
//! that clock, 600 blocks are an hour and 14,400 a day.

use crate::*;
use frame_support::{parameter_types, traits::ConstU32};

/// Relay-chain blocks per hour, the billing clock's unit of time for people.
pub const RELAY_BLOCKS_PER_HOUR: u32 = 600;

parameter_types! {
	/// 10 DINF per deployment type. A type is a public name that every gateway learns and a
	/// record of up to 64 + 100 bytes; the deposit makes squatting on names costly and comes back
	/// in full when the owner retires the type.
	pub const DeploymentTypeDeposit: Balance = 10 * DINF;
	/// 100 DINF per provider: the provider's skin in the game, so that throw-away identities cost
	/// real money, and the price of its record.
	pub const ProviderBond: Balance = 100 * DINF;
	/// 1 DINF per offering. Offerings fill the bounded per-type list that awards read; the deposit
	/// keeps one provider from filling it for free.
	pub const OfferingDeposit: Balance = DINF;
	/// 10 DINF of collateral per unit of capacity: a unit is a promise to run one deployment,
	/// and this is what the provider answers for it with. Capacity costs what it claims, so an
	/// offering's share of awards follows its collateral; 64 offerings of 1,000 units each would
	/// lock 640,000 DINF.
	pub const CollateralPerUnit: Balance = 10 * DINF;
	/// A missed provisioning deadline costs the provider a unit's whole collateral (10 DINF),
	/// paid to the subscriber who waited ten minutes for nothing.
	pub const TimeoutSlash: Perbill = Perbill::from_percent(100);
	/// A reported failure costs a fifth of a unit's collateral (2 DINF), paid to the subscriber:
	/// less than a timeout, so that saying so at once always pays better than silence.
	pub const FailureSlash: Perbill = Perbill::from_percent(20);
	/// Cancelling a deployment early (still provisioning, or running for less than
	/// `MinServicePeriod`) costs a unit's whole collateral (10 DINF), paid to the subscriber.
	pub const EarlyCancelSlash: Perbill = Perbill::from_percent(100);
	/// A provider on probation gets awards only from subscribers who name it, for an hour.
	pub const Probation: u32 = RELAY_BLOCKS_PER_HOUR;
	/// A provider may not cancel a deployment within its first day without paying
	/// `EarlyCancelSlash` to the subscriber.
	pub const MinServicePeriod: u32 = 24 * RELAY_BLOCKS_PER_HOUR;
	/// Parachain blocks come every one or two relay-chain blocks; a gap of more than ten relay
	/// blocks (a minute) is a stall, and provisioning deadlines do not count its excess.
	pub const MaxLiveGap: u32 = 10;
	/// 0.1 DINF per live subscription: it pays for the record (about 700 bytes with its queue,
	/// due and provider entries) and comes back when the subscription ends.
	pub const SubscriptionDeposit: Balance = 100 * MILLI_DINF;
	/// A paid subscription must be funded for an hour at its price cap, by default. Provisioning
	/// a machine takes minutes; a shorter runway would let providers do setup work for
	/// deployments that expire before they are useful. The value in force is the subscription
	/// pallet's `MinRunway` storage item: Root changes it with `set_min_runway`, without a
	/// runtime upgrade (a market may learn that its deployments need longer, and a test network
	/// lowers it to see subscriptions end within minutes).
	pub const DefaultMinRunway: u32 = RELAY_BLOCKS_PER_HOUR;
	/// The last 10,000 subscriptions to end stay readable (why, when, what came back): at most
	/// about 6 MB of state (a record is at most about 600 bytes), whatever users do. At one end
	/// per relay-chain block that is the last 17 hours.
	pub const MaxEndedRecords: u32 = 10_000;
	/// A subscription waits up to ten minutes for an eligible offering, then is refunded in
	/// full: long enough for a provider to free capacity, short enough that funds are not locked
	/// for nothing.
	pub const AwardTimeout: u32 = RELAY_BLOCKS_PER_HOUR / 6;
	/// An awarded provider has ten minutes to report the deployment running or failed; a virtual
	/// machine or a node boots well within that. After it the next provider is asked.
	pub const ProvisionTimeout: u32 = RELAY_BLOCKS_PER_HOUR / 6;
	/// Gateways warn subscribers an hour before their funds run out.
	pub const LowFundsWarning: u32 = RELAY_BLOCKS_PER_HOUR;
	/// A subscription whose funds run out is suspended for at most a day (and at most as long as
	/// it ran since it started or last resumed) before it ends: its provider keeps its state
	/// that long, unpaid, and a top-up of `MinRunway` blocks resumes it.
	pub const GracePeriod: u32 = 24 * RELAY_BLOCKS_PER_HOUR;
	/// 0.02 DINF per standing top-up, held from its sponsor: it pays for the record (about 120
	/// bytes) and comes back when the standing top-up ends.
	pub const StandingTopUpDeposit: Balance = 20 * MILLI_DINF;
	/// A subscription that found no eligible offering is tried again a minute later, not every
	/// block: within `AwardTimeout` that is at most eleven tries.
	pub const AwardRetryInterval: u32 = 10;
	/// 0.001 DINF burned from the deposit per try that finds no offering: at most 0.011 DINF of
	/// the 0.1 DINF deposit over `AwardTimeout`. A try reads at most `MaxOfferingsPerType`
	/// offerings, about 4 ms of block time, which transaction fees price near 0.00004 DINF; the
	/// fee is 25 times that, so a flood of hopeless subscriptions pays for the work it causes.
	pub const AwardAttemptFee: Balance = MILLI_DINF;
	/// The market's hook may use a quarter of a block for awards and expiries; the rest waits
	/// for the next block. An award goes ahead only if its worst case (reading all
	/// `MaxOfferingsPerType` offerings, about 190 KB of proof) still fits, and is then charged
	/// for the offerings it read: about 15 KB of proof and 1.4 ms for a type with one offering,
	/// so a quarter of the 10 MiB proof holds about 160 such awards per block, and many more
	/// expiries, while transactions keep their 75 %.
	pub MaxBlockWork: Weight = Perbill::from_percent(25) * configs::RuntimeBlockWeights::get().max_block;
}

impl pallet_dinfra_provider::Config for Runtime {
	type Currency = Balances;
	type RuntimeHoldReason = RuntimeHoldReason;
	type DeploymentTypeDeposit = DeploymentTypeDeposit;
	type ProviderBond = ProviderBond;
	type OfferingDeposit = OfferingDeposit;
	type MaxNameLength = ConstU32<64>;
	/// A CIDv1 of a sha2-256 hash is 59 bytes in base32; 100 leaves room for longer hashes.
	type MaxCidLength = ConstU32<100>;
	type MaxMetadataLength = ConstU32<512>;
	type MaxDescriptionLength = ConstU32<256>;
	/// An award of any provider reads every offering of the type: 64 keeps it within a few
	/// hundred kilobytes of proof in the worst case.
	type MaxOfferingsPerType = ConstU32<64>;
	type MaxOfferingsPerProvider = ConstU32<32>;
	type MaxPreferred = ConstU32<{ dinfra_primitives::MAX_PREFERRED }>;
	type BlockNumberProvider = cumulus_pallet_parachain_system::RelaychainDataProvider<Runtime>;
	type CollateralPerUnit = CollateralPerUnit;
	type TimeoutSlash = TimeoutSlash;
	type FailureSlash = FailureSlash;
	type EarlyCancelSlash = EarlyCancelSlash;
	/// Three faults not paid off by deployments reported running put a provider on probation.
	type StrikeLimit = ConstU32<3>;
	type Probation = Probation;
	type WeightInfo = crate::weights::pallet_dinfra_provider::WeightInfo<Runtime>;
}

impl pallet_dinfra_subscription::Config for Runtime {
	type Currency = Balances;
	type RuntimeHoldReason = RuntimeHoldReason;
	type Market = DinfraProvider;
	type BlockNumberProvider = cumulus_pallet_parachain_system::RelaychainDataProvider<Runtime>;
	type SubscriptionDeposit = SubscriptionDeposit;
	type DefaultMinRunway = DefaultMinRunway;
	type AwardTimeout = AwardTimeout;
	type ProvisionTimeout = ProvisionTimeout;
	type MinServicePeriod = MinServicePeriod;
	type MaxLiveGap = MaxLiveGap;
	type MaxAwardAttempts = ConstU32<3>;
	type LowFundsWarning = LowFundsWarning;
	type MaxQueueLength = ConstU32<1_000>;
	/// A quarter of the queue: a flood of subscriptions to one type leaves room for others.
	type MaxQueuePerType = ConstU32<250>;
	type AwardRetryInterval = AwardRetryInterval;
	type AwardAttemptFee = AwardAttemptFee;
	type MaxCidLength = ConstU32<100>;
	type MaxEndpointLength = ConstU32<256>;
	type MaxReasonLength = ConstU32<256>;
	type MaxBlockWork = MaxBlockWork;
	type MaxEndedRecords = MaxEndedRecords;
	type GracePeriod = GracePeriod;
	type StandingTopUpDeposit = StandingTopUpDeposit;
	type WeightInfo = crate::weights::pallet_dinfra_subscription::WeightInfo<Runtime>;
	#[cfg(feature = "runtime-benchmarks")]
	type BenchmarkHelper = BenchmarkMarket;
}

/// Sets up offerings for the subscription pallet's benchmarks through the provider pallet.
#[cfg(feature = "runtime-benchmarks")]
pub struct BenchmarkMarket;

#[cfg(feature = "runtime-benchmarks")]
impl pallet_dinfra_subscription::BenchmarkHelper<AccountId, Balance> for BenchmarkMarket {
	fn market(
		providers: u32,
		capacity: u32,
		price_per_block: Balance,
	) -> (dinfra_primitives::DeploymentTypeId, alloc::vec::Vec<AccountId>) {
		use frame_support::traits::fungible::Mutate;
		let fund = |who: &AccountId| {
			// The bond, the deposit and the collateral of `capacity` units, with room to spare.
			let collateral = CollateralPerUnit::get().saturating_mul(capacity.into());
			let _ = Balances::set_balance(who, (1_000 * DINF).saturating_add(collateral));
		};
		let owner: AccountId = frame_benchmarking::account("type-owner", 0, 0);
		fund(&owner);
		let id = pallet_dinfra_provider::NextDeploymentTypeId::<Runtime>::get();
		let name = alloc::format!("bench-{id}").into_bytes();
		let _ = DinfraProvider::register_deployment_type(
			RuntimeOrigin::signed(owner),
			name.try_into().unwrap_or_default(),
			b"bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy"
				.to_vec()
				.try_into()
				.unwrap_or_default(),
		);
		let providers = (0..providers)
			.map(|i| {
				let who: AccountId = frame_benchmarking::account("provider", id * 1_000 + i, 0);
				fund(&who);
				let _ = DinfraProvider::register_provider(
					RuntimeOrigin::signed(who.clone()),
					Default::default(),
				);
				let _ = DinfraProvider::create_offering(
					RuntimeOrigin::signed(who.clone()),
					id,
					capacity,
					price_per_block,
					Default::default(),
				);
				who
			})
			.collect();
		(id, providers)
	}
}
