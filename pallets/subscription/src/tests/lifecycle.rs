//! Whole lifecycles, with the money checked at the end of each: every account's free and held
//! balance, and the total issuance.

use super::*;
use crate::{ProvisioningFailure, TerminationReason};
use polkadot_sdk::frame_support::assert_ok;

/// The bond, the offering deposit and the collateral of the two units 20 offers.
const PROVIDER_HOLD: Balance = 1_000 + 50 + 2 * COLLATERAL_PER_UNIT;

/// Subscribes account 1 to a type offered by 20 at 10 per block, with `funding`, and has 20
/// report it running at block 2. Returns the type and the subscription.
fn running_subscription(funding: Balance) -> (DeploymentTypeId, SubscriptionId) {
	let ty = new_type("vm-small");
	offer(20, ty, 2, 10);
	let id = subscribe(1, ty, 10, funding);
	assert_eq!(held(1), funding + SUBSCRIPTION_DEPOSIT);
	run_to_block(2);
	assert_eq!(provider_of(id), Some(20));
	running(20, id);
	(ty, id)
}

#[test]
fn lifecycle_with_an_offering_runs_until_the_funds_run_out() {
	new_test_ext().execute_with(|| {
		let issuance = total_issuance();
		let ty = new_type("vm-small");
		offer(20, ty, 2, 10);
		let id = subscribe(1, ty, 12, 205);
		assert!(matches!(last_event(), Event::Subscribed { funding: 205, .. }));

		run_to_block(2);
		assert_eq!(
			last_event(),
			Event::Awarded {
				id,
				subscriber: 1,
				provider: 20,
				deployment_type: ty,
				descriptor_cid: bounded(DESCRIPTOR_CID),
				price_per_block: 10,
				provision_deadline: 2 + PROVISION_TIMEOUT,
			}
		);
		running(20, id);
		// 205 pays for 20 whole blocks at 10.
		assert_eq!(
			last_event(),
			Event::DeploymentRunning {
				id,
				provider: 20,
				endpoint: bounded(b"https://10.0.0.7:8080"),
				expires_at: Some(22)
			}
		);

		// Five blocks before the end, the low-funds warning is due.
		run_to_block(17);
		assert_eq!(
			last_event(),
			Event::LowFunds { id, subscriber: 1, balance: 55, expires_at: 22 }
		);
		assert_eq!(free(20), ENDOWMENT - PROVIDER_HOLD + 150);

		run_to_block(21);
		assert!(is_running(id));
		// The funds run out: suspended for the grace it earned (20 blocks run, at most 8).
		run_to_block(22);
		assert_eq!(
			last_event(),
			Event::Suspended {
				id,
				subscriber: 1,
				provider: 20,
				balance: 5,
				resume_at_balance: 10 * MIN_RUNWAY as Balance,
				grace_ends_at: 22 + GRACE_PERIOD,
			}
		);
		run_to_block(21 + GRACE_PERIOD);
		assert!(Subscriptions::<Test>::get(id).is_some());
		run_to_block(22 + GRACE_PERIOD);
		assert!(Subscriptions::<Test>::get(id).is_none());
		assert_eq!(
			last_event(),
			Event::Terminated {
				id,
				subscriber: 1,
				provider: Some(20),
				deployment_type: ty,
				reason: TerminationReason::OutOfFunds,
				refunded: 5,
				deposit_returned: SUBSCRIPTION_DEPOSIT,
				paid: 200,
			}
		);
		// The provider was paid exactly the 20 blocks; the dust came back with the deposit.
		assert_eq!(free(20), ENDOWMENT - PROVIDER_HOLD + 200);
		assert_eq!((free(1), held(1)), (ENDOWMENT - 200, 0));
		assert_eq!(pallet_dinfra_provider::Offerings::<Test>::get(20, ty).unwrap().in_use, 0);
		assert_eq!(total_issuance(), issuance);
	});
}

