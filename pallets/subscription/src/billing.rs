//! The economics: settlement, runway, the due index, and how a subscription ends.
//!
//! Settlement is exact: `owed = price × (now − settled_at)`, capped at the funds left, is paid to
//! the provider straight from the subscriber's hold. Nothing is rounded, so the provider never
//! receives more than the blocks that have passed, and whatever is not owed is refunded.

use crate::*;
use dinfra_primitives::DeploymentTypeId;
use dinfra_primitives::{Fault, Market, Outcome};
use frame_support::{
	pallet_prelude::*,
	traits::{
		fungible::MutateHold,
		tokens::{Fortitude, Precision, Restriction},
	},
};
use sp_runtime::{
	traits::{BlockNumberProvider, One, Saturating, Zero},
	SaturatedConversion,
};

impl<T: Config> Pallet<T> {
	/// The current block of the billing clock.
	pub fn now() -> BillingBlockOf<T> {
		T::BlockNumberProvider::current_block_number()
	}

	/// How many whole blocks `balance` pays for at `price`; `None` for a free subscription.
	pub fn runway(balance: BalanceOf<T>, price: BalanceOf<T>) -> Option<BillingBlockOf<T>> {
		if price.is_zero() {
			return None;
		}
		let blocks: u128 = (balance / price).saturated_into();
		Some(blocks.saturated_into())
	}

	/// What `blocks` blocks cost at `price`, saturating.
	pub fn cost(price: BalanceOf<T>, blocks: BillingBlockOf<T>) -> BalanceOf<T> {
		let blocks: u128 = blocks.saturated_into();
		price.saturating_mul(blocks.saturated_into())
	}

	/// When a running paid subscription's funds run out.
	pub fn expires_at(sub: &Subscription<T>) -> Option<BillingBlockOf<T>> {
		match &sub.status {
			SubscriptionStatus::Running { price_per_block, settled_at, .. } => {
				Self::runway(sub.balance, *price_per_block).map(|r| settled_at.saturating_add(r))
			}
			_ => None,
		}
	}

	/// Pays the provider of a running subscription what it owes up to `now`, from the
	/// subscriber's hold, and returns the amount paid.
	pub(crate) fn settle(
		sub: &mut Subscription<T>,
		now: BillingBlockOf<T>,
	) -> Result<BalanceOf<T>, DispatchError> {
		let SubscriptionStatus::Running { provider, price_per_block, settled_at, .. } =
			&mut sub.status
		else {
			return Ok(Zero::zero());
		};
		let elapsed = now.saturating_sub(*settled_at);
		let owed = Self::cost(*price_per_block, elapsed).min(sub.balance);
		if !owed.is_zero() {
			T::Currency::transfer_on_hold(
				&HoldReason::Funding.into(),
				&sub.subscriber,
				provider,
				owed,
				Precision::Exact,
				Restriction::Free,
				Fortitude::Polite,
			)?;
		}
		*settled_at = now;
		sub.balance = sub.balance.saturating_sub(owed);
		sub.paid = sub.paid.saturating_add(owed);
		Ok(owed)
	}

