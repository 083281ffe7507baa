//! Funding continuity: suspension instead of destruction when the funds run out, resumption by
//! a top-up, the end after the grace, and standing top-ups drawn by the hook. Each abuse named in
//! `suspension.rs` and `standing.rs` has a test here.

use super::*;
use crate::{Error, StandingTopUpEnd, StandingTopUpFailure, StandingTopUps, TerminationReason};
use dinfra_primitives::Fault;
use pallet_dinfra_provider::Offerings;
use polkadot_sdk::{
	frame_support::{assert_noop, assert_ok, traits::fungible::Mutate},
	sp_runtime::TokenError,
};

const PRICE: Balance = 10;
/// `MinRunway` blocks at `PRICE`: what a resume needs.
const FLOOR: Balance = PRICE * MIN_RUNWAY as Balance;

/// A type offered by 20 at `PRICE`, and a subscription of account 1 with `funding`, reported
/// running at block 2: with 100 it warns at 7 and runs out at 12.
fn running_from_2(funding: Balance) -> (DeploymentTypeId, SubscriptionId) {
	let ty = new_type("vm-small");
	offer(20, ty, 4, PRICE);
	let id = subscribe(1, ty, PRICE, funding);
	run_to_block(2);
	running(20, id);
	(ty, id)
}

fn in_use(ty: DeploymentTypeId) -> u32 {
	Offerings::<Test>::get(20, ty).expect("offered").in_use
}

fn is_suspended(id: SubscriptionId) -> bool {
	matches!(sub(id).status, SubscriptionStatus::Suspended { .. })
}

fn grace_ends_at(id: SubscriptionId) -> u64 {
	match sub(id).status {
		SubscriptionStatus::Suspended { grace_ends_at, .. } => grace_ends_at,
		other => panic!("not suspended: {other:?}"),
	}
}

fn top_up(who: AccountId, id: SubscriptionId, amount: Balance) {
	assert_ok!(DinfraSubscription::top_up(RuntimeOrigin::signed(who), id, amount));
}

fn set_standing(
	sponsor: AccountId,
	id: SubscriptionId,
	amount: Balance,
	interval: u64,
	cap: Balance,
) {
	assert_ok!(DinfraSubscription::set_standing_top_up(
		RuntimeOrigin::signed(sponsor),
		id,
		amount,
		interval,
		cap
	));
}

/// What each standing top-up draw added, in order.
fn automatic_top_ups() -> Vec<Balance> {
	events()
		.into_iter()
		.filter_map(|e| match e {
			Event::ToppedUp { amount, automatic: true, .. } => Some(amount),
			_ => None,
		})
		.collect()
}

fn terminated(id: SubscriptionId) -> Option<(TerminationReason<crate::Reason<Test>>, Balance)> {
	events().into_iter().find_map(|e| match e {
		Event::Terminated { id: ended, reason, refunded, .. } if ended == id => {
			Some((reason, refunded))
		}
		_ => None,
	})
}

#[test]
fn running_out_of_funds_suspends_bills_nothing_and_keeps_the_unit() {
	new_test_ext().execute_with(|| {
		let issuance = total_issuance();
		let (ty, id) = running_from_2(100);
		run_to_block(11);
		assert!(is_running(id));
		run_to_block(12);
		// Ran 10 blocks (2 to 12): a grace of 10, capped at GracePeriod (8).
		assert!(is_suspended(id));
		assert_eq!(grace_ends_at(id), 12 + GRACE_PERIOD);
		assert_eq!(
			last_event(),
			Event::Suspended {
				id,
				subscriber: 1,
				provider: 20,
				balance: 0,
				resume_at_balance: FLOOR,
				grace_ends_at: 20,
			}
		);
		assert_eq!(sub(id).paid, 100);
		assert_eq!(in_use(ty), 1, "the provider keeps the unit through the grace");
		let provider_before = free(20);
		run_to_block(19);
		assert!(is_suspended(id));
		assert_eq!(free(20), provider_before, "nothing is billed while suspended");
		assert_noop!(
			DinfraSubscription::claim(RuntimeOrigin::signed(20), id),
			Error::<Test>::NotRunning
		);
		assert_noop!(
			DinfraSubscription::report_deployment(
				RuntimeOrigin::signed(20),
				id,
				crate::DeploymentReport::Running { endpoint: bounded(b"https://10.0.0.8") },
			),
			Error::<Test>::SubscriptionSuspended
		);
		assert_noop!(
			DinfraSubscription::report_deployment(
				RuntimeOrigin::signed(20),
				id,
				crate::DeploymentReport::Failed { reason: bounded(b"gone") },
			),
			Error::<Test>::NotProvisioning
		);
		// The grace ends: it ends out of funds, and the unit is free.
		run_to_block(20);
		assert!(Subscriptions::<Test>::get(id).is_none());
		assert_eq!(terminated(id), Some((TerminationReason::OutOfFunds, 0)));
		assert_eq!(in_use(ty), 0);
		assert_eq!((free(1), held(1)), (ENDOWMENT - 100, 0));
		assert_eq!(total_issuance(), issuance);
	});
}