#[test]
fn lifecycle_with_no_offering_ends_after_the_award_timeout_with_a_full_refund() {
	new_test_ext().execute_with(|| {
		let issuance = total_issuance();
		let ty = new_type("vm-small");
		// An offering too expensive for the subscriber does not count.
		offer(20, ty, 2, 50);
		let id = subscribe(1, ty, 10, 100);
		run_to_block(1 + AWARD_TIMEOUT - 1);
		assert!(matches!(sub(id).status, SubscriptionStatus::AwaitingAward { since: 1 }));
		run_to_block(1 + AWARD_TIMEOUT);
		assert_eq!(
			last_event(),
			Event::Terminated {
				id,
				subscriber: 1,
				provider: None,
				deployment_type: ty,
				reason: TerminationReason::NoOffering,
				refunded: 100,
				deposit_returned: SUBSCRIPTION_DEPOSIT,
				paid: 0,
			}
		);
		assert_eq!((free(1), held(1)), (ENDOWMENT, 0));
		assert_eq!(total_issuance(), issuance);
	});
}

#[test]
fn a_queued_subscription_is_awarded_when_an_offering_appears() {
	new_test_ext().execute_with(|| {
		let ty = new_type("vm-small");
		let id = subscribe(1, ty, 10, 100);
		run_to_block(3);
		assert_eq!(provider_of(id), None);
		offer(20, ty, 1, 10);
		run_to_block(4);
		assert_eq!(provider_of(id), Some(20));
	});
}

#[test]
fn early_termination_by_the_subscriber_pays_what_ran_and_refunds_the_rest() {
	new_test_ext().execute_with(|| {
		let issuance = total_issuance();
		let (ty, id) = running_subscription(200);
		run_to_block(7);
		assert_ok!(DinfraSubscription::terminate(RuntimeOrigin::signed(1), id));
		assert_eq!(
			last_event(),
			Event::Terminated {
				id,
				subscriber: 1,
				provider: Some(20),
				deployment_type: ty,
				reason: TerminationReason::BySubscriber,
				refunded: 150,
				deposit_returned: SUBSCRIPTION_DEPOSIT,
				paid: 50,
			}
		);
		assert_eq!((free(1), held(1)), (ENDOWMENT - 50, 0));
		assert_eq!(free(20), ENDOWMENT - PROVIDER_HOLD + 50);
		assert_eq!(pallet_dinfra_provider::Offerings::<Test>::get(20, ty).unwrap().in_use, 0);
		assert_eq!(total_issuance(), issuance);
		run_to_block(30);
	});
}

#[test]
fn termination_before_running_costs_nothing() {
	new_test_ext().execute_with(|| {
		let ty = new_type("vm-small");
		offer(20, ty, 1, 10);
		let queued = subscribe(1, ty, 10, 100);
		assert_ok!(DinfraSubscription::terminate(RuntimeOrigin::signed(1), queued));
		assert_eq!((free(1), held(1)), (ENDOWMENT, 0));

		let provisioning = subscribe(1, ty, 10, 100);
		run_to_block(2);
		assert_eq!(provider_of(provisioning), Some(20));
		assert_ok!(DinfraSubscription::terminate(RuntimeOrigin::signed(1), provisioning));
		assert!(matches!(last_event(), Event::Terminated { refunded: 100, paid: 0, .. }));
		assert_eq!((free(1), held(1)), (ENDOWMENT, 0));
		assert_eq!(pallet_dinfra_provider::Offerings::<Test>::get(20, ty).unwrap().in_use, 0);
		run_to_block(10);
	});
}

#[test]
fn cancellation_by_the_provider_pays_what_ran_and_refunds_the_rest() {
	new_test_ext().execute_with(|| {
		let issuance = total_issuance();
		let (ty, id) = running_subscription(200);
		run_to_block(7);
		assert_ok!(DinfraSubscription::cancel_by_provider(
			RuntimeOrigin::signed(20),
			id,
			bounded(b"host maintenance")
		));
		assert_eq!(
			last_event(),
			Event::Terminated {
				id,
				subscriber: 1,
				provider: Some(20),
				deployment_type: ty,
				reason: TerminationReason::ByProvider { reason: bounded(b"host maintenance") },
				refunded: 150,
				deposit_returned: SUBSCRIPTION_DEPOSIT,
				paid: 50,
			}
		);
		// Cancelled within the minimum service period: the slash is the subscriber's.
		assert_eq!((free(1), held(1)), (ENDOWMENT - 50 + EARLY_CANCEL_SLASH, 0));
		assert_eq!(total_issuance(), issuance);
		run_to_block(30);
	});
}

