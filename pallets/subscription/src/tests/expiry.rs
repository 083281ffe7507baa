//! The per-block work: more expiries than a block's meter allows are carried to the next
//! blocks, none is lost, and idle blocks cost the same whatever lives in storage.

use super::*;
use crate::{weights::WeightInfo, DueCursor, TerminationReason};
use dinfra_primitives::Market;
use pallet_dinfra_provider::weights::WeightInfo as _;
use polkadot_sdk::frame_support::{traits::Hooks, weights::Weight};

type W = crate::weights::SubstrateWeight<Test>;
type PW = pallet_dinfra_provider::weights::SubstrateWeight<Test>;

fn per_due_entry() -> Weight {
	W::due_probe()
		+ W::process_due_entry()
		+ <DinfraProvider as Market<_, _>>::release_weight()
		+ <DinfraProvider as Market<_, _>>::record_outcome_weight()
}

#[test]
fn expiries_beyond_the_meter_are_carried_to_the_next_blocks() {
	new_test_ext().execute_with(|| {
		let issuance = total_issuance();
		let ty = new_type("vm-small");
		offer(20, ty, 30, 10);
		let ids: Vec<_> = (1..=30).map(|who| subscribe(who, ty, 10, 100)).collect();
		run_to_block(2);
		for &id in &ids {
			running(20, id);
		}
		// All 30 are warned at block 7 and expire at block 12. Let each block process five due
		// entries: the work is spread over the following blocks, and none is lost.
		MaxBlockWork::set(W::on_initialize_idle() + per_due_entry() * 5 + W::due_probe());
		let live = || ids.iter().filter(|id| Subscriptions::<Test>::contains_key(**id)).count();
		let warned = || events().iter().filter(|e| matches!(e, Event::LowFunds { .. })).count();
		let mut block = 7;
		let mut processed = 0;
		while live() > 0 {
			let before = warned() + (30 - live());
			run_to_block(block);
			let done = warned() + (30 - live());
			assert!(done - before <= 5, "at most five due entries in block {block}");
			processed = done;
			block += 1;
		}
		// A warning processed after its subscription's expiry ends it instead, so some of the
		// 30 warnings give way to the expiry; every subscription is warned or ended, once.
		assert!((55..=60).contains(&processed), "{processed} due entries processed");
		assert!(block > 14, "the expiries due at 12 were carried over to block {block}");
		// Late expiries charge no more than the funds: every provider payment is exactly 100.
		let ended: Vec<_> = events()
			.into_iter()
			.filter_map(|e| match e {
				Event::Terminated {
					reason: TerminationReason::OutOfFunds, paid, refunded, ..
				} => Some((paid, refunded)),
				_ => None,
			})
			.collect();
		assert_eq!(ended, vec![(100, 0); 30]);
		assert_eq!(DueCursor::<Test>::get(), Some(block));
		assert_eq!(total_issuance(), issuance);
	});
}

#[test]
fn an_idle_block_costs_the_same_with_one_or_three_hundred_live_subscriptions() {
	new_test_ext().execute_with(|| {
		let ty = new_type("vm-small");
		offer(20, ty, 300, 1);
		let id = subscribe(1, ty, 1, 1_000);
		run_to_block(2);
		running(20, id);
		run_to_block(3);
		System::set_block_number(4);
		let idle_with_one = DinfraSubscription::on_initialize(4);

		// Fifty new subscriptions a block, each reported running once awarded.
		for batch in 0..6u64 {
			for who in 0..50u64 {
				if batch * 50 + who < 299 {
					subscribe(1 + who % 40, ty, 1, 1_000);
				}
			}
			run_to_block(System::block_number() + 1);
			for (id, s) in Subscriptions::<Test>::iter().collect::<Vec<_>>() {
				if matches!(s.status, SubscriptionStatus::Provisioning { .. }) {
					running(20, id);
				}
			}
		}
		run_to_block(System::block_number() + 1);
		let now = System::block_number() + 1;
		System::set_block_number(now);
		assert_eq!(Subscriptions::<Test>::iter().count(), 300);
		assert!(Subscriptions::<Test>::iter().all(|(id, _)| is_running(id)));
		let idle_with_many = DinfraSubscription::on_initialize(now);
		assert_eq!(idle_with_one, idle_with_many);
		assert_eq!(idle_with_one, W::on_initialize_idle() + W::due_probe());
	});
}

/// On a parachain the first block's hook sees relay block 0 and the next one the relay chain's
/// real number, millions of blocks later. With nothing scheduled, the cursor jumps to the clock
/// instead of walking the empty blocks, and the award queued meanwhile is not starved.
#[test]
fn a_jump_of_the_clock_with_nothing_due_does_not_starve_the_awards() {
	new_test_ext().execute_with(|| {
		let ty = new_type("vm-small");
		offer(20, ty, 1, 10);
		let id = subscribe(1, ty, 10, 100);
		MaxBlockWork::set(W::on_initialize_idle() + W::due_probe() * 100 + per_award());
		System::set_block_number(30_000_000);
		run_to_block(30_000_001);
		assert_eq!(provider_of(id), Some(20), "awarded in the first block after the jump");
		assert_eq!(DueCursor::<Test>::get(), Some(30_000_002));
	});
}