#[test]
fn a_top_up_resumes_and_billing_restarts_from_the_resume() {
	new_test_ext().execute_with(|| {
		let issuance = total_issuance();
		let (_, id) = running_from_2(100);
		run_to_block(15);
		assert!(is_suspended(id));
		// Less than a resume needs is refused, and changes nothing.
		assert_noop!(
			DinfraSubscription::top_up(RuntimeOrigin::signed(1), id, FLOOR - 1),
			Error::<Test>::ResumeBelowMinRunway
		);
		// A sponsor's top-up resumes it as well as the subscriber's.
		top_up(3, id, FLOOR);
		let events = events();
		let n = events.len();
		assert_eq!(
			events[n - 2..],
			[
				Event::ToppedUp {
					id,
					by: 3,
					amount: FLOOR,
					balance: FLOOR,
					expires_at: Some(25),
					automatic: false
				},
				Event::Resumed { id, provider: 20, expires_at: Some(25) },
			]
		);
		match sub(id).status {
			SubscriptionStatus::Running { settled_at, running_since, .. } => {
				assert_eq!((settled_at, running_since), (15, 15));
			}
			other => panic!("not running: {other:?}"),
		}
		// Billing counts from the resume, not from the suspension.
		run_to_block(18);
		assert_ok!(DinfraSubscription::claim(RuntimeOrigin::signed(20), id));
		assert_eq!(sub(id).paid, 100 + 3 * PRICE);
		// The second run-out: suspended again, for the 10 blocks it ran capped at 8.
		run_to_block(25);
		assert!(is_suspended(id));
		assert_eq!(grace_ends_at(id), 33);
		assert_eq!(sub(id).paid, 200);
		run_to_block(33);
		assert_eq!(terminated(id), Some((TerminationReason::OutOfFunds, 0)));
		assert_eq!(free(3), ENDOWMENT - FLOOR);
		assert_eq!(total_issuance(), issuance);
	});
}

#[test]
fn the_grace_is_as_long_as_the_run_that_earned_it() {
	new_test_ext().execute_with(|| {
		assert_ok!(DinfraSubscription::set_min_runway(RuntimeOrigin::root(), 3));
		let (_, id) = running_from_2(3 * PRICE);
		run_to_block(5);
		// Ran 3 blocks: a grace of 3, not GracePeriod's 8.
		assert!(is_suspended(id));
		assert_eq!(grace_ends_at(id), 8);
		run_to_block(8);
		assert_eq!(terminated(id), Some((TerminationReason::OutOfFunds, 0)));
	});
}

#[test]
fn a_run_of_one_block_earns_a_grace_of_one_block() {
	new_test_ext().execute_with(|| {
		assert_ok!(DinfraSubscription::set_min_runway(RuntimeOrigin::root(), 1));
		let (ty, id) = running_from_2(PRICE);
		run_to_block(3);
		assert!(is_suspended(id));
		assert_eq!(grace_ends_at(id), 4);
		run_to_block(4);
		assert_eq!(terminated(id), Some((TerminationReason::OutOfFunds, 0)));
		assert_eq!(in_use(ty), 0);
	});
}