#[test]
fn a_top_up_in_mid_life_moves_the_expiry() {
	new_test_ext().execute_with(|| {
		let issuance = total_issuance();
		let (_, id) = running_subscription(200);
		assert_eq!(sub(id).due_at, Some(22 - LOW_FUNDS_WARNING));
		run_to_block(10);
		assert_ok!(DinfraSubscription::top_up(RuntimeOrigin::signed(1), id, 100));
		// 80 was settled for blocks 2..10; 120 + 100 pays for 22 more blocks.
		assert_eq!(
			last_event(),
			Event::ToppedUp {
				id,
				by: 1,
				amount: 100,
				balance: 220,
				expires_at: Some(32),
				automatic: false
			}
		);
		assert_eq!(sub(id).due_at, Some(32 - LOW_FUNDS_WARNING));

		// A sponsor pays too; the funds become the subscriber's, held for the subscription.
		assert_ok!(DinfraSubscription::top_up(RuntimeOrigin::signed(3), id, 50));
		assert_eq!(free(3), ENDOWMENT - 50);
		assert_eq!(
			last_event(),
			Event::ToppedUp {
				id,
				by: 3,
				amount: 50,
				balance: 270,
				expires_at: Some(37),
				automatic: false
			}
		);
		run_to_block(36);
		assert!(is_running(id));
		run_to_block(37);
		assert!(matches!(last_event(), Event::Suspended { grace_ends_at: 45, .. }));
		run_to_block(37 + GRACE_PERIOD);
		assert!(Subscriptions::<Test>::get(id).is_none());
		assert!(matches!(last_event(), Event::Terminated { refunded: 0, paid: 350, .. }));
		assert_eq!((free(1), held(1)), (ENDOWMENT - 300, 0));
		assert_eq!(free(20), ENDOWMENT - PROVIDER_HOLD + 350);
		assert_eq!(total_issuance(), issuance);
	});
}

#[test]
fn a_claim_in_mid_life_pays_the_provider_what_it_earned() {
	new_test_ext().execute_with(|| {
		let (_, id) = running_subscription(200);
		run_to_block(9);
		assert_ok!(DinfraSubscription::claim(RuntimeOrigin::signed(20), id));
		assert_eq!(last_event(), Event::Claimed { id, provider: 20, amount: 70 });
		assert_eq!(free(20), ENDOWMENT - PROVIDER_HOLD + 70);
		assert_eq!(sub(id).balance, 130);
		assert_eq!(held(1), 130 + SUBSCRIPTION_DEPOSIT);
		// A second claim in the same block finds nothing more.
		assert_ok!(DinfraSubscription::claim(RuntimeOrigin::signed(20), id));
		assert_eq!(last_event(), Event::Claimed { id, provider: 20, amount: 0 });
		// The expiry did not move.
		run_to_block(21);
		assert!(is_running(id));
		run_to_block(22 + GRACE_PERIOD);
		assert!(matches!(last_event(), Event::Terminated { refunded: 0, paid: 200, .. }));
	});
}

#[test]
fn failed_provisioning_goes_to_another_provider_until_attempts_run_out() {
	new_test_ext().execute_with(|| {
		let issuance = total_issuance();
		let ty = new_type("vm-small");
		for provider in [20, 21, 22] {
			offer(provider, ty, 1, 10);
		}
		let id = subscribe(1, ty, 10, 100);
		run_to_block(2);
		assert_eq!(provider_of(id), Some(20));

		// 20 reports failure: its capacity is released and the subscription is queued again.
		failed(20, id);
		let evs = events();
		assert_eq!(
			evs[evs.len() - 2..],
			[
				Event::DeploymentFailed {
					id,
					provider: 20,
					failure: ProvisioningFailure::Reported { reason: bounded(b"image not found") },
				},
				Event::Reawarded { id, from: 20, attempts: 1 },
			]
		);
		assert_eq!(pallet_dinfra_provider::Offerings::<Test>::get(20, ty).unwrap().in_use, 0);
		run_to_block(3);
		assert_eq!(provider_of(id), Some(21));

		// 21 never reports: at its deadline it counts as failed, and 22 gets it.
		run_to_block(3 + PROVISION_TIMEOUT);
		assert!(events().contains(&Event::DeploymentFailed {
			id,
			provider: 21,
			failure: ProvisioningFailure::TimedOut
		}));
		assert_eq!(provider_of(id), Some(22));
		assert_eq!(sub(id).failed_providers.to_vec(), vec![20, 21]);

		// The third failure ends it, with a full refund; the three faults were paid to it.
		failed(22, id);
		assert_eq!(
			last_event(),
			Event::Terminated {
				id,
				subscriber: 1,
				provider: Some(22),
				deployment_type: ty,
				reason: TerminationReason::ProvisioningFailed,
				refunded: 100,
				deposit_returned: SUBSCRIPTION_DEPOSIT,
				paid: 0,
			}
		);
		assert_eq!(
			(free(1), held(1)),
			(ENDOWMENT + FAILURE_SLASH + TIMEOUT_SLASH + FAILURE_SLASH, 0)
		);
		assert_eq!(total_issuance(), issuance);
		run_to_block(12);
	});
}

