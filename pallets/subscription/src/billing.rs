//! The economics: settlement, runway, the due index, and how a subscription ends.
//!
//! Settlement is exact: `owed = price × (now − settled_at)`, capped at the funds left, is paid to
//! the provider straight from the subscriber's hold. Nothing is rounded, so the provider never
//! receives more than the blocks that have passed, and whatever is not owed is refunded.

use crate::*;
use dinfra_primitives::Market;
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
		if let Some(old) = sub.due_at.take() {
			Self::unschedule(old, id);
		}
		let expires_at = Self::expires_at(sub);
		let due = match &mut sub.status {
			SubscriptionStatus::AwaitingAward { .. } => None,
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

	/// Adds a subscription's entry at `block` to the due index.
	pub(crate) fn schedule_at(block: BillingBlockOf<T>, id: SubscriptionId) {
		Due::<T>::insert(block, id, ());
		DueCount::<T>::mutate(block, |count| count.saturating_inc());
	}

	/// Removes a subscription's entry at `block` from the due index.
	pub(crate) fn unschedule(block: BillingBlockOf<T>, id: SubscriptionId) {
		if Due::<T>::take(block, id).is_none() {
			return;
		}
		DueCount::<T>::mutate_exists(block, |count| {
			*count = count.map(|c| c.saturating_sub(1)).filter(|c| *c > 0);
		});
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

	/// Appends a subscription to the award queue.
	pub(crate) fn enqueue(id: SubscriptionId) {
		Intake::<T>::mutate(|intake| {
			AwardQueue::<T>::insert(intake.tail, id);
			intake.tail = intake.tail.saturating_add(1);
		});
	}

	/// Ends a subscription: settles it to `now`, gives the provider's capacity back, refunds
	/// the rest and the deposit, and removes every trace of it but the event.
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
		Self::release(HoldReason::SubscriptionDeposit, &sub.subscriber, sub.deposit)?;
		if let Some(due) = sub.due_at {
			Self::unschedule(due, id);
		}
		Subscriptions::<T>::remove(id);
		Self::deposit_event(Event::Terminated {
			id,
			subscriber: sub.subscriber,
			provider,
			deployment_type: sub.deployment_type,
			reason,
			refunded,
			paid: sub.paid,
		});
		Ok(())
	}

	/// A provisioning attempt failed: the provider's capacity is released and, unless
	/// `MaxAwardAttempts` providers have now failed, the subscription is queued for another.
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
		Self::deposit_event(Event::DeploymentFailed { id, provider: provider.clone(), failure });
		let recorded = sub.failed_providers.try_push(provider.clone()).is_ok();
		let attempts = sub.failed_providers.len() as u32;
		if !recorded || attempts >= T::MaxAwardAttempts::get() {
			return Self::end(id, sub, TerminationReason::ProvisioningFailed, now);
		}
		T::Market::release(&provider, sub.deployment_type);
		ProviderSubscriptions::<T>::remove(&provider, id);
		sub.status = SubscriptionStatus::AwaitingAward { since: now };
		Self::schedule_due(id, &mut sub, now);
		Subscriptions::<T>::insert(id, sub);
		Self::enqueue(id);
		Self::deposit_event(Event::Reawarded { id, from: provider, attempts });
		Ok(())
	}
}
