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

/// The longest list of preferred providers, in an award target and in a quote: the runtime's
/// `MaxPreferred`. A longer list does not decode.
pub const MAX_PREFERRED: u32 = 8;

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
#[scale_info(capture_docs = "always", skip_type_params(MaxPreferred))]
#[codec(mel_bound(AccountId: MaxEncodedLen))]
// The `NoBound` derives repeat the bounds on `AccountId`; `MaxPreferred` needs none.
#[allow(clippy::multiple_bound_locations)]
pub enum AwardTarget<AccountId: Clone + PartialEq + Eq + core::fmt::Debug, MaxPreferred: Get<u32>> {
	/// Any provider with an eligible offering: the market picks the least loaded one.
	Any,
	/// Only this provider.
	Provider(AccountId),
	/// Only providers from this list, which the subscriber trusts; among them the market picks
	/// the least loaded one, whatever their order in the list. At most `MaxPreferred` (8)
	/// providers.
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
#[scale_info(capture_docs = "always")]
pub struct Awarded<AccountId, Balance> {
	/// The provider that now holds one unit of capacity for the deployment.
	pub provider: AccountId,
	/// The offering's price per relay-chain block at the moment of the award, in DINF's smallest
	/// unit (10⁻¹² DINF); later price changes of the offering do not apply to this deployment.
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
#[scale_info(capture_docs = "always")]
pub enum MarketError {
	/// No deployment type has this id.
	UnknownDeploymentType,
	/// The deployment type was retired by its owner: it accepts no new subscriptions.
	DeploymentTypeRetired,
	/// No open offering in the target has free capacity at or below the price cap.
	NoEligibleOffering,
}

/// A provider's fault that the market answers with a slash of the provider's collateral, paid to
/// the subscriber it let down.
#[derive(
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
	Clone,
	Copy,
	PartialEq,
	Eq,
	Debug,
)]
#[scale_info(capture_docs = "always")]
pub enum Fault {
	/// The provider let the provisioning deadline pass without a report. The deadline counts
	/// only the time in which the parachain advanced, so a chain stall is nobody's fault.
	ProvisionTimeout,
	/// The provider reported that it could not provision a valid descriptor.
	ProvisioningFailed,
	/// The provider cancelled a deployment before its minimum service period was over (one
	/// still provisioning, or one running for less than the period).
	EarlyCancel,
}

/// What became of a deployment awarded to a provider, for its track record.
#[derive(
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
	Clone,
	Copy,
	PartialEq,
	Eq,
	Debug,
)]
#[scale_info(capture_docs = "always")]
pub enum Outcome {
	/// The provider reported the deployment running, `provisioning_blocks` after the award
	/// (relay-chain blocks).
	Running {
		/// Relay-chain blocks from the award to the report.
		provisioning_blocks: u32,
	},
	/// The provider declined the descriptor as invalid (it does not follow its schema, cannot be
	/// fetched, or cannot run as written). Not slashed, and not a strike: a subscriber can write
	/// an invalid descriptor on purpose, and must not be able to hurt a provider with it.
	Declined,
	/// The provider cancelled a deployment after its minimum service period. Not slashed.
	Cancelled,
	/// A fault, slashed.
	Fault(Fault),
}

/// A provider's track record, kept on chain so that a wallet can show it without indexing
/// events. Counts are over the provider's current registration: unregistering forgets it, and a
/// new registration starts with an empty record, which clients should read as "unknown".
#[derive(
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
	Clone,
	Copy,
	PartialEq,
	Eq,
	Debug,
	Default,
)]
#[scale_info(capture_docs = "always")]
pub struct TrackRecord<Balance, BlockNumber> {
	/// Deployments awarded to the provider.
	pub awards: u32,
	/// Deployments the provider reported running.
	pub running: u32,
	/// The relay-chain blocks from award to running, summed over `running` deployments: the
	/// mean time to provision is `provisioning_blocks / running`.
	pub provisioning_blocks: u64,
	/// Provisioning deadlines the provider let pass without a report.
	pub timeouts: u32,
	/// Provisionings the provider reported failed.
	pub failures: u32,
	/// Descriptors the provider declined as invalid.
	pub declines: u32,
	/// Deployments the provider cancelled, early or not.
	pub cancellations: u32,
	/// Everything slashed from the provider's collateral and paid to subscribers, in DINF's
	/// smallest unit (10⁻¹² DINF).
	pub slashed: Balance,
	/// Faults since the provider's last probation or since its recent successes paid them off:
	/// each fault adds one, each deployment reported running takes one away. At the market's
	/// strike limit the provider goes on probation.
	pub strikes: u32,
	/// While the relay chain is below this relay-chain block, the provider is on probation: it gets no awards
	/// for `Any` or preferred-list targets, only from subscribers who name it.
	pub probation_until: Option<BlockNumber>,
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

	/// Records what became of a deployment of `deployment_type` awarded to `provider`, and for
	/// a [`Fault`] slashes the provider's collateral for that type and pays it to `subscriber`.
	/// Returns what was paid. Call it before [`Market::release`] of the same deployment.
	fn record_outcome(
		provider: &AccountId,
		deployment_type: DeploymentTypeId,
		outcome: Outcome,
		subscriber: &AccountId,
	) -> Balance;

	/// The worst-case weight of one [`Market::record_outcome`] call (a slash).
	fn record_outcome_weight() -> Weight;

	/// The worst-case weight of one [`Market::award`] call: check that it fits before trying,
	/// then charge the attempt's own weight.
	fn max_award_weight() -> Weight;

	/// The worst-case weight of one [`Market::release`] call.
	fn release_weight() -> Weight;
}
