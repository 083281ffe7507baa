//! Collateral behind capacity: held per unit, adjusted with the capacity, slashed for faults and
//! paid to the subscriber, and required in full for new awards.

use super::*;
use crate::{Event, HoldReason, TrackRecords};
use dinfra_primitives::{AwardTarget, Fault, Market, MarketError, Outcome};
use polkadot_sdk::frame_support::{
	assert_noop, assert_ok,
	traits::fungible::{Inspect, InspectHold},
};

fn collateral_held(who: AccountId) -> Balance {
	Balances::balance_on_hold(&HoldReason::OfferingCollateral.into(), &who)
}

fn collateral(who: AccountId, ty: DeploymentTypeId) -> Balance {
	Offerings::<Test>::get(who, ty).expect("offered").collateral
}

fn update(who: AccountId, ty: DeploymentTypeId, capacity: u32) -> DispatchResult {
	DinfraProvider::update_offering(RuntimeOrigin::signed(who), ty, capacity, 10, bounded(b""))
}

use polkadot_sdk::sp_runtime::DispatchResult;

#[test]
fn an_offering_holds_collateral_for_each_unit_of_capacity() {
	new_test_ext().execute_with(|| {
		let ty = register_type(1, "vm-small");
		provider_offering(5, ty, 30, 10);
		assert_eq!(collateral(5, ty), 30 * COLLATERAL_PER_UNIT);
		assert_eq!(collateral_held(5), 30 * COLLATERAL_PER_UNIT);
		assert_eq!(held(5), PROVIDER_BOND + OFFERING_DEPOSIT + 30 * COLLATERAL_PER_UNIT);
		assert!(matches!(
			last_event(),
			RuntimeEvent::DinfraProvider(Event::OfferingCreated { collateral: 300, .. })
		));
		run_to_block(2);
	});
}

#[test]
fn raising_capacity_holds_more_and_lowering_it_releases_the_excess() {
	new_test_ext().execute_with(|| {
		let ty = register_type(1, "vm-small");
		provider_offering(5, ty, 10, 10);
		let issuance = total_issuance();
		assert_ok!(update(5, ty, 25));
		assert_eq!(collateral_held(5), 25 * COLLATERAL_PER_UNIT);
		for _ in 0..4 {
			assert_ok!(DinfraProvider::award(ty, &AwardTarget::Any, 10, &[]).outcome);
		}
		// Never below what the deployments in use need.
		assert_noop!(update(5, ty, 3), crate::Error::<Test>::CapacityBelowInUse);
		assert_ok!(update(5, ty, 4));
		assert_eq!(collateral_held(5), 4 * COLLATERAL_PER_UNIT);
		assert_eq!(collateral(5, ty), 4 * COLLATERAL_PER_UNIT);
		assert_eq!(total_issuance(), issuance);
		run_to_block(2);
	});
}

#[test]
fn capacity_without_the_funds_behind_it_is_refused() {
	new_test_ext().execute_with(|| {
		let ty = register_type(1, "vm-small");
		register_provider(5);
		// The account holds 1,000,000; a million units need 10,000,000.
		assert_noop!(
			DinfraProvider::create_offering(
				RuntimeOrigin::signed(5),
				ty,
				1_000_000,
				10,
				bounded(b"")
			),
			polkadot_sdk::sp_runtime::TokenError::FundsUnavailable
		);
		assert_noop!(
			DinfraProvider::create_offering(
				RuntimeOrigin::signed(5),
				ty,
				u32::MAX,
				10,
				bounded(b"")
			),
			polkadot_sdk::sp_runtime::TokenError::FundsUnavailable
		);
		offer(5, ty, 10, 10);
		assert_noop!(
			update(5, ty, u32::MAX),
			polkadot_sdk::sp_runtime::TokenError::FundsUnavailable
		);
		assert_eq!(collateral_held(5), 10 * COLLATERAL_PER_UNIT);
		run_to_block(2);
	});
}

#[test]
fn removing_an_offering_or_unregistering_returns_the_collateral() {
	new_test_ext().execute_with(|| {
		let ty = register_type(1, "vm-small");
		let other = register_type(1, "vm-large");
		provider_offering(5, ty, 10, 10);
		offer(5, other, 7, 10);
		assert_ok!(DinfraProvider::remove_offering(RuntimeOrigin::signed(5), ty));
		assert_eq!(collateral_held(5), 7 * COLLATERAL_PER_UNIT);
		assert_ok!(DinfraProvider::unregister_provider(RuntimeOrigin::signed(5)));
		assert_eq!(held(5), 0);
		assert_eq!(Balances::balance(&5), ENDOWMENT);
		assert!(!TrackRecords::<Test>::contains_key(5));
		run_to_block(2);
	});
}

