//! Providers answer for their faults: slashes paid to the subscriber, declines that cost
//! nothing, early cancellations, and deadlines that a chain stall does not break.

use super::*;
use crate::ProvisioningFailure;
use dinfra_primitives::{Fault, TrackRecord};
use pallet_dinfra_provider::{Offerings, TrackRecords};
use polkadot_sdk::frame_support::{assert_ok, traits::Hooks};

fn record(who: AccountId) -> TrackRecord<Balance, u64> {
	TrackRecords::<Test>::get(who).expect("a provider has a record")
}

fn collateral(who: AccountId, ty: DeploymentTypeId) -> Balance {
	Offerings::<Test>::get(who, ty).expect("offered").collateral
}

fn declined(provider: AccountId, id: SubscriptionId) {
	assert_ok!(DinfraSubscription::report_deployment(
		RuntimeOrigin::signed(provider),
		id,
		crate::DeploymentReport::Declined { reason: bounded(b"does not follow the schema") },
	));
}

fn slashed_events() -> Vec<(AccountId, Fault, Balance, AccountId)> {
	System::events()
		.into_iter()
		.filter_map(|r| match r.event {
			RuntimeEvent::DinfraProvider(pallet_dinfra_provider::Event::Slashed {
				provider,
				fault,
				amount,
				to,
				..
			}) => Some((provider, fault, amount, to)),
			_ => None,
		})
		.collect()
}

/// A type offered by 20 and 21 at 10 per block, and a subscription of account 1 awarded to 20.
fn awarded_to_20() -> (DeploymentTypeId, SubscriptionId) {
	let ty = new_type("vm-small");
	offer(20, ty, 2, 10);
	offer(21, ty, 4, 10);
	let id = subscribe(1, ty, 10, 1_000);
	run_to_block(2);
	assert_eq!(provider_of(id), Some(20));
	(ty, id)
}

#[test]
fn a_missed_deadline_pays_the_subscriber_from_the_providers_collateral() {
	new_test_ext().execute_with(|| {
		let issuance = total_issuance();
		let (ty, id) = awarded_to_20();
		let before = free(1);
		run_to_block(2 + PROVISION_TIMEOUT);
		assert_eq!(slashed_events(), vec![(20, Fault::ProvisionTimeout, TIMEOUT_SLASH, 1)]);
		assert_eq!(free(1), before + TIMEOUT_SLASH);
		assert_eq!(collateral(20, ty), 2 * COLLATERAL_PER_UNIT - TIMEOUT_SLASH);
		assert_eq!(record(20).timeouts, 1);
		assert_eq!(record(20).slashed, TIMEOUT_SLASH);
		// It goes to the next provider, as before.
		run_to_block(3 + PROVISION_TIMEOUT);
		assert_eq!(provider_of(id), Some(21));
		assert_eq!(total_issuance(), issuance);
	});
}

#[test]
fn a_reported_failure_costs_less_than_a_timeout_and_a_decline_costs_nothing() {
	new_test_ext().execute_with(|| {
		let (ty, id) = awarded_to_20();
		failed(20, id);
		assert_eq!(slashed_events(), vec![(20, Fault::ProvisioningFailed, FAILURE_SLASH, 1)]);
		const { assert!(FAILURE_SLASH < TIMEOUT_SLASH) };
		run_to_block(3);
		assert_eq!(provider_of(id), Some(21));
		let before = (free(1), collateral(21, ty));
		declined(21, id);
		assert_eq!(slashed_events().len(), 1, "a decline is not slashed");
		assert_eq!((free(1), collateral(21, ty)), before);
		assert_eq!(
			events().into_iter().rev().find(|e| matches!(e, Event::DeploymentFailed { .. })),
			Some(Event::DeploymentFailed {
				id,
				provider: 21,
				failure: ProvisioningFailure::Declined {
					reason: bounded(b"does not follow the schema")
				},
			})
		);
		assert_eq!(record(21).declines, 1);
		assert_eq!(record(21).strikes, 0);
		assert_eq!(record(20).failures, 1);
	});
}

