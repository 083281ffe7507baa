//! # The DINFRA parachain runtime
//!
//! A cumulus parachain runtime that composes the DINFRA market (`DinfraProvider`,
//! `DinfraSubscription`) with the pallets every collator-run parachain needs: consensus (Aura,
//! collator selection, sessions), the native token DINF (12 decimals) with transaction fees,
//! and XCM with its message queues.
//!
//! - `configs/` holds each pallet's configuration, `configs/dinfra.rs` the market's economics;
//! - `genesis_config_presets.rs` the `development` and `local_testnet` presets;
//! - `apis.rs` every runtime API, `DinfraApi` among them.

#![cfg_attr(not(feature = "std"), no_std)]
// `construct_runtime!` recurses deeply.
#![recursion_limit = "256"]

#[cfg(feature = "std")]
include!(concat!(env!("OUT_DIR"), "/wasm_binary.rs"));

extern crate alloc;

// Defines `list_benchmarks!` and `add_benchmarks!`, which `apis` uses: it comes first.
#[cfg(feature = "runtime-benchmarks")]
#[macro_use]
mod benchmarks;

pub mod apis;
pub mod configs;
pub mod genesis_config_presets;
pub mod migrations;
pub mod weights;

pub use polkadot_sdk::{staging_parachain_info as parachain_info, *};

use alloc::{borrow::Cow, vec::Vec};
use frame_support::weights::{constants::WEIGHT_REF_TIME_PER_SECOND, Weight};
use sp_runtime::{
	generic, impl_opaque_keys,
	traits::{BlakeTwo256, IdentifyAccount, Verify},
	MultiSignature,
};
use sp_version::RuntimeVersion;

pub use sp_consensus_aura::sr25519::AuthorityId as AuraId;
pub use sp_runtime::{MultiAddress, Perbill, Permill};

/// A transaction signature: sr25519, ed25519 or ecdsa.
pub type Signature = MultiSignature;
/// An account: the public key of its signing scheme.
pub type AccountId = <<Signature as Verify>::Signer as IdentifyAccount>::AccountId;
/// An amount of DINF, in its smallest unit (10^-12 DINF).
pub type Balance = u128;
/// How many transactions an account has sent.
pub type Nonce = u32;
/// A block or state hash.
pub type Hash = sp_core::H256;
/// A parachain block number. (The market's billing clock is the relay chain's block number.)
pub type BlockNumber = u32;
/// How transactions name accounts.
pub type Address = MultiAddress<AccountId, ()>;
/// A block header.
pub type Header = generic::Header<BlockNumber, BlakeTwo256>;
/// A block.
pub type Block = generic::Block<Header, UncheckedExtrinsic>;

/// The checks every signed transaction passes, wrapped in storage-weight reclaim so that
/// unused proof size is given back to the block.
pub type TxExtension = cumulus_pallet_weight_reclaim::StorageWeightReclaim<
	Runtime,
	(
		frame_system::CheckNonZeroSender<Runtime>,
		frame_system::CheckSpecVersion<Runtime>,
		frame_system::CheckTxVersion<Runtime>,
		frame_system::CheckGenesis<Runtime>,
		frame_system::CheckEra<Runtime>,
		frame_system::CheckNonce<Runtime>,
		frame_system::CheckWeight<Runtime>,
		pallet_transaction_payment::ChargeTransactionPayment<Runtime>,
	),
>;

/// A transaction as it arrives.
pub type UncheckedExtrinsic =
	generic::UncheckedExtrinsic<Address, RuntimeCall, Signature, TxExtension>;

/// Dispatches blocks and transactions to the pallets.
pub type Executive = frame_executive::Executive<
	Runtime,
	Block,
	frame_system::ChainContext<Runtime>,
	Runtime,
	AllPalletsWithSystem,
	migrations::Migrations,
>;

/// Types that the node needs without knowing the runtime's calls.
pub mod opaque {
	use super::*;
	pub use sp_runtime::OpaqueExtrinsic as UncheckedExtrinsic;
	/// An opaque block header.
	pub type Header = generic::Header<BlockNumber, BlakeTwo256>;
	/// An opaque block.
	pub type Block = generic::Block<Header, UncheckedExtrinsic>;
}

impl_opaque_keys! {
	/// The session keys of a collator: its Aura key.
	pub struct SessionKeys {
		/// The key that signs the blocks it authors.
		pub aura: Aura,
	}
}

/// The runtime's version. `spec_version` goes up with every change of behaviour.
#[sp_version::runtime_version]
pub const VERSION: RuntimeVersion = RuntimeVersion {
	spec_name: Cow::Borrowed("dinfra"),
	impl_name: Cow::Borrowed("dinfra"),
	authoring_version: 1,
	spec_version: 2,
	impl_version: 0,
	apis: apis::RUNTIME_API_VERSIONS,
	transaction_version: 2,
	system_version: 1,
};

