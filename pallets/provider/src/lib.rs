//! # DINFRA provider pallet
//!
//! The registry side of the DINFRA market. It keeps:
//!
//! - **Deployment types**: kinds of infrastructure, such as `vm-small` or `substrate-collator`.
//!   Each names the JSON Schema (by IPFS CID) that its deployment descriptors follow. Anyone may
//!   register one against a deposit; its owner may retire it.
//! - **Providers**: accounts that run infrastructure, registered against a bond.
//! - **Offerings**: one per provider and deployment type, with a capacity, a price per block and
//!   a description. Capacity in use is tracked exactly.
//! - **Collateral behind capacity.** Each offering holds `CollateralPerUnit` for every unit of
//!   capacity it declares (10 DINF a unit in the runtime). Raising the capacity holds more;
//!   lowering it releases the excess, never below what the deployments in use need. Capacity
//!   costs what it promises, so an award's share follows collateral: declaring a huge capacity
//!   without the collateral behind it is refused.
//! - **Slashing that compensates.** A provider that lets a provisioning deadline pass
//!   (`TimeoutSlash` of a unit's collateral, all of it in the runtime), reports a failure
//!   (`FailureSlash`, a fifth), or cancels a deployment early (`EarlyCancelSlash`, all of it) is
//!   slashed from that offering's collateral, and the slash is paid to the subscriber it let
//!   down, into its free balance, in the same block. A provider that declines a descriptor as
//!   invalid is not slashed. An offering whose collateral fell below what its capacity needs
//!   takes no new awards until the provider tops it up (`update_offering` with the same
//!   capacity) or lowers its capacity.
//! - **Track record.** Per provider: awards, deployments reported running, the time from award
//!   to running, timeouts, failures, declines, cancellations and the amount slashed
//!   ([`dinfra_primitives::TrackRecord`], `DinfraApi::provider_record`, and in each quote).
//!   Each fault is a strike and each deployment reported running pays one off; at `StrikeLimit`
//!   strikes (3) the provider is on probation for `Probation` relay-chain blocks (an hour): it
//!   gets no awards for `Any` or preferred-list targets, only from subscribers who name it.
//!
//! It implements [`dinfra_primitives::Market`], through which the subscription pallet awards a
//! deployment to the least loaded eligible offering and gives the capacity back when the
//! deployment ends. An award reads at most `MaxOfferingsPerType` offerings and never scans the
//! providers.
//!
//! Every record a user stores is paid for by a deposit held with this pallet's
//! [`HoldReason`], and every deposit comes back when the record goes.

#![cfg_attr(not(feature = "std"), no_std)]
#![deny(missing_docs)]

extern crate alloc;

mod award;
mod dispatchables;
mod invariants;
pub mod types;
pub mod weights;

#[cfg(feature = "runtime-benchmarks")]
mod benchmarking;
#[cfg(test)]
mod mock;
#[cfg(test)]
mod tests;

pub use pallet::*;
pub use types::*;
pub use weights::WeightInfo;

use polkadot_sdk::{frame_support, frame_system, sp_runtime};

const LOG_TARGET: &str = "runtime::dinfra-provider";

#[frame_support::pallet]
/// The DINFRA provider registry: deployment types (kinds of infrastructure, each with the JSON
/// Schema its descriptors follow), providers (against a bond), and their offerings of capacity at
/// a price per block, with collateral behind every unit of capacity and a track record per
/// provider. The subscription pallet awards subscriptions to these offerings.
///
/// Faults are slashed from an offering's collateral and paid to the subscriber let down: a
/// missed provisioning deadline (`TimeoutSlash` of a unit's collateral), a reported failure
/// (`FailureSlash`), an early cancellation (`EarlyCancelSlash`). Declining an invalid descriptor
/// is not slashed. `StrikeLimit` faults put a provider on probation for `Probation` blocks, in
/// which it gets only awards that name it.
///
/// Units: every amount (deposits, bonds, prices, collateral, slashes) is in DINF's smallest
/// unit, 10⁻¹² DINF (1 DINF = 1,000,000,000,000). Prices are per relay-chain block, and block
/// numbers and durations count relay-chain blocks of about 6 s (600 an hour), never this
/// parachain's own blocks.
pub mod pallet {
	use super::*;
	use frame_support::{
		pallet_prelude::*,
		traits::fungible::{Inspect, Mutate, MutateHold},
	};
	use frame_system::pallet_prelude::*;
	use sp_runtime::{traits::BlockNumberProvider, Perbill};