#[test]
fn the_time_to_running_is_recorded_and_pays_off_a_strike() {
	new_test_ext().execute_with(|| {
		let (_, id) = awarded_to_20();
		run_to_block(4);
		running(20, id);
		assert_eq!(record(20).running, 1);
		assert_eq!(record(20).provisioning_blocks, 2);
		assert_eq!(record(20).awards, 1);
	});
}

#[test]
fn cancelling_early_is_slashed_and_cancelling_later_is_not() {
	new_test_ext().execute_with(|| {
		let (ty, id) = awarded_to_20();
		running(20, id);
		let second = subscribe_to(2, ty, dinfra_primitives::AwardTarget::Provider(20), 10, 1_000);
		run_to_block(3);
		assert_eq!(provider_of(second), Some(20));
		running(20, second);
		// Within the minimum service period: slashed, paid to subscriber 1.
		run_to_block(2 + MIN_SERVICE_PERIOD - 1);
		let before = free(1);
		assert_ok!(DinfraSubscription::cancel_by_provider(
			RuntimeOrigin::signed(20),
			id,
			bounded(b"maintenance")
		));
		assert_eq!(slashed_events(), vec![(20, Fault::EarlyCancel, EARLY_CANCEL_SLASH, 1)]);
		assert!(free(1) > before + EARLY_CANCEL_SLASH, "slash and refund both reached 1");
		// After it: recorded, not slashed.
		run_to_block(3 + MIN_SERVICE_PERIOD);
		assert_ok!(DinfraSubscription::cancel_by_provider(
			RuntimeOrigin::signed(20),
			second,
			bounded(b"retiring the host")
		));
		assert_eq!(slashed_events().len(), 1);
		assert_eq!(record(20).cancellations, 2);
	});
}

#[test]
fn cancelling_a_deployment_still_provisioning_is_an_early_cancel() {
	new_test_ext().execute_with(|| {
		let (_, id) = awarded_to_20();
		assert_ok!(DinfraSubscription::cancel_by_provider(
			RuntimeOrigin::signed(20),
			id,
			bounded(b"changed my mind")
		));
		assert_eq!(slashed_events(), vec![(20, Fault::EarlyCancel, EARLY_CANCEL_SLASH, 1)]);
	});
}

/// The relay chain advanced by a day while the parachain produced no block: nobody could report,
/// so nobody is slashed; the deadline moves out by the stall.
#[test]
fn a_deadline_inside_a_chain_stall_slashes_nobody() {
	new_test_ext().execute_with(|| {
		let (ty, id) = awarded_to_20();
		// One parachain block, then a stall of 14,400 relay blocks.
		run_to_block(3);
		System::set_block_number(3 + 14_400);
		DinfraSubscription::on_initialize(3 + 14_400);
		check_invariants();
		assert!(slashed_events().is_empty());
		assert_eq!(provider_of(id), Some(20));
		assert_eq!(collateral(20, ty), 2 * COLLATERAL_PER_UNIT);
		// The provider had one live block before the stall and MAX_LIVE_GAP counted for it; it
		// has the rest of its time after the stall, and then it is slashed.
		let used = 1 + MAX_LIVE_GAP;
		let deadline = 3 + 14_400 + (PROVISION_TIMEOUT - used);
		run_to_block(deadline - 1);
		assert!(slashed_events().is_empty());
		assert_eq!(provider_of(id), Some(20));
		run_to_block(deadline);
		assert_eq!(slashed_events(), vec![(20, Fault::ProvisionTimeout, TIMEOUT_SLASH, 1)]);
	});
}

#[test]
fn a_provider_that_reports_in_time_after_a_stall_is_not_slashed() {
	new_test_ext().execute_with(|| {
		let (_, id) = awarded_to_20();
		System::set_block_number(2 + 14_400);
		DinfraSubscription::on_initialize(2 + 14_400);
		running(20, id);
		run_to_block(2 + 14_400 + 10);
		assert!(slashed_events().is_empty());
		assert!(is_running(id));
	});
}
