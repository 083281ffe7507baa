//! Weights for `pallet_dinfra_subscription` in the pallet's own test runtime (`mock.rs`).
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

/// Weight functions needed for `pallet_dinfra_subscription`.
pub trait WeightInfo {
	fn subscribe() -> Weight;
	fn top_up() -> Weight;
	fn terminate() -> Weight;
	fn report_running() -> Weight;
	fn report_failed() -> Weight;
	/// A `Failed` report on the last attempt, which ends the subscription.
	fn report_failed_ending() -> Weight;
	fn cancel_by_provider() -> Weight;
	fn claim() -> Weight;
	/// Root sets `MinRunway`.
	fn set_min_runway() -> Weight;
	/// A new standing top-up on a suspended subscription, replacing another sponsor's: both
	/// deposits moved, the due entry moved to the next block.
	fn set_standing_top_up() -> Weight;
	/// A standing top-up cancelled, its deposit returned.
	fn cancel_standing_top_up() -> Weight;
	/// `on_initialize` with nothing due: the cursor, the queue bounds and one probe.
	fn on_initialize_idle() -> Weight;
	/// One look at a span of the due index: its bitmap of blocks with entries.
	fn due_probe() -> Weight;
	/// One due entry that ends a subscription, in its worst case: a grace's end, after a
	/// standing top-up its sponsor could not pay, with refund, release and the standing top-up's
	/// deposit returned (the market's release weight is added by the caller).
	fn process_due_entry() -> Weight;
	/// One due entry that draws a standing top-up from another account: a suspended
	/// subscription resumed, the standing top-up ended at its cap.
	fn process_due_entry_drawn() -> Weight;
	/// One queued subscription awarded (the market's award weight is added by the caller).
	fn process_award() -> Weight;
	/// One queued subscription that found no offering: its fee burned, parked until its next try.
	fn process_award_deferred() -> Weight;
	/// One queued subscription that found no offering after `AwardTimeout`: ended `NoOffering`.
	fn process_award_ended() -> Weight;
}

