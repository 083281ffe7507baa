//! Weights for `pallet_dinfra_provider` in the pallet's own test runtime (`mock.rs`).
//!
//! The runtime does not use these: it uses the weights `frame-omni-bencher` measured from this
//! pallet's benchmarks in the runtime's wasm (`runtime/src/weights/`, `./scripts/bench`), the one
//! source of weights on chain. These stay separate, on purpose: they list the same storage
//! accesses as the benchmarks' worst cases with round, conservative figures, so that the
//! pallet's tests of the hook's weight meter (how many steps fit a budget) do not move each
//! time the machine that measures the runtime's weights does. A test that depends on a figure
//! computes it from these functions, never from a constant.

#![allow(unused_parens)]
#![allow(unused_imports)]
#![allow(missing_docs)]

use core::marker::PhantomData;
use polkadot_sdk::frame_support::{traits::Get, weights::Weight};

/// Weight functions needed for `pallet_dinfra_provider`.
pub trait WeightInfo {
	fn register_deployment_type() -> Weight;
	fn retire_deployment_type() -> Weight;
	fn register_provider() -> Weight;
	fn update_provider() -> Weight;
	fn unregister_provider(o: u32) -> Weight;
	/// Unregistering when each offering is the last of a retired type, which goes with it.
	fn unregister_provider_retired(o: u32) -> Weight;
	fn create_offering() -> Weight;
	fn update_offering() -> Weight;
	fn close_offering() -> Weight;
	fn open_offering() -> Weight;
	fn remove_offering() -> Weight;
	/// An award that reads `n` offerings.
	fn award(n: u32) -> Weight;
	fn release() -> Weight;
	/// A fault recorded and slashed: the worst case of `Market::record_outcome`.
	fn record_outcome() -> Weight;
}