	/// The in-code storage version.
	const STORAGE_VERSION: StorageVersion = StorageVersion::new(0);

	#[pallet::pallet]
	#[pallet::storage_version(STORAGE_VERSION)]
	pub struct Pallet<T>(_);

	/// Configuration of the provider registry.
	#[pallet::config]
	pub trait Config: polkadot_sdk::frame_system::Config {
		/// The currency that deposits and bonds are held in.
		type Currency: Inspect<Self::AccountId>
			+ Mutate<Self::AccountId>
			+ MutateHold<Self::AccountId, Reason = Self::RuntimeHoldReason>;

		/// The overarching hold reason, which this pallet's [`HoldReason`] is part of.
		type RuntimeHoldReason: From<HoldReason>;

		/// Held from whoever registers a deployment type, and returned when the owner retires it,
		/// in DINF's smallest unit (10⁻¹² DINF).
		///
		/// A type costs the chain a name-index entry and a record of up to
		/// `MaxNameLength + MaxCidLength` bytes, and every gateway has to know it. The deposit
		/// should cover that storage and make squatting many names expensive.
		#[pallet::constant]
		type DeploymentTypeDeposit: Get<BalanceOf<Self>>;

		/// Held from a provider while it is registered, in DINF's smallest unit (10⁻¹² DINF).
		///
		/// The bond is a provider's skin in the game: it makes throw-away provider identities
		/// costly, and pays for the provider record (up to `MaxMetadataLength` bytes).
		#[pallet::constant]
		type ProviderBond: Get<BalanceOf<Self>>;

		/// Held from a provider for each offering it keeps, and returned when it removes the
		/// offering or unregisters, in DINF's smallest unit (10⁻¹² DINF).
		///
		/// Offerings take slots in the bounded per-type list that awards read, so the deposit
		/// also keeps one provider from filling a type's list cheaply.
		#[pallet::constant]
		type OfferingDeposit: Get<BalanceOf<Self>>;

		/// The longest deployment-type name, in bytes.
		#[pallet::constant]
		type MaxNameLength: Get<u32>;

		/// The longest CID, in bytes of its string form. A CIDv1 of a sha2-256 hash in base32 is
		/// 59 bytes.
		#[pallet::constant]
		type MaxCidLength: Get<u32>;

		/// The longest provider metadata, in bytes.
		#[pallet::constant]
		type MaxMetadataLength: Get<u32>;

		/// The longest offering description, in bytes.
		#[pallet::constant]
		type MaxDescriptionLength: Get<u32>;

		/// The most offerings one deployment type can have.
		///
		/// An award of `AwardTarget::Any` reads every offering of the type, so this bounds the
		/// weight (and the proof size) of an award.
		#[pallet::constant]
		type MaxOfferingsPerType: Get<u32>;

		/// The most offerings one provider can have. This bounds the work of unregistering.
		#[pallet::constant]
		type MaxOfferingsPerProvider: Get<u32>;

		/// The longest list of preferred providers a subscriber may give as an award target.
		#[pallet::constant]
		type MaxPreferred: Get<u32>;

		/// The clock of probations: the relay chain's block number in the runtime, the same clock
		/// that bills subscriptions.
		type BlockNumberProvider: BlockNumberProvider;

		/// Collateral held from a provider for each unit of an offering's capacity, in DINF's smallest unit (10⁻¹² DINF).
		///
		/// A unit of capacity is a promise to run one deployment. The collateral is what the
		/// provider answers for that promise with: faults are slashed from it and paid to the
		/// subscribers they hurt. It also makes capacity cost what it claims, so that awards,
		/// which go to the least loaded offering, follow collateral and not a declared number.
		#[pallet::constant]
		type CollateralPerUnit: Get<BalanceOf<Self>>;

		/// The share of one unit's collateral slashed when a provider lets the provisioning
		/// deadline pass without a report, paid to the subscriber.
		#[pallet::constant]
		type TimeoutSlash: Get<Perbill>;

