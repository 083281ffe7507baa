//! Proxies, and the DINFRA operator: the key a provider's gateway signs with.
//!
//! A provider's gateway (OGate) runs unattended next to the infrastructure, so its key is the
//! one most likely to leak. It must not be the provider's key, which holds the bond and the
//! earnings. The provider adds the gateway's key as a proxy of type
//! [`ProxyType::DinfraOperator`]; that key can then only report deployments, cancel them and
//! claim earnings, each dispatched as the provider, so that claimed funds land in the provider's
//! account and never in the operator's. A leaked operator key can at worst misreport a
//! deployment, which the provider revokes with `proxy.remove_proxy`.

use crate::*;
use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use frame_support::{
	parameter_types,
	traits::{ConstU32, InstanceFilter},
};
use scale_info::TypeInfo;
use sp_runtime::traits::BlakeTwo256;

/// What a storage item costs its owner: 20 milli-DINF per item and 1 milli-DINF per byte, the
/// same scale as the market's own deposits.
const fn deposit(items: u32, bytes: u32) -> Balance {
	items as Balance * 20 * MILLI_DINF + bytes as Balance * MILLI_DINF
}

parameter_types! {
	/// The proxy list of an account: one storage item keyed by the account, with a balance in it.
	pub const ProxyDepositBase: Balance = deposit(1, 8);
	/// Each proxy adds an account (32 bytes), its type (1 byte) and a delay (4 bytes).
	pub const ProxyDepositFactor: Balance = deposit(0, 37);
	/// The announcement list of an account.
	pub const AnnouncementDepositBase: Balance = deposit(1, 8);
	/// Each announcement adds an account (32 bytes), a call hash (32) and a block number (4).
	pub const AnnouncementDepositFactor: Balance = deposit(0, 68);
}

/// What a proxy may do for the account that added it.
#[derive(
	Copy,
	Clone,
	Eq,
	PartialEq,
	Ord,
	PartialOrd,
	Encode,
	Decode,
	DecodeWithMemTracking,
	Debug,
	MaxEncodedLen,
	TypeInfo,
	Default,
)]
pub enum ProxyType {
	/// Anything the account itself may do.
	#[default]
	Any,
	/// A provider's gateway: report a deployment running or failed, cancel a deployment, and
	/// claim earnings into the provider's account. Nothing else, so the key cannot move the
	/// provider's funds, change its offerings or add proxies.
	DinfraOperator,
}

impl InstanceFilter<RuntimeCall> for ProxyType {
	fn filter(&self, call: &RuntimeCall) -> bool {
		match self {
			ProxyType::Any => true,
			ProxyType::DinfraOperator => matches!(
				call,
				RuntimeCall::DinfraSubscription(
					pallet_dinfra_subscription::Call::report_deployment { .. }
						| pallet_dinfra_subscription::Call::cancel_by_provider { .. }
						| pallet_dinfra_subscription::Call::claim { .. }
				)
			),
		}
	}

	fn is_superset(&self, other: &Self) -> bool {
		match (self, other) {
			(ProxyType::Any, _) => true,
			(x, y) => x == y,
		}
	}
}

impl pallet_proxy::Config for Runtime {
	type RuntimeEvent = RuntimeEvent;
	type RuntimeCall = RuntimeCall;
	type Currency = Balances;
	type ProxyType = ProxyType;
	type ProxyDepositBase = ProxyDepositBase;
	type ProxyDepositFactor = ProxyDepositFactor;
	/// A provider needs one operator per gateway; 16 leaves room for rotation and failover.
	type MaxProxies = ConstU32<16>;
	/// Parity's reference-hardware weights, as the template runtimes use.
	type WeightInfo = pallet_proxy::weights::SubstrateWeight<Runtime>;
	type MaxPending = ConstU32<16>;
	type CallHasher = BlakeTwo256;
	type AnnouncementDepositBase = AnnouncementDepositBase;
	type AnnouncementDepositFactor = AnnouncementDepositFactor;
	type BlockNumberProvider = System;
}
