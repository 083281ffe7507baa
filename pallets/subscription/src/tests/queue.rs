//! The award queues: one per deployment type, taking turns; bounded on every path; a
//! subscription that finds no offering parked until its next try and paying for each try; a
//! flood of hopeless subscriptions that cannot hold up another type's.

use super::*;
use crate::{weights::WeightInfo, Intake, TerminationReason, TypeQueues};
use polkadot_sdk::frame_support::{assert_noop, assert_ok, weights::Weight};

type W = crate::weights::SubstrateWeight<Test>;

fn subscribe_refused(
	who: AccountId,
	ty: DeploymentTypeId,
) -> polkadot_sdk::sp_runtime::DispatchError {
	DinfraSubscription::subscribe(
		RuntimeOrigin::signed(who),
		ty,
		bounded(DESCRIPTOR_CID),
		AwardTarget::Any,
		0,
		0,
	)
	.expect_err("refused")
}

fn deferrals(of: SubscriptionId) -> usize {
	events().iter().filter(|e| matches!(e, Event::AwardDeferred { id, .. } if *id == of)).count()
}

#[test]
fn terminating_a_queued_subscription_frees_its_slot_at_once() {
	new_test_ext().execute_with(|| {
		let ty = new_type("vm-small");
		let ids: Vec<_> =
			(0..MAX_QUEUE_PER_TYPE).map(|i| subscribe(1 + (i as u64 % 30), ty, 0, 0)).collect();
		assert_eq!(subscribe_refused(31, ty), crate::Error::<Test>::QueueFull.into());
		let first = ids[0];
		assert_ok!(DinfraSubscription::terminate(
			RuntimeOrigin::signed(sub(first).subscriber),
			first
		));
		assert_eq!(Intake::<Test>::get().len(), u64::from(MAX_QUEUE_PER_TYPE) - 1);
		let late = subscribe(31, ty, 0, 0);
		check_invariants();
		// The freed entry is skipped when the queue reaches it; the next in line is awarded.
		offer(20, ty, 1, 0);
		run_to_block(2);
		assert_eq!(provider_of(ids[1]), Some(20));
		assert_eq!(provider_of(late), None);
	});
}

#[test]
fn the_queues_are_bounded_per_type_and_in_all() {
	new_test_ext().execute_with(|| {
		let a = new_type("vm-small");
		let b = new_type("vm-large");
		for i in 0..MAX_QUEUE_PER_TYPE {
			subscribe(1 + (i as u64 % 30), a, 0, 0);
		}
		assert_eq!(subscribe_refused(31, a), crate::Error::<Test>::QueueFull.into());
		for i in 0..(MAX_QUEUE_LENGTH - MAX_QUEUE_PER_TYPE) {
			subscribe(1 + (i as u64 % 30), b, 0, 0);
		}
		assert_eq!(subscribe_refused(31, b), crate::Error::<Test>::QueueFull.into());
		assert_eq!(TypeQueues::<Test>::get(a).queued, MAX_QUEUE_PER_TYPE);
		check_invariants();
	});
}

/// A subscription with no eligible offering is tried once per `AwardRetryInterval`, not every
/// block, pays `AwardAttemptFee` per try from its deposit, and ends `NoOffering` at
/// `AwardTimeout` with the funding and the rest of the deposit back.
#[test]
fn a_hopeless_subscription_is_tried_at_an_interval_and_pays_per_try() {
	new_test_ext().execute_with(|| {
		AwardRetryInterval::set(2);
		AwardAttemptFee::set(1);
		let issuance = total_issuance();
		let ty = new_type("vm-small");
		let id = subscribe_to(1, ty, AwardTarget::Provider(77), 10, 500);
		let before = free(1);
		// Tries at blocks 2, 4 and 6 (the timeout: subscribed at 1, AWARD_TIMEOUT 5).
		run_to_block(5);
		assert_eq!(deferrals(id), 2);
		assert!(Subscriptions::<Test>::get(id).is_some());
		run_to_block(6);
		assert!(Subscriptions::<Test>::get(id).is_none());
		assert!(events().iter().any(|e| matches!(
			e,
			Event::Terminated { id: ended, reason: TerminationReason::NoOffering, refunded: 500, .. }
				if *ended == id
		)));
		// Three tries: three fees burned, the rest back, and the event and the record of the
		// end say how much of the deposit came back.
		assert!(events().iter().any(|e| matches!(
			e,
			Event::Terminated { id: ended, deposit_returned, .. }
				if *ended == id && *deposit_returned == SUBSCRIPTION_DEPOSIT - 3
		)));
		let end = crate::Pallet::<Test>::subscription_view(id).and_then(|v| v.ended);
		assert_eq!(
			end.map(|e| (e.refunded, e.deposit_returned)),
			Some((500, SUBSCRIPTION_DEPOSIT - 3))
		);
		assert_eq!(free(1), before + 500 + SUBSCRIPTION_DEPOSIT - 3);
		assert_eq!(total_issuance(), issuance - 3);
	});
}