/// Weights for `pallet_dinfra_provider` using the Substrate node and recommended hardware.
pub struct SubstrateWeight<T>(PhantomData<T>);
impl<T: polkadot_sdk::frame_system::Config> WeightInfo for SubstrateWeight<T> {
	/// Storage: `DinfraProvider::DeploymentTypeIds` (r:1 w:1), proof: 98
	/// Storage: `DinfraProvider::NextDeploymentTypeId` (r:1 w:1), proof: 4
	/// Storage: `Balances::Holds` (r:1 w:1), proof: 1_237 (with `MaxHolds` of the runtime)
	/// Storage: `DinfraProvider::DeploymentTypes` (r:0 w:1), proof: 252
	fn register_deployment_type() -> Weight {
		Weight::from_parts(60_000_000, 3_800)
			.saturating_add(T::DbWeight::get().reads(3_u64))
			.saturating_add(T::DbWeight::get().writes(4_u64))
	}
	/// Storage: `DinfraProvider::DeploymentTypes` (r:1 w:1), `DeploymentTypeIds` (r:0 w:1),
	/// `OfferingsByType` (r:1 w:0), `Balances::Holds` (r:1 w:1)
	fn retire_deployment_type() -> Weight {
		Weight::from_parts(55_000_000, 8_000)
			.saturating_add(T::DbWeight::get().reads(3_u64))
			.saturating_add(T::DbWeight::get().writes(3_u64))
	}
	/// Storage: `DinfraProvider::Providers` (r:1 w:1), `Balances::Holds` (r:1 w:1)
	fn register_provider() -> Weight {
		Weight::from_parts(50_000_000, 4_400)
			.saturating_add(T::DbWeight::get().reads(2_u64))
			.saturating_add(T::DbWeight::get().writes(2_u64))
	}
	/// Storage: `DinfraProvider::Providers` (r:1 w:1)
	fn update_provider() -> Weight {
		Weight::from_parts(25_000_000, 3_300)
			.saturating_add(T::DbWeight::get().reads(1_u64))
			.saturating_add(T::DbWeight::get().writes(1_u64))
	}
	/// Storage: `DinfraProvider::Providers` (r:1 w:1), `Balances::Holds` (r:1 w:1),
	/// per offering: `Offerings` (r:1 w:1), `OfferingsByType` (r:1 w:1), `DeploymentTypes` (r:1 w:1)
	fn unregister_provider(o: u32) -> Weight {
		Weight::from_parts(60_000_000, 4_400)
			.saturating_add(Weight::from_parts(30_000_000, 8_000).saturating_mul(o.into()))
			.saturating_add(T::DbWeight::get().reads(2_u64))
			.saturating_add(T::DbWeight::get().reads((3_u64).saturating_mul(o.into())))
			.saturating_add(T::DbWeight::get().writes(2_u64))
			.saturating_add(T::DbWeight::get().writes((3_u64).saturating_mul(o.into())))
	}
	/// As `unregister_provider`, with each type's record removed.
	fn unregister_provider_retired(o: u32) -> Weight {
		Weight::from_parts(60_000_000, 4_400)
			.saturating_add(Weight::from_parts(32_000_000, 4_000).saturating_mul(o.into()))
			.saturating_add(T::DbWeight::get().reads(3_u64))
			.saturating_add(T::DbWeight::get().reads((3_u64).saturating_mul(o.into())))
			.saturating_add(T::DbWeight::get().writes(3_u64))
			.saturating_add(T::DbWeight::get().writes((4_u64).saturating_mul(o.into())))
	}
	/// Storage: `DinfraProvider::Providers` (r:1 w:1), `DeploymentTypes` (r:1 w:0),
	/// `Offerings` (r:1 w:1), `OfferingsByType` (r:1 w:1), `Balances::Holds` (r:1 w:1)
	fn create_offering() -> Weight {
		Weight::from_parts(70_000_000, 10_000)
			.saturating_add(T::DbWeight::get().reads(5_u64))
			.saturating_add(T::DbWeight::get().writes(4_u64))
	}
	/// Storage: `DinfraProvider::Offerings` (r:1 w:1)
	fn update_offering() -> Weight {
		Weight::from_parts(25_000_000, 3_500)
			.saturating_add(T::DbWeight::get().reads(1_u64))
			.saturating_add(T::DbWeight::get().writes(1_u64))
	}
	/// Storage: `DinfraProvider::Offerings` (r:1 w:1)
	fn close_offering() -> Weight {
		Weight::from_parts(22_000_000, 3_500)
			.saturating_add(T::DbWeight::get().reads(1_u64))
			.saturating_add(T::DbWeight::get().writes(1_u64))
	}
	/// Storage: `DinfraProvider::Offerings` (r:1 w:1)
	fn open_offering() -> Weight {
		Weight::from_parts(22_000_000, 3_500)
			.saturating_add(T::DbWeight::get().reads(1_u64))
			.saturating_add(T::DbWeight::get().writes(1_u64))
	}
	/// Storage: `DinfraProvider::Offerings` (r:1 w:1), `Providers` (r:1 w:1),
	/// `OfferingsByType` (r:1 w:1), `DeploymentTypes` (r:1 w:1), `Balances::Holds` (r:1 w:1)
	fn remove_offering() -> Weight {
		Weight::from_parts(65_000_000, 10_000)
			.saturating_add(T::DbWeight::get().reads(5_u64))
			.saturating_add(T::DbWeight::get().writes(5_u64))
	}
	/// Storage: `DinfraProvider::DeploymentTypes` (r:1 w:0), `OfferingsByType` (r:1 w:0),
	/// `Offerings` (r:n w:1), `TrackRecords` (r:n w:1), `Providers` (r:1 w:1)
	fn award(n: u32) -> Weight {
		Weight::from_parts(22_000_000, 11_000)
			.saturating_add(Weight::from_parts(9_000_000, 5_700).saturating_mul(n.into()))
			.saturating_add(T::DbWeight::get().reads(3_u64))
			.saturating_add(T::DbWeight::get().reads((2_u64).saturating_mul(n.into())))
			.saturating_add(T::DbWeight::get().writes(3_u64))
	}
	/// Storage: `DinfraProvider::Offerings` (r:1 w:1), `Providers` (r:1 w:1)
	fn release() -> Weight {
		Weight::from_parts(20_000_000, 7_000)
			.saturating_add(T::DbWeight::get().reads(2_u64))
			.saturating_add(T::DbWeight::get().writes(2_u64))
	}
	/// Storage: `DinfraProvider::TrackRecords` (r:1 w:1), `Offerings` (r:1 w:1),
	/// `Balances::Holds` (r:1 w:1), `System::Account` (r:2 w:2)
	fn record_outcome() -> Weight {
		Weight::from_parts(60_000_000, 12_000)
			.saturating_add(T::DbWeight::get().reads(5_u64))
			.saturating_add(T::DbWeight::get().writes(5_u64))
	}
}
