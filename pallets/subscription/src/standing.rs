//! Standing top-ups: funds a sponsor agreed to add to a subscription whenever its runway runs
//! short, drawn by the hook.
//!
//! Who could abuse them, and how it is met:
//! - A sponsor is never drawn beyond its cap, below the existential deposit (`Preserve`), more
//!   often than its interval, or for a subscription that has ended (the standing top-up ends
//!   with it and the deposit goes back).
//! - A stranger who sets one on somebody's subscription pays for it, and what it adds becomes the
//!   subscriber's, as with `top_up`; it cannot keep the subscriber from setting its own: the
//!   subscriber may cancel it or replace it.
//! - A sponsor that cannot pay costs the chain one failed transfer in a due entry the
//!   subscription had anyway, charged in that entry's benchmarked weight.

use crate::*;
use frame_support::{
	ensure,
	pallet_prelude::*,
	storage::with_storage_layer,
	traits::{
		fungible::MutateHold,
		tokens::{Fortitude, Precision, Preservation},
	},
};
use sp_runtime::traits::{One, Saturating, Zero};

impl<T: Config> Pallet<T> {
	pub(crate) fn do_set_standing_top_up(
		who: T::AccountId,
		id: SubscriptionId,
		amount: BalanceOf<T>,
		min_interval: BillingBlockOf<T>,
		cap: BalanceOf<T>,
	) -> DispatchResult {
		ensure!(!amount.is_zero(), Error::<T>::ZeroTopUp);
		let mut sub = Subscriptions::<T>::get(id).ok_or(Error::<T>::UnknownSubscription)?;
		let existing = StandingTopUps::<T>::get(id);
		let (drawn, last_drawn_at, replaced) = match &existing {
			// The sponsor changes its own: what it drew counts against the new cap.
			Some(standing) if standing.sponsor == who => {
				(standing.drawn, standing.last_drawn_at, None)
			}
			// The subscriber puts its own in place of another sponsor's.
			Some(standing) if sub.subscriber == who => (Zero::zero(), None, Some(standing.clone())),
			Some(_) => return Err(Error::<T>::StandingTopUpTaken.into()),
			None => (Zero::zero(), None, None),
		};
		ensure!(cap >= amount && cap > drawn, Error::<T>::CapTooLow);
		let deposit = match &existing {
			Some(standing) if replaced.is_none() => standing.deposit,
			_ => {
				let deposit = T::StandingTopUpDeposit::get();
				Self::hold(HoldReason::StandingTopUpDeposit, &who, deposit)?;
				deposit
			}
		};
		if let Some(old) = replaced {
			Self::end_standing(id, old, StandingTopUpEnd::Replaced)?;
		}
		StandingTopUps::<T>::insert(
			id,
			StandingTopUp {
				sponsor: who.clone(),
				amount,
				min_interval,
				cap,
				drawn,
				last_drawn_at,
				deposit,
			},
		);
		Self::deposit_event(Event::StandingTopUpSet {
			id,
			sponsor: who,
			amount,
			min_interval,
			cap,
		});
		// A subscription that is already short of funds, or suspended, is looked at in the next
		// block, so that the new standing top-up is drawn without waiting for the next point.
		let short = match &sub.status {
			SubscriptionStatus::Running { low_funds_warned, .. } => *low_funds_warned,
			SubscriptionStatus::Suspended { .. } => true,
			_ => false,
		};
		if short {
			let next = Self::now().saturating_add(One::one());
			if sub.due_at != Some(next) {
				if let Some(old) = sub.due_at.replace(next) {
					Self::unschedule(old, id);
				}
				Self::schedule_at(next, id);
				Subscriptions::<T>::insert(id, sub);
			}
		}
		Ok(())
	}

