//! The market: how a subscription finds a provider.
//!
//! The provider pallet keeps offerings and their capacity, and implements [`Market`]. The
//! subscription pallet calls [`Market::award`] when a subscription is to be placed, and
//! [`Market::release`] when its deployment ends, so that every unit of capacity handed out is
//! handed back exactly once.

use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use polkadot_sdk::{
	frame_support::{
		traits::Get, weights::Weight, BoundedVec, CloneNoBound, DebugNoBound, EqNoBound,
		PartialEqNoBound,
	},
	sp_runtime::DispatchError,
};
use scale_info::TypeInfo;

/// A deployment type's identifier, given out in registration order.
pub type DeploymentTypeId = u32;

/// Which providers a subscriber accepts.
#[derive(
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
	CloneNoBound,
	PartialEqNoBound,
	EqNoBound,
	DebugNoBound,
)]
#[scale_info(skip_type_params(MaxPreferred))]
#[codec(mel_bound(AccountId: MaxEncodedLen))]
// The `NoBound` derives repeat the bounds on `AccountId`; `MaxPreferred` needs none.
#[allow(clippy::multiple_bound_locations)]
pub enum AwardTarget<AccountId: Clone + PartialEq + Eq + core::fmt::Debug, MaxPreferred: Get<u32>> {
	/// Any provider with an eligible offering: the market picks the least loaded one.
	Any,
	/// Only this provider.
	Provider(AccountId),
	/// Only providers from this list, which the subscriber trusts; among them the market picks
	/// the least loaded one, whatever their order in the list.
	Preferred(BoundedVec<AccountId, MaxPreferred>),
}

impl<AccountId: Clone + PartialEq + Eq + core::fmt::Debug, MaxPreferred: Get<u32>>
	AwardTarget<AccountId, MaxPreferred>
{
	/// Whether `provider` is acceptable under this target.
	pub fn admits(&self, provider: &AccountId) -> bool {
		match self {
			Self::Any => true,
			Self::Provider(only) => only == provider,
			Self::Preferred(list) => list.contains(provider),
		}
	}
}

/// The outcome of a successful award.
#[derive(Encode, Decode, MaxEncodedLen, TypeInfo, Clone, PartialEq, Eq, Debug)]
pub struct Awarded<AccountId, Balance> {
	/// The provider that now holds one unit of capacity for the deployment.
	pub provider: AccountId,
	/// The offering's price per block at the moment of the award; later price changes of the
	/// offering do not apply to this deployment.
	pub price_per_block: Balance,
}

/// One award attempt: its outcome, and the weight it actually took.
///
/// An award reads the offerings of the providers its target admits: one for a named provider,
/// the list's length for preferred providers, the type's list for any provider. Its worst case
/// ([`Market::max_award_weight`]) reads `MaxOfferingsPerType` of them; a type with a few
/// offerings costs a fraction of that, and the caller is charged only that fraction.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct AwardAttempt<AccountId, Balance> {
	/// The provider and price, or why no offering could take the deployment.
	pub outcome: Result<Awarded<AccountId, Balance>, MarketError>,
	/// The weight of the offerings the attempt read and of what it wrote.
	pub weight: Weight,
}

/// Why the market could not award a deployment.
#[derive(Encode, Decode, MaxEncodedLen, TypeInfo, Clone, Copy, PartialEq, Eq, Debug)]
pub enum MarketError {
	/// No deployment type has this id.
	UnknownDeploymentType,
	/// The deployment type was retired by its owner: it accepts no new subscriptions.
	DeploymentTypeRetired,
	/// No open offering in the target has free capacity at or below the price cap.
	NoEligibleOffering,
}

impl From<MarketError> for DispatchError {
	fn from(e: MarketError) -> Self {
		DispatchError::Other(match e {
			MarketError::UnknownDeploymentType => "UnknownDeploymentType",
			MarketError::DeploymentTypeRetired => "DeploymentTypeRetired",
			MarketError::NoEligibleOffering => "NoEligibleOffering",
		})
	}
}

/// The market of offerings, as the subscription pallet sees it.
pub trait Market<AccountId: Clone + PartialEq + Eq + core::fmt::Debug, Balance> {
	/// The longest preferred-provider list a target may carry.
	type MaxPreferred: Get<u32>;

	/// Whether `deployment_type` exists and accepts new subscriptions (it is not retired).
	fn ensure_accepting(deployment_type: DeploymentTypeId) -> Result<(), MarketError>;

	/// Picks a provider for one deployment of `deployment_type` and takes one unit of its
	/// capacity.
	///
	/// Among the open offerings of the type whose provider the `target` admits, that are not in
	/// `excluded`, that have free capacity, and whose price is at most `max_price_per_block`, the
	/// least loaded one (`in_use / capacity`) wins; ties go to the lower price, then to the lower
	/// account id. The cost is bounded by the configured maximum of offerings per type
	/// ([`Market::max_award_weight`]); the attempt says what it actually took.
	fn award(
		deployment_type: DeploymentTypeId,
		target: &AwardTarget<AccountId, Self::MaxPreferred>,
		max_price_per_block: Balance,
		excluded: &[AccountId],
	) -> AwardAttempt<AccountId, Balance>;

	/// Gives back the unit of capacity that an award to `provider` took.
	fn release(provider: &AccountId, deployment_type: DeploymentTypeId);

	/// The worst-case weight of one [`Market::award`] call: check that it fits before trying,
	/// then charge the attempt's own weight.
	fn max_award_weight() -> Weight;

	/// The worst-case weight of one [`Market::release`] call.
	fn release_weight() -> Weight;
}
