//! The award: which provider gets the next deployment of a type.
//!
//! The rule is load-balanced preference. Among the open offerings of the type whose provider
//! the target admits and that are not excluded, that have free capacity and whose price is within
//! the subscriber's cap, the least loaded (`in_use / capacity`) wins. Ties go to the lower price,
//! then to the lower account id, so every node picks the same provider.
//!
//! Loads compare exactly (cross-multiplied in `u64`), so over many awards each provider's share
//! follows its share of the capacity, and so of the collateral: an offering takes awards only
//! while its full collateral (`capacity × CollateralPerUnit`) is held. A provider on probation
//! is passed over for `Any` and preferred-list targets; a subscriber who names it still gets it.
//!
//! It also keeps the track record: every award, and through [`Market::record_outcome`] what
//! became of it, with the slash that a fault costs.

use crate::*;
use alloc::vec::Vec;
use dinfra_primitives::{
	runtime_api::{Quote, QuoteTarget},
	AwardAttempt, AwardTarget, Awarded, Market, MarketError, Outcome,
};
use frame_support::{
	pallet_prelude::*,
	traits::{
		fungible::MutateHold,
		tokens::{Fortitude, Precision, Restriction},
		DefensiveSaturating,
	},
};
use sp_runtime::traits::{BlockNumberProvider, Saturating, Zero};

/// A provider and its offering of the type being awarded.
pub type Candidate<T> = (<T as frame_system::Config>::AccountId, OfferingOf<T>);

impl<T: Config> Pallet<T> {
	/// The best offering for a new deployment, without taking its capacity, and how many
	/// offerings were read to find it.
	///
	/// For a named provider or a preferred list only those providers' offerings are read;
	/// for [`AwardTarget::Any`] the type's list of offerings is, which is at most
	/// `MaxOfferingsPerType` long.
	pub fn best_offering(
		deployment_type: DeploymentTypeId,
		target: &AwardTargetOf<T>,
		max_price_per_block: BalanceOf<T>,
		excluded: &[T::AccountId],
	) -> (Result<Candidate<T>, MarketError>, u32) {
		let accepting = match DeploymentTypes::<T>::get(deployment_type) {
			None => Err(MarketError::UnknownDeploymentType),
			Some(ty) if ty.retired => Err(MarketError::DeploymentTypeRetired),
			Some(_) => Ok(()),
		};
		if let Err(e) = accepting {
			return (Err(e), 0);
		}
		// A subscriber who names one provider chose it, whatever its record.
		let screened = !matches!(target, AwardTarget::Provider(_));
		let now = T::BlockNumberProvider::current_block_number();
		let consider = |best: Option<Candidate<T>>, provider: &T::AccountId| {
			if excluded.contains(provider) {
				return best;
			}
			let Some(offering) = Offerings::<T>::get(provider, deployment_type) else {
				return best;
			};
			let required = Self::required_collateral(offering.capacity);
			if !offering.takes_award(&max_price_per_block, &required) {
				return best;
			}
			if screened && Self::on_probation(provider, now) {
				return best;
			}
			match best {
				Some((current, current_offering)) => {
					let wins = offering
						.less_loaded_than(&current_offering)
						.unwrap_or_else(|| *provider < current);
					if wins {
						Some((provider.clone(), offering))
					} else {
						Some((current, current_offering))
					}
				}
				None => Some((provider.clone(), offering)),
			}
		};
		let (best, read) = match target {
			AwardTarget::Any => {
				let list = OfferingsByType::<T>::get(deployment_type);
				(list.iter().fold(None, consider), list.len())
			}
			AwardTarget::Provider(provider) => (consider(None, provider), 1),
			AwardTarget::Preferred(list) => (list.iter().fold(None, consider), list.len()),
		};
		// Both lists are bounded by a `u32` configuration value.
		let read = u32::try_from(read).unwrap_or(u32::MAX);
		(best.ok_or(MarketError::NoEligibleOffering), read)
	}

