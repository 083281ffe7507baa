use super::*;
use crate::{Error, Event, OfferingsByType};
use dinfra_primitives::{AwardTarget, Market, MarketError};
use polkadot_sdk::{
	frame_support::{assert_noop, assert_ok},
	sp_runtime::TokenError,
};

#[test]
fn create_offering_holds_a_deposit_and_lists_the_provider() {
	new_test_ext().execute_with(|| {
		let small = register_type(1, "vm-small");
		provider_offering(5, small, 4, 10);
		let offering = Offerings::<Test>::get(5, small).unwrap();
		assert_eq!(
			(offering.capacity, offering.in_use, offering.price_per_block, offering.open),
			(4, 0, 10, true)
		);
		assert_eq!(held(5), PROVIDER_BOND + OFFERING_DEPOSIT + 4 * COLLATERAL_PER_UNIT);
		assert_eq!(OfferingsByType::<Test>::get(small).to_vec(), vec![5]);
		assert_eq!(Providers::<Test>::get(5).unwrap().offerings, 1);
		assert_eq!(
			last_event(),
			RuntimeEvent::DinfraProvider(Event::OfferingCreated {
				provider: 5,
				deployment_type: small,
				capacity: 4,
				price_per_block: 10,
				collateral: 4 * COLLATERAL_PER_UNIT,
			})
		);
		run_to_block(2);
	});
}

#[test]
fn create_offering_fails_on_each_bad_input() {
	new_test_ext().execute_with(|| {
		let small = register_type(1, "vm-small");
		let create = |who, ty, capacity| {
			DinfraProvider::create_offering(
				RuntimeOrigin::signed(who),
				ty,
				capacity,
				10,
				bounded(b""),
			)
		};
		assert_noop!(create(5, small, 1), Error::<Test>::NotProvider);
		register_provider(5);
		assert_noop!(create(5, 42, 1), Error::<Test>::UnknownDeploymentType);
		assert_noop!(create(5, small, 0), Error::<Test>::ZeroCapacity);
		offer(5, small, 1, 10);
		assert_noop!(create(5, small, 1), Error::<Test>::OfferingExists);
	});
}

#[test]
fn create_offering_fails_without_funds_for_the_deposit() {
	new_test_ext().execute_with(|| {
		let small = register_type(1, "vm-small");
		register_provider(5);
		// Leave 5 with less than the offering deposit (and the existential deposit) free.
		let free = Balances::free_balance(5);
		assert_ok!(Balances::transfer_allow_death(RuntimeOrigin::signed(5), 7, free - 10));
		assert_noop!(
			DinfraProvider::create_offering(RuntimeOrigin::signed(5), small, 1, 10, bounded(b"")),
			TokenError::FundsUnavailable
		);
	});
}

#[test]
fn offerings_are_bounded_per_provider_and_per_type() {
	new_test_ext().execute_with(|| {
		let types: Vec<_> = (0..=MAX_OFFERINGS_PER_PROVIDER)
			.map(|i| register_type(1, &format!("type-{i}")))
			.collect();
		register_provider(5);
		for &ty in types.iter().take(MAX_OFFERINGS_PER_PROVIDER as usize) {
			offer(5, ty, 1, 10);
		}
		let last = *types.last().unwrap();
		assert_noop!(
			DinfraProvider::create_offering(RuntimeOrigin::signed(5), last, 1, 10, bounded(b"")),
			Error::<Test>::TooManyOfferingsForProvider
		);

		for who in 6..6 + MAX_OFFERINGS_PER_TYPE as u64 {
			provider_offering(who, last, 1, 10);
		}
		register_provider(20);
		assert_noop!(
			DinfraProvider::create_offering(RuntimeOrigin::signed(20), last, 1, 10, bounded(b"")),
			Error::<Test>::TooManyOfferingsForType
		);
		run_to_block(2);
	});
}

#[test]
fn update_offering_never_drops_capacity_below_what_is_in_use() {
	new_test_ext().execute_with(|| {
		let small = register_type(1, "vm-small");
		provider_offering(5, small, 3, 10);
		for _ in 0..2 {
			DinfraProvider::award(small, &AwardTarget::Any, 10, &[]).outcome.unwrap();
		}
		let update = |capacity| {
			DinfraProvider::update_offering(
				RuntimeOrigin::signed(5),
				small,
				capacity,
				10,
				bounded(b""),
			)
		};
		assert_noop!(update(1), Error::<Test>::CapacityBelowInUse);
		assert_noop!(update(0), Error::<Test>::ZeroCapacity);
		assert_ok!(update(2));
		assert_eq!(Offerings::<Test>::get(5, small).unwrap().free_capacity(), 0);
		assert_noop!(
			DinfraProvider::update_offering(RuntimeOrigin::signed(6), small, 5, 10, bounded(b"")),
			Error::<Test>::UnknownOffering
		);
		run_to_block(2);
	});
}

