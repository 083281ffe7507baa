//! The per-block work: due entries first (deadlines, warnings, expiries), then awards.
//!
//! Both run under one [`WeightMeter`] capped by `MaxBlockWork`. A step is taken only if its
//! benchmarked worst-case weight still fits. Due entries are charged that worst case; an award
//! is charged what it actually read (the offerings its target admits, not `MaxOfferingsPerType`
//! of them), so a market of a few offerings per type awards many more subscriptions per block.
//! What does not fit waits: the due cursor stays on the first block with unprocessed entries,
//! and unawarded subscriptions stay queued.

use crate::*;
use dinfra_primitives::Market;
use frame_support::{pallet_prelude::*, storage::with_storage_layer, weights::WeightMeter};
use sp_runtime::traits::{One, Saturating, Zero};

/// How far behind the clock the due cursor may be before the hook checks whether anything is
/// scheduled at all, instead of walking the empty blocks one by one.
const CURSOR_JUMP: u32 = 16;

impl<T: Config> Pallet<T> {
	/// Runs one block's work and returns the weight it used.
	pub(crate) fn do_tick() -> Weight {
		let mut meter = WeightMeter::with_limit(T::MaxBlockWork::get());
		meter.consume(T::WeightInfo::on_initialize_idle());
		let now = Self::now();
		Self::advance_live_clock(now);
		Self::process_due(now, &mut meter);
		Self::process_awards(now, &mut meter);
		meter.consumed()
	}

	/// Adds the relay-chain blocks since the previous parachain block to the live clock, at most
	/// `MaxLiveGap` of them. Its cost is part of `on_initialize_idle`.
	pub(crate) fn advance_live_clock(now: BillingBlockOf<T>) {
		let clock = match LiveClock::<T>::get() {
			// A fresh chain (or a runtime upgrade) starts the live clock at the relay chain's.
			None => LiveClockInfo { seen: now, live: now },
			Some(clock) => LiveClockInfo {
				seen: now.max(clock.seen),
				live: clock
					.live
					.saturating_add(now.saturating_sub(clock.seen).min(T::MaxLiveGap::get())),
			},
		};
		LiveClock::<T>::put(clock);
	}

	/// The live clock now: what [`Self::advance_live_clock`] counted up to this block.
	pub fn live_now() -> BillingBlockOf<T> {
		LiveClock::<T>::get().map_or_else(Self::now, |clock| clock.live)
	}

	/// Works through the due index from the cursor up to `now`.
	pub(crate) fn process_due(now: BillingBlockOf<T>, meter: &mut WeightMeter) {
		// A fresh chain (or a runtime upgrade) starts the cursor at the current block.
		let mut cursor = DueCursor::<T>::get().unwrap_or(now);
		// After a jump of the clock (the first block's hook sees relay block 0, before the
		// relay chain's number is known; or a chain that stalled), walking every empty block
		// would take the whole budget for many blocks and starve the awards. When nothing is
		// scheduled at all, there is nothing to walk: one look at the index settles it.
		if now.saturating_sub(cursor) > CURSOR_JUMP.into()
			&& meter.try_consume(T::WeightInfo::due_probe()).is_ok()
			&& Due::<T>::iter_keys().next().is_none()
		{
			cursor = now;
		}
		let entry_weight = T::WeightInfo::process_due_entry()
			.max(T::WeightInfo::process_due_entry_drawn())
			.saturating_add(T::Market::release_weight())
			.saturating_add(T::Market::record_outcome_weight());
		while cursor <= now {
			if meter.try_consume(T::WeightInfo::due_probe()).is_err() {
				break;
			}
			// One read of the span's bitmap finds the next block with entries, or steps over
			// the rest of the span.
			let (span, offset) = Self::due_span(cursor);
			let next = DueSpans::<T>::get(span).and_then(|bits| Self::next_due_in(&bits, offset));
			let Some(next) = next else {
				cursor = span.saturating_add(DUE_SPAN.into());
				continue;
			};
			cursor = span.saturating_add(next.into());
			if cursor > now {
				break;
			}
			if meter.try_consume(entry_weight).is_err() {
				break;
			}
			let Some(id) = Due::<T>::iter_key_prefix(cursor).next() else {
				log::error!(target: LOG_TARGET, "due count of block {cursor:?} has no entries");
				DueCount::<T>::remove(cursor);
				cursor.saturating_inc();
				continue;
			};
			Self::unschedule(cursor, id);
			Self::process_due_entry(id, now);
		}
		// A span stepped over may end past `now`; nothing can be scheduled before `now + 1`.
		DueCursor::<T>::put(cursor.min(now.saturating_add(One::one())));
	}

