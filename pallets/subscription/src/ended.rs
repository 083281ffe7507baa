//! Recent ends: the last `MaxEndedRecords` subscriptions to end, kept in a ring of slots so that
//! a client can still read why and when one ended, and tell it from an id never given out.
//!
//! Each end takes the slot at `EndedCursor` and forgets the end that held it: a fixed number of
//! reads and writes per end, and a record whose size does not depend on what users do.

use crate::*;
use alloc::vec::Vec;
use dinfra_primitives::runtime_api::{SubscriptionEnd, SubscriptionPhase, SubscriptionView};
use frame_support::traits::Get;
use sp_runtime::traits::Zero;

impl<T: Config> Pallet<T> {
	/// Remembers an end in the ring's next slot, forgetting the end that held the slot.
	pub(crate) fn remember_end(id: SubscriptionId, record: EndedSubscription<T>) {
		let max = T::MaxEndedRecords::get();
		if max == 0 {
			return;
		}
		// The modulo keeps the cursor in the ring even if an upgrade lowered the maximum.
		let slot = EndedCursor::<T>::get() % max;
		if let Some(forgotten) = EndedOrder::<T>::get(slot) {
			EndedSubscriptions::<T>::remove(forgotten);
		}
		EndedOrder::<T>::insert(slot, id);
		EndedSubscriptions::<T>::insert(id, record);
		EndedCursor::<T>::put(slot.saturating_add(1) % max);
	}

	/// A recently ended subscription as `DinfraApi::subscription` shows it: phase `Ended`, since
	/// the block it ended, nothing held.
	pub(crate) fn ended_view(
		id: SubscriptionId,
	) -> Option<SubscriptionView<T::AccountId, BalanceOf<T>, BillingBlockOf<T>>> {
		let ended = EndedSubscriptions::<T>::get(id)?;
		let reason = ended.reason.map_text(|text| text.into_inner());
		Some(SubscriptionView {
			subscriber: ended.subscriber,
			deployment_type: ended.deployment_type,
			descriptor_cid: ended.descriptor_cid.into_inner(),
			phase: SubscriptionPhase::Ended,
			phase_since: ended.ended_at,
			failed_providers: ended.failed_providers.into_inner(),
			provider: ended.provider,
			price_per_block: ended.price_per_block,
			endpoint: None,
			balance: Zero::zero(),
			owed_now: Zero::zero(),
			paid: ended.paid,
			runway: None,
			expires_at: None,
			ended: Some(SubscriptionEnd {
				reason,
				refunded: ended.refunded,
				deposit_returned: ended.deposit_returned,
			}),
			grace_ends_at: None,
		})
	}

	/// The subscriptions remembered as ended, oldest first (for tests and invariants).
	pub fn ended_ids() -> Vec<SubscriptionId> {
		let max = T::MaxEndedRecords::get();
		let cursor = EndedCursor::<T>::get();
		(0..max)
			.filter_map(|i| EndedOrder::<T>::get(cursor.saturating_add(i) % max.max(1)))
			.collect()
	}
}