	/// Puts the subscription's next due entry in the index, replacing any old one: the
	/// provisioning deadline while provisioning; for a running paid subscription, the
	/// low-funds warning point and then the expiry. Announces `LowFunds` when the runway is
	/// already short. Never schedules before `now + 1`, which the cursor has not passed.
	pub(crate) fn schedule_due(
		id: SubscriptionId,
		sub: &mut Subscription<T>,
		now: BillingBlockOf<T>,
	) {
		// A subscription awaiting an award is queued, or parked until its next try: that
		// entry is the award's business (`park`), not the bill's.
		if matches!(sub.status, SubscriptionStatus::AwaitingAward { .. }) {
			return;
		}
		if Self::is_suspended(sub) {
			return Self::schedule_suspended(id, sub, now);
		}
		if let Some(old) = sub.due_at.take() {
			Self::unschedule(old, id);
		}
		let expires_at = Self::expires_at(sub);
		let due = match &mut sub.status {
			SubscriptionStatus::AwaitingAward { .. } | SubscriptionStatus::Suspended { .. } => None,
			SubscriptionStatus::Provisioning { awarded_at, .. } => {
				Some(awarded_at.saturating_add(T::ProvisionTimeout::get()))
			}
			SubscriptionStatus::Running { low_funds_warned, .. } => expires_at.map(|expires_at| {
				let warn_at = expires_at.saturating_sub(T::LowFundsWarning::get());
				if warn_at > now {
					*low_funds_warned = false;
					warn_at
				} else {
					if !*low_funds_warned {
						*low_funds_warned = true;
						Self::deposit_event(Event::LowFunds {
							id,
							subscriber: sub.subscriber.clone(),
							balance: sub.balance,
							expires_at,
						});
					}
					expires_at
				}
			}),
		};
		if let Some(due) = due {
			let due = due.max(now.saturating_add(One::one()));
			Self::schedule_at(due, id);
			sub.due_at = Some(due);
		}
	}

	/// The first block of the span of the due index that `block` is in, and `block`'s place in
	/// it (below `DUE_SPAN`).
	pub fn due_span(block: BillingBlockOf<T>) -> (BillingBlockOf<T>, u32) {
		let offset = block % DUE_SPAN.into();
		(block.saturating_sub(offset), offset.saturated_into())
	}

	/// Adds a subscription's entry at `block` to the due index.
	pub(crate) fn schedule_at(block: BillingBlockOf<T>, id: SubscriptionId) {
		Due::<T>::insert(block, id, ());
		let count = DueCount::<T>::mutate(block, |count| {
			count.saturating_inc();
			*count
		});
		if count == 1 {
			let (span, offset) = Self::due_span(block);
			DueSpans::<T>::mutate(span, |bits| {
				let bits = bits.get_or_insert([0; 32]);
				Self::set_due_bit(bits, offset);
			});
		}
	}

	/// Removes a subscription's entry at `block` from the due index.
	pub(crate) fn unschedule(block: BillingBlockOf<T>, id: SubscriptionId) {
		if Due::<T>::take(block, id).is_none() {
			return;
		}
		let left = DueCount::<T>::mutate_exists(block, |count| {
			*count = count.map(|c| c.saturating_sub(1)).filter(|c| *c > 0);
			count.unwrap_or(0)
		});
		if left == 0 {
			let (span, offset) = Self::due_span(block);
			DueSpans::<T>::mutate_exists(span, |bits| {
				let (index, bit) = Self::due_bit(offset);
				if let Some(byte) = bits.as_mut().and_then(|b| b.get_mut(index)) {
					*byte &= !bit;
				}
				if bits.is_some_and(|b| b.iter().all(|byte| *byte == 0)) {
					*bits = None;
				}
			});
		}
	}

	/// Where block `offset` of a span is in its bitmap: the byte's index and the bit's mask.
	pub(crate) fn due_bit(offset: u32) -> (usize, u8) {
		((offset / 8) as usize, 1 << (offset % 8))
	}

	/// Marks block `offset` of a span as holding due entries.
	pub(crate) fn set_due_bit(bits: &mut [u8; 32], offset: u32) {
		let (index, bit) = Self::due_bit(offset);
		if let Some(byte) = bits.get_mut(index) {
			*byte |= bit;
		}
	}

	/// The first block at or after `offset` in a span's bitmap that holds due entries.
	pub(crate) fn next_due_in(bits: &[u8; 32], offset: u32) -> Option<u32> {
		(offset..DUE_SPAN).find(|o| {
			let (index, bit) = Self::due_bit(*o);
			bits.get(index).is_some_and(|byte| byte & bit != 0)
		})
	}

	/// Holds `amount` from `who`; holding nothing is a no-op (free subscriptions, zero deposits).
	pub(crate) fn hold(
		reason: HoldReason,
		who: &T::AccountId,
		amount: BalanceOf<T>,
	) -> DispatchResult {
		if amount.is_zero() {
			return Ok(());
		}
		T::Currency::hold(&reason.into(), who, amount)
	}