		/// The share of one unit's collateral slashed when a provider reports that it failed to
		/// provision, paid to the subscriber. Below `TimeoutSlash`, so that reporting a failure at
		/// once always costs a provider less than keeping the subscriber waiting.
		#[pallet::constant]
		type FailureSlash: Get<Perbill>;

		/// The share of one unit's collateral slashed when a provider cancels a deployment that
		/// is still provisioning or has run for less than the subscription pallet's minimum
		/// service period, paid to the subscriber.
		#[pallet::constant]
		type EarlyCancelSlash: Get<Perbill>;

		/// How many strikes (faults not yet paid off by deployments reported running) put a
		/// provider on probation.
		#[pallet::constant]
		type StrikeLimit: Get<u32>;

		/// How long a probation lasts, in relay-chain blocks (about 6 s each; the runtime's
		/// `BlockNumberProvider`). A provider on probation gets awards only from subscribers who name it.
		#[pallet::constant]
		type Probation: Get<ClockBlockOf<Self>>;

		/// Weights of this pallet's calls and of the award, from its benchmarks.
		type WeightInfo: WeightInfo;
	}

	/// Why this pallet holds funds.
	#[pallet::composite_enum]
	pub enum HoldReason {
		/// The deposit for a registered deployment type.
		DeploymentTypeDeposit,
		/// A provider's bond.
		ProviderBond,
		/// The deposit for one offering.
		OfferingDeposit,
		/// The collateral behind an offering's capacity: `CollateralPerUnit` per unit, slashed
		/// for faults.
		OfferingCollateral,
	}

	/// The id the next registered deployment type gets.
	#[pallet::storage]
	pub type NextDeploymentTypeId<T> = StorageValue<_, DeploymentTypeId, ValueQuery>;

	/// Deployment types by id. Retired types stay while offerings of them remain. The deposit is
	/// in DINF's smallest unit (10⁻¹² DINF).
	#[pallet::storage]
	pub type DeploymentTypes<T: Config> =
		StorageMap<_, Twox64Concat, DeploymentTypeId, DeploymentTypeOf<T>, OptionQuery>;

	/// The id of each deployment type that is not retired, by name. Names are unique among them.
	#[pallet::storage]
	pub type DeploymentTypeIds<T: Config> =
		StorageMap<_, Blake2_128Concat, DeploymentTypeName<T>, DeploymentTypeId, OptionQuery>;

	/// Registered providers. The bond is in DINF's smallest unit (10⁻¹² DINF).
	#[pallet::storage]
	pub type Providers<T: Config> =
		StorageMap<_, Blake2_128Concat, T::AccountId, ProviderOf<T>, OptionQuery>;

	/// Offerings by provider and deployment type. Prices are per relay-chain block; prices,
	/// deposits and collateral are in DINF's smallest unit (10⁻¹² DINF).
	#[pallet::storage]
	pub type Offerings<T: Config> = StorageDoubleMap<
		_,
		Blake2_128Concat,
		T::AccountId,
		Twox64Concat,
		DeploymentTypeId,
		OfferingOf<T>,
		OptionQuery,
	>;

	/// The providers that have an offering of each deployment type: what an award reads.
	#[pallet::storage]
	pub type OfferingsByType<T: Config> =
		StorageMap<_, Twox64Concat, DeploymentTypeId, OfferingProviders<T>, ValueQuery>;

	/// Each registered provider's track record: what became of the deployments awarded to it.
	/// Created with the provider and removed with it. Durations and the probation's end are in
	/// relay-chain blocks; the amount slashed is in DINF's smallest unit (10⁻¹² DINF).
	#[pallet::storage]
	pub type TrackRecords<T: Config> =
		StorageMap<_, Blake2_128Concat, T::AccountId, TrackRecordOf<T>, OptionQuery>;

