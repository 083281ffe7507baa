//! The work behind each call: checks first, then the writes, so that a refused call changes
//! nothing.

use crate::*;
use frame_support::{
	ensure,
	pallet_prelude::*,
	traits::{fungible::MutateHold, tokens::Precision},
};
use sp_runtime::traits::{Saturating, Zero};

impl<T: Config> Pallet<T> {
	pub(crate) fn do_register_deployment_type(
		owner: T::AccountId,
		name: DeploymentTypeName<T>,
		schema_cid: Cid<T>,
	) -> DispatchResult {
		ensure!(is_valid_name(&name), Error::<T>::InvalidName);
		ensure!(dinfra_primitives::cid::validate(&schema_cid).is_ok(), Error::<T>::InvalidCid);
		ensure!(!DeploymentTypeIds::<T>::contains_key(&name), Error::<T>::NameTaken);
		let id = NextDeploymentTypeId::<T>::get();
		let next = id.checked_add(1).ok_or(Error::<T>::DeploymentTypeIdsExhausted)?;
		let deposit = T::DeploymentTypeDeposit::get();
		T::Currency::hold(&HoldReason::DeploymentTypeDeposit.into(), &owner, deposit)?;

		NextDeploymentTypeId::<T>::put(next);
		DeploymentTypeIds::<T>::insert(&name, id);
		DeploymentTypes::<T>::insert(
			id,
			DeploymentType {
				owner: owner.clone(),
				name: name.clone(),
				schema_cid: schema_cid.clone(),
				deposit,
				retired: false,
			},
		);
		Self::deposit_event(Event::DeploymentTypeRegistered {
			id,
			name,
			owner,
			schema_cid,
			deposit,
		});
		Ok(())
	}

	pub(crate) fn do_retire_deployment_type(
		who: T::AccountId,
		id: DeploymentTypeId,
	) -> DispatchResult {
		let mut ty = DeploymentTypes::<T>::get(id).ok_or(Error::<T>::UnknownDeploymentType)?;
		ensure!(ty.owner == who, Error::<T>::NotDeploymentTypeOwner);
		ensure!(!ty.retired, Error::<T>::DeploymentTypeRetired);
		let deposit_returned = T::Currency::release(
			&HoldReason::DeploymentTypeDeposit.into(),
			&who,
			ty.deposit,
			Precision::BestEffort,
		)?;

		DeploymentTypeIds::<T>::remove(&ty.name);
		if OfferingsByType::<T>::decode_len(id).unwrap_or(0) == 0 {
			DeploymentTypes::<T>::remove(id);
		} else {
			ty.retired = true;
			ty.deposit = Zero::zero();
			DeploymentTypes::<T>::insert(id, ty);
		}
		Self::deposit_event(Event::DeploymentTypeRetired { id, deposit_returned });
		Ok(())
	}

	pub(crate) fn do_register_provider(
		who: T::AccountId,
		metadata: ProviderMetadata<T>,
	) -> DispatchResult {
		ensure!(!Providers::<T>::contains_key(&who), Error::<T>::AlreadyProvider);
		let bond = T::ProviderBond::get();
		T::Currency::hold(&HoldReason::ProviderBond.into(), &who, bond)?;
		Providers::<T>::insert(
			&who,
			Provider { metadata, bond, offerings: 0, active_deployments: 0 },
		);
		TrackRecords::<T>::insert(&who, TrackRecordOf::<T>::default());
		Self::deposit_event(Event::ProviderRegistered { provider: who, bond });
		Ok(())
	}

	pub(crate) fn do_update_provider(
		who: T::AccountId,
		metadata: ProviderMetadata<T>,
	) -> DispatchResult {
		Providers::<T>::try_mutate(&who, |provider| {
			let provider = provider.as_mut().ok_or(Error::<T>::NotProvider)?;
			provider.metadata = metadata;
			Ok::<_, DispatchError>(())
		})?;
		Self::deposit_event(Event::ProviderUpdated { provider: who });
		Ok(())
	}

