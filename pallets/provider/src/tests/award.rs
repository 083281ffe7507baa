use super::*;
use dinfra_primitives::{AwardTarget, Awarded, Market, MarketError};
use polkadot_sdk::frame_support::{assert_ok, BoundedVec};

type Target = crate::AwardTargetOf<Test>;

fn preferred(providers: &[AccountId]) -> Target {
	AwardTarget::Preferred(BoundedVec::truncate_from(providers.to_vec()))
}

fn award(
	ty: DeploymentTypeId,
	target: &Target,
	max_price: Balance,
) -> Result<AccountId, MarketError> {
	DinfraProvider::award(ty, target, max_price, &[]).outcome.map(|a| a.provider)
}

#[test]
fn award_picks_the_least_loaded_offering_and_takes_a_unit() {
	new_test_ext().execute_with(|| {
		let small = register_type(1, "vm-small");
		provider_offering(5, small, 4, 10);
		provider_offering(6, small, 2, 10);
		// Both empty: equal load and price, so the lower account wins.
		assert_eq!(award(small, &AwardTarget::Any, 10), Ok(5));
		// 5 is at 1/4, 6 at 0/2.
		assert_eq!(award(small, &AwardTarget::Any, 10), Ok(6));
		// 5 at 1/4 is below 6 at 1/2.
		assert_eq!(award(small, &AwardTarget::Any, 10), Ok(5));
		// 5 at 2/4 equals 6 at 1/2: the tie goes to the lower account.
		assert_eq!(award(small, &AwardTarget::Any, 10), Ok(5));
		assert_eq!((in_use(5, small), in_use(6, small)), (3, 1));
		assert_eq!((active_deployments(5), active_deployments(6)), (3, 1));
		run_to_block(2);
	});
}

#[test]
fn award_breaks_load_ties_by_the_lower_price() {
	new_test_ext().execute_with(|| {
		let small = register_type(1, "vm-small");
		provider_offering(5, small, 2, 20);
		provider_offering(6, small, 2, 15);
		assert_eq!(
			DinfraProvider::award(small, &AwardTarget::Any, 20, &[]).outcome,
			Ok(Awarded { provider: 6, price_per_block: 15 })
		);
		run_to_block(2);
	});
}

#[test]
fn award_respects_the_price_cap() {
	new_test_ext().execute_with(|| {
		let small = register_type(1, "vm-small");
		provider_offering(5, small, 2, 20);
		provider_offering(6, small, 2, 30);
		assert_eq!(award(small, &AwardTarget::Any, 19), Err(MarketError::NoEligibleOffering));
		assert_eq!(award(small, &AwardTarget::Any, 29), Ok(5));
		assert_eq!(award(small, &AwardTarget::Any, 29), Ok(5));
		// 5 is full, and 6 costs more than the cap.
		assert_eq!(award(small, &AwardTarget::Any, 29), Err(MarketError::NoEligibleOffering));
		assert_eq!(award(small, &AwardTarget::Any, 30), Ok(6));
		run_to_block(2);
	});
}

#[test]
fn a_named_provider_gets_the_award_or_nobody_does() {
	new_test_ext().execute_with(|| {
		let small = register_type(1, "vm-small");
		provider_offering(5, small, 1, 10);
		provider_offering(6, small, 100, 10);
		assert_eq!(award(small, &AwardTarget::Provider(5), 10), Ok(5));
		// 5 is full; 6 has room but was not asked for.
		assert_eq!(
			award(small, &AwardTarget::Provider(5), 10),
			Err(MarketError::NoEligibleOffering)
		);
		assert_eq!(
			award(small, &AwardTarget::Provider(7), 10),
			Err(MarketError::NoEligibleOffering)
		);
		assert_eq!(in_use(6, small), 0);
		run_to_block(2);
	});
}

#[test]
fn a_preferred_list_limits_the_award_to_its_providers_by_load() {
	new_test_ext().execute_with(|| {
		let small = register_type(1, "vm-small");
		provider_offering(5, small, 10, 10);
		provider_offering(6, small, 10, 10);
		provider_offering(7, small, 10, 10);
		// The list's order does not matter; load does.
		let target = preferred(&[7, 6]);
		assert_eq!(award(small, &target, 10), Ok(6));
		assert_eq!(award(small, &target, 10), Ok(7));
		assert_eq!(award(small, &target, 10), Ok(6));
		assert_eq!(in_use(5, small), 0);
		// Providers in the list without an offering are skipped.
		assert_eq!(award(small, &preferred(&[9, 5]), 10), Ok(5));
		assert_eq!(award(small, &preferred(&[9]), 10), Err(MarketError::NoEligibleOffering));
		run_to_block(2);
	});
}

#[test]
fn excluded_providers_are_skipped() {
	new_test_ext().execute_with(|| {
		let small = register_type(1, "vm-small");
		provider_offering(5, small, 10, 10);
		provider_offering(6, small, 10, 10);
		assert_eq!(
			DinfraProvider::award(small, &AwardTarget::Any, 10, &[5]).outcome.unwrap().provider,
			6
		);
		assert_eq!(
			DinfraProvider::award(small, &AwardTarget::Provider(5), 10, &[5]).outcome,
			Err(MarketError::NoEligibleOffering)
		);
		assert_eq!(
			DinfraProvider::award(small, &AwardTarget::Any, 10, &[5, 6]).outcome,
			Err(MarketError::NoEligibleOffering)
		);
		run_to_block(2);
	});
}

