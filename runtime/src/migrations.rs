//! Migrations that run once, at the runtime upgrade that needs them.
//!
//! - `MinRunwayToPallet` (subscription pallet's storage version 0 → 1): `MinRunway` used to be
//!   the runtime's own parameter in a raw storage key (`twox_128(b":MinRunway:")`) that
//!   `api.query` could not see. It is now the subscription pallet's `MinRunway` storage value,
//!   set by Root with `set_min_runway`. A value Root had set in the raw key is carried over, and
//!   the raw key is removed.

use crate::*;
use frame_support::{
	migrations::VersionedMigration, traits::UncheckedOnRuntimeUpgrade, weights::Weight,
	StorageHasher, Twox128,
};

/// Where the runtime kept `MinRunway` before it was the subscription pallet's.
pub fn legacy_min_runway_key() -> [u8; 16] {
	Twox128::hash(b":MinRunway:")
}

/// Moves a `MinRunway` set in the runtime's raw key into the subscription pallet.
pub struct MoveMinRunway;

impl UncheckedOnRuntimeUpgrade for MoveMinRunway {
	fn on_runtime_upgrade() -> Weight {
		let key = legacy_min_runway_key();
		let moved = frame_support::storage::unhashed::get::<u32>(&key);
		if let Some(blocks) = moved.filter(|blocks| *blocks > 0) {
			pallet_dinfra_subscription::MinRunway::<Runtime>::put(blocks);
			pallet_dinfra_subscription::Intake::<Runtime>::mutate(|intake| {
				intake.min_runway = Some(blocks)
			});
		}
		frame_support::storage::unhashed::kill(&key);
		<Runtime as frame_system::Config>::DbWeight::get().reads_writes(2, 3)
	}
}

/// `MoveMinRunway`, run once: when the subscription pallet's storage version is 0.
pub type MinRunwayToPallet = VersionedMigration<
	0,
	1,
	MoveMinRunway,
	pallet_dinfra_subscription::Pallet<Runtime>,
	<Runtime as frame_system::Config>::DbWeight,
>;

/// The migrations of the next runtime upgrade.
pub type Migrations = (MinRunwayToPallet,);
