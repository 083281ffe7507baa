//! The work behind each call: checks first, then the writes, so that a refused call changes
//! nothing.

use crate::*;
use dinfra_primitives::{AwardTarget, DeploymentTypeId, Fault, Market, MarketError, Outcome};
use frame_support::{
	ensure,
	pallet_prelude::*,
	traits::{
		fungible::MutateHold,
		tokens::{Fortitude, Precision, Preservation},
	},
};
use sp_runtime::{
	traits::{Saturating, Zero},
	SaturatedConversion,
};

impl<T: Config> Pallet<T> {
	pub(crate) fn do_subscribe(
		subscriber: T::AccountId,
		deployment_type: DeploymentTypeId,
		descriptor_cid: DescriptorCid<T>,
		target: AwardTargetOf<T>,
		max_price_per_block: BalanceOf<T>,
		funding: BalanceOf<T>,
	) -> DispatchResult {
		T::Market::ensure_accepting(deployment_type).map_err(|e| match e {
			MarketError::DeploymentTypeRetired => Error::<T>::DeploymentTypeRetired,
			_ => Error::<T>::UnknownDeploymentType,
		})?;
		ensure!(dinfra_primitives::cid::validate(&descriptor_cid).is_ok(), Error::<T>::InvalidCid);
		if let AwardTarget::Preferred(list) = &target {
			ensure!(!list.is_empty(), Error::<T>::EmptyPreferredList);
		}
		let mut intake = Intake::<T>::get();
		let min_runway = intake.min_runway.unwrap_or_else(T::DefaultMinRunway::get);
		ensure!(
			funding >= Self::cost(max_price_per_block, min_runway),
			Error::<T>::FundingBelowMinRunway
		);
		ensure!(intake.len() < u64::from(T::MaxQueueLength::get()), Error::<T>::QueueFull);
		ensure!(
			TypeQueues::<T>::get(deployment_type).queued < T::MaxQueuePerType::get(),
			Error::<T>::QueueFull
		);
		let id = intake.next_id;
		intake.next_id = id.checked_add(1).ok_or(Error::<T>::SubscriptionIdsExhausted)?;

		let deposit = T::SubscriptionDeposit::get();
		Self::hold(HoldReason::SubscriptionDeposit, &subscriber, deposit)?;
		Self::hold(HoldReason::Funding, &subscriber, funding)?;

		Subscriptions::<T>::insert(
			id,
			Subscription {
				subscriber: subscriber.clone(),
				deployment_type,
				descriptor_cid: descriptor_cid.clone(),
				target,
				max_price_per_block,
				balance: funding,
				deposit,
				paid: Zero::zero(),
				status: SubscriptionStatus::AwaitingAward { since: Self::now() },
				failed_providers: Default::default(),
				due_at: None,
			},
		);
		Intake::<T>::put(intake);
		// Checked above: there is room.
		Self::enqueue(id, deployment_type);
		Self::deposit_event(Event::Subscribed {
			id,
			subscriber,
			deployment_type,
			descriptor_cid,
			max_price_per_block,
			funding,
		});
		Ok(())
	}

	pub(crate) fn do_top_up(
		by: T::AccountId,
		id: SubscriptionId,
		amount: BalanceOf<T>,
	) -> DispatchResult {
		ensure!(!amount.is_zero(), Error::<T>::ZeroTopUp);
		let mut sub = Subscriptions::<T>::get(id).ok_or(Error::<T>::UnknownSubscription)?;
		// A suspended subscription resumes with it, so it must fund what a resume needs.
		Self::ensure_resumes(&sub, amount)?;
		let now = Self::now();
		Self::settle(&mut sub, now)?;
		let reason = HoldReason::Funding.into();
		if by == sub.subscriber {
			T::Currency::hold(&reason, &by, amount)?;
		} else {
			T::Currency::transfer_and_hold(
				&reason,
				&by,
				&sub.subscriber,
				amount,
				Precision::Exact,
				Preservation::Preserve,
				Fortitude::Polite,
			)?;
		}
		sub.balance = sub.balance.saturating_add(amount);
		let resumed = Self::is_suspended(&sub);
		if resumed {
			Self::resume(id, &mut sub, now);
		} else {
			Self::schedule_due(id, &mut sub, now);
		}
		let (balance, expires_at) = (sub.balance, Self::expires_at(&sub));
		Self::deposit_event(Event::ToppedUp {
			id,
			by,
			amount,
			balance,
			expires_at,
			automatic: false,
		});
		if resumed {
			Self::deposit_resumed(id, &sub);
		}
		Subscriptions::<T>::insert(id, sub);
		Ok(())
	}

	pub(crate) fn do_set_min_runway(blocks: BillingBlockOf<T>) -> DispatchResult {
		ensure!(!blocks.is_zero(), Error::<T>::ZeroMinRunway);
		let old = MinRunway::<T>::get();
		MinRunway::<T>::put(blocks);
		Intake::<T>::mutate(|intake| intake.min_runway = Some(blocks));
		Self::deposit_event(Event::MinRunwaySet { old, new: blocks });
		Ok(())
	}