	/// Events for providers, subscribers and gateways.
	#[pallet::event]
	#[pallet::generate_deposit(pub(super) fn deposit_event)]
	pub enum Event<T: Config> {
		/// A deployment type was registered. Its descriptors must follow the schema at
		/// `schema_cid`.
		DeploymentTypeRegistered {
			/// The new type's id.
			id: DeploymentTypeId,
			/// Its unique name.
			name: DeploymentTypeName<T>,
			/// Who registered it and owns it.
			owner: T::AccountId,
			/// The CID of its JSON Schema.
			schema_cid: Cid<T>,
			/// The deposit held from the owner, in DINF's smallest unit (10⁻¹² DINF).
			deposit: BalanceOf<T>,
		},
		/// A deployment type was retired: it takes no new offerings or subscriptions, and its
		/// name is free again. Existing offerings and deployments go on.
		DeploymentTypeRetired {
			/// The retired type.
			id: DeploymentTypeId,
			/// The deposit returned to the owner, in DINF's smallest unit (10⁻¹² DINF).
			deposit_returned: BalanceOf<T>,
		},
		/// An account registered as a provider.
		ProviderRegistered {
			/// The provider.
			provider: T::AccountId,
			/// The bond held from it, in DINF's smallest unit (10⁻¹² DINF).
			bond: BalanceOf<T>,
		},
		/// A provider changed its metadata.
		ProviderUpdated {
			/// The provider.
			provider: T::AccountId,
		},
		/// A provider unregistered: its offerings are gone and its bond and deposits are back.
		ProviderUnregistered {
			/// The former provider.
			provider: T::AccountId,
			/// How many offerings were removed with it.
			offerings_removed: u32,
			/// The bond, offering deposits and collateral returned, in DINF's smallest unit (10⁻¹² DINF).
			returned: BalanceOf<T>,
		},
		/// A provider created an offering; it is open for awards.
		OfferingCreated {
			/// The provider.
			provider: T::AccountId,
			/// The deployment type offered.
			deployment_type: DeploymentTypeId,
			/// How many deployments it runs at most at once.
			capacity: u32,
			/// The price per relay-chain block for new awards, in DINF's smallest unit (10⁻¹² DINF); zero is
			/// free.
			price_per_block: BalanceOf<T>,
			/// The collateral held for the capacity, in DINF's smallest unit (10⁻¹² DINF).
			collateral: BalanceOf<T>,
		},
		/// A provider changed an offering's capacity, price or description. A new price applies
		/// to new awards only.
		OfferingUpdated {
			/// The provider.
			provider: T::AccountId,
			/// The deployment type offered.
			deployment_type: DeploymentTypeId,
			/// The new capacity.
			capacity: u32,
			/// The new price per relay-chain block, in DINF's smallest unit (10⁻¹² DINF).
			price_per_block: BalanceOf<T>,
			/// The collateral now held for the capacity, in DINF's smallest unit (10⁻¹² DINF).
			collateral: BalanceOf<T>,
		},
		/// An offering stopped taking new awards; its deployments go on.
		OfferingClosed {
			/// The provider.
			provider: T::AccountId,
			/// The deployment type offered.
			deployment_type: DeploymentTypeId,
		},
		/// A closed offering takes new awards again.
		OfferingOpened {
			/// The provider.
			provider: T::AccountId,
			/// The deployment type offered.
			deployment_type: DeploymentTypeId,
		},
		/// A provider removed an offering with no deployments left.
		OfferingRemoved {
			/// The provider.
			provider: T::AccountId,
			/// The deployment type that was offered.
			deployment_type: DeploymentTypeId,
			/// The offering deposit and collateral returned, in DINF's smallest unit (10⁻¹² DINF).
			deposit_returned: BalanceOf<T>,
		},
		/// A provider's collateral was slashed for a fault and paid to the subscriber it let
		/// down.
		Slashed {
			/// The provider at fault.
			provider: T::AccountId,
			/// The offering whose collateral was slashed.
			deployment_type: DeploymentTypeId,
			/// What the provider did.
			fault: Fault,
			/// How much was paid, in DINF's smallest unit (10⁻¹² DINF).
			amount: BalanceOf<T>,
			/// The subscriber who was paid.
			to: T::AccountId,
		},
		/// A provider reached `StrikeLimit` strikes: until relay-chain block `until` it gets
		/// awards only from subscribers who name it.
		ProbationStarted {
			/// The provider.
			provider: T::AccountId,
			/// The relay-chain block at which the probation ends.
			until: ClockBlockOf<T>,
		},
	}

