//! Tests of the provider registry, one file per part of its life: deployment types, providers,
//! offerings, and the award.

mod award;
mod collateral;
mod demo;
mod deployment_types;
mod offerings;
mod providers;
mod record;

use crate::{mock::*, DeploymentTypeId, Offerings, Providers};
use polkadot_sdk::frame_support::assert_ok;

/// Registers a deployment type called `name`, owned by `owner`, and returns its id.
fn register_type(owner: AccountId, name: &str) -> DeploymentTypeId {
	let id = crate::NextDeploymentTypeId::<Test>::get();
	assert_ok!(DinfraProvider::register_deployment_type(
		RuntimeOrigin::signed(owner),
		bounded(name.as_bytes()),
		bounded(SCHEMA_CID),
	));
	id
}

fn register_provider(who: AccountId) {
	assert_ok!(DinfraProvider::register_provider(RuntimeOrigin::signed(who), bounded(b"{}")));
}

fn offer(who: AccountId, deployment_type: DeploymentTypeId, capacity: u32, price: Balance) {
	assert_ok!(DinfraProvider::create_offering(
		RuntimeOrigin::signed(who),
		deployment_type,
		capacity,
		price,
		bounded(b"eu-west, 2 vCPU"),
	));
}

/// A registered provider with an open offering of `deployment_type`.
fn provider_offering(
	who: AccountId,
	deployment_type: DeploymentTypeId,
	capacity: u32,
	price: Balance,
) {
	register_provider(who);
	offer(who, deployment_type, capacity, price);
}

fn in_use(who: AccountId, deployment_type: DeploymentTypeId) -> u32 {
	Offerings::<Test>::get(who, deployment_type).map_or(0, |o| o.in_use)
}

fn active_deployments(who: AccountId) -> u32 {
	Providers::<Test>::get(who).map_or(0, |p| p.active_deployments)
}

fn last_event() -> RuntimeEvent {
	System::events().pop().expect("an event was emitted").event
}