/// With something scheduled, the cursor walks the blocks in between: nothing due is skipped.
#[test]
fn a_jump_of_the_clock_with_entries_due_walks_to_them() {
	new_test_ext().execute_with(|| {
		let ty = new_type("vm-small");
		offer(20, ty, 1, 10);
		let id = subscribe(1, ty, 10, 100);
		run_to_block(2);
		running(20, id);
		let due_at = sub(id).due_at.expect("scheduled");
		System::set_block_number(due_at + 50);
		// Its low-funds warning lies in between: processed, not skipped, it finds the funds
		// gone (they ran out at 12) and suspends the subscription.
		run_to_block(due_at + 52);
		assert!(
			matches!(sub(id).status, SubscriptionStatus::Suspended { .. }),
			"the entries in between were processed"
		);
	});
}

/// The worst case is what an award must fit; what it is charged is what it read. With one
/// offering of the type, a budget of the worst case and `k - 1` one-offering awards awards
/// exactly `k` subscriptions, and a budget one unit smaller awards `k - 1`.
#[test]
fn an_award_is_charged_for_the_offerings_it_read() {
	let actual = W::process_award() + PW::award(1);
	let fixed = W::on_initialize_idle() + W::due_probe();
	let k = 12;
	assert!(per_award().any_gt(actual * 2), "the worst case reads many more offerings");
	let exact = fixed + per_award() + actual * (k - 1);
	for (budget, awards) in [(exact, k), (exact - Weight::from_parts(1, 0), k - 1)] {
		new_test_ext().execute_with(|| {
			let ty = new_type("vm-small");
			offer(20, ty, 100, 10);
			let ids: Vec<_> = (1..=30).map(|who| subscribe(who, ty, 10, 100)).collect();
			MaxBlockWork::set(budget);
			System::set_block_number(2);
			let used = DinfraSubscription::on_initialize(2);
			let awarded = ids.iter().filter(|id| provider_of(**id).is_some()).count();
			assert_eq!(awarded as u64, awards, "awards within {budget:?}");
			assert_eq!(used, fixed + actual * awards, "each award charged what it read");
			// The rest follow in the next two blocks (before the first awards' provisioning
			// deadline).
			run_to_block(4);
			assert!(ids.iter().all(|id| provider_of(*id).is_some()));
		});
	}
}

/// What a turn of the award queues must fit, before the market's part: the worst of an award,
/// a deferral and an end (it is then charged for the one it had).
fn step() -> Weight {
	W::process_award().max(W::process_award_deferred()).max(W::process_award_ended())
}

fn per_award() -> Weight {
	step() + <DinfraProvider as Market<_, _>>::max_award_weight()
}

/// After a day's stall of the parachain (14,400 relay blocks in one parachain block) with
/// entries due in the index, the hook catches up within two parachain blocks, with a quarter of
/// a 10 MiB proof to spend: empty spans of the index are stepped over with one read each.
#[test]
fn after_a_days_stall_the_hook_catches_up_within_two_blocks() {
	new_test_ext().execute_with(|| {
		let ty = new_type("vm-small");
		offer(20, ty, 40, 1);
		// Forty paid subscriptions, running, with expiries spread over the day.
		let ids: Vec<_> =
			(1..=40u64).map(|who| subscribe(who, ty, 1, MIN_RUNWAY + who * 300)).collect();
		run_to_block(2);
		for &id in &ids {
			running(20, id);
		}
		MaxBlockWork::set(Weight::from_parts(500_000_000_000, 10 * 1024 * 1024 / 4));
		let stalled = System::block_number() + 14_400;
		System::set_block_number(stalled);
		DinfraSubscription::on_initialize(stalled);
		run_to_block(stalled + 1);
		assert!(
			ids.iter().all(|id| matches!(sub(*id).status, SubscriptionStatus::Suspended { .. })),
			"every subscription whose funds ran out during the stall is suspended"
		);
		assert_eq!(DueCursor::<Test>::get(), Some(stalled + 2));
	});
}

/// An expiry that fails part-way (here: the subscriber's funding hold is short of what the
/// record says, so the refund cannot be made exactly) keeps nothing of the step, and the
/// subscription is due again in the next block: it is never left without the entry that ends
/// it. Once the hold is whole again, the next block suspends it.
#[test]
fn an_expiry_that_fails_part_way_is_due_again_and_is_suspended_later() {
	use crate::{Due, HoldReason};
	use polkadot_sdk::frame_support::traits::{
		fungible::{InspectHold, Mutate, MutateHold},
		tokens::{Fortitude, Precision},
	};
	new_test_ext().execute_with(|| {
		let ty = new_type("vm-small");
		offer(20, ty, 1, 10);
		let id = subscribe(1, ty, 10, 100);
		run_to_block(2);
		running(20, id);
		let expires_at = DinfraSubscription::expires_at(&sub(id)).expect("paid");
		run_to_block(expires_at - 1);
		// Break the books: burn what is left of the funding hold, behind the pallet's back.
		let held_funding = Balances::balance_on_hold(&HoldReason::Funding.into(), &1);
		Balances::burn_held(
			&HoldReason::Funding.into(),
			&1,
			held_funding,
			Precision::Exact,
			Fortitude::Force,
		)
		.unwrap();
		System::set_block_number(expires_at);
		DinfraSubscription::on_initialize(expires_at);
		// The step failed: the subscription is still there, with its entry a block on.
		let due = sub(id).due_at.expect("a due entry");
		assert_eq!(due, expires_at + 1);
		assert!(Due::<Test>::contains_key(due, id));
		// Mend the hold; the next block ends it.
		Balances::mint_into(&1, held_funding).unwrap();
		Balances::hold(&HoldReason::Funding.into(), &1, held_funding).unwrap();
		System::set_block_number(expires_at + 1);
		DinfraSubscription::on_initialize(expires_at + 1);
		assert!(matches!(sub(id).status, SubscriptionStatus::Suspended { .. }));
	});
}