	/// Why a call to the provider registry was refused. A refused call changes nothing.
	#[pallet::error]
	pub enum Error<T> {
		/// A deployment-type name must be non-empty and use only lowercase ASCII letters,
		/// digits, `-`, `_` and `.`, starting with a letter or digit.
		InvalidName,
		/// Another deployment type that is not retired already has this name.
		NameTaken,
		/// The schema CID is not a CIDv0 (`Qm...`) or a CIDv1 in base32, base58btc or base16.
		InvalidCid,
		/// No deployment type has this id.
		UnknownDeploymentType,
		/// Only the account that registered a deployment type can retire it.
		NotDeploymentTypeOwner,
		/// The deployment type is retired: it takes no new offerings.
		DeploymentTypeRetired,
		/// All deployment-type ids are used up.
		DeploymentTypeIdsExhausted,
		/// This account is already a registered provider.
		AlreadyProvider,
		/// This account is not a registered provider.
		NotProvider,
		/// The provider still has awarded deployments; they must end before it can unregister.
		ProviderHasActiveDeployments,
		/// The provider already has an offering of this deployment type; update it instead.
		OfferingExists,
		/// The provider has no offering of this deployment type.
		UnknownOffering,
		/// An offering's capacity must be at least one.
		ZeroCapacity,
		/// The capacity asked for is below the number of deployments the offering is running.
		CapacityBelowInUse,
		/// The deployment type has the most offerings it can have (`MaxOfferingsPerType`).
		TooManyOfferingsForType,
		/// The provider has the most offerings it can have (`MaxOfferingsPerProvider`).
		TooManyOfferingsForProvider,
		/// The offering is already closed.
		OfferingAlreadyClosed,
		/// The offering is already open.
		OfferingAlreadyOpen,
		/// The offering still runs deployments; it can be closed, but not removed.
		OfferingInUse,
	}

	/// Deployment types that exist from the first block, for example the ones a network
	/// launches with.
	#[pallet::genesis_config]
	#[derive(frame_support::DefaultNoBound)]
	pub struct GenesisConfig<T: Config> {
		/// Each type as `(owner, name, schema_cid)`. The owner's deposit is held as for
		/// `register_deployment_type`.
		pub deployment_types:
			alloc::vec::Vec<(T::AccountId, alloc::vec::Vec<u8>, alloc::vec::Vec<u8>)>,
	}

	#[pallet::genesis_build]
	impl<T: Config> BuildGenesisConfig for GenesisConfig<T> {
		fn build(&self) {
			for (owner, name, schema_cid) in &self.deployment_types {
				// `build` cannot return an error. An entry that breaks the registry's rules is
				// not registered; it is logged, and `defensive!` makes tests and debug builds
				// stop on it, so that a broken preset cannot go unnoticed.
				if let Err(e) = Pallet::<T>::register_genesis_type(owner, name, schema_cid) {
					log::error!(
						target: LOG_TARGET,
						"genesis deployment type {:?} not registered: {e:?}",
						alloc::string::String::from_utf8_lossy(name)
					);
					frame_support::defensive!(
						"a genesis deployment type breaks the registry's rules"
					);
				}
			}
		}
	}

	impl<T: Config> Pallet<T> {
		/// The weight of unregistering with `offerings` offerings: the worse of its two paths
		/// (the offerings' type lists at their longest, or each the last of a retired type).
		pub fn unregister_weight(offerings: u32) -> Weight {
			T::WeightInfo::unregister_provider(offerings)
				.max(T::WeightInfo::unregister_provider_retired(offerings))
		}

		/// Registers one deployment type of the genesis config, by the rules of
		/// `register_deployment_type`.
		fn register_genesis_type(
			owner: &T::AccountId,
			name: &[u8],
			schema_cid: &[u8],
		) -> DispatchResult {
			let name = DeploymentTypeName::<T>::try_from(name.to_vec())
				.map_err(|_| Error::<T>::InvalidName)?;
			let schema_cid =
				Cid::<T>::try_from(schema_cid.to_vec()).map_err(|_| Error::<T>::InvalidCid)?;
			Self::do_register_deployment_type(owner.clone(), name, schema_cid)
		}
	}

	#[pallet::hooks]
	impl<T: Config> Hooks<BlockNumberFor<T>> for Pallet<T> {
		#[cfg(feature = "try-runtime")]
		fn try_state(_n: BlockNumberFor<T>) -> Result<(), sp_runtime::TryRuntimeError> {
			Self::do_try_state()
		}
	}

