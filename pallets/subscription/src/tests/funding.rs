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
		run_to_block(12);
		assert!(
			Subscriptions::<Test>::get(exact).is_none()
				&& Subscriptions::<Test>::get(dust).is_none()
		);
		assert_eq!((free(1), held(1)), (ENDOWMENT - 100, 0));
		// The 9 that buy no whole block come back.
		assert_eq!((free(2), held(2)), (ENDOWMENT - 100, 0));
	});
}