	/// Returns how many offerings were removed, which the call's actual weight depends on.
	pub(crate) fn do_unregister_provider(who: T::AccountId) -> Result<u32, DispatchError> {
		let provider = Providers::<T>::get(&who).ok_or(Error::<T>::NotProvider)?;
		ensure!(provider.active_deployments == 0, Error::<T>::ProviderHasActiveDeployments);

		let mut returned = BalanceOf::<T>::zero();
		let mut removed = 0u32;
		// Bounded by `MaxOfferingsPerProvider`: `create_offering` refuses more.
		for (deployment_type, offering) in Offerings::<T>::drain_prefix(&who) {
			returned = returned.saturating_add(Self::release_offering_deposit(&who, &offering)?);
			Self::unlist_offering(&who, deployment_type);
			removed = removed.saturating_add(1);
		}
		returned = returned.saturating_add(T::Currency::release(
			&HoldReason::ProviderBond.into(),
			&who,
			provider.bond,
			Precision::BestEffort,
		)?);
		Providers::<T>::remove(&who);
		TrackRecords::<T>::remove(&who);
		Self::deposit_event(Event::ProviderUnregistered {
			provider: who,
			offerings_removed: removed,
			returned,
		});
		Ok(removed)
	}

	pub(crate) fn do_create_offering(
		who: T::AccountId,
		deployment_type: DeploymentTypeId,
		capacity: u32,
		price_per_block: BalanceOf<T>,
		description: OfferingDescription<T>,
	) -> DispatchResult {
		let mut provider = Providers::<T>::get(&who).ok_or(Error::<T>::NotProvider)?;
		let ty =
			DeploymentTypes::<T>::get(deployment_type).ok_or(Error::<T>::UnknownDeploymentType)?;
		ensure!(!ty.retired, Error::<T>::DeploymentTypeRetired);
		ensure!(capacity > 0, Error::<T>::ZeroCapacity);
		ensure!(!Offerings::<T>::contains_key(&who, deployment_type), Error::<T>::OfferingExists);
		ensure!(
			provider.offerings < T::MaxOfferingsPerProvider::get(),
			Error::<T>::TooManyOfferingsForProvider
		);
		let mut listed = OfferingsByType::<T>::get(deployment_type);
		listed.try_push(who.clone()).map_err(|_| Error::<T>::TooManyOfferingsForType)?;
		let deposit = T::OfferingDeposit::get();
		let collateral = Self::required_collateral(capacity);
		T::Currency::hold(&HoldReason::OfferingDeposit.into(), &who, deposit)?;
		Self::hold_collateral(&who, collateral)?;

		provider.offerings = provider.offerings.saturating_add(1);
		Providers::<T>::insert(&who, provider);
		OfferingsByType::<T>::insert(deployment_type, listed);
		Offerings::<T>::insert(
			&who,
			deployment_type,
			Offering {
				capacity,
				in_use: 0,
				price_per_block,
				deposit,
				collateral,
				open: true,
				description,
			},
		);
		Self::deposit_event(Event::OfferingCreated {
			provider: who,
			deployment_type,
			capacity,
			price_per_block,
			collateral,
		});
		Ok(())
	}

	pub(crate) fn do_update_offering(
		who: T::AccountId,
		deployment_type: DeploymentTypeId,
		capacity: u32,
		price_per_block: BalanceOf<T>,
		description: OfferingDescription<T>,
	) -> DispatchResult {
		ensure!(capacity > 0, Error::<T>::ZeroCapacity);
		let collateral = Self::required_collateral(capacity);
		Offerings::<T>::try_mutate(&who, deployment_type, |offering| {
			let offering = offering.as_mut().ok_or(Error::<T>::UnknownOffering)?;
			ensure!(capacity >= offering.in_use, Error::<T>::CapacityBelowInUse);
			// The last fallible step: a refused hold leaves the offering as it was.
			if collateral > offering.collateral {
				Self::hold_collateral(&who, collateral.saturating_sub(offering.collateral))?;
			} else {
				Self::release_collateral(&who, offering.collateral.saturating_sub(collateral))?;
			}
			offering.collateral = collateral;
			offering.capacity = capacity;
			offering.price_per_block = price_per_block;
			offering.description = description;
			Ok::<_, DispatchError>(())
		})?;
		Self::deposit_event(Event::OfferingUpdated {
			provider: who,
			deployment_type,
			capacity,
			price_per_block,
			collateral,
		});
		Ok(())
	}

