//! The record of recent ends: what `DinfraApi::subscription` shows once a subscription has
//! ended, and that the record stays within `MaxEndedRecords` however many end.

use super::*;
use crate::{EndedSubscriptions, Pallet, TerminationReason};
use dinfra_primitives::runtime_api::{SubscriptionEnd, SubscriptionPhase};

#[test]
fn an_ended_subscription_shows_why_when_and_what_came_back() {
	new_test_ext().execute_with(|| {
		let ty = new_type("vm-small");
		offer(20, ty, 2, 10);
		let id = subscribe(1, ty, 10, 200);
		run_to_block(2);
		running(20, id);
		run_to_block(7);
		let live = Pallet::<Test>::subscription_view(id).expect("live");
		assert_eq!((live.phase, live.ended), (SubscriptionPhase::Running, None));
		assert_ok!(DinfraSubscription::terminate(RuntimeOrigin::signed(1), id));

		let view = Pallet::<Test>::subscription_view(id).expect("a recent end is remembered");
		assert_eq!(view.phase, SubscriptionPhase::Ended);
		assert_eq!(view.phase_since, 7, "the block it ended");
		assert_eq!((view.subscriber, view.deployment_type), (1, ty));
		assert_eq!(view.descriptor_cid, DESCRIPTOR_CID.to_vec());
		assert_eq!((view.provider, view.price_per_block), (Some(20), Some(10)));
		assert_eq!((view.balance, view.owed_now, view.paid), (0, 0, 50));
		assert_eq!((view.runway, view.expires_at, view.endpoint), (None, None, None));
		assert_eq!(
			view.ended,
			Some(SubscriptionEnd {
				reason: TerminationReason::BySubscriber,
				refunded: 150,
				deposit_returned: SUBSCRIPTION_DEPOSIT,
			})
		);
		// An id never given out is not an ended one.
		assert_eq!(Pallet::<Test>::subscription_view(id + 1), None);
		run_to_block(8);
	});
}

#[test]
fn a_provider_cancellation_keeps_its_reason_and_the_failed_providers() {
	new_test_ext().execute_with(|| {
		let ty = new_type("vm-small");
		offer(20, ty, 1, 10);
		offer(21, ty, 1, 10);
		let id = subscribe(1, ty, 10, 200);
		run_to_block(2);
		let first = provider_of(id).expect("awarded");
		failed(first, id);
		run_to_block(3);
		let second = provider_of(id).expect("awarded again");
		assert_ne!(first, second);
		assert_ok!(DinfraSubscription::cancel_by_provider(
			RuntimeOrigin::signed(second),
			id,
			bounded(b"host maintenance")
		));
		let view = Pallet::<Test>::subscription_view(id).expect("remembered");
		assert_eq!(view.failed_providers, vec![first]);
		assert_eq!(
			view.ended.map(|e| e.reason),
			Some(TerminationReason::ByProvider { reason: b"host maintenance".to_vec() })
		);
		run_to_block(4);
	});
}

/// However many subscriptions end, the record holds the last `MaxEndedRecords` of them: each end
/// forgets the oldest, whose id then reads as unknown.
#[test]
fn the_record_of_ends_keeps_the_last_ones_and_forgets_the_oldest() {
	new_test_ext().execute_with(|| {
		let ty = new_type("vm-small");
		let total = u64::from(MAX_ENDED_RECORDS) + 3;
		let ids: Vec<_> = (0..total).map(|_| subscribe(1, ty, 0, 0)).collect();
		for &id in &ids {
			assert_ok!(DinfraSubscription::terminate(RuntimeOrigin::signed(1), id));
			check_invariants();
		}
		let kept = &ids[3..];
		assert_eq!(Pallet::<Test>::ended_ids(), kept.to_vec(), "the last ones, oldest first");
		assert_eq!(EndedSubscriptions::<Test>::iter().count(), MAX_ENDED_RECORDS as usize);
		for &id in &ids[..3] {
			assert_eq!(Pallet::<Test>::subscription_view(id), None, "{id} is forgotten");
		}
		for &id in kept {
			let view = Pallet::<Test>::subscription_view(id).expect("remembered");
			assert_eq!(view.phase, SubscriptionPhase::Ended);
		}
		run_to_block(2);
	});
}
