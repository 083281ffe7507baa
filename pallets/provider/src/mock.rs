//! A test runtime with balances and the provider registry.

use crate as pallet_dinfra_provider;
pub use polkadot_sdk::pallet_balances;
use polkadot_sdk::{
	frame_support,
	frame_support::{
		derive_impl, parameter_types,
		traits::{fungible::InspectHold, ConstU32, Hooks},
	},
	frame_system,
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

pub const TYPE_DEPOSIT: Balance = 100;
pub const PROVIDER_BOND: Balance = 1_000;
pub const OFFERING_DEPOSIT: Balance = 50;
pub const MAX_OFFERINGS_PER_TYPE: u32 = 8;
pub const MAX_OFFERINGS_PER_PROVIDER: u32 = 4;
/// Collateral per unit of capacity.
pub const COLLATERAL_PER_UNIT: Balance = 10;
pub const STRIKE_LIMIT: u32 = 3;
pub const PROBATION: u64 = 20;

parameter_types! {
	pub const DeploymentTypeDeposit: Balance = TYPE_DEPOSIT;
	pub const ProviderBond: Balance = PROVIDER_BOND;
	pub const OfferingDeposit: Balance = OFFERING_DEPOSIT;
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
	type MaxMetadataLength = ConstU32<256>;
	type MaxDescriptionLength = ConstU32<256>;
	type MaxOfferingsPerType = ConstU32<MAX_OFFERINGS_PER_TYPE>;
	type MaxOfferingsPerProvider = ConstU32<MAX_OFFERINGS_PER_PROVIDER>;
	type MaxPreferred = ConstU32<4>;
	type BlockNumberProvider = System;
	type CollateralPerUnit = CollateralPerUnit;
	type TimeoutSlash = TimeoutSlash;
	type FailureSlash = FailureSlash;
	type EarlyCancelSlash = EarlyCancelSlash;
	type StrikeLimit = ConstU32<STRIKE_LIMIT>;
	type Probation = Probation;
	type WeightInfo = crate::weights::SubstrateWeight<Test>;
}

/// Every account from 1 to 20 starts with this much.
pub const ENDOWMENT: Balance = 1_000_000;
/// An account with nothing, to test refusals for lack of funds.
pub const PAUPER: AccountId = 99;

pub const SCHEMA_CID: &[u8] = b"bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy";

pub fn new_test_ext() -> polkadot_sdk::sp_io::TestExternalities {
	let mut storage = frame_system::GenesisConfig::<Test>::default().build_storage().unwrap();
	pallet_balances::GenesisConfig::<Test> {
		balances: (1..=20).map(|who| (who, ENDOWMENT)).collect(),
		..Default::default()
	}
	.assimilate_storage(&mut storage)
	.unwrap();
	let mut ext = polkadot_sdk::sp_io::TestExternalities::new(storage);
	ext.execute_with(|| System::set_block_number(1));
	ext
}

/// Runs blocks up to `n`, checking the registry's invariants after each one.
pub fn run_to_block(n: u64) {
	while System::block_number() < n {
		DinfraProvider::on_finalize(System::block_number());
		DinfraProvider::do_try_state().expect("invariants hold");
		System::set_block_number(System::block_number() + 1);
		DinfraProvider::on_initialize(System::block_number());
	}
	DinfraProvider::do_try_state().expect("invariants hold");
}

/// The total held from `who` by this pallet, for any reason.
pub fn held(who: AccountId) -> Balance {
	Balances::total_balance_on_hold(&who)
}

/// The sum of all balances, to show that no call creates or destroys funds.
pub fn total_issuance() -> Balance {
	<Balances as polkadot_sdk::frame_support::traits::fungible::Inspect<AccountId>>::total_issuance(
	)
}

/// A `BoundedVec` from a literal that fits its bound.
pub fn bounded<S: polkadot_sdk::frame_support::traits::Get<u32>>(
	bytes: &[u8],
) -> polkadot_sdk::frame_support::BoundedVec<u8, S> {
	bytes.to_vec().try_into().expect("literal fits the bound")
}
