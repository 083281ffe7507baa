//! The invariants of the registry, checked by `try_state` and after every block in tests.

use crate::*;
use alloc::collections::btree_map::BTreeMap;
use frame_support::{
	ensure,
	traits::{fungible::InspectHold, Get},
};
use sp_runtime::{
	traits::{Saturating, Zero},
	TryRuntimeError,
};

impl<T: Config> Pallet<T> {
	/// Checks that capacity in use is within capacity and adds up on every provider, that the
	/// per-type lists match the offerings, that names index exactly the types that are not
	/// retired, that every provider has a track record and every record a provider, that no
	/// offering holds more collateral than its capacity needs, and that the funds held under each
	/// [`HoldReason`] equal the deposits, bonds and collateral the records say were taken.
	pub fn do_try_state() -> Result<(), TryRuntimeError> {
		// What each account should have on hold, per reason, from the records.
		let mut type_deposits = Held::<T>::new();
		let mut bonds = Held::<T>::new();
		let mut offering_deposits = Held::<T>::new();
		let mut collateral = Held::<T>::new();

		let mut offerings_by_provider: BTreeMap<T::AccountId, (u32, u32)> = BTreeMap::new();
		for (provider, deployment_type, offering) in Offerings::<T>::iter() {
			ensure!(offering.capacity > 0, "an offering has zero capacity");
			ensure!(
				offering.in_use <= offering.capacity,
				"an offering uses more than its capacity"
			);
			ensure!(Providers::<T>::contains_key(&provider), "an offering has no provider");
			ensure!(
				DeploymentTypes::<T>::contains_key(deployment_type),
				"an offering has no deployment type"
			);
			ensure!(
				OfferingsByType::<T>::get(deployment_type).contains(&provider),
				"an offering is missing from its type's list"
			);
			let counts = offerings_by_provider.entry(provider.clone()).or_default();
			counts.0 = counts.0.saturating_add(1);
			counts.1 = counts.1.saturating_add(offering.in_use);
			add::<T>(&mut offering_deposits, &provider, offering.deposit);
			ensure!(
				offering.collateral <= Self::required_collateral(offering.capacity),
				"an offering holds more collateral than its capacity needs"
			);
			add::<T>(&mut collateral, &provider, offering.collateral);
		}

		for (provider, record) in Providers::<T>::iter() {
			let (offerings, in_use) =
				offerings_by_provider.get(&provider).copied().unwrap_or_default();
			ensure!(record.offerings == offerings, "a provider's offering count is wrong");
			ensure!(
				record.active_deployments == in_use,
				"a provider's active deployments are wrong"
			);
			ensure!(
				offerings <= T::MaxOfferingsPerProvider::get(),
				"a provider has too many offerings"
			);
			add::<T>(&mut bonds, &provider, record.bond);
			ensure!(TrackRecords::<T>::contains_key(&provider), "a provider has no track record");
		}
		for provider in TrackRecords::<T>::iter_keys() {
			ensure!(Providers::<T>::contains_key(&provider), "a track record has no provider");
		}

		for (deployment_type, listed) in OfferingsByType::<T>::iter() {
			ensure!(!listed.is_empty(), "an empty offering list is stored");
			for provider in listed.iter() {
				ensure!(
					Offerings::<T>::contains_key(provider, deployment_type),
					"a listed offering does not exist"
				);
			}
		}

		let mut named = 0u32;
		for (id, ty) in DeploymentTypes::<T>::iter() {
			ensure!(
				id < NextDeploymentTypeId::<T>::get(),
				"a deployment type id was not given out"
			);
			if ty.retired {
				ensure!(ty.deposit.is_zero(), "a retired deployment type still has a deposit");
				ensure!(
					OfferingsByType::<T>::contains_key(id),
					"a retired deployment type with no offerings is kept"
				);
			} else {
				ensure!(
					DeploymentTypeIds::<T>::get(&ty.name) == Some(id),
					"a deployment type is missing from the name index"
				);
				named = named.saturating_add(1);
			}
			add::<T>(&mut type_deposits, &ty.owner, ty.deposit);
		}
		ensure!(
			DeploymentTypeIds::<T>::iter().count() == named as usize,
			"the name index has entries for no live deployment type"
		);

		for (reason, expected) in [
			(HoldReason::DeploymentTypeDeposit, type_deposits),
			(HoldReason::ProviderBond, bonds),
			(HoldReason::OfferingDeposit, offering_deposits),
			(HoldReason::OfferingCollateral, collateral),
		] {
			for (who, amount) in expected {
				ensure!(
					T::Currency::balance_on_hold(&reason.into(), &who) == amount,
					"held funds differ from the deposits and bonds on record"
				);
			}
		}
		Ok(())
	}
}

type Held<T> = BTreeMap<<T as frame_system::Config>::AccountId, BalanceOf<T>>;

fn add<T: Config>(held: &mut Held<T>, who: &T::AccountId, amount: BalanceOf<T>) {
	let entry = held.entry(who.clone()).or_default();
	*entry = entry.saturating_add(amount);
}
