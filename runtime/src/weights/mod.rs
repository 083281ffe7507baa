//! Weights of the DINFRA pallets, measured in this runtime's wasm by `scripts/bench`
//! (`frame-omni-bencher`) on the 2-core reference machine.

pub mod pallet_dinfra_provider;
pub mod pallet_dinfra_subscription;