/// Weights for `pallet_dinfra_subscription` using the Substrate node and recommended hardware.
pub struct SubstrateWeight<T>(PhantomData<T>);
impl<T: polkadot_sdk::frame_system::Config> WeightInfo for SubstrateWeight<T> {
	/// Storage: `DinfraProvider::DeploymentTypes` (r:1), `Intake` (r:1 w:1), `AwardQueue` (w:1),
	/// `Subscriptions` (w:1), `Balances::Holds` (r:1 w:1), `System::Account` (r:1 w:1)
	fn subscribe() -> Weight {
		Weight::from_parts(90_000_000, 6_000)
			.saturating_add(T::DbWeight::get().reads(4_u64))
			.saturating_add(T::DbWeight::get().writes(5_u64))
	}
	/// Storage: `Subscriptions` (r:1 w:1), `Due` (r:1 w:2), `DueCount` (r:2 w:2),
	/// `Balances::Holds` (r:2 w:2), `System::Account` (r:2 w:2)
	fn top_up() -> Weight {
		Weight::from_parts(110_000_000, 9_000)
			.saturating_add(T::DbWeight::get().reads(8_u64))
			.saturating_add(T::DbWeight::get().writes(9_u64))
	}
	/// Storage: `Subscriptions` (r:1 w:1), `Due` (r:1 w:1), `DueCount` (r:1 w:1),
	/// `Balances::Holds` (r:2 w:2), `System::Account` (r:2 w:2), `DinfraProvider::Offerings`
	/// (r:1 w:1), `DinfraProvider::Providers` (r:1 w:1), `EndedCursor` (r:1 w:1), `EndedOrder`
	/// (r:1 w:1), `EndedSubscriptions` (w:2), `StandingTopUps` (r:1 w:1) with the sponsor's
	/// `Balances::Holds` (r:1 w:1) and `System::Account` (r:1 w:1)
	fn terminate() -> Weight {
		Weight::from_parts(160_000_000, 20_000)
			.saturating_add(T::DbWeight::get().reads(14_u64))
			.saturating_add(T::DbWeight::get().writes(16_u64))
	}
	/// Storage: `Subscriptions` (r:1 w:1), `Due` (r:1 w:2), `DueCount` (r:2 w:2)
	fn report_running() -> Weight {
		Weight::from_parts(45_000_000, 3_000)
			.saturating_add(T::DbWeight::get().reads(4_u64))
			.saturating_add(T::DbWeight::get().writes(5_u64))
	}
	/// Storage: `Subscriptions` (r:1 w:1), `Due` (r:1 w:1), `DueCount` (r:1 w:1), `Intake`
	/// (r:1 w:1), `AwardQueue` (w:1), `DinfraProvider::Offerings` (r:1 w:1),
	/// `DinfraProvider::Providers` (r:1 w:1)
	fn report_failed() -> Weight {
		Weight::from_parts(70_000_000, 10_000)
			.saturating_add(T::DbWeight::get().reads(6_u64))
			.saturating_add(T::DbWeight::get().writes(7_u64))
	}
	/// As `terminate`, with the failed provider's release.
	fn report_failed_ending() -> Weight {
		Weight::from_parts(180_000_000, 22_000)
			.saturating_add(T::DbWeight::get().reads(16_u64))
			.saturating_add(T::DbWeight::get().writes(18_u64))
	}
	/// As `terminate`.
	fn cancel_by_provider() -> Weight {
		Weight::from_parts(160_000_000, 20_000)
			.saturating_add(T::DbWeight::get().reads(14_u64))
			.saturating_add(T::DbWeight::get().writes(16_u64))
	}
	/// Storage: `Subscriptions` (r:1 w:1), `Due` (r:1 w:2), `DueCount` (r:2 w:2),
	/// `Balances::Holds` (r:1 w:1), `System::Account` (r:2 w:2)
	fn claim() -> Weight {
		Weight::from_parts(80_000_000, 9_000)
			.saturating_add(T::DbWeight::get().reads(7_u64))
			.saturating_add(T::DbWeight::get().writes(8_u64))
	}
	/// Storage: `MinRunway` (r:1 w:1), `Intake` (r:1 w:1)
	fn set_min_runway() -> Weight {
		Weight::from_parts(10_000_000, 1_500)
			.saturating_add(T::DbWeight::get().reads(2_u64))
			.saturating_add(T::DbWeight::get().writes(2_u64))
	}
	/// Storage: `Subscriptions` (r:1 w:1), `StandingTopUps` (r:1 w:1), `Balances::Holds`
	/// (r:2 w:2), `System::Account` (r:2 w:2), `Due` (r:1 w:2), `DueCount` (r:2 w:2),
	/// `DueSpans` (r:2 w:2)
	fn set_standing_top_up() -> Weight {
		Weight::from_parts(120_000_000, 10_000)
			.saturating_add(T::DbWeight::get().reads(11_u64))
			.saturating_add(T::DbWeight::get().writes(12_u64))
	}
	/// Storage: `StandingTopUps` (r:1 w:1), `Subscriptions` (r:1), `Balances::Holds` (r:1 w:1),
	/// `System::Account` (r:1 w:1)
	fn cancel_standing_top_up() -> Weight {
		Weight::from_parts(60_000_000, 6_000)
			.saturating_add(T::DbWeight::get().reads(4_u64))
			.saturating_add(T::DbWeight::get().writes(3_u64))
	}
	/// Storage: `DueCursor` (r:1 w:1), `Intake` (r:1 w:1)
	fn on_initialize_idle() -> Weight {
		Weight::from_parts(5_000_000, 1_500)
			.saturating_add(T::DbWeight::get().reads(2_u64))
			.saturating_add(T::DbWeight::get().writes(2_u64))
	}
	/// Storage: `DueSpans` (r:1)
	fn due_probe() -> Weight {
		Weight::from_parts(4_000_000, 2_500).saturating_add(T::DbWeight::get().reads(1_u64))
	}
	/// As `terminate`, plus finding the due entry in its block.
	fn process_due_entry() -> Weight {
		Weight::from_parts(160_000_000, 20_000)
			.saturating_add(T::DbWeight::get().reads(15_u64))
			.saturating_add(T::DbWeight::get().writes(16_u64))
	}
	/// Storage: `Subscriptions` (r:1 w:1), `StandingTopUps` (r:1 w:1), `MinRunway` (r:1),
	/// `Balances::Holds` (r:2 w:2), `System::Account` (r:2 w:2), `Due` (r:1 w:2), `DueCount`
	/// (r:2 w:2), `DueSpans` (r:2 w:2)
	fn process_due_entry_drawn() -> Weight {
		Weight::from_parts(150_000_000, 12_000)
			.saturating_add(T::DbWeight::get().reads(14_u64))
			.saturating_add(T::DbWeight::get().writes(14_u64))
	}
	/// Storage: `AwardQueue` (r:1 w:2), `Subscriptions` (r:1 w:1), `Due` (w:1), `DueCount`
	/// (r:1 w:1), `ProviderSubscriptions` (w:1)
	fn process_award() -> Weight {
		Weight::from_parts(30_000_000, 6_000)
			.saturating_add(T::DbWeight::get().reads(5_u64))
			.saturating_add(T::DbWeight::get().writes(8_u64))
	}
	/// Storage: `Turns` (r:1 w:2), `TypeQueues` (r:1 w:1), `AwardQueue` (r:1 w:1),
	/// `Subscriptions` (r:1 w:1), `Due` (w:1), `DueCount` (r:1 w:1), `Balances::Holds` (r:1 w:1),
	/// `Balances::TotalIssuance` (r:1 w:1), `System::Account` (r:1 w:1)
	fn process_award_deferred() -> Weight {
		Weight::from_parts(80_000_000, 10_000)
			.saturating_add(T::DbWeight::get().reads(8_u64))
			.saturating_add(T::DbWeight::get().writes(10_u64))
	}
	/// As `terminate` without a provider, plus the queue and the fee.
	fn process_award_ended() -> Weight {
		Weight::from_parts(170_000_000, 20_000)
			.saturating_add(T::DbWeight::get().reads(15_u64))
			.saturating_add(T::DbWeight::get().writes(18_u64))
	}
}
