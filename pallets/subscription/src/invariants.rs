//! The invariants of subscriptions, checked by `try_state` and after every block in tests.

use crate::*;
use alloc::collections::{btree_map::BTreeMap, btree_set::BTreeSet};
use frame_support::{
	ensure,
	traits::{fungible::InspectHold, Get},
};
use sp_runtime::{
	traits::{Saturating, Zero},
	TryRuntimeError,
};

impl<T: Config> Pallet<T> {
	/// Checks that every due entry belongs to exactly the subscription that points at it and
	/// lies at or after the cursor; that each block's due count is its number of entries; that
	/// every subscription awaiting an award is queued once in its type's queue or parked in the
	/// due index, that the queues' counts add up within their bounds and every type with a
	/// queue has one turn; that provisioning and running paid subscriptions have a due entry;
	/// that the funds held from each subscriber equal the balances and deposits of its live
	/// subscriptions; and that the ring of ended records holds each remembered end once, within
	/// `MaxEndedRecords`, and only ends (no live subscription); that a suspended subscription
	/// is paid up, due by the end of a grace no longer than `GracePeriod` or the run that earned
	/// it; and that standing top-ups belong to live subscriptions, are under their caps, and their
	/// deposits are what is held from their sponsors.
	pub fn do_try_state() -> Result<(), TryRuntimeError> {
		let cursor = DueCursor::<T>::get();
		let mut due_entries = 0usize;
		let mut per_block: BTreeMap<BillingBlockOf<T>, u32> = BTreeMap::new();
		for (block, id, ()) in Due::<T>::iter() {
			due_entries = due_entries.saturating_add(1);
			per_block.entry(block).or_default().saturating_inc();
			let sub = Subscriptions::<T>::get(id).ok_or("a due entry has no subscription")?;
			ensure!(sub.due_at == Some(block), "a due entry is not the subscription's");
			if let Some(cursor) = cursor {
				ensure!(block >= cursor, "a due entry lies behind the cursor");
			}
		}

		let counts: BTreeMap<_, _> = DueCount::<T>::iter().collect();
		ensure!(counts == per_block, "a block's due count differs from its due entries");
		let mut per_span: BTreeMap<BillingBlockOf<T>, [u8; 32]> = BTreeMap::new();
		for block in per_block.keys() {
			let (span, offset) = Self::due_span(*block);
			let bits = per_span.entry(span).or_insert([0; 32]);
			Self::set_due_bit(bits, offset);
		}
		let spans: BTreeMap<_, _> = DueSpans::<T>::iter().collect();
		ensure!(spans == per_span, "a span's bitmap differs from the blocks with due entries");

		let intake = Intake::<T>::get();
		let mut queued = BTreeSet::new();
		let mut live_per_type: BTreeMap<dinfra_primitives::DeploymentTypeId, u32> = BTreeMap::new();
		for (deployment_type, position, id) in AwardQueue::<T>::iter() {
			let queue = TypeQueues::<T>::get(deployment_type);
			ensure!(
				position >= queue.head && position < queue.tail,
				"a queue entry lies outside its type's queue bounds"
			);
			let live = Subscriptions::<T>::get(id).is_some_and(|sub| {
				sub.deployment_type == deployment_type
					&& sub.due_at.is_none()
					&& matches!(sub.status, SubscriptionStatus::AwaitingAward { .. })
			});
			if live {
				ensure!(queued.insert(id), "a subscription is queued twice");
				live_per_type.entry(deployment_type).or_default().saturating_inc();
			}
		}
		let mut in_turns: BTreeMap<dinfra_primitives::DeploymentTypeId, u32> = BTreeMap::new();
		for (turn, deployment_type) in Turns::<T>::iter() {
			ensure!(
				turn >= intake.turn_head && turn < intake.turn_tail,
				"a turn lies outside the ring's bounds"
			);
			in_turns.entry(deployment_type).or_default().saturating_inc();
		}
		let mut total_queued = 0u64;
		for (deployment_type, queue) in TypeQueues::<T>::iter() {
			ensure!(queue.head < queue.tail, "an empty type queue is stored");
			ensure!(
				queue.queued == live_per_type.get(&deployment_type).copied().unwrap_or(0),
				"a type queue's count differs from the subscriptions waiting in it"
			);
			ensure!(queue.queued <= T::MaxQueuePerType::get(), "a type queue is over its bound");
			ensure!(
				queue.in_turn && in_turns.get(&deployment_type) == Some(&1),
				"a type with queued entries does not have exactly one turn"
			);
			total_queued = total_queued.saturating_add(queue.queued.into());
		}
		ensure!(
			in_turns.keys().all(TypeQueues::<T>::contains_key),
			"a type with no queue has a turn"
		);
		ensure!(total_queued == intake.queued, "the queues' counts do not add up");

		let mut funding: BTreeMap<T::AccountId, BalanceOf<T>> = BTreeMap::new();
		let mut deposits: BTreeMap<T::AccountId, BalanceOf<T>> = BTreeMap::new();
		let mut with_due = 0usize;
		let mut awarded = 0usize;
		let mut awaiting = 0u64;
		for (id, sub) in Subscriptions::<T>::iter() {
			ensure!(id < intake.next_id, "a subscription id was not given out");
			ensure!(
				(sub.failed_providers.len() as u32) < T::MaxAwardAttempts::get(),
				"a subscription outlived its award attempts"
			);
			match &sub.status {
				SubscriptionStatus::AwaitingAward { .. } => {
					// Queued for its next try, or parked until it in the due index: not both.
					ensure!(
						queued.contains(&id) != sub.due_at.is_some(),
						"a subscription awaiting an award is neither queued nor parked, or both"
					);
					if sub.due_at.is_none() {
						awaiting = awaiting.saturating_add(1);
					}
				}
				SubscriptionStatus::Provisioning { .. } => {
					ensure!(!queued.contains(&id), "an awarded subscription is queued");
					ensure!(sub.due_at.is_some(), "a provisioning subscription has no deadline");
				}
				SubscriptionStatus::Running { price_per_block, .. } => {
					ensure!(!queued.contains(&id), "a running subscription is queued");
					ensure!(
						sub.due_at.is_some() != price_per_block.is_zero(),
						"a running paid subscription has no expiry, or a free one has one"
					);
				}
				SubscriptionStatus::Suspended {
					price_per_block,
					running_since,
					suspended_at,
					grace_ends_at,
					..
				} => {
					ensure!(!queued.contains(&id), "a suspended subscription is queued");
					ensure!(!price_per_block.is_zero(), "a free subscription is suspended");
					ensure!(
						sub.due_at.is_some_and(|due| due <= *grace_ends_at),
						"a suspended subscription is not due by the end of its grace"
					);
					ensure!(
						grace_ends_at > suspended_at
							&& grace_ends_at.saturating_sub(*suspended_at) <= T::GracePeriod::get()
							&& grace_ends_at.saturating_sub(*suspended_at)
								<= suspended_at.saturating_sub(*running_since),
						"a grace is longer than GracePeriod or than the run that earned it"
					);
					ensure!(
						sub.balance < *price_per_block,
						"a suspended subscription has funds for a block"
					);
				}
			}
			if sub.due_at.is_some() {
				with_due = with_due.saturating_add(1);
			}
			if let Some(provider) = sub.status.provider() {
				ensure!(
					ProviderSubscriptions::<T>::contains_key(provider, id),
					"an awarded subscription is missing from its provider's index"
				);
				awarded = awarded.saturating_add(1);
			}
			let f = funding.entry(sub.subscriber.clone()).or_default();
			*f = f.saturating_add(sub.balance);
			let d = deposits.entry(sub.subscriber.clone()).or_default();
			*d = d.saturating_add(sub.deposit);
		}
		ensure!(with_due == due_entries, "due entries and subscriptions with one differ in number");
		ensure!(
			intake.queued == awaiting,
			"the queue's count differs from the queued subscriptions"
		);
		ensure!(
			intake.queued <= u64::from(T::MaxQueueLength::get()),
			"the award queue holds more than MaxQueueLength"
		);
		ensure!(
			ProviderSubscriptions::<T>::iter().count() == awarded,
			"the provider index has entries for no awarded subscription"
		);

		let mut standing_deposits: BTreeMap<T::AccountId, BalanceOf<T>> = BTreeMap::new();
		for (id, standing) in StandingTopUps::<T>::iter() {
			ensure!(
				Subscriptions::<T>::contains_key(id),
				"a standing top-up outlived its subscription"
			);
			ensure!(
				standing.drawn < standing.cap && !standing.amount.is_zero(),
				"a standing top-up reached its cap, or draws nothing, and was kept"
			);
			let d = standing_deposits.entry(standing.sponsor.clone()).or_default();
			*d = d.saturating_add(standing.deposit);
		}

		for (reason, expected) in [
			(HoldReason::Funding, funding),
			(HoldReason::SubscriptionDeposit, deposits),
			(HoldReason::StandingTopUpDeposit, standing_deposits),
		] {
			for (who, amount) in expected {
				ensure!(
					T::Currency::balance_on_hold(&reason.into(), &who) == amount,
					"held funds differ from the subscriptions' balances and deposits"
				);
			}
		}
		ensure!(
			intake.min_runway.unwrap_or_else(T::DefaultMinRunway::get) == MinRunway::<T>::get(),
			"subscribe's copy of MinRunway differs from it"
		);
		Self::check_ended_records()
	}

	/// The ring of ended records: each slot within `MaxEndedRecords`, each remembered id in one
	/// slot with a record, no record without a slot, none of a live subscription.
	fn check_ended_records() -> Result<(), TryRuntimeError> {
		let max = T::MaxEndedRecords::get();
		ensure!(
			max == 0 || EndedCursor::<T>::get() < max,
			"the cursor of ended records is outside the ring"
		);
		let mut remembered = BTreeSet::new();
		for (slot, id) in EndedOrder::<T>::iter() {
			ensure!(slot < max, "an ended record's slot is outside the ring");
			ensure!(remembered.insert(id), "an ended subscription is in two slots");
			ensure!(EndedSubscriptions::<T>::contains_key(id), "a slot names no ended record");
			ensure!(!Subscriptions::<T>::contains_key(id), "a live subscription is recorded ended");
		}
		ensure!(
			EndedSubscriptions::<T>::iter_keys().count() == remembered.len(),
			"an ended record has no slot"
		);
		Ok(())
	}
}
