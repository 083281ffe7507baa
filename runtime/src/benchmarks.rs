//! The pallets `frame-omni-bencher` measures in this runtime, to generate their `weights.rs`:
//!
//! ```text
//! cargo build -p dinfra-runtime --release --features runtime-benchmarks
//! frame-omni-bencher v1 benchmark pallet \
//!   --runtime $CARGO_TARGET_DIR/release/wbuild/dinfra-runtime/dinfra_runtime.compact.compressed.wasm \
//!   --pallet pallet_dinfra_subscription --extrinsic '*' --steps 50 --repeat 20 \
//!   --output pallets/subscription/src/weights.rs
//! ```

polkadot_sdk::frame_benchmarking::define_benchmarks!(
	[pallet_dinfra_provider, DinfraProvider]
	[pallet_dinfra_subscription, DinfraSubscription]
);
