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
	/// every subscription awaiting an award is queued once; that provisioning and running paid subscriptions have a due entry; and that the funds
	/// held from each subscriber equal the balances and deposits of its live subscriptions.
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

		let intake = Intake::<T>::get();
		let mut queued = BTreeSet::new();
		for (position, id) in AwardQueue::<T>::iter() {
			ensure!(
				position >= intake.head && position < intake.tail,
				"a queue entry lies outside the queue bounds"
			);
			if Subscriptions::<T>::contains_key(id) {
				ensure!(queued.insert(id), "a subscription is queued twice");
			}
		}

		let mut funding: BTreeMap<T::AccountId, BalanceOf<T>> = BTreeMap::new();
		let mut deposits: BTreeMap<T::AccountId, BalanceOf<T>> = BTreeMap::new();
		let mut with_due = 0usize;
		let mut awarded = 0usize;
		for (id, sub) in Subscriptions::<T>::iter() {
			ensure!(id < intake.next_id, "a subscription id was not given out");
			ensure!(
				(sub.failed_providers.len() as u32) < T::MaxAwardAttempts::get(),
				"a subscription outlived its award attempts"
			);
			match &sub.status {
				SubscriptionStatus::AwaitingAward { .. } => {
					ensure!(queued.contains(&id), "a subscription awaiting an award is not queued");
					ensure!(sub.due_at.is_none(), "a queued subscription has a due entry");
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
			ProviderSubscriptions::<T>::iter().count() == awarded,
			"the provider index has entries for no awarded subscription"
		);

		for (reason, expected) in
			[(HoldReason::Funding, funding), (HoldReason::SubscriptionDeposit, deposits)]
		{
			for (who, amount) in expected {
				ensure!(
					T::Currency::balance_on_hold(&reason.into(), &who) == amount,
					"held funds differ from the subscriptions' balances and deposits"
				);
			}
		}
		Ok(())
	}
}
