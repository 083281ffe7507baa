//! Funding arithmetic at its edges.

use super::*;
use crate::{Error, Pallet};
use polkadot_sdk::{
	frame_support::{assert_noop, assert_ok},
	sp_runtime::TokenError,
};

fn try_subscribe(max_price: Balance, funding: Balance) -> polkadot_sdk::sp_runtime::DispatchResult {
	DinfraSubscription::subscribe(
		RuntimeOrigin::signed(1),
		0,
		bounded(DESCRIPTOR_CID),
		AwardTarget::Any,
		max_price,
		funding,
	)
}

#[test]
fn funding_for_exactly_the_min_runway_is_accepted_and_one_block_short_is_not() {
	new_test_ext().execute_with(|| {
		new_type("vm-small");
		assert_noop!(try_subscribe(10, 10 * MIN_RUNWAY - 1), Error::<Test>::FundingBelowMinRunway);
		assert_ok!(try_subscribe(10, 10 * MIN_RUNWAY));
	});
}

#[test]
fn paid_subscriptions_need_funds_and_free_ones_do_not() {
	new_test_ext().execute_with(|| {
		new_type("vm-small");
		assert_noop!(try_subscribe(1, 0), Error::<Test>::FundingBelowMinRunway);
		assert_ok!(try_subscribe(0, 0));
		assert_eq!(held(1), SUBSCRIPTION_DEPOSIT);
	});
}

#[test]
fn maximum_values_saturate_instead_of_overflowing() {
	new_test_ext().execute_with(|| {
		new_type("vm-small");
		// The runway cost saturates at the maximum, which no account can hold.
		assert_noop!(
			try_subscribe(Balance::MAX, Balance::MAX - 1),
			Error::<Test>::FundingBelowMinRunway
		);
		assert_noop!(try_subscribe(Balance::MAX, Balance::MAX), TokenError::FundsUnavailable);
		assert_eq!(Pallet::<Test>::cost(Balance::MAX, 2), Balance::MAX);
		assert_eq!(Pallet::<Test>::runway(Balance::MAX, 1), Some(u64::MAX));
		assert_eq!(Pallet::<Test>::runway(Balance::MAX, 0), None);
		assert_eq!(Pallet::<Test>::runway(9, 10), Some(0));
	});
}

#[test]
fn funds_for_an_exact_number_of_blocks_are_spent_to_the_last_unit() {
	new_test_ext().execute_with(|| {
		let ty = new_type("vm-small");
		offer(20, ty, 2, 10);
		let exact = subscribe(1, ty, 10, 100);
		let dust = subscribe(2, ty, 10, 109);
		run_to_block(2);
		running(20, exact);
		running(20, dust);
		assert_eq!(sub(exact).due_at, Some(12 - LOW_FUNDS_WARNING));
		run_to_block(11);
		assert!(is_running(exact) && is_running(dust));
		// Suspended at 12, ended when the grace is over; nothing is billed in between.
		run_to_block(12 + GRACE_PERIOD);
		assert!(
			Subscriptions::<Test>::get(exact).is_none()
				&& Subscriptions::<Test>::get(dust).is_none()
		);
		assert_eq!((free(1), held(1)), (ENDOWMENT - 100, 0));
		// The 9 that buy no whole block come back.
		assert_eq!((free(2), held(2)), (ENDOWMENT - 100, 0));
	});
}

#[test]
fn root_sets_the_min_runway_for_the_subscriptions_that_come_after() {
	use crate::MinRunway;
	use polkadot_sdk::sp_runtime::DispatchError;
	new_test_ext().execute_with(|| {
		let ty = new_type("vm-small");
		offer(20, ty, 5, 10);
		assert_eq!(MinRunway::<Test>::get(), MIN_RUNWAY, "the default until Root sets one");
		let early = subscribe(1, ty, 10, 10 * MIN_RUNWAY);

		// Nobody else may change it, and a runway of nothing is refused.
		assert_noop!(
			DinfraSubscription::set_min_runway(RuntimeOrigin::signed(1), 1),
			DispatchError::BadOrigin
		);
		assert_noop!(
			DinfraSubscription::set_min_runway(RuntimeOrigin::root(), 0),
			Error::<Test>::ZeroMinRunway
		);

		let longer = MIN_RUNWAY * 2;
		assert_ok!(DinfraSubscription::set_min_runway(RuntimeOrigin::root(), longer));
		assert_eq!(last_event(), Event::MinRunwaySet { old: MIN_RUNWAY, new: longer });
		assert_eq!(MinRunway::<Test>::get(), longer);
		check_invariants();
		assert_noop!(try_subscribe(10, 10 * longer - 1), Error::<Test>::FundingBelowMinRunway);
		assert_ok!(try_subscribe(10, 10 * longer));
		// A subscription made before keeps what it has.
		assert_eq!(sub(early).balance, 10 * MIN_RUNWAY);

		// Lowered, it lets a runway of one block in.
		assert_ok!(DinfraSubscription::set_min_runway(RuntimeOrigin::root(), 1));
		assert_ok!(try_subscribe(10, 10));
		run_to_block(3);
	});
}

#[test]
fn amounts_are_compact_in_calls() {
	use crate::Call;
	use codec::Encode;
	// The call index, the id (8 bytes) and a compact amount: one byte for a small one, as
	// Balances' transfers take it, not sixteen.
	let top_up = Call::<Test>::top_up { id: 7, amount: 1 }.encode();
	assert_eq!(top_up.len(), 1 + 8 + 1, "{top_up:?}");
	let subscribe = Call::<Test>::subscribe {
		deployment_type: 0,
		descriptor_cid: bounded(b""),
		target: AwardTarget::Any,
		max_price_per_block: 1,
		funding: 1,
	}
	.encode();
	// Index, type (4), an empty CID (1), `Any` (1), and two one-byte amounts.
	assert_eq!(subscribe.len(), 1 + 4 + 1 + 1 + 1 + 1, "{subscribe:?}");
}