#[test]
fn a_fault_is_slashed_from_the_offering_and_paid_to_the_subscriber() {
	new_test_ext().execute_with(|| {
		let ty = register_type(1, "vm-small");
		provider_offering(5, ty, 2, 10);
		let issuance = total_issuance();
		let subscriber = 7;
		let before = Balances::balance(&subscriber);
		assert_ok!(DinfraProvider::award(ty, &AwardTarget::Any, 10, &[]).outcome);
		let paid = DinfraProvider::record_outcome(
			&5,
			ty,
			Outcome::Fault(Fault::ProvisioningFailed),
			&subscriber,
		);
		// A fifth of one unit's collateral.
		assert_eq!(paid, COLLATERAL_PER_UNIT / 5);
		assert_eq!(Balances::balance(&subscriber), before + paid);
		assert_eq!(collateral(5, ty), 2 * COLLATERAL_PER_UNIT - paid);
		assert_eq!(collateral_held(5), 2 * COLLATERAL_PER_UNIT - paid);
		assert_eq!(total_issuance(), issuance);
		assert!(System::events().iter().any(|r| r.event
			== RuntimeEvent::DinfraProvider(Event::Slashed {
				provider: 5,
				deployment_type: ty,
				fault: Fault::ProvisioningFailed,
				amount: paid,
				to: subscriber,
			})));
		let timeout =
			DinfraProvider::record_outcome(&5, ty, Outcome::Fault(Fault::ProvisionTimeout), &7);
		assert_eq!(timeout, COLLATERAL_PER_UNIT);
		let record = TrackRecords::<Test>::get(5).expect("registered");
		assert_eq!((record.failures, record.timeouts, record.slashed), (1, 1, paid + timeout));
		run_to_block(2);
	});
}

#[test]
fn a_slash_never_takes_more_than_the_offering_holds() {
	new_test_ext().execute_with(|| {
		let ty = register_type(1, "vm-small");
		provider_offering(5, ty, 1, 10);
		let mut paid = 0;
		for _ in 0..3 {
			paid += DinfraProvider::record_outcome(&5, ty, Outcome::Fault(Fault::EarlyCancel), &7);
		}
		assert_eq!(paid, COLLATERAL_PER_UNIT);
		assert_eq!(collateral(5, ty), 0);
		// The bond and the deposit are not collateral, and are untouched.
		assert_eq!(held(5), PROVIDER_BOND + OFFERING_DEPOSIT);
		run_to_block(2);
	});
}

#[test]
fn a_slashed_offering_takes_no_awards_until_topped_up_or_cut() {
	new_test_ext().execute_with(|| {
		let ty = register_type(1, "vm-small");
		provider_offering(5, ty, 4, 10);
		DinfraProvider::record_outcome(&5, ty, Outcome::Fault(Fault::ProvisioningFailed), &7);
		let named: crate::AwardTargetOf<Test> = AwardTarget::Provider(5);
		// Not even a subscriber who names it: the capacity is no longer backed.
		assert_eq!(
			DinfraProvider::award(ty, &named, 10, &[]).outcome.map(|a| a.provider),
			Err(MarketError::NoEligibleOffering)
		);
		assert!(
			DinfraProvider::quote(ty, dinfra_primitives::runtime_api::QuoteTarget::Any).is_empty()
		);
		// Cutting the capacity to what the collateral covers restores it...
		assert_ok!(update(5, ty, 3));
		assert_eq!(collateral(5, ty), 3 * COLLATERAL_PER_UNIT);
		assert_ok!(DinfraProvider::award(ty, &named, 10, &[]).outcome);
		// ...and so does topping it up with the same capacity.
		DinfraProvider::record_outcome(&5, ty, Outcome::Fault(Fault::ProvisioningFailed), &7);
		assert!(DinfraProvider::award(ty, &named, 10, &[]).outcome.is_err());
		let before = collateral_held(5);
		assert_ok!(update(5, ty, 3));
		assert_eq!(collateral_held(5), before + COLLATERAL_PER_UNIT / 5);
		assert_ok!(DinfraProvider::award(ty, &named, 10, &[]).outcome);
		run_to_block(2);
	});
}

/// The attack the collateral answers: one account declares a huge capacity to win nearly every
/// `Any` award. Its share now follows its share of the collateral, whatever capacity it would
/// like to declare, because it cannot declare capacity it has not backed.
#[test]
fn an_account_wins_about_its_share_of_the_collateral_whatever_capacity_it_declares() {
	new_test_ext().execute_with(|| {
		let ty = register_type(1, "vm-small");
		// Four honest providers with 200 units each: 8,000 of collateral.
		for who in 5..9 {
			provider_offering(who, ty, 200, 10);
		}
		// The attacker has 2,000 to spare for collateral: 20 % of the total, whatever it tries.
		let attacker = 9;
		register_provider(attacker);
		use polkadot_sdk::frame_support::traits::fungible::Mutate;
		let spare = 2_000;
		// Its bond is held already; this is what it has free.
		Balances::set_balance(&attacker, OFFERING_DEPOSIT + spare + 1);
		for claim in [u32::MAX, 1_000_000, 201] {
			assert!(DinfraProvider::create_offering(
				RuntimeOrigin::signed(attacker),
				ty,
				claim,
				10,
				bounded(b"")
			)
			.is_err());
		}
		offer(attacker, ty, (spare / COLLATERAL_PER_UNIT) as u32, 10);
		let total: Balance =
			Offerings::<Test>::iter().map(|(_, _, o)| o.collateral).sum::<Balance>();
		let share = collateral(attacker, ty) as f64 / total as f64;
		let mut wins = 0u32;
		for _ in 0..1_000 {
			let awarded = DinfraProvider::award(ty, &AwardTarget::Any, 10, &[])
				.outcome
				.expect("capacity is free");
			if awarded.provider == attacker {
				wins += 1;
			}
		}
		let won = f64::from(wins) / 1_000.0;
		assert!((share - 0.2).abs() < 1e-9, "the attacker holds 20 % of the collateral");
		assert!(won <= share + 0.005, "the attacker won {won} of the awards with {share}");
		run_to_block(2);
	});
}
