//! Tests of subscriptions, one file per concern: whole lifecycles, funding arithmetic, refused
//! calls, the carry-over of per-block work, and a randomized run of many calls.

mod accountability;
mod continuity;
mod ended;
mod errors;
mod expiry;
mod funding;
mod lifecycle;
mod proof_size;
mod property;
mod queue;

use crate::{mock::*, Event, Subscription, SubscriptionId, SubscriptionStatus, Subscriptions};
use dinfra_primitives::{AwardTarget, DeploymentTypeId};
use polkadot_sdk::frame_support::assert_ok;

type Target = crate::AwardTargetOf<Test>;

/// A deployment type owned by account 40.
fn new_type(name: &str) -> DeploymentTypeId {
	let id = pallet_dinfra_provider::NextDeploymentTypeId::<Test>::get();
	assert_ok!(DinfraProvider::register_deployment_type(
		RuntimeOrigin::signed(40),
		bounded(name.as_bytes()),
		bounded(DESCRIPTOR_CID),
	));
	id
}

/// `who` registers as a provider (if it is not one) and offers `ty`.
fn offer(who: AccountId, ty: DeploymentTypeId, capacity: u32, price: Balance) {
	if !pallet_dinfra_provider::Providers::<Test>::contains_key(who) {
		assert_ok!(DinfraProvider::register_provider(RuntimeOrigin::signed(who), bounded(b"{}")));
	}
	assert_ok!(DinfraProvider::create_offering(
		RuntimeOrigin::signed(who),
		ty,
		capacity,
		price,
		bounded(b""),
	));
}

/// `who` subscribes to `ty` with any provider and returns the new id.
fn subscribe(
	who: AccountId,
	ty: DeploymentTypeId,
	max_price: Balance,
	funding: Balance,
) -> SubscriptionId {
	subscribe_to(who, ty, AwardTarget::Any, max_price, funding)
}

fn subscribe_to(
	who: AccountId,
	ty: DeploymentTypeId,
	target: Target,
	max_price: Balance,
	funding: Balance,
) -> SubscriptionId {
	let id = crate::Intake::<Test>::get().next_id;
	assert_ok!(DinfraSubscription::subscribe(
		RuntimeOrigin::signed(who),
		ty,
		bounded(DESCRIPTOR_CID),
		target,
		max_price,
		funding,
	));
	id
}

fn running(provider: AccountId, id: SubscriptionId) {
	assert_ok!(DinfraSubscription::report_deployment(
		RuntimeOrigin::signed(provider),
		id,
		crate::DeploymentReport::Running { endpoint: bounded(b"https://10.0.0.7:8080") },
	));
}

fn failed(provider: AccountId, id: SubscriptionId) {
	assert_ok!(DinfraSubscription::report_deployment(
		RuntimeOrigin::signed(provider),
		id,
		crate::DeploymentReport::Failed { reason: bounded(b"image not found") },
	));
}

fn sub(id: SubscriptionId) -> Subscription<Test> {
	Subscriptions::<Test>::get(id).expect("the subscription is live")
}

fn provider_of(id: SubscriptionId) -> Option<AccountId> {
	Subscriptions::<Test>::get(id).and_then(|s| s.status.provider().copied())
}

fn is_running(id: SubscriptionId) -> bool {
	matches!(sub(id).status, SubscriptionStatus::Running { .. })
}

fn events() -> Vec<Event<Test>> {
	System::events()
		.into_iter()
		.filter_map(|r| match r.event {
			RuntimeEvent::DinfraSubscription(e) => Some(e),
			_ => None,
		})
		.collect()
}

fn last_event() -> Event<Test> {
	events().pop().expect("an event was emitted")
}

/// The free balance of `who`.
fn free(who: AccountId) -> Balance {
	Balances::free_balance(who)
}
