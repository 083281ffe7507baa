//! The track record: what became of each provider's awards, strikes, and probation.

use super::*;
use crate::{Event, TrackRecords};
use dinfra_primitives::{AwardTarget, Fault, Market, MarketError, Outcome, TrackRecord};
use polkadot_sdk::frame_support::BoundedVec;

type Target = crate::AwardTargetOf<Test>;

fn record(who: AccountId) -> TrackRecord<Balance, u64> {
	TrackRecords::<Test>::get(who).expect("a provider has a record")
}

fn award(ty: DeploymentTypeId, target: &Target) -> Result<AccountId, MarketError> {
	DinfraProvider::award(ty, target, 10, &[]).outcome.map(|a| a.provider)
}

#[test]
fn a_new_provider_starts_with_an_empty_record() {
	new_test_ext().execute_with(|| {
		register_provider(5);
		assert_eq!(record(5), TrackRecord::default());
		run_to_block(2);
	});
}

#[test]
fn the_record_counts_awards_runs_declines_and_cancellations() {
	new_test_ext().execute_with(|| {
		let ty = register_type(1, "vm-small");
		provider_offering(5, ty, 10, 10);
		for _ in 0..4 {
			assert_eq!(award(ty, &AwardTarget::Any), Ok(5));
		}
		let running = |blocks| Outcome::Running { provisioning_blocks: blocks };
		assert_eq!(DinfraProvider::record_outcome(&5, ty, running(3), &7), 0);
		assert_eq!(DinfraProvider::record_outcome(&5, ty, running(5), &7), 0);
		// Neither a decline nor a cancellation after the minimum period costs anything.
		assert_eq!(DinfraProvider::record_outcome(&5, ty, Outcome::Declined, &7), 0);
		assert_eq!(DinfraProvider::record_outcome(&5, ty, Outcome::Cancelled, &7), 0);
		assert_eq!(
			record(5),
			TrackRecord {
				awards: 4,
				running: 2,
				provisioning_blocks: 8,
				declines: 1,
				cancellations: 1,
				..Default::default()
			}
		);
		assert_eq!(Offerings::<Test>::get(5, ty).unwrap().collateral, 10 * COLLATERAL_PER_UNIT);
		run_to_block(2);
	});
}

#[test]
fn strikes_put_a_provider_on_probation_for_any_and_preferred_awards_only() {
	new_test_ext().execute_with(|| {
		let ty = register_type(1, "vm-small");
		provider_offering(5, ty, 10, 10);
		provider_offering(6, ty, 10, 10);
		// Two strikes, one paid off by a deployment reported running, then two more: three.
		for outcome in [
			Outcome::Fault(Fault::ProvisionTimeout),
			Outcome::Fault(Fault::ProvisioningFailed),
			Outcome::Running { provisioning_blocks: 1 },
			Outcome::Fault(Fault::ProvisioningFailed),
		] {
			DinfraProvider::record_outcome(&5, ty, outcome, &7);
		}
		assert_eq!(record(5).strikes, 2);
		assert_eq!(record(5).probation_until, None);
		// The slashed offering needs topping up before any award; that is not probation.
		assert_ok!(DinfraProvider::update_offering(
			RuntimeOrigin::signed(5),
			ty,
			10,
			10,
			bounded(b"")
		));
		DinfraProvider::record_outcome(&5, ty, Outcome::Fault(Fault::EarlyCancel), &7);
		let until = System::block_number() + PROBATION;
		assert_eq!(record(5).probation_until, Some(until));
		assert_eq!(record(5).strikes, 0);
		assert_eq!(
			last_event(),
			RuntimeEvent::DinfraProvider(Event::ProbationStarted { provider: 5, until })
		);
		assert_ok!(DinfraProvider::update_offering(
			RuntimeOrigin::signed(5),
			ty,
			10,
			10,
			bounded(b"")
		));
		// 5 is the less loaded, and the lower account, but it is passed over...
		let preferred: Target = AwardTarget::Preferred(BoundedVec::truncate_from(vec![5]));
		assert_eq!(award(ty, &AwardTarget::Any), Ok(6));
		assert_eq!(award(ty, &preferred), Err(MarketError::NoEligibleOffering));
		// ...except by a subscriber who names it.
		assert_eq!(award(ty, &AwardTarget::Provider(5)), Ok(5));
		// After the probation it is back.
		run_to_block(until);
		assert_eq!(award(ty, &preferred), Ok(5));
	});
}

#[test]
fn declines_are_never_strikes() {
	new_test_ext().execute_with(|| {
		let ty = register_type(1, "vm-small");
		provider_offering(5, ty, 10, 10);
		// A subscriber who names the provider with invalid descriptors cannot bench it.
		for _ in 0..10 {
			DinfraProvider::record_outcome(&5, ty, Outcome::Declined, &7);
		}
		assert_eq!(record(5).strikes, 0);
		assert_eq!(record(5).declines, 10);
		assert_eq!(award(ty, &AwardTarget::Any), Ok(5));
		run_to_block(2);
	});
}

#[test]
fn quotes_show_each_offer_with_its_collateral_and_record() {
	new_test_ext().execute_with(|| {
		let ty = register_type(1, "vm-small");
		provider_offering(5, ty, 10, 10);
		assert_eq!(award(ty, &AwardTarget::Any), Ok(5));
		let quotes = DinfraProvider::quote(ty, dinfra_primitives::runtime_api::QuoteTarget::Any);
		assert_eq!(quotes.len(), 1);
		assert_eq!(quotes[0].collateral, 10 * COLLATERAL_PER_UNIT);
		assert_eq!(quotes[0].record.awards, 1);
		run_to_block(2);
	});
}