	#[pallet::call(weight(<T as Config>::WeightInfo))]
	impl<T: Config> Pallet<T> {
		/// Register a deployment type, such as `vm-small`, whose descriptors follow the JSON
		/// Schema at `schema_cid`.
		///
		/// Any signed account may register one. `DeploymentTypeDeposit` is held from it until it
		/// retires the type. The name must be unique among types that are not retired.
		#[pallet::call_index(0)]
		pub fn register_deployment_type(
			origin: OriginFor<T>,
			name: DeploymentTypeName<T>,
			schema_cid: Cid<T>,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_register_deployment_type(who, name, schema_cid)
		}

		/// Retire a deployment type that the caller owns.
		///
		/// It then takes no new offerings or subscriptions, while the existing ones go on. The
		/// deposit is returned and the name can be registered again.
		#[pallet::call_index(1)]
		pub fn retire_deployment_type(
			origin: OriginFor<T>,
			id: DeploymentTypeId,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_retire_deployment_type(who, id)
		}

		/// Register the caller as a provider, holding `ProviderBond` from it.
		#[pallet::call_index(2)]
		pub fn register_provider(
			origin: OriginFor<T>,
			metadata: ProviderMetadata<T>,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_register_provider(who, metadata)
		}

		/// Replace the caller's provider metadata.
		#[pallet::call_index(3)]
		pub fn update_provider(
			origin: OriginFor<T>,
			metadata: ProviderMetadata<T>,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_update_provider(who, metadata)
		}

		/// Unregister the caller as a provider.
		///
		/// Refused while any deployment is awarded to it. Otherwise its offerings are removed,
		/// and its bond and offering deposits are returned.
		#[pallet::call_index(4)]
		#[pallet::weight(Pallet::<T>::unregister_weight(T::MaxOfferingsPerProvider::get()))]
		pub fn unregister_provider(origin: OriginFor<T>) -> DispatchResultWithPostInfo {
			let who = ensure_signed(origin)?;
			let removed = Self::do_unregister_provider(who)?;
			Ok(Some(Self::unregister_weight(removed)).into())
		}

		/// Offer a deployment type: run up to `capacity` deployments of it at once, at
		/// `price_per_block` each, in DINF's smallest unit (10⁻¹² DINF) per relay-chain block (zero means
		/// free). The offering is open at once.
		///
		/// `OfferingDeposit` and `capacity × CollateralPerUnit` of collateral are held from the
		/// provider until it removes the offering.
		#[pallet::call_index(5)]
		pub fn create_offering(
			origin: OriginFor<T>,
			deployment_type: DeploymentTypeId,
			capacity: u32,
			#[pallet::compact] price_per_block: BalanceOf<T>,
			description: OfferingDescription<T>,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_create_offering(who, deployment_type, capacity, price_per_block, description)
		}

		/// Change an offering's capacity, price and description.
		///
		/// The capacity can never drop below the deployments in use. The collateral is brought to
		/// `capacity × CollateralPerUnit`: more is held for a raise, and so is what slashes took
		/// (the way to top up a slashed offering); the excess of a cut is released. The new price
		/// applies to new awards; running deployments keep the price they were awarded at.
		/// `price_per_block` is in DINF's smallest unit (10⁻¹² DINF) per relay-chain block.
		#[pallet::call_index(6)]
		pub fn update_offering(
			origin: OriginFor<T>,
			deployment_type: DeploymentTypeId,
			capacity: u32,
			#[pallet::compact] price_per_block: BalanceOf<T>,
			description: OfferingDescription<T>,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_update_offering(who, deployment_type, capacity, price_per_block, description)
		}

		/// Stop taking new awards for an offering. Running deployments go on.
		#[pallet::call_index(7)]
		pub fn close_offering(
			origin: OriginFor<T>,
			deployment_type: DeploymentTypeId,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_set_offering_open(who, deployment_type, false)
		}

		/// Take new awards for a closed offering again.
		#[pallet::call_index(8)]
		pub fn open_offering(
			origin: OriginFor<T>,
			deployment_type: DeploymentTypeId,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_set_offering_open(who, deployment_type, true)
		}

		/// Remove an offering that runs no deployments, and get its deposit and collateral back.
		#[pallet::call_index(9)]
		pub fn remove_offering(
			origin: OriginFor<T>,
			deployment_type: DeploymentTypeId,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_remove_offering(who, deployment_type)
		}
	}
}