#[test]
fn a_free_subscription_never_expires() {
	new_test_ext().execute_with(|| {
		let ty = new_type("substrate-collator");
		offer(20, ty, 1, 0);
		let id = subscribe(1, ty, 0, 0);
		assert_eq!(held(1), SUBSCRIPTION_DEPOSIT);
		run_to_block(2);
		running(20, id);
		assert!(matches!(last_event(), Event::DeploymentRunning { expires_at: None, .. }));
		assert_eq!(sub(id).due_at, None);
		run_to_block(500);
		assert!(is_running(id));
		assert_ok!(DinfraSubscription::terminate(RuntimeOrigin::signed(1), id));
		assert!(matches!(last_event(), Event::Terminated { refunded: 0, paid: 0, .. }));
		assert_eq!((free(1), held(1)), (ENDOWMENT, 0));
	});
}

#[test]
fn a_new_endpoint_can_be_announced_while_running_without_touching_billing() {
	new_test_ext().execute_with(|| {
		let (_, id) = running_subscription(200);
		run_to_block(5);
		assert_ok!(DinfraSubscription::report_deployment(
			RuntimeOrigin::signed(20),
			id,
			crate::DeploymentReport::Running { endpoint: bounded(b"https://10.0.0.8:8080") },
		));
		assert!(matches!(sub(id).status, SubscriptionStatus::Running { settled_at: 2, .. }));
		assert_eq!(sub(id).due_at, Some(22 - LOW_FUNDS_WARNING));
		run_to_block(22 + GRACE_PERIOD);
		assert!(matches!(last_event(), Event::Terminated { paid: 200, .. }));
	});
}

#[test]
fn the_runtime_api_view_is_settled_to_now_and_lists_provider_deployments() {
	use dinfra_primitives::runtime_api::SubscriptionPhase;
	new_test_ext().execute_with(|| {
		let (ty, id) = running_subscription(200);
		let other = subscribe(2, ty, 10, 100);
		assert_eq!(
			DinfraSubscription::subscription_view(other).unwrap().phase,
			SubscriptionPhase::AwaitingAward
		);
		run_to_block(7);
		let view = DinfraSubscription::subscription_view(id).unwrap();
		assert_eq!(view.phase, SubscriptionPhase::Running);
		assert_eq!((view.provider, view.price_per_block), (Some(20), Some(10)));
		assert_eq!(view.endpoint.as_deref(), Some(&b"https://10.0.0.7:8080"[..]));
		// Five blocks ran since the report at block 2; nothing was settled yet.
		assert_eq!((view.balance, view.owed_now), (200, 50));
		assert_eq!((view.runway, view.expires_at), (Some(15), Some(22)));
		assert_ok!(DinfraSubscription::terminate(RuntimeOrigin::signed(1), id));
		assert_eq!(DinfraSubscription::provider_deployments(&20), Vec::<SubscriptionId>::new());
		// What stays is the record of its end, with nothing held.
		let ended = DinfraSubscription::subscription_view(id).unwrap();
		assert_eq!((ended.phase, ended.phase_since), (SubscriptionPhase::Ended, 7));
		assert_eq!((ended.balance, ended.owed_now, ended.paid), (0, 0, 50));
	});
}