	/// A subscription's due entry has come: its provider missed the provisioning deadline, its
	/// runway crossed the low-funds warning (a standing top-up is drawn), its funds ran out (it
	/// is suspended, unless a standing top-up refills it), or its grace ended (it ends
	/// `OutOfFunds`, unless a standing top-up resumes it).
	///
	/// If the step fails, nothing of it is kept, and the subscription is due again in the next
	/// block: a subscription is never left without the entry that ends it.
	fn process_due_entry(id: SubscriptionId, now: BillingBlockOf<T>) {
		let Some(mut sub) = Subscriptions::<T>::get(id) else { return };
		sub.due_at = None;
		// Hooks are not transactional by themselves: a failed step must leave nothing half done.
		let result = with_storage_layer(|| match sub.status {
			SubscriptionStatus::Provisioning { awarded_live, .. } => {
				// The deadline counts live time only: after a stall it moves out by the stall.
				let live = Self::live_now().saturating_sub(awarded_live);
				let timeout = T::ProvisionTimeout::get();
				if live < timeout {
					let due = now.saturating_add(timeout.saturating_sub(live));
					Self::schedule_at(due, id);
					sub.due_at = Some(due);
					Subscriptions::<T>::insert(id, sub);
					return Ok(());
				}
				Self::fail_provisioning(id, sub, ProvisioningFailure::TimedOut, now)
			}
			SubscriptionStatus::Running { price_per_block, .. } => {
				// The warning point or the expiry: settle, so that the funds are what is really
				// left, then draw a standing top-up if the runway is short.
				let ran_until = Self::expires_at(&sub).map_or(now, |at| at.min(now));
				Self::settle(&mut sub, now)?;
				let short = Self::runway(sub.balance, price_per_block)
					.is_some_and(|runway| runway <= T::LowFundsWarning::get());
				if short {
					Self::draw_standing(id, &mut sub, now, Zero::zero())?;
				}
				if Self::expires_at(&sub).is_some_and(|at| at <= now) {
					return Self::suspend(id, sub, now, ran_until);
				}
				Self::schedule_due(id, &mut sub, now);
				Subscriptions::<T>::insert(id, sub);
				Ok(())
			}
			SubscriptionStatus::Suspended { .. } => Self::process_suspended(id, sub, now),
			// Parked after a try that found no offering: its next try is due.
			// Its last try comes at `AwardTimeout` (and ends it if it fails); with the queues
			// full it waits another interval, or ends if its time is up.
			SubscriptionStatus::AwaitingAward { since } => {
				if !Self::enqueue(id, sub.deployment_type) {
					if now.saturating_sub(since) >= T::AwardTimeout::get() {
						return Self::end(id, sub, TerminationReason::NoOffering, now);
					}
					Self::park(id, &mut sub, since, now);
				}
				Subscriptions::<T>::insert(id, sub);
				Ok(())
			}
		});
		if let Err(e) = result {
			log::error!(target: LOG_TARGET, "due entry of subscription {id} failed: {e:?}");
			// The record still names the entry that was just taken: put one back, a block on.
			let retry = now.saturating_add(One::one());
			Subscriptions::<T>::mutate(id, |sub| {
				if let Some(sub) = sub {
					if let Some(old) = sub.due_at.replace(retry) {
						Self::unschedule(old, id);
					}
					Self::schedule_at(retry, id);
				}
			});
		}
	}

