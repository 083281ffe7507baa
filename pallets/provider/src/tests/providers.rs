use super::*;
use crate::{Error, Event, OfferingsByType};
use dinfra_primitives::{AwardTarget, Market};
use polkadot_sdk::{
	frame_support::{assert_noop, assert_ok},
	sp_runtime::TokenError,
};

#[test]
fn register_provider_holds_the_bond() {
	new_test_ext().execute_with(|| {
		let issuance = total_issuance();
		register_provider(5);
		assert_eq!(held(5), PROVIDER_BOND);
		assert_eq!(Balances::free_balance(5), ENDOWMENT - PROVIDER_BOND);
		let record = Providers::<Test>::get(5).unwrap();
		assert_eq!(
			(record.bond, record.offerings, record.active_deployments),
			(PROVIDER_BOND, 0, 0)
		);
		assert_eq!(
			last_event(),
			RuntimeEvent::DinfraProvider(Event::ProviderRegistered {
				provider: 5,
				bond: PROVIDER_BOND
			})
		);
		assert_eq!(total_issuance(), issuance);
		run_to_block(2);
	});
}

#[test]
fn register_provider_fails_twice_or_without_funds() {
	new_test_ext().execute_with(|| {
		register_provider(5);
		assert_noop!(
			DinfraProvider::register_provider(RuntimeOrigin::signed(5), bounded(b"{}")),
			Error::<Test>::AlreadyProvider
		);
		assert_noop!(
			DinfraProvider::register_provider(RuntimeOrigin::signed(PAUPER), bounded(b"{}")),
			TokenError::FundsUnavailable
		);
	});
}

#[test]
fn update_provider_replaces_the_metadata() {
	new_test_ext().execute_with(|| {
		register_provider(5);
		assert_ok!(DinfraProvider::update_provider(
			RuntimeOrigin::signed(5),
			bounded(b"{\"region\":\"eu\"}")
		));
		assert_eq!(Providers::<Test>::get(5).unwrap().metadata.to_vec(), b"{\"region\":\"eu\"}");
		assert_eq!(
			last_event(),
			RuntimeEvent::DinfraProvider(Event::ProviderUpdated { provider: 5 })
		);
		assert_noop!(
			DinfraProvider::update_provider(RuntimeOrigin::signed(6), bounded(b"{}")),
			Error::<Test>::NotProvider
		);
	});
}

#[test]
fn unregister_provider_removes_offerings_and_returns_bond_and_deposits() {
	new_test_ext().execute_with(|| {
		let issuance = total_issuance();
		let small = register_type(1, "vm-small");
		let collator = register_type(1, "substrate-collator");
		provider_offering(5, small, 3, 10);
		offer(5, collator, 1, 0);
		provider_offering(6, small, 3, 10);
		assert_eq!(held(5), PROVIDER_BOND + 2 * OFFERING_DEPOSIT + 4 * COLLATERAL_PER_UNIT);

		assert_ok!(DinfraProvider::unregister_provider(RuntimeOrigin::signed(5)));
		assert_eq!(held(5), 0);
		assert_eq!(Balances::free_balance(5), ENDOWMENT);
		assert!(Providers::<Test>::get(5).is_none());
		assert!(Offerings::<Test>::get(5, small).is_none());
		assert_eq!(OfferingsByType::<Test>::get(small).to_vec(), vec![6]);
		assert!(!OfferingsByType::<Test>::contains_key(collator));
		assert_eq!(
			last_event(),
			RuntimeEvent::DinfraProvider(Event::ProviderUnregistered {
				provider: 5,
				offerings_removed: 2,
				returned: PROVIDER_BOND + 2 * OFFERING_DEPOSIT + 4 * COLLATERAL_PER_UNIT,
			})
		);
		assert_eq!(total_issuance(), issuance);
		run_to_block(2);
	});
}

#[test]
fn unregister_provider_is_refused_while_deployments_are_active() {
	new_test_ext().execute_with(|| {
		let small = register_type(1, "vm-small");
		provider_offering(5, small, 3, 10);
		let awarded = DinfraProvider::award(small, &AwardTarget::Any, 10, &[]).outcome.unwrap();
		assert_eq!(awarded.provider, 5);
		assert_noop!(
			DinfraProvider::unregister_provider(RuntimeOrigin::signed(5)),
			Error::<Test>::ProviderHasActiveDeployments
		);
		// Closing the offering does not change that: the deployment still runs.
		assert_ok!(DinfraProvider::close_offering(RuntimeOrigin::signed(5), small));
		assert_noop!(
			DinfraProvider::unregister_provider(RuntimeOrigin::signed(5)),
			Error::<Test>::ProviderHasActiveDeployments
		);
		run_to_block(2);

		DinfraProvider::release(&5, small);
		assert_ok!(DinfraProvider::unregister_provider(RuntimeOrigin::signed(5)));
		assert_eq!(held(5), 0);
		run_to_block(3);
	});
}

#[test]
fn unregister_provider_fails_for_non_providers() {
	new_test_ext().execute_with(|| {
		assert_noop!(
			DinfraProvider::unregister_provider(RuntimeOrigin::signed(5)),
			Error::<Test>::NotProvider
		);
	});
}
