//! Suspension instead of destruction: a running subscription whose funds run out is suspended
//! for a grace, not ended, and a top-up resumes it.
//!
//! Who could abuse it, and how it is met:
//! - A subscriber who lets its funds run out to hold a provider's capacity unpaid: the grace is
//!   as long as the deployment ran since it was started or last resumed, at most `GracePeriod`,
//!   and a resume needs `MinRunway` blocks of funds, so at most half of the time a unit is held
//!   is unpaid, and a provider stops and starts a deployment at most once per `MinRunway`.
//! - A provider that throws a suspended deployment's state away: it may stop the compute, not
//!   the state; cancelling a suspended deployment counts as an early cancellation and is slashed
//!   for the subscriber. (What it does with the disk off chain, the chain cannot see.)
//! - Billing while suspended: `settle` bills only `Running`, and a resume settles from the
//!   resume, so nothing is owed for the grace.

use crate::*;
use frame_support::pallet_prelude::*;
use sp_runtime::traits::{One, Saturating, Zero};

impl<T: Config> Pallet<T> {
	/// What a suspended subscription's funds must reach for it to resume: `MinRunway` blocks at
	/// its price, as subscribing needs.
	pub fn resume_floor(price: BalanceOf<T>) -> BalanceOf<T> {
		Self::cost(price, MinRunway::<T>::get())
	}

	/// Suspends a running subscription whose funds ran out, settled to `now`, after running
	/// until `ran_until`; one that earned no grace ends `OutOfFunds` at once. Stores the result.
	pub(crate) fn suspend(
		id: SubscriptionId,
		mut sub: Subscription<T>,
		now: BillingBlockOf<T>,
		ran_until: BillingBlockOf<T>,
	) -> DispatchResult {
		let SubscriptionStatus::Running {
			provider, price_per_block, endpoint, running_since, ..
		} = sub.status.clone()
		else {
			return Err(Error::<T>::NotRunning.into());
		};
		let grace = ran_until.saturating_sub(running_since).min(T::GracePeriod::get());
		if grace.is_zero() {
			return Self::end(id, sub, TerminationReason::OutOfFunds, now);
		}
		let grace_ends_at = now.saturating_add(grace);
		sub.status = SubscriptionStatus::Suspended {
			provider: provider.clone(),
			price_per_block,
			endpoint,
			running_since,
			suspended_at: now,
			grace_ends_at,
		};
		Self::schedule_suspended(id, &mut sub, now);
		Self::deposit_event(Event::Suspended {
			id,
			subscriber: sub.subscriber.clone(),
			provider,
			balance: sub.balance,
			resume_at_balance: Self::resume_floor(price_per_block),
			grace_ends_at,
		});
		Subscriptions::<T>::insert(id, sub);
		Ok(())
	}

	/// Puts a suspended subscription's next due entry in the index: the end of its grace, or its
	/// standing top-up's next draw if that comes first.
	pub(crate) fn schedule_suspended(
		id: SubscriptionId,
		sub: &mut Subscription<T>,
		now: BillingBlockOf<T>,
	) {
		let SubscriptionStatus::Suspended { grace_ends_at, .. } = &sub.status else { return };
		let mut due = *grace_ends_at;
		if let Some(at) = StandingTopUps::<T>::get(id).and_then(|s| s.next_draw_at()) {
			if at > now && at < due {
				due = at;
			}
		}
		let due = due.max(now.saturating_add(One::one()));
		if let Some(old) = sub.due_at.replace(due) {
			Self::unschedule(old, id);
		}
		Self::schedule_at(due, id);
	}

	/// A suspended subscription's due entry: its standing top-up is drawn if it can resume it;
	/// otherwise, once the grace is over, it ends `OutOfFunds`. Stores the result.
	pub(crate) fn process_suspended(
		id: SubscriptionId,
		mut sub: Subscription<T>,
		now: BillingBlockOf<T>,
	) -> DispatchResult {
		let SubscriptionStatus::Suspended { price_per_block, grace_ends_at, .. } = &sub.status
		else {
			return Err(Error::<T>::SubscriptionSuspended.into());
		};
		let grace_ends_at = *grace_ends_at;
		let floor = Self::resume_floor(*price_per_block);
		if Self::draw_standing(id, &mut sub, now, floor)? {
			Self::resume(id, &mut sub, now);
			Self::deposit_resumed(id, &sub);
			Subscriptions::<T>::insert(id, sub);
			return Ok(());
		}
		if now >= grace_ends_at {
			return Self::end(id, sub, TerminationReason::OutOfFunds, now);
		}
		Self::schedule_suspended(id, &mut sub, now);
		Subscriptions::<T>::insert(id, sub);
		Ok(())
	}

	/// Resumes a suspended subscription whose funds were topped up: it runs again from `now`,
	/// billed from `now`, its run (and the grace it earns) counted from `now`.
	pub(crate) fn resume(id: SubscriptionId, sub: &mut Subscription<T>, now: BillingBlockOf<T>) {
		let SubscriptionStatus::Suspended { provider, price_per_block, endpoint, .. } =
			sub.status.clone()
		else {
			return;
		};
		sub.status = SubscriptionStatus::Running {
			provider,
			price_per_block,
			endpoint,
			settled_at: now,
			running_since: now,
			low_funds_warned: false,
		};
		Self::schedule_due(id, sub, now);
	}

	/// Announces that a subscription resumed.
	pub(crate) fn deposit_resumed(id: SubscriptionId, sub: &Subscription<T>) {
		if let Some(provider) = sub.status.provider() {
			Self::deposit_event(Event::Resumed {
				id,
				provider: provider.clone(),
				expires_at: Self::expires_at(sub),
			});
		}
	}

	/// Whether the subscription is suspended.
	pub fn is_suspended(sub: &Subscription<T>) -> bool {
		matches!(sub.status, SubscriptionStatus::Suspended { .. })
	}

	/// What a top-up to a suspended subscription must leave: its funds at the resume floor.
	pub(crate) fn ensure_resumes(sub: &Subscription<T>, amount: BalanceOf<T>) -> DispatchResult {
		if let SubscriptionStatus::Suspended { price_per_block, .. } = &sub.status {
			ensure!(
				sub.balance.saturating_add(amount) >= Self::resume_floor(*price_per_block),
				Error::<T>::ResumeBelowMinRunway
			);
		}
		Ok(())
	}
}
