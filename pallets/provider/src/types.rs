//! The records the provider pallet keeps: deployment types, providers and offerings.

use crate::Config;
use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use polkadot_sdk::{
	frame_support::{pallet_prelude::*, traits::fungible::Inspect},
	frame_system,
	sp_runtime::traits::BlockNumberProvider,
};
use scale_info::TypeInfo;

pub use dinfra_primitives::{DeploymentTypeId, Fault, Outcome, TrackRecord};

/// A block number of the probation clock: the relay chain's, in the runtime.
pub type ClockBlockOf<T> = <<T as Config>::BlockNumberProvider as BlockNumberProvider>::BlockNumber;

/// A provider's track record in a runtime.
pub type TrackRecordOf<T> = TrackRecord<BalanceOf<T>, ClockBlockOf<T>>;

/// The balance type of the pallet's currency.
pub type BalanceOf<T> =
	<<T as Config>::Currency as Inspect<<T as frame_system::Config>::AccountId>>::Balance;

/// A deployment type's unique name, such as `vm-small`.
pub type DeploymentTypeName<T> = BoundedVec<u8, <T as Config>::MaxNameLength>;

/// An IPFS content identifier in its string form (`Qm...`, `bafy...`).
pub type Cid<T> = BoundedVec<u8, <T as Config>::MaxCidLength>;

/// What a provider says about itself: typically a JSON document or a URL.
pub type ProviderMetadata<T> = BoundedVec<u8, <T as Config>::MaxMetadataLength>;

/// What a provider says about one offering: region, hardware, terms.
pub type OfferingDescription<T> = BoundedVec<u8, <T as Config>::MaxDescriptionLength>;

/// The providers that offer one deployment type, in the order their offerings were created.
pub type OfferingProviders<T> =
	BoundedVec<<T as frame_system::Config>::AccountId, <T as Config>::MaxOfferingsPerType>;

/// The award target as the runtime stores and accepts it.
pub type AwardTargetOf<T> = dinfra_primitives::AwardTarget<
	<T as frame_system::Config>::AccountId,
	<T as Config>::MaxPreferred,
>;

/// A kind of infrastructure that providers offer and subscribers subscribe to.
#[derive(
	Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo, Clone, PartialEq, Eq, Debug,
)]
#[scale_info(capture_docs = "always")]
pub struct DeploymentType<AccountId, Balance, Name, Cid> {
	/// The account that registered the type; only it can retire the type.
	pub owner: AccountId,
	/// The unique name, such as `vm-small`.
	pub name: Name,
	/// The CID of the JSON Schema that every descriptor of this type must follow.
	pub schema_cid: Cid,
	/// The deposit held from the owner while the type is registered and not retired, in DINF's smallest unit (10⁻¹² DINF).
	pub deposit: Balance,
	/// A retired type accepts no new offerings and no new subscriptions; what exists goes on.
	pub retired: bool,
}

/// The deployment type record of a runtime.
pub type DeploymentTypeOf<T> = DeploymentType<
	<T as frame_system::Config>::AccountId,
	BalanceOf<T>,
	DeploymentTypeName<T>,
	Cid<T>,
>;

/// A registered provider.
#[derive(
	Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo, Clone, PartialEq, Eq, Debug,
)]
#[scale_info(capture_docs = "always")]
pub struct Provider<Balance, Metadata> {
	/// What the provider publishes about itself.
	pub metadata: Metadata,
	/// The bond held from the provider while it is registered, in DINF's smallest unit (10⁻¹² DINF).
	pub bond: Balance,
	/// How many offerings the provider has, open or closed.
	pub offerings: u32,
	/// How many deployments are awarded to the provider and not yet released, over all its
	/// offerings. A provider cannot unregister while this is above zero.
	pub active_deployments: u32,
}

/// The provider record of a runtime.
pub type ProviderOf<T> = Provider<BalanceOf<T>, ProviderMetadata<T>>;

/// One provider's offer of one deployment type.
#[derive(
	Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo, Clone, PartialEq, Eq, Debug,
)]
#[scale_info(capture_docs = "always")]
pub struct Offering<Balance, Description> {
	/// How many deployments of the type the provider runs at most at once.
	pub capacity: u32,
	/// How many deployments are awarded and not yet released. Never above `capacity`.
	pub in_use: u32,
	/// What a subscriber pays per relay-chain block while the deployment runs, in DINF's smallest unit (10⁻¹² DINF);
	/// zero means free. A change applies to new awards only.
	pub price_per_block: Balance,
	/// The deposit held from the provider for this record, in DINF's smallest unit (10⁻¹² DINF).
	pub deposit: Balance,
	/// The collateral held from the provider for this offering, in DINF's smallest unit (10⁻¹² DINF):
	/// `capacity × CollateralPerUnit` when it was last set, less what has been slashed since.
	pub collateral: Balance,
	/// Whether the offering takes new awards. Deployments already awarded go on either way.
	pub open: bool,
	/// What the provider says about this offering.
	pub description: Description,
}

/// The offering record of a runtime.
pub type OfferingOf<T> = Offering<BalanceOf<T>, OfferingDescription<T>>;

impl<Balance: PartialOrd, Description> Offering<Balance, Description> {
	/// The capacity that is still free.
	pub fn free_capacity(&self) -> u32 {
		self.capacity.saturating_sub(self.in_use)
	}

	/// Whether a new deployment capped at `max_price` may be awarded to this offering, whose
	/// capacity needs `required` collateral: open, with free capacity, within the price, and
	/// with all of its collateral in place (none slashed and not topped up).
	pub fn takes_award(&self, max_price: &Balance, required: &Balance) -> bool {
		self.open
			&& self.free_capacity() > 0
			&& self.price_per_block <= *max_price
			&& self.collateral >= *required
	}

	/// Whether this offering is a better home for the next deployment than `other`: its load
	/// (`in_use / capacity`) is lower, or the loads are equal and its price is lower.
	/// `None` means that they are equally good, and the caller breaks the tie.
	pub fn less_loaded_than(&self, other: &Self) -> Option<bool> {
		// Cross-multiplied in u64, so that no rounding and no overflow can occur.
		let mine = u64::from(self.in_use) * u64::from(other.capacity);
		let theirs = u64::from(other.in_use) * u64::from(self.capacity);
		match mine.cmp(&theirs) {
			core::cmp::Ordering::Less => Some(true),
			core::cmp::Ordering::Greater => Some(false),
			core::cmp::Ordering::Equal => {
				match self.price_per_block.partial_cmp(&other.price_per_block) {
					Some(core::cmp::Ordering::Less) => Some(true),
					Some(core::cmp::Ordering::Greater) => Some(false),
					_ => None,
				}
			}
		}
	}
}
