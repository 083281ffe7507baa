//! The award: which provider gets the next deployment of a type.
//!
//! The rule is load-balanced preference. Among the open offerings of the type whose provider
//! the target admits and that are not excluded, that have free capacity and whose price is within
//! the subscriber's cap, the least loaded (`in_use / capacity`) wins. Ties go to the lower price,
//! then to the lower account id, so every node picks the same provider.
//!
//! Loads compare exactly (cross-multiplied in `u64`), so over many awards each provider's share
//! follows its share of the capacity.

use crate::*;
use alloc::vec::Vec;
use dinfra_primitives::{
	runtime_api::{Quote, QuoteTarget},
	AwardAttempt, AwardTarget, Awarded, Market, MarketError,
};
use frame_support::{pallet_prelude::*, traits::DefensiveSaturating};

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
		let consider = |best: Option<Candidate<T>>, provider: &T::AccountId| {
			if excluded.contains(provider) {
				return best;
			}
			let Some(offering) = Offerings::<T>::get(provider, deployment_type) else {
				return best;
			};
			if !offering.takes_award(&max_price_per_block) {
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
	) -> Vec<Quote<T::AccountId, BalanceOf<T>>> {
		let accepting = DeploymentTypes::<T>::get(deployment_type).is_some_and(|ty| !ty.retired);
		if !accepting {
			return Vec::new();
		}
		let providers = match target {
			QuoteTarget::Any => OfferingsByType::<T>::get(deployment_type).into_inner(),
			QuoteTarget::Provider(provider) => alloc::vec![provider],
			QuoteTarget::Preferred(list) => list,
		};
		let mut quotes: Vec<_> = providers
			.into_iter()
			.filter_map(|provider| {
				let offering = Offerings::<T>::get(&provider, deployment_type)?;
				(offering.open && offering.free_capacity() > 0).then(|| Quote {
					price_per_block: offering.price_per_block,
					capacity: offering.capacity,
					free_capacity: offering.free_capacity(),
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
		Awarded { provider, price_per_block }
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
}