/// The attack: a subscriber lets its funds run out on purpose, again and again, and resumes at
/// the last block of each grace, to hold a provider's unit while paying as little as it can.
#[test]
fn letting_the_funds_run_out_again_and_again_holds_a_unit_unpaid_at_most_half_the_time() {
	new_test_ext().execute_with(|| {
		let issuance = total_issuance();
		let (ty, id) = running_from_2(FLOOR);
		let start = System::block_number();
		let provider_before = free(20);
		for _ in 0..5 {
			while !is_suspended(id) {
				run_to_block(System::block_number() + 1);
			}
			// Resume in the last block before the grace ends, with the least a resume takes.
			run_to_block(grace_ends_at(id) - 1);
			top_up(1, id, FLOOR);
		}
		while Subscriptions::<Test>::contains_key(id) {
			run_to_block(System::block_number() + 1);
		}
		let held_blocks = (System::block_number() - start) as Balance;
		let paid_blocks = (free(20) - provider_before) / PRICE;
		assert_eq!(paid_blocks, 6 * MIN_RUNWAY as Balance, "every block it ran was paid");
		let unpaid = held_blocks - paid_blocks;
		assert!(
			unpaid <= paid_blocks,
			"held {held_blocks} blocks, paid {paid_blocks}: at most half unpaid"
		);
		// Each resume restarted a run of MinRunway blocks: the provider stopped and started the
		// deployment at most once per MinRunway.
		let resumes = events().iter().filter(|e| matches!(e, Event::Resumed { .. })).count();
		assert_eq!(resumes, 5);
		assert_eq!(in_use(ty), 0);
		assert_eq!(total_issuance(), issuance);
	});
}

#[test]
fn a_provider_that_cancels_a_suspended_deployment_is_slashed_for_the_subscriber() {
	new_test_ext().execute_with(|| {
		let issuance = total_issuance();
		let (ty, id) = running_from_2(105);
		run_to_block(13);
		assert!(is_suspended(id));
		let before = free(1);
		assert_ok!(DinfraSubscription::cancel_by_provider(
			RuntimeOrigin::signed(20),
			id,
			bounded(b"reclaiming the disk")
		));
		// The 5 left over, the deposit, and the early-cancel slash, all to the subscriber.
		assert_eq!(free(1), before + 5 + SUBSCRIPTION_DEPOSIT + EARLY_CANCEL_SLASH);
		assert!(System::events().iter().any(|r| matches!(
			r.event,
			RuntimeEvent::DinfraProvider(pallet_dinfra_provider::Event::Slashed {
				provider: 20,
				fault: Fault::EarlyCancel,
				..
			})
		)));
		assert_eq!(in_use(ty), 0);
		assert_eq!(total_issuance(), issuance);
	});
}

#[test]
fn a_subscriber_can_end_a_suspended_subscription_and_gets_what_is_left() {
	new_test_ext().execute_with(|| {
		let (ty, id) = running_from_2(105);
		run_to_block(13);
		assert!(is_suspended(id));
		assert_ok!(DinfraSubscription::terminate(RuntimeOrigin::signed(1), id));
		assert_eq!(terminated(id), Some((TerminationReason::BySubscriber, 5)));
		assert_eq!((free(1), held(1)), (ENDOWMENT - 100, 0));
		assert_eq!(in_use(ty), 0);
	});
}