	/// Awards queued subscriptions: the deployment types take turns, one subscription each per
	/// turn, first come first served within a type, until the queues are empty or the meter is
	/// spent. A subscription that finds no offering is parked until its next try, so nothing is
	/// queued during the loop and it ends.
	pub(crate) fn process_awards(now: BillingBlockOf<T>, meter: &mut WeightMeter) {
		let mut intake = Intake::<T>::get();
		// A turn goes ahead only if the worst of the three ends a try can have fits, with the
		// market's worst case; it is then charged for the end it had and what the market read.
		let worst = T::WeightInfo::process_award()
			.max(T::WeightInfo::process_award_deferred())
			.max(T::WeightInfo::process_award_ended())
			.saturating_add(T::Market::max_award_weight());
		while intake.turn_head < intake.turn_tail {
			if !meter.can_consume(worst) {
				break;
			}
			let turn = intake.turn_head;
			intake.turn_head = intake.turn_head.saturating_add(1);
			let Some(deployment_type) = Turns::<T>::take(turn) else { continue };
			let mut queue = TypeQueues::<T>::get(deployment_type);
			let position = queue.head;
			queue.head = queue.head.saturating_add(1);
			let entry = AwardQueue::<T>::take(deployment_type, position);
			// The type takes another turn while entries remain; an empty queue is forgotten.
			if queue.head < queue.tail {
				Turns::<T>::insert(intake.turn_tail, deployment_type);
				intake.turn_tail = intake.turn_tail.saturating_add(1);
			} else {
				queue.in_turn = false;
			}
			// A subscription that ended while queued left its entry, but not its count.
			let live = entry.and_then(|id| Some(id).zip(Subscriptions::<T>::get(id)));
			let awaiting = live.and_then(|(id, sub)| match sub.status {
				SubscriptionStatus::AwaitingAward { since } if sub.due_at.is_none() => {
					Some((id, sub, since))
				}
				_ => None,
			});
			match awaiting {
				Some((id, sub, since)) => {
					queue.queued = queue.queued.saturating_sub(1);
					intake.queued = intake.queued.saturating_sub(1);
					let step = Self::try_award(id, sub, since, now, meter);
					meter.consume(step);
				}
				// An entry left behind costs the reads of an award's step, and no try.
				None => meter.consume(T::WeightInfo::process_award()),
			}
			if queue.head < queue.tail {
				TypeQueues::<T>::insert(deployment_type, queue);
			} else {
				TypeQueues::<T>::remove(deployment_type);
			}
		}
		Intake::<T>::put(intake);
	}

	/// Tries to award one subscription taken from its queue, charging `meter` what the market
	/// read. One that finds no offering pays `AwardAttemptFee` and is parked until its next try,
	/// or ends `NoOffering` after `AwardTimeout`. Returns the benchmarked weight of the end it
	/// had, for the caller to charge.
	fn try_award(
		id: SubscriptionId,
		mut sub: Subscription<T>,
		since: BillingBlockOf<T>,
		now: BillingBlockOf<T>,
		meter: &mut WeightMeter,
	) -> Weight {
		let attempt = T::Market::award(
			sub.deployment_type,
			&sub.target,
			sub.max_price_per_block,
			&sub.failed_providers,
		);
		// Checked against the worst case before the attempt, so this fits.
		meter.consume(attempt.weight);
		match attempt.outcome {
			Ok(awarded) => {
				sub.status = SubscriptionStatus::Provisioning {
					provider: awarded.provider.clone(),
					price_per_block: awarded.price_per_block,
					awarded_at: now,
					awarded_live: Self::live_now(),
				};
				Self::schedule_due(id, &mut sub, now);
				ProviderSubscriptions::<T>::insert(&awarded.provider, id, ());
				let provision_deadline = sub.due_at.unwrap_or(now);
				Self::deposit_event(Event::Awarded {
					id,
					subscriber: sub.subscriber.clone(),
					provider: awarded.provider,
					deployment_type: sub.deployment_type,
					descriptor_cid: sub.descriptor_cid.clone(),
					price_per_block: awarded.price_per_block,
					provision_deadline,
				});
				Subscriptions::<T>::insert(id, sub);
				T::WeightInfo::process_award()
			}
			Err(_) => {
				// Hooks are not transactional by themselves: a failed step leaves nothing half
				// done, and the subscription is parked to be tried again.
				let original = sub.clone();
				let timed_out = now.saturating_sub(since) >= T::AwardTimeout::get();
				let deferred = with_storage_layer(|| {
					let fee = Self::burn_attempt_fee(&mut sub);
					if timed_out {
						return Self::end(id, sub.clone(), TerminationReason::NoOffering, now);
					}
					let next_try = Self::park(id, &mut sub, since, now);
					Self::deposit_event(Event::AwardDeferred { id, next_try, fee });
					Subscriptions::<T>::insert(id, sub.clone());
					Ok(())
				});
				if let Err(e) = deferred {
					log::error!(target: LOG_TARGET, "deferring subscription {id} failed: {e:?}");
					let mut sub = original;
					Self::park(id, &mut sub, since, now);
					Subscriptions::<T>::insert(id, sub);
				}
				if timed_out {
					T::WeightInfo::process_award_ended()
				} else {
					T::WeightInfo::process_award_deferred()
				}
			}
		}
	}
}