/// The target time between parachain blocks.
pub const MILLISECS_PER_BLOCK: u64 = 6000;
/// Aura's slot: one block per slot. It cannot change once the chain runs.
pub const SLOT_DURATION: u64 = MILLISECS_PER_BLOCK;
/// Blocks in a minute, an hour, a day, at the target block time.
pub const MINUTES: BlockNumber = 60_000 / (MILLISECS_PER_BLOCK as BlockNumber);
/// Blocks in an hour.
pub const HOURS: BlockNumber = MINUTES * 60;
/// Blocks in a day.
pub const DAYS: BlockNumber = HOURS * 24;

/// One DINF.
pub const DINF: Balance = 1_000_000_000_000;
/// A thousandth of a DINF.
pub const MILLI_DINF: Balance = DINF / 1_000;
/// A millionth of a DINF.
pub const MICRO_DINF: Balance = DINF / 1_000_000;
/// The least an account must hold to exist.
pub const EXISTENTIAL_DEPOSIT: Balance = MILLI_DINF;

/// About 5 % of a block's weight goes to `on_initialize` hooks; extrinsics get the rest.
const AVERAGE_ON_INITIALIZE_RATIO: Perbill = Perbill::from_percent(5);
/// Normal transactions may fill 75 % of a block; the rest is kept for operational ones.
const NORMAL_DISPATCH_RATIO: Perbill = Perbill::from_percent(75);
/// Two seconds of compute per block, and the relay chain's proof-of-validity size limit.
const MAXIMUM_BLOCK_WEIGHT: Weight = Weight::from_parts(
	WEIGHT_REF_TIME_PER_SECOND.saturating_mul(2),
	cumulus_primitives_core::relay_chain::MAX_POV_SIZE as u64,
);
/// How many blocks may be built ahead of their inclusion on the relay chain.
const UNINCLUDED_SEGMENT_CAPACITY: u32 = 3;
/// Parachain blocks per relay-chain block.
const BLOCK_PROCESSING_VELOCITY: u32 = 1;
/// The relay chain's slot, in milliseconds.
const RELAY_CHAIN_SLOT_DURATION_MILLIS: u32 = 6000;

#[frame_support::runtime]
mod runtime {
	#[runtime::runtime]
	#[runtime::derive(
		RuntimeCall,
		RuntimeEvent,
		RuntimeError,
		RuntimeOrigin,
		RuntimeFreezeReason,
		RuntimeHoldReason,
		RuntimeSlashReason,
		RuntimeLockId,
		RuntimeTask,
		RuntimeViewFunction
	)]
	pub struct Runtime;

	#[runtime::pallet_index(0)]
	pub type System = frame_system;
	#[runtime::pallet_index(1)]
	pub type ParachainSystem = cumulus_pallet_parachain_system;
	#[runtime::pallet_index(2)]
	pub type Timestamp = pallet_timestamp;
	#[runtime::pallet_index(3)]
	pub type ParachainInfo = parachain_info;
	#[runtime::pallet_index(4)]
	pub type WeightReclaim = cumulus_pallet_weight_reclaim;

	#[runtime::pallet_index(10)]
	pub type Balances = pallet_balances;
	#[runtime::pallet_index(11)]
	pub type TransactionPayment = pallet_transaction_payment;

	#[runtime::pallet_index(15)]
	pub type Sudo = pallet_sudo;

	// Collator support; the order matters for the session hooks.
	#[runtime::pallet_index(20)]
	pub type Authorship = pallet_authorship;
	#[runtime::pallet_index(21)]
	pub type CollatorSelection = pallet_collator_selection;
	#[runtime::pallet_index(22)]
	pub type Session = pallet_session;
	#[runtime::pallet_index(23)]
	pub type Aura = pallet_aura;
	#[runtime::pallet_index(24)]
	pub type AuraExt = cumulus_pallet_aura_ext;

	#[runtime::pallet_index(30)]
	pub type XcmpQueue = cumulus_pallet_xcmp_queue;
	#[runtime::pallet_index(31)]
	pub type PolkadotXcm = pallet_xcm;
	#[runtime::pallet_index(32)]
	pub type CumulusXcm = cumulus_pallet_xcm;
	#[runtime::pallet_index(33)]
	pub type MessageQueue = pallet_message_queue;

	#[runtime::pallet_index(40)]
	pub type Proxy = pallet_proxy;

	#[runtime::pallet_index(50)]
	pub type DinfraProvider = pallet_dinfra_provider;
	#[runtime::pallet_index(51)]
	pub type DinfraSubscription = pallet_dinfra_subscription;
}

cumulus_pallet_parachain_system::register_validate_block! {
	Runtime = Runtime,
	BlockExecutor = cumulus_pallet_aura_ext::BlockExecutor::<Runtime, Executive>,
}