	pub(crate) fn do_cancel_standing_top_up(
		who: T::AccountId,
		id: SubscriptionId,
	) -> DispatchResult {
		let standing = StandingTopUps::<T>::get(id).ok_or(Error::<T>::NoStandingTopUp)?;
		let subscriber = Subscriptions::<T>::get(id).map(|sub| sub.subscriber);
		ensure!(
			standing.sponsor == who || subscriber.as_ref() == Some(&who),
			Error::<T>::NotSponsor
		);
		Self::end_standing(id, standing, StandingTopUpEnd::Cancelled)
	}

	/// Ends a standing top-up: removes it and returns its deposit to the sponsor.
	pub(crate) fn end_standing(
		id: SubscriptionId,
		standing: StandingTopUp<T>,
		reason: StandingTopUpEnd,
	) -> DispatchResult {
		Self::release(HoldReason::StandingTopUpDeposit, &standing.sponsor, standing.deposit)?;
		StandingTopUps::<T>::remove(id);
		Self::deposit_event(Event::StandingTopUpEnded {
			id,
			sponsor: standing.sponsor,
			drawn: standing.drawn,
			reason,
		});
		Ok(())
	}

	/// Ends the standing top-up of a subscription that ends, if it has one.
	pub(crate) fn end_standing_of(id: SubscriptionId) -> DispatchResult {
		match StandingTopUps::<T>::get(id) {
			Some(standing) => Self::end_standing(id, standing, StandingTopUpEnd::SubscriptionEnded),
			None => Ok(()),
		}
	}

	/// Draws a subscription's standing top-up, if it has one that is due (its interval passed,
	/// its cap not reached), into the subscription's funds. `floor` is what the funds must reach
	/// for the draw to be of use (a suspended subscription's resume); a draw that would not reach
	/// it is not made. Returns whether funds were added. A sponsor that cannot pay, or a draw
	/// below the floor, is announced with `StandingTopUpFailed` and changes nothing else.
	pub(crate) fn draw_standing(
		id: SubscriptionId,
		sub: &mut Subscription<T>,
		now: BillingBlockOf<T>,
		floor: BalanceOf<T>,
	) -> Result<bool, DispatchError> {
		let Some(mut standing) = StandingTopUps::<T>::get(id) else { return Ok(false) };
		if standing.next_draw_at().is_some_and(|at| now < at) {
			return Ok(false);
		}
		let amount = standing.next_draw();
		if amount.is_zero() {
			// Cannot be stored (a draw that reaches the cap ends it), but would be harmless.
			Self::end_standing(id, standing, StandingTopUpEnd::CapReached)?;
			return Ok(false);
		}
		let failure = |reason| {
			Self::deposit_event(Event::StandingTopUpFailed {
				id,
				sponsor: standing.sponsor.clone(),
				amount,
				reason,
			});
			Ok(false)
		};
		if sub.balance.saturating_add(amount) < floor {
			return failure(StandingTopUpFailure::BelowMinRunway);
		}
		let reason = HoldReason::Funding.into();
		// A transfer that fails leaves nothing half done.
		let paid = with_storage_layer(|| {
			if standing.sponsor == sub.subscriber {
				T::Currency::hold(&reason, &standing.sponsor, amount)
			} else {
				T::Currency::transfer_and_hold(
					&reason,
					&standing.sponsor,
					&sub.subscriber,
					amount,
					Precision::Exact,
					Preservation::Preserve,
					Fortitude::Polite,
				)
				.map(|_| ())
			}
		});
		if paid.is_err() {
			return failure(StandingTopUpFailure::SponsorCannotPay);
		}
		sub.balance = sub.balance.saturating_add(amount);
		standing.drawn = standing.drawn.saturating_add(amount);
		standing.last_drawn_at = Some(now);
		Self::deposit_event(Event::ToppedUp {
			id,
			by: standing.sponsor.clone(),
			amount,
			balance: sub.balance,
			// `None` while suspended: `Resumed` follows with it.
			expires_at: Self::expires_at(sub),
			automatic: true,
		});
		if standing.drawn >= standing.cap {
			Self::end_standing(id, standing, StandingTopUpEnd::CapReached)?;
		} else {
			StandingTopUps::<T>::insert(id, standing);
		}
		Ok(true)
	}
}