	pub(crate) fn do_set_offering_open(
		who: T::AccountId,
		deployment_type: DeploymentTypeId,
		open: bool,
	) -> DispatchResult {
		Offerings::<T>::try_mutate(&who, deployment_type, |offering| {
			let offering = offering.as_mut().ok_or(Error::<T>::UnknownOffering)?;
			match (offering.open, open) {
				(false, false) => Err(Error::<T>::OfferingAlreadyClosed),
				(true, true) => Err(Error::<T>::OfferingAlreadyOpen),
				_ => {
					offering.open = open;
					Ok(())
				}
			}
		})?;
		let provider = who;
		Self::deposit_event(if open {
			Event::OfferingOpened { provider, deployment_type }
		} else {
			Event::OfferingClosed { provider, deployment_type }
		});
		Ok(())
	}

	pub(crate) fn do_remove_offering(
		who: T::AccountId,
		deployment_type: DeploymentTypeId,
	) -> DispatchResult {
		let offering =
			Offerings::<T>::get(&who, deployment_type).ok_or(Error::<T>::UnknownOffering)?;
		ensure!(offering.in_use == 0, Error::<T>::OfferingInUse);
		let deposit_returned = Self::release_offering_deposit(&who, &offering)?;

		Offerings::<T>::remove(&who, deployment_type);
		Providers::<T>::mutate(&who, |provider| {
			if let Some(provider) = provider {
				provider.offerings = provider.offerings.saturating_sub(1);
			}
		});
		Self::unlist_offering(&who, deployment_type);
		Self::deposit_event(Event::OfferingRemoved {
			provider: who,
			deployment_type,
			deposit_returned,
		});
		Ok(())
	}

	/// Returns an offering's deposit and collateral, and says how much that was.
	fn release_offering_deposit(
		who: &T::AccountId,
		offering: &OfferingOf<T>,
	) -> Result<BalanceOf<T>, DispatchError> {
		let deposit = T::Currency::release(
			&HoldReason::OfferingDeposit.into(),
			who,
			offering.deposit,
			Precision::BestEffort,
		)?;
		let collateral = Self::release_collateral(who, offering.collateral)?;
		Ok(deposit.saturating_add(collateral))
	}

	/// The collateral an offering of `capacity` units needs: `capacity × CollateralPerUnit`.
	pub fn required_collateral(capacity: u32) -> BalanceOf<T> {
		T::CollateralPerUnit::get().saturating_mul(capacity.into())
	}

	/// Holds `amount` of collateral from `who`; nothing to hold is a no-op.
	fn hold_collateral(who: &T::AccountId, amount: BalanceOf<T>) -> DispatchResult {
		if amount.is_zero() {
			return Ok(());
		}
		T::Currency::hold(&HoldReason::OfferingCollateral.into(), who, amount)
	}

	/// Releases `amount` of collateral held from `who`.
	fn release_collateral(
		who: &T::AccountId,
		amount: BalanceOf<T>,
	) -> Result<BalanceOf<T>, DispatchError> {
		if amount.is_zero() {
			return Ok(amount);
		}
		T::Currency::release(&HoldReason::OfferingCollateral.into(), who, amount, Precision::Exact)
	}

	/// Takes `who` off the list of providers of `deployment_type`, and forgets a retired type once
	/// its last offering is gone.
	fn unlist_offering(who: &T::AccountId, deployment_type: DeploymentTypeId) {
		let mut listed = OfferingsByType::<T>::get(deployment_type);
		listed.retain(|p| p != who);
		if listed.is_empty() {
			OfferingsByType::<T>::remove(deployment_type);
			if DeploymentTypes::<T>::get(deployment_type).is_some_and(|ty| ty.retired) {
				DeploymentTypes::<T>::remove(deployment_type);
			}
		} else {
			OfferingsByType::<T>::insert(deployment_type, listed);
		}
	}
}

/// A deployment-type name is an identifier that gateways, reactors and URLs can carry as it is:
/// lowercase ASCII letters, digits, `-`, `_` and `.`, starting with a letter or a digit.
pub(crate) fn is_valid_name(name: &[u8]) -> bool {
	match name.split_first() {
		Some((first, rest)) => {
			(first.is_ascii_lowercase() || first.is_ascii_digit())
				&& rest.iter().all(|c| {
					c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, b'-' | b'_' | b'.')
				})
		}
		None => false,
	}
}
