//! A test runtime with balances, the provider registry as the market, and subscriptions. The
//! billing clock is the system block number.

use crate as pallet_dinfra_subscription;
use polkadot_sdk::{
	frame_support::{
		self, derive_impl, parameter_types,
		traits::{
			fungible::{Inspect, InspectHold},
			ConstU32, Hooks,
		},
		weights::Weight,
	},
	frame_system, pallet_balances,
	sp_runtime::{BuildStorage, Perbill},
};

pub type AccountId = u64;
pub type Balance = u64;

type Block = frame_system::mocking::MockBlock<Test>;

frame_support::construct_runtime!(
	pub enum Test {
		System: frame_system,
		Balances: pallet_balances,
		DinfraProvider: pallet_dinfra_provider,
		DinfraSubscription: pallet_dinfra_subscription,
	}
);

#[derive_impl(frame_system::config_preludes::TestDefaultConfig)]
impl frame_system::Config for Test {
	type Block = Block;
	type AccountData = pallet_balances::AccountData<Balance>;
}

#[derive_impl(pallet_balances::config_preludes::TestDefaultConfig)]
impl pallet_balances::Config for Test {
	type AccountStore = System;
	type RuntimeHoldReason = RuntimeHoldReason;
}

/// Collateral per unit of an offering's capacity.
pub const COLLATERAL_PER_UNIT: Balance = 100;
/// What a timeout costs a provider (all of a unit's collateral).
pub const TIMEOUT_SLASH: Balance = 100;
/// What a reported failure costs a provider (a fifth of a unit's collateral).
pub const FAILURE_SLASH: Balance = 20;
/// What an early cancellation costs a provider (all of a unit's collateral).
pub const EARLY_CANCEL_SLASH: Balance = 100;
pub const STRIKE_LIMIT: u32 = 3;
pub const PROBATION: u64 = 30;

parameter_types! {
	pub const DeploymentTypeDeposit: Balance = 100;
	pub const ProviderBond: Balance = 1_000;
	pub const OfferingDeposit: Balance = 50;
	pub const CollateralPerUnit: Balance = COLLATERAL_PER_UNIT;
	pub const TimeoutSlash: Perbill = Perbill::from_percent(100);
	pub const FailureSlash: Perbill = Perbill::from_percent(20);
	pub const EarlyCancelSlash: Perbill = Perbill::from_percent(100);
	pub const Probation: u64 = PROBATION;
}

impl pallet_dinfra_provider::Config for Test {
	type Currency = Balances;
	type RuntimeHoldReason = RuntimeHoldReason;
	type DeploymentTypeDeposit = DeploymentTypeDeposit;
	type ProviderBond = ProviderBond;
	type OfferingDeposit = OfferingDeposit;
	type MaxNameLength = ConstU32<32>;
	type MaxCidLength = ConstU32<96>;
	type MaxMetadataLength = ConstU32<64>;
	type MaxDescriptionLength = ConstU32<64>;
	type MaxOfferingsPerType = ConstU32<16>;
	type MaxOfferingsPerProvider = ConstU32<4>;
	type MaxPreferred = ConstU32<4>;
	type BlockNumberProvider = System;
	type CollateralPerUnit = CollateralPerUnit;
	type TimeoutSlash = TimeoutSlash;
	type FailureSlash = FailureSlash;
	type EarlyCancelSlash = EarlyCancelSlash;
	type StrikeLimit = ConstU32<STRIKE_LIMIT>;
	type Probation = Probation;
	type WeightInfo = pallet_dinfra_provider::weights::SubstrateWeight<Test>;
}