	/// The open offerings of `deployment_type` in `target` that have free capacity, cheapest
	/// first (ties by account). This is `DinfraApi::quote`; it reads what an award would.
	pub fn quote(
		deployment_type: DeploymentTypeId,
		target: QuoteTarget<T::AccountId>,
	) -> Vec<Quote<T::AccountId, BalanceOf<T>, ClockBlockOf<T>>> {
		let accepting = DeploymentTypes::<T>::get(deployment_type).is_some_and(|ty| !ty.retired);
		if !accepting {
			return Vec::new();
		}
		let providers = match target {
			QuoteTarget::Any => OfferingsByType::<T>::get(deployment_type).into_inner(),
			QuoteTarget::Provider(provider) => alloc::vec![provider],
			QuoteTarget::Preferred(list) => list.into_inner(),
		};
		let mut quotes: Vec<_> = providers
			.into_iter()
			.filter_map(|provider| {
				let offering = Offerings::<T>::get(&provider, deployment_type)?;
				let backed = offering.collateral >= Self::required_collateral(offering.capacity);
				(offering.open && offering.free_capacity() > 0 && backed).then(|| Quote {
					price_per_block: offering.price_per_block,
					capacity: offering.capacity,
					free_capacity: offering.free_capacity(),
					collateral: offering.collateral,
					record: TrackRecords::<T>::get(&provider).unwrap_or_default(),
					provider,
				})
			})
			.collect();
		quotes.sort_by(|a, b| {
			a.price_per_block
				.partial_cmp(&b.price_per_block)
				.unwrap_or(core::cmp::Ordering::Equal)
				.then_with(|| a.provider.cmp(&b.provider))
		});
		quotes.dedup_by(|a, b| a.provider == b.provider);
		quotes
	}

	/// Takes one unit of capacity of the best offering and records the deployment on the
	/// provider. The weight is that of the offerings read (the benchmark's `n`; at least one,
	/// which also covers an attempt that stopped at the deployment type).
	pub(crate) fn do_award(
		deployment_type: DeploymentTypeId,
		target: &AwardTargetOf<T>,
		max_price_per_block: BalanceOf<T>,
		excluded: &[T::AccountId],
	) -> AwardAttempt<T::AccountId, BalanceOf<T>> {
		let (best, read) =
			Self::best_offering(deployment_type, target, max_price_per_block, excluded);
		let weight = T::WeightInfo::award(read.max(1));
		let outcome =
			best.map(|(provider, offering)| Self::take_unit(deployment_type, provider, offering));
		AwardAttempt { outcome, weight }
	}

	/// Takes one unit of the capacity of `provider`'s offering of `deployment_type`.
	fn take_unit(
		deployment_type: DeploymentTypeId,
		provider: T::AccountId,
		mut offering: OfferingOf<T>,
	) -> Awarded<T::AccountId, BalanceOf<T>> {
		// `takes_award` checked that a unit is free, so this cannot pass the capacity.
		offering.in_use = offering.in_use.saturating_add(1);
		let price_per_block = offering.price_per_block;
		Offerings::<T>::insert(&provider, deployment_type, offering);
		Providers::<T>::mutate(&provider, |record| {
			if let Some(record) = record {
				record.active_deployments = record.active_deployments.saturating_add(1);
			}
		});
		TrackRecords::<T>::mutate(&provider, |record| {
			if let Some(record) = record {
				record.awards = record.awards.saturating_add(1);
			}
		});
		Awarded { provider, price_per_block }
	}

	/// Whether `provider` is on probation at relay-chain block `now`.
	pub fn on_probation(provider: &T::AccountId, now: ClockBlockOf<T>) -> bool {
		TrackRecords::<T>::get(provider)
			.and_then(|record| record.probation_until)
			.is_some_and(|until| now < until)
	}

	/// Records what became of a deployment awarded to `provider`, slashes it for a fault, and
	/// starts a probation at `StrikeLimit` strikes. Returns what the subscriber was paid.
	pub(crate) fn do_record_outcome(
		provider: &T::AccountId,
		deployment_type: DeploymentTypeId,
		outcome: Outcome,
		subscriber: &T::AccountId,
	) -> BalanceOf<T> {
		let Some(mut record) = TrackRecords::<T>::get(provider) else {
			// A provider with deployments cannot unregister, so its record exists.
			log::error!(target: LOG_TARGET, "outcome for {provider:?}, which has no record");
			return Zero::zero();
		};
		let mut paid = Zero::zero();
		match outcome {
			Outcome::Running { provisioning_blocks } => {
				record.running.saturating_inc();
				record.provisioning_blocks =
					record.provisioning_blocks.saturating_add(provisioning_blocks.into());
				record.strikes.saturating_dec();
			}
			Outcome::Declined => record.declines.saturating_inc(),
			Outcome::Cancelled => record.cancellations.saturating_inc(),
			Outcome::Fault(fault) => {
				match fault {
					Fault::ProvisionTimeout => record.timeouts.saturating_inc(),
					Fault::ProvisioningFailed => record.failures.saturating_inc(),
					Fault::EarlyCancel => record.cancellations.saturating_inc(),
				}
				paid = Self::slash(provider, deployment_type, fault, subscriber);
				record.slashed = record.slashed.saturating_add(paid);
				record.strikes.saturating_inc();
				if record.strikes >= T::StrikeLimit::get() {
					let until = T::BlockNumberProvider::current_block_number()
						.saturating_add(T::Probation::get());
					record.strikes = 0;
					record.probation_until = Some(until);
					Self::deposit_event(Event::ProbationStarted {
						provider: provider.clone(),
						until,
					});
				}
			}
		}
		TrackRecords::<T>::insert(provider, record);
		paid
	}