	/// Releases exactly `amount` held from `who` and returns it.
	pub(crate) fn release(
		reason: HoldReason,
		who: &T::AccountId,
		amount: BalanceOf<T>,
	) -> Result<BalanceOf<T>, DispatchError> {
		if amount.is_zero() {
			return Ok(amount);
		}
		T::Currency::release(&reason.into(), who, amount, Precision::Exact)
	}

	/// Appends a subscription to its deployment type's award queue, and the type to the ring of
	/// turns if it is not in it, unless the queues hold `MaxQueueLength` subscriptions or the
	/// type's holds `MaxQueuePerType`; returns whether it did.
	pub(crate) fn enqueue(id: SubscriptionId, deployment_type: DeploymentTypeId) -> bool {
		let mut intake = Intake::<T>::get();
		let mut queue = TypeQueues::<T>::get(deployment_type);
		if intake.queued >= u64::from(T::MaxQueueLength::get())
			|| queue.queued >= T::MaxQueuePerType::get()
		{
			return false;
		}
		AwardQueue::<T>::insert(deployment_type, queue.tail, id);
		queue.tail = queue.tail.saturating_add(1);
		queue.queued = queue.queued.saturating_add(1);
		intake.queued = intake.queued.saturating_add(1);
		if !queue.in_turn {
			Turns::<T>::insert(intake.turn_tail, deployment_type);
			intake.turn_tail = intake.turn_tail.saturating_add(1);
			queue.in_turn = true;
		}
		TypeQueues::<T>::insert(deployment_type, queue);
		Intake::<T>::put(intake);
		true
	}

	/// Counts a queued subscription out of its queue, whose entry stays behind to be skipped.
	pub(crate) fn unqueue(deployment_type: DeploymentTypeId) {
		Intake::<T>::mutate(|intake| intake.queued = intake.queued.saturating_sub(1));
		TypeQueues::<T>::mutate(deployment_type, |queue| {
			queue.queued = queue.queued.saturating_sub(1)
		});
	}

	/// Parks a subscription that awaits an award in the due index until its next try, at most
	/// `AwardRetryInterval` from now and never after its `AwardTimeout`.
	pub(crate) fn park(
		id: SubscriptionId,
		sub: &mut Subscription<T>,
		since: BillingBlockOf<T>,
		now: BillingBlockOf<T>,
	) -> BillingBlockOf<T> {
		if let Some(old) = sub.due_at.take() {
			Self::unschedule(old, id);
		}
		let next = now
			.saturating_add(T::AwardRetryInterval::get())
			.min(since.saturating_add(T::AwardTimeout::get()))
			.max(now.saturating_add(One::one()));
		Self::schedule_at(next, id);
		sub.due_at = Some(next);
		next
	}

	/// Queues a subscription that awaits an award for its next try, or parks it for another
	/// interval when the queues are full.
	pub(crate) fn queue_or_park(
		id: SubscriptionId,
		sub: &mut Subscription<T>,
		since: BillingBlockOf<T>,
		now: BillingBlockOf<T>,
	) {
		if let Some(old) = sub.due_at.take() {
			Self::unschedule(old, id);
		}
		if !Self::enqueue(id, sub.deployment_type) {
			Self::park(id, sub, since, now);
		}
	}

	/// Burns `AwardAttemptFee` from a subscription's deposit for a try that found no offering,
	/// at most what is left of the deposit; returns what was burned.
	pub(crate) fn burn_attempt_fee(sub: &mut Subscription<T>) -> BalanceOf<T> {
		let fee = T::AwardAttemptFee::get().min(sub.deposit);
		if fee.is_zero() {
			return fee;
		}
		match T::Currency::burn_held(
			&HoldReason::SubscriptionDeposit.into(),
			&sub.subscriber,
			fee,
			Precision::Exact,
			Fortitude::Force,
		) {
			Ok(burned) => {
				sub.deposit = sub.deposit.saturating_sub(burned);
				burned
			}
			Err(e) => {
				log::error!(target: LOG_TARGET, "burning an award fee failed: {e:?}");
				Zero::zero()
			}
		}
	}

