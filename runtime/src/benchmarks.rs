//! The pallets measured in this runtime to generate `weights/`: `./scripts/bench` runs
//! `dinfra-node benchmark pallet` over them on the runtime's wasm.

polkadot_sdk::frame_benchmarking::define_benchmarks!(
	[pallet_dinfra_provider, DinfraProvider]
	[pallet_dinfra_subscription, DinfraSubscription]
	[pallet_proxy, Proxy]
);
