//! Every refused call, each with `assert_noop!`: a refused call changes nothing.

use super::*;
use crate::{DeploymentReport, Error};
use polkadot_sdk::{
	frame_support::{assert_noop, assert_ok, BoundedVec},
	sp_runtime::TokenError,
};

fn subscribe_call(
	who: AccountId,
	ty: DeploymentTypeId,
	cid: &[u8],
	target: Target,
) -> polkadot_sdk::sp_runtime::DispatchResult {
	DinfraSubscription::subscribe(RuntimeOrigin::signed(who), ty, bounded(cid), target, 10, 100)
}

#[test]
fn subscribe_refuses_bad_input() {
	new_test_ext().execute_with(|| {
		let ty = new_type("vm-small");
		assert_noop!(
			subscribe_call(1, 7, DESCRIPTOR_CID, AwardTarget::Any),
			Error::<Test>::UnknownDeploymentType
		);
		assert_noop!(
			subscribe_call(1, ty, b"not-a-cid", AwardTarget::Any),
			Error::<Test>::InvalidCid
		);
		assert_noop!(
			subscribe_call(1, ty, DESCRIPTOR_CID, AwardTarget::Preferred(BoundedVec::new())),
			Error::<Test>::EmptyPreferredList
		);
		assert_noop!(
			subscribe_call(PAUPER, ty, DESCRIPTOR_CID, AwardTarget::Any),
			TokenError::FundsUnavailable
		);
		assert_ok!(DinfraProvider::retire_deployment_type(RuntimeOrigin::signed(40), ty));
		assert_noop!(
			subscribe_call(1, ty, DESCRIPTOR_CID, AwardTarget::Any),
			Error::<Test>::UnknownDeploymentType
		);
	});
}

#[test]
fn subscribe_refuses_a_retired_type_that_still_has_offerings() {
	new_test_ext().execute_with(|| {
		let ty = new_type("vm-small");
		offer(20, ty, 1, 10);
		assert_ok!(DinfraProvider::retire_deployment_type(RuntimeOrigin::signed(40), ty));
		assert_noop!(
			subscribe_call(1, ty, DESCRIPTOR_CID, AwardTarget::Any),
			Error::<Test>::DeploymentTypeRetired
		);
	});
}

#[test]
fn subscribe_refuses_when_the_queue_is_full() {
	new_test_ext().execute_with(|| {
		let ty = new_type("vm-small");
		let other = new_type("vm-large");
		// One type's queue holds MAX_QUEUE_PER_TYPE, all of them MAX_QUEUE_LENGTH.
		for i in 0..MAX_QUEUE_PER_TYPE {
			subscribe(1 + u64::from(i % 30), ty, 10, 100);
		}
		assert_noop!(
			subscribe_call(31, ty, DESCRIPTOR_CID, AwardTarget::Any),
			Error::<Test>::QueueFull
		);
		for i in MAX_QUEUE_PER_TYPE..MAX_QUEUE_LENGTH {
			subscribe(1 + u64::from(i % 30), other, 10, 100);
		}
		assert_noop!(
			subscribe_call(31, other, DESCRIPTOR_CID, AwardTarget::Any),
			Error::<Test>::QueueFull
		);
	});
}

#[test]
fn top_up_refuses_nothing_unknown_ids_and_missing_funds() {
	new_test_ext().execute_with(|| {
		let ty = new_type("vm-small");
		let id = subscribe(1, ty, 10, 100);
		assert_noop!(
			DinfraSubscription::top_up(RuntimeOrigin::signed(1), id, 0),
			Error::<Test>::ZeroTopUp
		);
		assert_noop!(
			DinfraSubscription::top_up(RuntimeOrigin::signed(1), 77, 10),
			Error::<Test>::UnknownSubscription
		);
		assert_noop!(
			DinfraSubscription::top_up(RuntimeOrigin::signed(PAUPER), id, 10),
			TokenError::FundsUnavailable
		);
	});
}

#[test]
fn only_the_subscriber_terminates() {
	new_test_ext().execute_with(|| {
		let ty = new_type("vm-small");
		let id = subscribe(1, ty, 10, 100);
		assert_noop!(
			DinfraSubscription::terminate(RuntimeOrigin::signed(2), id),
			Error::<Test>::NotSubscriber
		);
		assert_noop!(
			DinfraSubscription::terminate(RuntimeOrigin::signed(1), 77),
			Error::<Test>::UnknownSubscription
		);
	});
}

#[test]
fn only_the_awarded_provider_reports_cancels_and_claims() {
	new_test_ext().execute_with(|| {
		let ty = new_type("vm-small");
		offer(20, ty, 1, 10);
		offer(21, ty, 1, 10);
		let id = subscribe(1, ty, 10, 100);
		let report = DeploymentReport::Running { endpoint: bounded(b"http://x") };
		// Not awarded yet: nobody may report, cancel or claim.
		assert_noop!(
			DinfraSubscription::report_deployment(RuntimeOrigin::signed(20), id, report.clone()),
			Error::<Test>::NotAwardedProvider
		);
		run_to_block(2);
		assert_eq!(provider_of(id), Some(20));
		assert_noop!(
			DinfraSubscription::report_deployment(RuntimeOrigin::signed(21), id, report.clone()),
			Error::<Test>::NotAwardedProvider
		);
		assert_noop!(
			DinfraSubscription::report_deployment(RuntimeOrigin::signed(20), 77, report),
			Error::<Test>::UnknownSubscription
		);
		assert_noop!(
			DinfraSubscription::cancel_by_provider(RuntimeOrigin::signed(21), id, bounded(b"")),
			Error::<Test>::NotAwardedProvider
		);
		assert_noop!(
			DinfraSubscription::cancel_by_provider(RuntimeOrigin::signed(20), 77, bounded(b"")),
			Error::<Test>::UnknownSubscription
		);
		assert_noop!(
			DinfraSubscription::claim(RuntimeOrigin::signed(21), id),
			Error::<Test>::NotAwardedProvider
		);
		assert_noop!(
			DinfraSubscription::claim(RuntimeOrigin::signed(20), id),
			Error::<Test>::NotRunning
		);
		assert_noop!(
			DinfraSubscription::claim(RuntimeOrigin::signed(20), 77),
			Error::<Test>::UnknownSubscription
		);

		running(20, id);
		assert_noop!(
			DinfraSubscription::report_deployment(
				RuntimeOrigin::signed(20),
				id,
				DeploymentReport::Failed { reason: bounded(b"oops") }
			),
			Error::<Test>::NotProvisioning
		);
	});
}