#[test]
fn a_subscription_that_waits_for_capacity_is_awarded_at_its_next_try() {
	new_test_ext().execute_with(|| {
		AwardRetryInterval::set(3);
		let ty = new_type("vm-small");
		offer(20, ty, 1, 10);
		let first = subscribe(1, ty, 10, 500);
		let second = subscribe(2, ty, 10, 500);
		run_to_block(2);
		assert_eq!(provider_of(first), Some(20));
		assert_eq!(deferrals(second), 1);
		assert_ok!(DinfraSubscription::terminate(RuntimeOrigin::signed(1), first));
		// Parked until block 5: capacity freed at 2 is taken at 5.
		run_to_block(4);
		assert_eq!(provider_of(second), None);
		run_to_block(5);
		assert_eq!(provider_of(second), Some(20));
	});
}

/// A provider fails a subscription while the queues are full: it is not dropped, and not
/// queued past the bound; it waits an interval and is awarded to the next provider.
#[test]
fn a_requeue_into_a_full_queue_waits_and_is_not_lost() {
	new_test_ext().execute_with(|| {
		AwardRetryInterval::set(2);
		let ty = new_type("vm-small");
		offer(20, ty, 2, 10);
		offer(21, ty, 1, 10);
		let id = subscribe(1, ty, 10, 1_000);
		run_to_block(2);
		assert_eq!(provider_of(id), Some(20));
		// Others fill the queues with subscriptions to a type nobody offers.
		let other = new_type("vm-large");
		for i in 0..MAX_QUEUE_PER_TYPE {
			subscribe(2 + (i as u64 % 30), other, 0, 0);
		}
		let third = new_type("vm-huge");
		for i in 0..(MAX_QUEUE_LENGTH - MAX_QUEUE_PER_TYPE) {
			subscribe(2 + (i as u64 % 30), third, 0, 0);
		}
		failed(20, id);
		assert!(matches!(sub(id).status, SubscriptionStatus::AwaitingAward { .. }));
		assert_eq!(sub(id).due_at, Some(4));
		assert_eq!(Intake::<Test>::get().len(), u64::from(MAX_QUEUE_LENGTH));
		check_invariants();
		// The hook tries the flood (which parks, freeing slots), then its next try finds 21.
		run_to_block(4);
		assert_eq!(provider_of(id), Some(21));
	});
}

/// The attack of the issue: a thousand hopeless subscriptions (here the per-type bound's worth)
/// in one block, with a block that holds only a few tries. An honest subscription to another
/// type in the same block is accepted and awarded in the next block; the flood pays a fee for
/// every try the chain makes for it.
#[test]
fn a_flood_of_hopeless_subscriptions_does_not_hold_up_another_type() {
	new_test_ext().execute_with(|| {
		AwardRetryInterval::set(10);
		AwardAttemptFee::set(1);
		let flooded = new_type("vm-small");
		let honest_type = new_type("vm-large");
		offer(20, honest_type, 1, 10);
		let issuance = total_issuance();
		let flood: Vec<_> = (0..MAX_QUEUE_PER_TYPE)
			.map(|i| subscribe_to(1 + (i as u64 % 10), flooded, AwardTarget::Provider(77), 0, 0))
			.collect();
		let honest = subscribe(31, honest_type, 10, 500);
		// Room for ten tries a block.
		let per_try = W::process_award()
			.max(W::process_award_deferred())
			.max(W::process_award_ended())
			.saturating_add(<DinfraProvider as dinfra_primitives::Market<_, _>>::max_award_weight());
		MaxBlockWork::set(
			W::on_initialize_idle()
				.saturating_add(W::due_probe().saturating_mul(20))
				.saturating_add(per_try.saturating_mul(10)),
		);
		run_to_block(2);
		assert_eq!(provider_of(honest), Some(20), "awarded in the next block");
		running(20, honest);
		// The flood is worked through at ten tries a block, each try paid for.
		run_to_block(40);
		MaxBlockWork::set(Weight::from_parts(1_000_000_000_000, 10 * 1024 * 1024));
		let tries: usize = flood.iter().map(|&id| deferrals(id)).sum();
		let ended = events()
			.iter()
			.filter(|e| {
				matches!(e, Event::Terminated { id, reason: TerminationReason::NoOffering, .. }
					if flood.contains(id))
			})
			.count();
		assert_eq!(ended, flood.len(), "every hopeless subscription ended");
		let paid = issuance - total_issuance();
		assert!(tries > 0);
		assert_eq!(paid, (tries + ended) as Balance * AwardAttemptFee::get());
		check_invariants();
	});
}

#[test]
fn a_subscriber_cannot_queue_past_the_bounds_by_terminating_and_resubscribing() {
	new_test_ext().execute_with(|| {
		let ty = new_type("vm-small");
		for i in 0..MAX_QUEUE_PER_TYPE {
			subscribe(1 + (i as u64 % 30), ty, 0, 0);
		}
		for _ in 0..5 {
			let last = Intake::<Test>::get().next_id - 1;
			assert_ok!(DinfraSubscription::terminate(
				RuntimeOrigin::signed(sub(last).subscriber),
				last
			));
			subscribe(31, ty, 0, 0);
			assert_noop!(
				DinfraSubscription::subscribe(
					RuntimeOrigin::signed(32),
					ty,
					bounded(DESCRIPTOR_CID),
					AwardTarget::Any,
					0,
					0
				),
				crate::Error::<Test>::QueueFull
			);
		}
		check_invariants();
	});
}
