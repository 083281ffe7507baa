//! The answers behind `DinfraApi`: subscriptions as their subscribers and gateways see them,
//! settled to now without a transaction.

use crate::*;
use alloc::vec::Vec;
use dinfra_primitives::runtime_api::{SubscriptionPhase, SubscriptionView};
use sp_runtime::traits::{Saturating, Zero};

impl<T: Config> Pallet<T> {
	/// A live subscription as of the current block, or a recently ended one (phase `Ended`).
	pub fn subscription_view(
		id: SubscriptionId,
	) -> Option<SubscriptionView<T::AccountId, BalanceOf<T>, BillingBlockOf<T>>> {
		let Some(sub) = Subscriptions::<T>::get(id) else {
			return Self::ended_view(id);
		};
		let now = Self::now();
		let (phase, phase_since, provider, price, endpoint, owed_now, runway) = match &sub.status {
			SubscriptionStatus::AwaitingAward { since } => {
				(SubscriptionPhase::AwaitingAward, *since, None, None, None, Zero::zero(), None)
			}
			SubscriptionStatus::Provisioning { provider, price_per_block, awarded_at, .. } => (
				SubscriptionPhase::Provisioning,
				*awarded_at,
				Some(provider.clone()),
				Some(*price_per_block),
				None,
				Zero::zero(),
				None,
			),
			SubscriptionStatus::Running {
				provider,
				price_per_block,
				endpoint,
				settled_at,
				running_since,
				..
			} => {
				let owed =
					Self::cost(*price_per_block, now.saturating_sub(*settled_at)).min(sub.balance);
				(
					SubscriptionPhase::Running,
					*running_since,
					Some(provider.clone()),
					Some(*price_per_block),
					Some(endpoint.to_vec()),
					owed,
					Self::runway(sub.balance.saturating_sub(owed), *price_per_block),
				)
			}
			SubscriptionStatus::Suspended {
				provider,
				price_per_block,
				endpoint,
				suspended_at,
				..
			} => (
				SubscriptionPhase::Suspended,
				*suspended_at,
				Some(provider.clone()),
				Some(*price_per_block),
				Some(endpoint.to_vec()),
				Zero::zero(),
				None,
			),
		};
		let grace_ends_at = match &sub.status {
			SubscriptionStatus::Suspended { grace_ends_at, .. } => Some(*grace_ends_at),
			_ => None,
		};
		Some(SubscriptionView {
			expires_at: Self::expires_at(&sub),
			subscriber: sub.subscriber,
			deployment_type: sub.deployment_type,
			descriptor_cid: sub.descriptor_cid.to_vec(),
			phase,
			phase_since,
			failed_providers: sub.failed_providers.to_vec(),
			provider,
			price_per_block: price,
			endpoint,
			balance: sub.balance,
			owed_now,
			paid: sub.paid,
			runway,
			ended: None,
			grace_ends_at,
		})
	}

	/// The subscriptions awarded to `provider`, provisioning or running.
	pub fn provider_deployments(provider: &T::AccountId) -> Vec<SubscriptionId> {
		ProviderSubscriptions::<T>::iter_key_prefix(provider).collect()
	}
}