	pub(crate) fn do_terminate(who: T::AccountId, id: SubscriptionId) -> DispatchResult {
		let sub = Subscriptions::<T>::get(id).ok_or(Error::<T>::UnknownSubscription)?;
		ensure!(sub.subscriber == who, Error::<T>::NotSubscriber);
		if matches!(sub.status, SubscriptionStatus::AwaitingAward { .. }) && sub.due_at.is_none() {
			// Its queue entry is skipped when the queue reaches it; its slot is free now.
			Self::unqueue(sub.deployment_type);
		}
		Self::end(id, sub, TerminationReason::BySubscriber, Self::now())
	}

	pub(crate) fn do_report_deployment(
		who: T::AccountId,
		id: SubscriptionId,
		report: DeploymentReportOf<T>,
	) -> DispatchResult {
		let mut sub = Subscriptions::<T>::get(id).ok_or(Error::<T>::UnknownSubscription)?;
		ensure!(sub.status.provider() == Some(&who), Error::<T>::NotAwardedProvider);
		let now = Self::now();
		match report {
			DeploymentReport::Failed { reason } => {
				Self::fail_provisioning(id, sub, ProvisioningFailure::Reported { reason }, now)
			}
			DeploymentReport::Declined { reason } => {
				Self::fail_provisioning(id, sub, ProvisioningFailure::Declined { reason }, now)
			}
			DeploymentReport::Running { endpoint } => {
				sub.status = match sub.status {
					SubscriptionStatus::Provisioning {
						provider,
						price_per_block,
						awarded_at,
						..
					} => {
						let provisioning_blocks: u32 =
							now.saturating_sub(awarded_at).saturated_into();
						T::Market::record_outcome(
							&provider,
							sub.deployment_type,
							Outcome::Running { provisioning_blocks },
							&sub.subscriber,
						);
						SubscriptionStatus::Running {
							provider,
							price_per_block,
							endpoint: endpoint.clone(),
							settled_at: now,
							running_since: now,
							low_funds_warned: false,
						}
					}
					SubscriptionStatus::Running {
						provider,
						price_per_block,
						settled_at,
						running_since,
						low_funds_warned,
						..
					} => SubscriptionStatus::Running {
						provider,
						price_per_block,
						endpoint: endpoint.clone(),
						settled_at,
						running_since,
						low_funds_warned,
					},
					SubscriptionStatus::AwaitingAward { .. } => {
						return Err(Error::<T>::NotAwardedProvider.into())
					}
					// Its compute may be stopped; it reports again once resumed.
					SubscriptionStatus::Suspended { .. } => {
						return Err(Error::<T>::SubscriptionSuspended.into())
					}
				};
				Self::schedule_due(id, &mut sub, now);
				let expires_at = Self::expires_at(&sub);
				Subscriptions::<T>::insert(id, sub);
				Self::deposit_event(Event::DeploymentRunning {
					id,
					provider: who,
					endpoint,
					expires_at,
				});
				Ok(())
			}
		}
	}

	pub(crate) fn do_cancel_by_provider(
		who: T::AccountId,
		id: SubscriptionId,
		reason: Reason<T>,
	) -> DispatchResult {
		let sub = Subscriptions::<T>::get(id).ok_or(Error::<T>::UnknownSubscription)?;
		ensure!(sub.status.provider() == Some(&who), Error::<T>::NotAwardedProvider);
		let now = Self::now();
		// Early: still provisioning, running for less than the minimum service period, or
		// suspended (the provider promised to keep its state through the grace).
		let early = match &sub.status {
			SubscriptionStatus::Running { running_since, .. } => {
				now.saturating_sub(*running_since) < T::MinServicePeriod::get()
			}
			_ => true,
		};
		let outcome = if early { Outcome::Fault(Fault::EarlyCancel) } else { Outcome::Cancelled };
		T::Market::record_outcome(&who, sub.deployment_type, outcome, &sub.subscriber);
		Self::end(id, sub, TerminationReason::ByProvider { reason }, now)
	}

	pub(crate) fn do_claim(who: T::AccountId, id: SubscriptionId) -> DispatchResult {
		let mut sub = Subscriptions::<T>::get(id).ok_or(Error::<T>::UnknownSubscription)?;
		ensure!(sub.status.provider() == Some(&who), Error::<T>::NotAwardedProvider);
		ensure!(matches!(sub.status, SubscriptionStatus::Running { .. }), Error::<T>::NotRunning);
		let now = Self::now();
		let amount = Self::settle(&mut sub, now)?;
		// The runway is unchanged by a settlement, but a warning may now be due.
		Self::schedule_due(id, &mut sub, now);
		Subscriptions::<T>::insert(id, sub);
		Self::deposit_event(Event::Claimed { id, provider: who, amount });
		Ok(())
	}
}