#[test]
fn a_standing_top_up_keeps_a_subscription_running_across_many_low_funds_points_until_its_cap() {
	new_test_ext().execute_with(|| {
		let issuance = total_issuance();
		let (_, id) = running_from_2(100);
		set_standing(3, id, 50, 0, 200);
		assert_eq!(held(3), STANDING_TOP_UP_DEPOSIT);
		// Warned at 7, 12, 17 and 22: each time 50 more, until the cap of 200.
		run_to_block(31);
		assert!(is_running(id));
		assert_eq!(automatic_top_ups(), vec![50; 4]);
		assert_eq!(StandingTopUps::<Test>::get(id), None);
		assert!(events().contains(&Event::StandingTopUpEnded {
			id,
			sponsor: 3,
			drawn: 200,
			reason: StandingTopUpEnd::CapReached
		}));
		assert_eq!((free(3), held(3)), (ENDOWMENT - 200, 0), "the cap held, the deposit came back");
		// With the cap reached, the funds run out at 32 as without it.
		run_to_block(32);
		assert!(is_suspended(id));
		assert_eq!(sub(id).paid, 300);
		assert_eq!(total_issuance(), issuance);
	});
}

#[test]
fn a_sponsor_that_cannot_pay_gets_an_event_and_the_warning_still_goes_out() {
	new_test_ext().execute_with(|| {
		let (_, id) = running_from_2(100);
		// 50 and the existential deposit would be needed; the sponsor keeps the latter. (The
		// free balance is set; the deposit is held from it.)
		Balances::set_balance(&50, STANDING_TOP_UP_DEPOSIT + 50);
		set_standing(50, id, 50, 0, 500);
		run_to_block(7);
		let events = events();
		assert!(events.contains(&Event::StandingTopUpFailed {
			id,
			sponsor: 50,
			amount: 50,
			reason: StandingTopUpFailure::SponsorCannotPay
		}));
		assert!(matches!(events.last(), Some(Event::LowFunds { id: warned, .. }) if *warned == id));
		assert_eq!(free(50), 50, "nothing was taken");
		// Tried again when the funds run out: with one unit more, the sponsor can pay, keeps
		// exactly the existential deposit, and the subscription runs on.
		Balances::set_balance(&50, 51);
		run_to_block(12);
		assert!(is_running(id));
		assert_eq!(free(50), 1);
		assert_eq!(automatic_top_ups(), vec![50]);
	});
}

#[test]
fn a_standing_top_up_resumes_a_suspended_subscription_only_with_enough_for_a_resume() {
	new_test_ext().execute_with(|| {
		let (_, id) = running_from_2(100);
		run_to_block(14);
		assert!(is_suspended(id));
		// Too small to resume: not drawn, and said so.
		set_standing(3, id, FLOOR - 1, 0, 1_000);
		run_to_block(15);
		assert!(is_suspended(id));
		assert_eq!(
			last_event(),
			Event::StandingTopUpFailed {
				id,
				sponsor: 3,
				amount: FLOOR - 1,
				reason: StandingTopUpFailure::BelowMinRunway
			}
		);
		assert_eq!(free(3), ENDOWMENT - STANDING_TOP_UP_DEPOSIT);
		// Changed to enough: drawn in the next block, and it runs again.
		set_standing(3, id, FLOOR, 0, 1_000);
		run_to_block(16);
		assert!(is_running(id));
		assert!(events().contains(&Event::Resumed { id, provider: 20, expires_at: Some(26) }));
		assert_eq!(free(3), ENDOWMENT - STANDING_TOP_UP_DEPOSIT - FLOOR);
	});
}

#[test]
fn draws_are_at_least_min_interval_apart() {
	new_test_ext().execute_with(|| {
		let (_, id) = running_from_2(100);
		set_standing(3, id, 50, 10, 1_000);
		// Drawn at 7; the warning at 12 is too soon; drawn again when the funds run out at 17.
		run_to_block(16);
		assert_eq!(StandingTopUps::<Test>::get(id).map(|s| s.last_drawn_at), Some(Some(7)));
		assert!(is_running(id));
		run_to_block(17);
		assert_eq!(StandingTopUps::<Test>::get(id).map(|s| s.last_drawn_at), Some(Some(17)));
		assert_eq!(StandingTopUps::<Test>::get(id).map(|s| s.drawn), Some(100));
		assert!(is_running(id));
	});
}