#[test]
fn a_price_change_applies_to_new_awards_only() {
	new_test_ext().execute_with(|| {
		let small = register_type(1, "vm-small");
		provider_offering(5, small, 3, 10);
		let first = DinfraProvider::award(small, &AwardTarget::Any, 100, &[]).outcome.unwrap();
		assert_ok!(DinfraProvider::update_offering(
			RuntimeOrigin::signed(5),
			small,
			3,
			25,
			bounded(b"new hardware")
		));
		assert_eq!(
			last_event(),
			RuntimeEvent::DinfraProvider(Event::OfferingUpdated {
				provider: 5,
				deployment_type: small,
				capacity: 3,
				price_per_block: 25,
				collateral: 3 * COLLATERAL_PER_UNIT,
			})
		);
		let second = DinfraProvider::award(small, &AwardTarget::Any, 100, &[]).outcome.unwrap();
		assert_eq!((first.price_per_block, second.price_per_block), (10, 25));
		// The first award's price is the subscription's to keep: nothing here changed it.
		assert_eq!(in_use(5, small), 2);
		run_to_block(2);
	});
}

#[test]
fn a_closed_offering_gets_no_awards_and_its_deployments_go_on() {
	new_test_ext().execute_with(|| {
		let small = register_type(1, "vm-small");
		provider_offering(5, small, 3, 10);
		DinfraProvider::award(small, &AwardTarget::Any, 10, &[]).outcome.unwrap();
		assert_ok!(DinfraProvider::close_offering(RuntimeOrigin::signed(5), small));
		assert_eq!(
			last_event(),
			RuntimeEvent::DinfraProvider(Event::OfferingClosed {
				provider: 5,
				deployment_type: small
			})
		);
		assert_eq!(
			DinfraProvider::award(small, &AwardTarget::Any, 10, &[]).outcome,
			Err(MarketError::NoEligibleOffering)
		);
		assert_eq!(in_use(5, small), 1);
		assert_noop!(
			DinfraProvider::close_offering(RuntimeOrigin::signed(5), small),
			Error::<Test>::OfferingAlreadyClosed
		);

		assert_ok!(DinfraProvider::open_offering(RuntimeOrigin::signed(5), small));
		assert_eq!(
			last_event(),
			RuntimeEvent::DinfraProvider(Event::OfferingOpened {
				provider: 5,
				deployment_type: small
			})
		);
		assert_noop!(
			DinfraProvider::open_offering(RuntimeOrigin::signed(5), small),
			Error::<Test>::OfferingAlreadyOpen
		);
		assert_eq!(
			DinfraProvider::award(small, &AwardTarget::Any, 10, &[]).outcome.unwrap().provider,
			5
		);
		assert_noop!(
			DinfraProvider::open_offering(RuntimeOrigin::signed(6), small),
			Error::<Test>::UnknownOffering
		);
		run_to_block(2);
	});
}

#[test]
fn remove_offering_returns_the_deposit_once_nothing_runs() {
	new_test_ext().execute_with(|| {
		let issuance = total_issuance();
		let small = register_type(1, "vm-small");
		provider_offering(5, small, 3, 10);
		DinfraProvider::award(small, &AwardTarget::Any, 10, &[]).outcome.unwrap();
		assert_noop!(
			DinfraProvider::remove_offering(RuntimeOrigin::signed(5), small),
			Error::<Test>::OfferingInUse
		);
		DinfraProvider::release(&5, small);
		assert_ok!(DinfraProvider::remove_offering(RuntimeOrigin::signed(5), small));
		assert_eq!(held(5), PROVIDER_BOND);
		assert_eq!(Providers::<Test>::get(5).unwrap().offerings, 0);
		assert!(!OfferingsByType::<Test>::contains_key(small));
		assert_eq!(
			last_event(),
			RuntimeEvent::DinfraProvider(Event::OfferingRemoved {
				provider: 5,
				deployment_type: small,
				deposit_returned: OFFERING_DEPOSIT + 3 * COLLATERAL_PER_UNIT,
			})
		);
		assert_noop!(
			DinfraProvider::remove_offering(RuntimeOrigin::signed(5), small),
			Error::<Test>::UnknownOffering
		);
		assert_eq!(total_issuance(), issuance);
		run_to_block(2);
	});
}