	/// Moves the share of one unit's collateral that `fault` costs from `provider`'s offering
	/// of `deployment_type` to `subscriber`'s free balance, at most what the offering still
	/// holds. Returns what was moved.
	fn slash(
		provider: &T::AccountId,
		deployment_type: DeploymentTypeId,
		fault: Fault,
		subscriber: &T::AccountId,
	) -> BalanceOf<T> {
		let share = match fault {
			Fault::ProvisionTimeout => T::TimeoutSlash::get(),
			Fault::ProvisioningFailed => T::FailureSlash::get(),
			Fault::EarlyCancel => T::EarlyCancelSlash::get(),
		};
		Offerings::<T>::mutate(provider, deployment_type, |offering| {
			let Some(offering) = offering else { return Zero::zero() };
			let amount = share.mul_floor(T::CollateralPerUnit::get()).min(offering.collateral);
			if amount.is_zero() {
				return amount;
			}
			// Recorded on the offering before the event, and capped by what it holds.
			match T::Currency::transfer_on_hold(
				&HoldReason::OfferingCollateral.into(),
				provider,
				subscriber,
				amount,
				Precision::BestEffort,
				Restriction::Free,
				Fortitude::Force,
			) {
				Ok(moved) => {
					offering.collateral = offering.collateral.saturating_sub(moved);
					Self::deposit_event(Event::Slashed {
						provider: provider.clone(),
						deployment_type,
						fault,
						amount: moved,
						to: subscriber.clone(),
					});
					moved
				}
				Err(e) => {
					log::error!(target: LOG_TARGET, "slash of {provider:?} failed: {e:?}");
					Zero::zero()
				}
			}
		})
	}

	/// Gives back one unit of capacity taken by an award to `provider`.
	pub(crate) fn do_release(provider: &T::AccountId, deployment_type: DeploymentTypeId) {
		Offerings::<T>::mutate(provider, deployment_type, |offering| match offering {
			Some(offering) => offering.in_use.defensive_saturating_dec(),
			None => log::error!(
				target: LOG_TARGET,
				"release for provider {provider:?} of type {deployment_type} without an offering",
			),
		});
		Providers::<T>::mutate(provider, |record| match record {
			Some(record) => record.active_deployments.defensive_saturating_dec(),
			None => log::error!(target: LOG_TARGET, "release for unknown provider {provider:?}"),
		});
	}
}

impl<T: Config> Market<T::AccountId, BalanceOf<T>> for Pallet<T> {
	type MaxPreferred = T::MaxPreferred;

	fn ensure_accepting(deployment_type: DeploymentTypeId) -> Result<(), MarketError> {
		match DeploymentTypes::<T>::get(deployment_type) {
			None => Err(MarketError::UnknownDeploymentType),
			Some(ty) if ty.retired => Err(MarketError::DeploymentTypeRetired),
			Some(_) => Ok(()),
		}
	}

	fn award(
		deployment_type: DeploymentTypeId,
		target: &AwardTargetOf<T>,
		max_price_per_block: BalanceOf<T>,
		excluded: &[T::AccountId],
	) -> AwardAttempt<T::AccountId, BalanceOf<T>> {
		Self::do_award(deployment_type, target, max_price_per_block, excluded)
	}

	fn release(provider: &T::AccountId, deployment_type: DeploymentTypeId) {
		Self::do_release(provider, deployment_type)
	}

	fn max_award_weight() -> Weight {
		T::WeightInfo::award(T::MaxOfferingsPerType::get())
	}

	fn release_weight() -> Weight {
		T::WeightInfo::release()
	}

	fn record_outcome(
		provider: &T::AccountId,
		deployment_type: DeploymentTypeId,
		outcome: Outcome,
		subscriber: &T::AccountId,
	) -> BalanceOf<T> {
		Self::do_record_outcome(provider, deployment_type, outcome, subscriber)
	}

	fn record_outcome_weight() -> Weight {
		T::WeightInfo::record_outcome()
	}
}