pub const SUBSCRIPTION_DEPOSIT: Balance = 10;
pub const MIN_RUNWAY: u64 = 10;
pub const AWARD_TIMEOUT: u64 = 5;
pub const PROVISION_TIMEOUT: u64 = 3;
pub const MAX_AWARD_ATTEMPTS: u32 = 3;
pub const LOW_FUNDS_WARNING: u64 = 5;
pub const MAX_QUEUE_LENGTH: u32 = 400;
pub const MAX_QUEUE_PER_TYPE: u32 = 300;
pub const MIN_SERVICE_PERIOD: u64 = 20;
/// The mock's parachain blocks come one relay block apart; a larger gap is a stall.
pub const MAX_LIVE_GAP: u64 = 1;
/// Few, so that tests see old ends forgotten.
pub const MAX_ENDED_RECORDS: u32 = 8;
/// The longest grace: shorter than most tests' runs, so that the cap shows.
pub const GRACE_PERIOD: u64 = 8;
pub const STANDING_TOP_UP_DEPOSIT: Balance = 3;

parameter_types! {
	pub const SubscriptionDeposit: Balance = SUBSCRIPTION_DEPOSIT;
	pub const DefaultMinRunway: u64 = MIN_RUNWAY;
	pub const AwardTimeout: u64 = AWARD_TIMEOUT;
	pub const ProvisionTimeout: u64 = PROVISION_TIMEOUT;
	pub const LowFundsWarning: u64 = LOW_FUNDS_WARNING;
	pub const MinServicePeriod: u64 = MIN_SERVICE_PERIOD;
	pub const MaxLiveGap: u64 = MAX_LIVE_GAP;
	pub const GracePeriod: u64 = GRACE_PERIOD;
	pub const StandingTopUpDeposit: Balance = STANDING_TOP_UP_DEPOSIT;
	/// One block: a subscription that found no offering is tried again next block, as if
	/// nothing parked it. Tests of the retry policy raise it.
	pub static AwardRetryInterval: u64 = 1;
	/// Nothing, so that refunds stay round; the tests of the fee set it.
	pub static AwardAttemptFee: Balance = 0;
	/// Tests lower it to show that work which does not fit is carried over.
	pub static MaxBlockWork: Weight = Weight::from_parts(1_000_000_000_000, 10 * 1024 * 1024);
}

impl pallet_dinfra_subscription::Config for Test {
	type Currency = Balances;
	type RuntimeHoldReason = RuntimeHoldReason;
	type Market = DinfraProvider;
	type BlockNumberProvider = System;
	type SubscriptionDeposit = SubscriptionDeposit;
	type DefaultMinRunway = DefaultMinRunway;
	type AwardTimeout = AwardTimeout;
	type ProvisionTimeout = ProvisionTimeout;
	type MinServicePeriod = MinServicePeriod;
	type MaxLiveGap = MaxLiveGap;
	type MaxAwardAttempts = ConstU32<MAX_AWARD_ATTEMPTS>;
	type LowFundsWarning = LowFundsWarning;
	type MaxQueueLength = ConstU32<MAX_QUEUE_LENGTH>;
	type MaxQueuePerType = ConstU32<MAX_QUEUE_PER_TYPE>;
	type AwardRetryInterval = AwardRetryInterval;
	type AwardAttemptFee = AwardAttemptFee;
	type MaxCidLength = ConstU32<96>;
	type MaxEndpointLength = ConstU32<64>;
	type MaxReasonLength = ConstU32<64>;
	type MaxBlockWork = MaxBlockWork;
	type GracePeriod = GracePeriod;
	type StandingTopUpDeposit = StandingTopUpDeposit;
	type MaxEndedRecords = ConstU32<MAX_ENDED_RECORDS>;
	type WeightInfo = crate::weights::SubstrateWeight<Test>;
	#[cfg(feature = "runtime-benchmarks")]
	type BenchmarkHelper = MarketSetup;
}

/// Sets up deployment types and offerings through the provider pallet's own calls.
pub struct MarketSetup;