#[test]
fn full_capacity_means_no_award() {
	new_test_ext().execute_with(|| {
		let small = register_type(1, "vm-small");
		provider_offering(5, small, 2, 10);
		assert_ok!(award(small, &AwardTarget::Any, 10));
		assert_ok!(award(small, &AwardTarget::Any, 10));
		assert_eq!(award(small, &AwardTarget::Any, 10), Err(MarketError::NoEligibleOffering));
		assert_eq!(in_use(5, small), 2);
		run_to_block(2);
	});
}

#[test]
fn retired_and_unknown_types_get_no_awards() {
	new_test_ext().execute_with(|| {
		let small = register_type(1, "vm-small");
		provider_offering(5, small, 2, 10);
		assert_eq!(DinfraProvider::ensure_accepting(small), Ok(()));
		assert_ok!(DinfraProvider::retire_deployment_type(RuntimeOrigin::signed(1), small));
		assert_eq!(award(small, &AwardTarget::Any, 10), Err(MarketError::DeploymentTypeRetired));
		assert_eq!(
			DinfraProvider::ensure_accepting(small),
			Err(MarketError::DeploymentTypeRetired)
		);
		assert_eq!(award(9, &AwardTarget::Any, 10), Err(MarketError::UnknownDeploymentType));
		assert_eq!(DinfraProvider::ensure_accepting(9), Err(MarketError::UnknownDeploymentType));
		run_to_block(2);
	});
}

#[test]
fn free_offerings_are_awarded_at_price_zero() {
	new_test_ext().execute_with(|| {
		let small = register_type(1, "vm-small");
		provider_offering(5, small, 1, 0);
		assert_eq!(
			DinfraProvider::award(small, &AwardTarget::Any, 0, &[]).outcome,
			Ok(Awarded { provider: 5, price_per_block: 0 })
		);
		run_to_block(2);
	});
}

#[test]
fn release_gives_the_capacity_back() {
	new_test_ext().execute_with(|| {
		let small = register_type(1, "vm-small");
		provider_offering(5, small, 1, 10);
		assert_ok!(award(small, &AwardTarget::Any, 10));
		assert_eq!(award(small, &AwardTarget::Any, 10), Err(MarketError::NoEligibleOffering));
		DinfraProvider::release(&5, small);
		assert_eq!((in_use(5, small), active_deployments(5)), (0, 0));
		assert_eq!(award(small, &AwardTarget::Any, 10), Ok(5));
		run_to_block(2);
	});
}

/// 1,000 awards over five providers with different capacities land in proportion to capacity,
/// each within one award of its exact share.
#[test]
fn awards_are_shared_in_proportion_to_capacity() {
	new_test_ext().execute_with(|| {
		let small = register_type(1, "vm-small");
		let capacities = [(5, 100u32), (6, 200), (7, 300), (8, 400), (9, 500)];
		for (who, capacity) in capacities {
			provider_offering(who, small, capacity, 10);
		}
		let total: u32 = capacities.iter().map(|(_, c)| c).sum();
		let awards = 1_000u32;
		for _ in 0..awards {
			assert_ok!(award(small, &AwardTarget::Any, 10));
		}
		for (who, capacity) in capacities {
			// |in_use - awards * capacity / total| <= 1, in integers.
			let got = i64::from(in_use(who, small)) * i64::from(total);
			let share = i64::from(awards) * i64::from(capacity);
			assert!(
				(got - share).abs() <= i64::from(total),
				"provider {who}: {} awards, share {}",
				in_use(who, small),
				f64::from(awards) * f64::from(capacity) / f64::from(total),
			);
		}
		let awarded: u32 = capacities.iter().map(|(who, _)| in_use(*who, small)).sum();
		assert_eq!(awarded, awards);
		run_to_block(2);
	});
}

#[test]
fn quote_lists_open_offerings_with_free_capacity_cheapest_first() {
	use dinfra_primitives::runtime_api::{Quote, QuoteTarget};
	new_test_ext().execute_with(|| {
		let small = register_type(1, "vm-small");
		provider_offering(5, small, 1, 30);
		provider_offering(6, small, 4, 10);
		provider_offering(7, small, 2, 20);
		assert_ok!(award(small, &AwardTarget::Provider(5), 30));
		assert_ok!(crate::Pallet::<Test>::close_offering(RuntimeOrigin::signed(7), small));
		let quote = |target| DinfraProvider::quote(small, target);
		// 5 is full and 7 is closed.
		assert_eq!(
			quote(QuoteTarget::Any),
			vec![Quote {
				provider: 6,
				price_per_block: 10,
				capacity: 4,
				free_capacity: 4,
				collateral: 4 * COLLATERAL_PER_UNIT,
				record: Default::default(),
			}]
		);
		assert_eq!(quote(QuoteTarget::Provider(5)), vec![]);
		assert_ok!(crate::Pallet::<Test>::open_offering(RuntimeOrigin::signed(7), small));
		let listed: Vec<_> =
			quote(QuoteTarget::Preferred(BoundedVec::truncate_from(vec![7, 6, 7])))
				.into_iter()
				.map(|q| q.provider)
				.collect();
		assert_eq!(listed, vec![6, 7]);
		assert_eq!(DinfraProvider::quote(42, QuoteTarget::Any), vec![]);
	});
}