	/// Ends a subscription: settles it to `now`, gives the provider's capacity back, refunds
	/// the rest and the deposit, ends its standing top-up, removes it, and remembers the end
	/// among the recent ones.
	pub(crate) fn end(
		id: SubscriptionId,
		mut sub: Subscription<T>,
		reason: TerminationReason<Reason<T>>,
		now: BillingBlockOf<T>,
	) -> DispatchResult {
		Self::settle(&mut sub, now)?;
		let provider = sub.status.provider().cloned();
		if let Some(provider) = &provider {
			T::Market::release(provider, sub.deployment_type);
			ProviderSubscriptions::<T>::remove(provider, id);
		}
		let refunded = Self::release(HoldReason::Funding, &sub.subscriber, sub.balance)?;
		let deposit_returned =
			Self::release(HoldReason::SubscriptionDeposit, &sub.subscriber, sub.deposit)?;
		if let Some(due) = sub.due_at {
			Self::unschedule(due, id);
		}
		Self::end_standing_of(id)?;
		Subscriptions::<T>::remove(id);
		Self::deposit_event(Event::Terminated {
			id,
			subscriber: sub.subscriber.clone(),
			provider: provider.clone(),
			deployment_type: sub.deployment_type,
			reason: reason.clone(),
			refunded,
			deposit_returned,
			paid: sub.paid,
		});
		let price_per_block = sub.status.price_per_block();
		Self::remember_end(
			id,
			EndedSubscription {
				subscriber: sub.subscriber,
				deployment_type: sub.deployment_type,
				descriptor_cid: sub.descriptor_cid,
				provider,
				price_per_block,
				failed_providers: sub.failed_providers,
				reason,
				ended_at: now,
				refunded,
				deposit_returned,
				paid: sub.paid,
			},
		);
		Ok(())
	}

	/// A provisioning attempt failed: the provider's track record says how (and a fault is
	/// slashed for the subscriber), its capacity is released and, unless `MaxAwardAttempts`
	/// providers have now failed (then it ends `ProvisioningFailed`, refunded in full), the
	/// subscription is queued for another provider, or parked for an interval if the queues are
	/// full.
	pub(crate) fn fail_provisioning(
		id: SubscriptionId,
		mut sub: Subscription<T>,
		failure: ProvisioningFailure<Reason<T>>,
		now: BillingBlockOf<T>,
	) -> DispatchResult {
		let SubscriptionStatus::Provisioning { provider, .. } = &sub.status else {
			return Err(Error::<T>::NotProvisioning.into());
		};
		let provider = provider.clone();
		let outcome = match failure {
			ProvisioningFailure::Reported { .. } => Outcome::Fault(Fault::ProvisioningFailed),
			ProvisioningFailure::TimedOut => Outcome::Fault(Fault::ProvisionTimeout),
			ProvisioningFailure::Declined { .. } => Outcome::Declined,
		};
		T::Market::record_outcome(&provider, sub.deployment_type, outcome, &sub.subscriber);
		Self::deposit_event(Event::DeploymentFailed { id, provider: provider.clone(), failure });
		let recorded = sub.failed_providers.try_push(provider.clone()).is_ok();
		let attempts = sub.failed_providers.len() as u32;
		if !recorded || attempts >= T::MaxAwardAttempts::get() {
			return Self::end(id, sub, TerminationReason::ProvisioningFailed, now);
		}
		T::Market::release(&provider, sub.deployment_type);
		ProviderSubscriptions::<T>::remove(&provider, id);
		sub.status = SubscriptionStatus::AwaitingAward { since: now };
		// Queued for the next provider; if the queues are full, it waits an interval.
		Self::queue_or_park(id, &mut sub, now, now);
		Subscriptions::<T>::insert(id, sub);
		Self::deposit_event(Event::Reawarded { id, from: provider, attempts });
		Ok(())
	}
}