#[cfg(feature = "runtime-benchmarks")]
impl crate::BenchmarkHelper<AccountId, Balance> for MarketSetup {
	fn market(
		providers: u32,
		capacity: u32,
		price_per_block: Balance,
	) -> (dinfra_primitives::DeploymentTypeId, Vec<AccountId>) {
		use polkadot_sdk::frame_support::traits::fungible::Mutate;
		let owner = 10_000;
		Balances::set_balance(&owner, ENDOWMENT);
		let id = pallet_dinfra_provider::NextDeploymentTypeId::<Test>::get();
		DinfraProvider::register_deployment_type(
			RuntimeOrigin::signed(owner),
			bounded(format!("bench-{id}").as_bytes()),
			bounded(DESCRIPTOR_CID),
		)
		.unwrap();
		let accounts = (0..providers)
			.map(|i| {
				let who = 20_000 + u64::from(id) * 1_000 + u64::from(i);
				Balances::set_balance(&who, ENDOWMENT);
				DinfraProvider::register_provider(RuntimeOrigin::signed(who), bounded(b"{}"))
					.unwrap();
				DinfraProvider::create_offering(
					RuntimeOrigin::signed(who),
					id,
					capacity,
					price_per_block,
					bounded(b""),
				)
				.unwrap();
				who
			})
			.collect();
		(id, accounts)
	}
}

/// Accounts 1 to 40 start with this much.
pub const ENDOWMENT: Balance = 1_000_000;
/// An account with nothing.
pub const PAUPER: AccountId = 999;

pub const DESCRIPTOR_CID: &[u8] = b"bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy";

pub fn new_test_ext() -> polkadot_sdk::sp_io::TestExternalities {
	let mut storage = frame_system::GenesisConfig::<Test>::default().build_storage().unwrap();
	pallet_balances::GenesisConfig::<Test> {
		balances: (1..=40).map(|who| (who, ENDOWMENT)).collect(),
		..Default::default()
	}
	.assimilate_storage(&mut storage)
	.unwrap();
	let mut ext = polkadot_sdk::sp_io::TestExternalities::new(storage);
	ext.execute_with(|| {
		System::set_block_number(1);
		DinfraSubscription::on_initialize(1);
	});
	ext
}

/// Checks both pallets' invariants, and that the market's capacity in use is exactly the
/// subscriptions that hold it.
pub fn check_invariants() {
	DinfraProvider::do_try_state().expect("provider invariants hold");
	DinfraSubscription::do_try_state().expect("subscription invariants hold");
	let mut holding = std::collections::BTreeMap::<(AccountId, u32), u32>::new();
	for (_, sub) in crate::Subscriptions::<Test>::iter() {
		if let Some(provider) = sub.status.provider() {
			*holding.entry((*provider, sub.deployment_type)).or_default() += 1;
		}
	}
	for (provider, ty, offering) in pallet_dinfra_provider::Offerings::<Test>::iter() {
		assert_eq!(
			offering.in_use,
			holding.remove(&(provider, ty)).unwrap_or(0),
			"capacity in use of provider {provider} for type {ty} matches its subscriptions"
		);
	}
	assert!(holding.is_empty(), "subscriptions hold capacity of missing offerings: {holding:?}");
}

/// Runs blocks up to `n`, checking every invariant after each one.
pub fn run_to_block(n: u64) {
	while System::block_number() < n {
		check_invariants();
		System::set_block_number(System::block_number() + 1);
		DinfraSubscription::on_initialize(System::block_number());
	}
	check_invariants();
}

/// The total held from `who`, for any reason.
pub fn held(who: AccountId) -> Balance {
	Balances::total_balance_on_hold(&who)
}

/// All the funds there are.
pub fn total_issuance() -> Balance {
	<Balances as Inspect<AccountId>>::total_issuance()
}

/// A `BoundedVec` from a literal that fits its bound.
pub fn bounded<S: polkadot_sdk::frame_support::traits::Get<u32>>(
	bytes: &[u8],
) -> polkadot_sdk::frame_support::BoundedVec<u8, S> {
	bytes.to_vec().try_into().expect("literal fits the bound")
}