#[test]
fn only_the_sponsor_changes_a_standing_top_up_and_the_subscriber_may_cancel_or_replace_it() {
	new_test_ext().execute_with(|| {
		let (_, id) = running_from_2(1_000);
		set_standing(4, id, 50, 0, 100);
		assert_noop!(
			DinfraSubscription::set_standing_top_up(RuntimeOrigin::signed(5), id, 50, 0, 100),
			Error::<Test>::StandingTopUpTaken
		);
		assert_noop!(
			DinfraSubscription::cancel_standing_top_up(RuntimeOrigin::signed(5), id),
			Error::<Test>::NotSponsor
		);
		// The sponsor changes its own.
		set_standing(4, id, 60, 2, 300);
		assert_eq!(StandingTopUps::<Test>::get(id).map(|s| (s.sponsor, s.amount)), Some((4, 60)));
		assert_eq!(held(4), STANDING_TOP_UP_DEPOSIT, "one deposit for one standing top-up");
		// The subscriber replaces it with its own: the stranger's deposit goes back.
		set_standing(1, id, 70, 0, 700);
		assert_eq!(held(4), 0);
		assert!(events().contains(&Event::StandingTopUpEnded {
			id,
			sponsor: 4,
			drawn: 0,
			reason: StandingTopUpEnd::Replaced
		}));
		assert_eq!(StandingTopUps::<Test>::get(id).map(|s| s.sponsor), Some(1));
		// A stranger cannot take it over; the subscriber cancels it.
		assert_noop!(
			DinfraSubscription::set_standing_top_up(RuntimeOrigin::signed(4), id, 50, 0, 100),
			Error::<Test>::StandingTopUpTaken
		);
		assert_ok!(DinfraSubscription::cancel_standing_top_up(RuntimeOrigin::signed(1), id));
		assert_eq!(StandingTopUps::<Test>::get(id), None);
		assert_eq!(held(1), 1_000 + SUBSCRIPTION_DEPOSIT - sub(id).paid);
	});
}

#[test]
fn a_standing_top_up_ends_with_its_subscription_and_nothing_is_drawn_after() {
	new_test_ext().execute_with(|| {
		let (_, id) = running_from_2(100);
		set_standing(3, id, 50, 0, 1_000);
		assert_ok!(DinfraSubscription::terminate(RuntimeOrigin::signed(1), id));
		assert!(events().contains(&Event::StandingTopUpEnded {
			id,
			sponsor: 3,
			drawn: 0,
			reason: StandingTopUpEnd::SubscriptionEnded
		}));
		assert_eq!((free(3), held(3)), (ENDOWMENT, 0));
		run_to_block(30);
		assert_eq!(free(3), ENDOWMENT);
		assert_noop!(
			DinfraSubscription::set_standing_top_up(RuntimeOrigin::signed(3), id, 50, 0, 100),
			Error::<Test>::UnknownSubscription
		);
	});
}

#[test]
fn bad_standing_top_ups_are_refused_and_change_nothing() {
	new_test_ext().execute_with(|| {
		let (_, id) = running_from_2(100);
		assert_noop!(
			DinfraSubscription::set_standing_top_up(RuntimeOrigin::signed(3), id, 0, 0, 100),
			Error::<Test>::ZeroTopUp
		);
		assert_noop!(
			DinfraSubscription::set_standing_top_up(RuntimeOrigin::signed(3), id, 50, 0, 49),
			Error::<Test>::CapTooLow
		);
		assert_noop!(
			DinfraSubscription::set_standing_top_up(RuntimeOrigin::signed(PAUPER), id, 50, 0, 100),
			TokenError::FundsUnavailable
		);
		assert_noop!(
			DinfraSubscription::cancel_standing_top_up(RuntimeOrigin::signed(1), id),
			Error::<Test>::NoStandingTopUp
		);
		// A change may not put the cap at or below what was drawn.
		set_standing(3, id, 50, 0, 100);
		run_to_block(7);
		assert_eq!(StandingTopUps::<Test>::get(id).map(|s| s.drawn), Some(50));
		assert_noop!(
			DinfraSubscription::set_standing_top_up(RuntimeOrigin::signed(3), id, 50, 0, 50),
			Error::<Test>::CapTooLow
		);
	});
}
