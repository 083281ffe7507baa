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
use sp_runtime::traits::Saturating;

/// How far behind the clock the due cursor may be before the hook checks whether anything is
/// scheduled at all, instead of walking the empty blocks one by one.
const CURSOR_JUMP: u32 = 16;

impl<T: Config> Pallet<T> {
	/// Runs one block's work and returns the weight it used.
	pub(crate) fn do_tick() -> Weight {
		let mut meter = WeightMeter::with_limit(T::MaxBlockWork::get());
		meter.consume(T::WeightInfo::on_initialize_idle());
		let now = Self::now();
		Self::process_due(now, &mut meter);
		Self::process_awards(now, &mut meter);
		meter.consumed()
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
		let entry_weight =
			T::WeightInfo::process_due_entry().saturating_add(T::Market::release_weight());
		while cursor <= now {
			if meter.try_consume(T::WeightInfo::due_probe()).is_err() {
				break;
			}
			// One read tells an empty block; only a block with entries is searched for one.
			if DueCount::<T>::get(cursor) == 0 {
				cursor.saturating_inc();
				continue;
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
		DueCursor::<T>::put(cursor);
	}

	/// A subscription's due entry has come: its provider missed the provisioning deadline, its
	/// runway crossed the low-funds warning, or its funds ran out.
	fn process_due_entry(id: SubscriptionId, now: BillingBlockOf<T>) {
		let Some(mut sub) = Subscriptions::<T>::get(id) else { return };
		sub.due_at = None;
		// Hooks are not transactional by themselves: a failed step must leave nothing half done.
		let result = with_storage_layer(|| match sub.status {
			SubscriptionStatus::Provisioning { .. } => {
				Self::fail_provisioning(id, sub, ProvisioningFailure::TimedOut, now)
			}
			SubscriptionStatus::Running { .. } => match Self::expires_at(&sub) {
				Some(expires_at) if expires_at <= now => {
					Self::end(id, sub, TerminationReason::OutOfFunds, now)
				}
				_ => {
					// The warning point: settle, so the event tells the funds really left.
					Self::settle(&mut sub, now).map(|_| {
						Self::schedule_due(id, &mut sub, now);
						Subscriptions::<T>::insert(id, sub);
					})
				}
			},
			SubscriptionStatus::AwaitingAward { .. } => {
				Subscriptions::<T>::insert(id, sub);
				Ok(())
			}
		});
		if let Err(e) = result {
			log::error!(target: LOG_TARGET, "due entry of subscription {id} failed: {e:?}");
		}
	}

	/// Awards queued subscriptions in order. One that finds no offering goes to the back of the
	/// queue and is tried again next block, until `AwardTimeout` ends it.
	pub(crate) fn process_awards(now: BillingBlockOf<T>, meter: &mut WeightMeter) {
		let mut intake = Intake::<T>::get();
		// Only what was queued before this block: re-queued entries wait for the next one.
		let end = intake.tail;
		let step = T::WeightInfo::process_award();
		let worst = step.saturating_add(T::Market::max_award_weight());
		while intake.head < end {
			if !meter.can_consume(worst) {
				break;
			}
			meter.consume(step);
			let position = intake.head;
			intake.head = intake.head.saturating_add(1);
			let Some(id) = AwardQueue::<T>::take(position) else { continue };
			if let Some(requeue) = Self::try_award(id, now, meter) {
				AwardQueue::<T>::insert(intake.tail, requeue);
				intake.tail = intake.tail.saturating_add(1);
			}
		}
		Intake::<T>::put(intake);
	}

	/// Tries to award one queued subscription, charging `meter` what the market read; returns
	/// its id if it stays queued.
	fn try_award(
		id: SubscriptionId,
		now: BillingBlockOf<T>,
		meter: &mut WeightMeter,
	) -> Option<SubscriptionId> {
		// Ended subscriptions leave their queue entry behind; it is dropped here.
		let mut sub = Subscriptions::<T>::get(id)?;
		let SubscriptionStatus::AwaitingAward { since } = sub.status else { return None };
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
				None
			}
			Err(_) if now.saturating_sub(since) >= T::AwardTimeout::get() => {
				let ended =
					with_storage_layer(|| Self::end(id, sub, TerminationReason::NoOffering, now));
				if let Err(e) = ended {
					log::error!(target: LOG_TARGET, "ending subscription {id} failed: {e:?}");
				}
				None
			}
			Err(_) => Some(id),
		}
	}
}
