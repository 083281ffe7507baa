//! Benchmarks of every call and of each step of the per-block work, in its worst case.

use super::*;
use crate::Pallet as DinfraSubscription;
use alloc::vec::Vec;
use dinfra_primitives::AwardTarget;
use frame_support::{
	traits::{
		fungible::{Inspect, Mutate},
		Get,
	},
	weights::WeightMeter,
	BoundedVec,
};
use frame_system::RawOrigin;
use polkadot_sdk::frame_benchmarking::v2::*;
use sp_runtime::traits::BlockNumberProvider;
use sp_runtime::{traits::Saturating, SaturatedConversion};

const CID: &[u8] = b"bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy";

fn price<T: Config>() -> BalanceOf<T> {
	10u32.into()
}

/// Enough for MinRunway blocks at `price`, many times over.
fn funding<T: Config>() -> BalanceOf<T> {
	DinfraSubscription::<T>::cost(price::<T>(), MinRunway::<T>::get()).saturating_mul(4u32.into())
}

fn funded<T: Config>(index: u32) -> T::AccountId {
	fund::<T>(account("subscriber", index, 0))
}

/// The signer of the measured call, funded. Its account is whitelisted: in a real block the
/// transaction fee has read and written it before the call runs.
fn funded_caller<T: Config>() -> T::AccountId {
	fund::<T>(whitelisted_caller())
}

fn fund<T: Config>(who: T::AccountId) -> T::AccountId {
	let needed = funding::<T>()
		.saturating_mul(8u32.into())
		.saturating_add(T::SubscriptionDeposit::get().saturating_mul(2u32.into()))
		.saturating_add(T::Currency::minimum_balance());
	T::Currency::set_balance(&who, needed);
	who
}

/// A subscription with the longest target and descriptor, queued.
fn queued<T: Config>(
	ty: dinfra_primitives::DeploymentTypeId,
	providers: &[T::AccountId],
	index: u32,
) -> SubscriptionId {
	let who = funded::<T>(index);
	let id = Intake::<T>::get().next_id;
	let target = AwardTarget::Preferred(BoundedVec::truncate_from(providers.to_vec()));
	DinfraSubscription::<T>::do_subscribe(
		who,
		ty,
		BoundedVec::truncate_from(CID.to_vec()),
		target,
		price::<T>(),
		funding::<T>(),
	)
	.expect("a funded subscription is accepted");
	id
}

fn awarded<T: Config>(
	ty: dinfra_primitives::DeploymentTypeId,
	providers: &[T::AccountId],
	index: u32,
) -> SubscriptionId {
	let id = queued::<T>(ty, providers, index);
	DinfraSubscription::<T>::do_tick();
	id
}

fn provider_of<T: Config>(id: SubscriptionId) -> T::AccountId {
	Subscriptions::<T>::get(id).and_then(|s| s.status.provider().cloned()).expect("awarded")
}

fn endpoint<T: Config>() -> Endpoint<T> {
	BoundedVec::truncate_from(alloc::vec![b'e'; T::MaxEndpointLength::get() as usize])
}

/// The awarded provider reports subscription `id` running, with the longest endpoint.
fn provider_reports_running<T: Config>(id: SubscriptionId) {
	DinfraSubscription::<T>::do_report_deployment(
		provider_of::<T>(id),
		id,
		DeploymentReport::Running { endpoint: endpoint::<T>() },
	)
	.expect("the awarded provider reports");
}

fn running<T: Config>(
	ty: dinfra_primitives::DeploymentTypeId,
	providers: &[T::AccountId],
	index: u32,
) -> SubscriptionId {
	let id = awarded::<T>(ty, providers, index);
	provider_reports_running::<T>(id);
	id
}

fn market<T: Config>() -> (dinfra_primitives::DeploymentTypeId, Vec<T::AccountId>) {
	T::BenchmarkHelper::market(2, 1_000, price::<T>())
}

/// Moves the billing clock on (the relay chain's block number in the runtime).
fn advance<T: Config>(blocks: u32) {
	let now = DinfraSubscription::<T>::now();
	T::BlockNumberProvider::set_block_number(now.saturating_add(blocks.into()));
}

/// Runs blocks, at most `max_blocks`, until the award queue is empty: a block's meter may hold
/// fewer awards than are queued.
fn award_queued<T: Config>(max_blocks: u32) {
	for _ in 0..max_blocks {
		if Intake::<T>::get().is_empty() {
			break;
		}
		DinfraSubscription::<T>::do_tick();
	}
}

/// The longest reason a provider can give.
fn longest_reason<T: Config>() -> Reason<T> {
	BoundedVec::truncate_from(alloc::vec![b'r'; T::MaxReasonLength::get() as usize])
}

/// `s` running subscriptions, subscribed, awarded and reported in batches that fit the queue and
/// a block's work; then the clock moves on past their awards, with nothing due.
fn live_running<T: Config>(s: u32) {
	let (ty, providers) = T::BenchmarkHelper::market(2, s, price::<T>());
	let batch = T::MaxQueueLength::get().clamp(1, 50);
	let mut created = 0;
	while created < s {
		let upto = s.min(created.saturating_add(batch));
		for i in created..upto {
			queued::<T>(ty, &providers, i);
		}
		created = upto;
		award_queued::<T>(batch);
		for (id, sub) in Subscriptions::<T>::iter().collect::<Vec<_>>() {
			if let SubscriptionStatus::Provisioning { provider, .. } = sub.status {
				DinfraSubscription::<T>::do_report_deployment(
					provider,
					id,
					DeploymentReport::Running { endpoint: endpoint::<T>() },
				)
				.expect("the awarded provider reports");
			}
		}
	}
	advance::<T>(1);
	DinfraSubscription::<T>::do_tick();
	advance::<T>(1);
}

/// `s` live running subscriptions, each with its expiry in a block of its own ahead of the
/// clock, as a long-lived chain holds them. One is subscribed, awarded and reported for real;
/// the others are copies of it written straight into storage, because building 100,000 through
/// the calls would take hours of benchmark setup. The hook reads none of their records, only
/// the due index, so the copies stand in for real ones where it matters: the size of the maps.
fn seed_live<T: Config>(s: u32) {
	live_running::<T>(1);
	let (_, template) = Subscriptions::<T>::iter().next().expect("one subscription is live");
	let provider = template.status.provider().cloned().expect("running");
	let now = DinfraSubscription::<T>::now();
	let mut intake = Intake::<T>::get();
	for i in 1..s {
		let id = intake.next_id;
		intake.next_id = id.saturating_add(1);
		let due = now.saturating_add(100u32.saturating_add(i).into());
		let mut sub = template.clone();
		sub.due_at = Some(due);
		Subscriptions::<T>::insert(id, sub);
		ProviderSubscriptions::<T>::insert(&provider, id, ());
		DinfraSubscription::<T>::schedule_at(due, id);
	}
	Intake::<T>::put(intake);
}

/// Fills the slot of the ring of ended records that the next end takes, so that the end
/// forgets a record on its way: its worst case.
fn ended_ring_full<T: Config>() {
	let forgotten = SubscriptionId::MAX;
	EndedOrder::<T>::insert(EndedCursor::<T>::get(), forgotten);
	EndedSubscriptions::<T>::insert(
		forgotten,
		EndedSubscription {
			subscriber: account("ended", 0, 0),
			deployment_type: 0,
			descriptor_cid: BoundedVec::truncate_from(CID.to_vec()),
			provider: None,
			price_per_block: None,
			failed_providers: Default::default(),
			reason: TerminationReason::BySubscriber,
			ended_at: 0u32.into(),
			refunded: 0u32.into(),
			deposit_returned: 0u32.into(),
			paid: 0u32.into(),
		},
	);
}

/// A standing top-up on `id` from a funded sponsor other than the subscriber, drawn `amount` at
/// a time up to `cap`: an end must return its deposit, a draw moves funds between two accounts.
fn sponsored<T: Config>(
	id: SubscriptionId,
	amount: BalanceOf<T>,
	cap: BalanceOf<T>,
) -> T::AccountId {
	let sponsor = fund::<T>(account("sponsor", 0, 0));
	DinfraSubscription::<T>::do_set_standing_top_up(sponsor.clone(), id, amount, 0u32.into(), cap)
		.expect("a funded sponsor sets a standing top-up");
	sponsor
}

/// A running subscription whose funds ran out: suspended, with its grace ahead.
fn suspended<T: Config>(
	ty: dinfra_primitives::DeploymentTypeId,
	providers: &[T::AccountId],
	index: u32,
) -> SubscriptionId {
	let id = running::<T>(ty, providers, index);
	let sub = Subscriptions::<T>::get(id).expect("live");
	let expires_at = DinfraSubscription::<T>::expires_at(&sub).expect("a paid subscription");
	// The warning entry, then the expiry it schedules for the next block at the latest.
	T::BlockNumberProvider::set_block_number(expires_at);
	DinfraSubscription::<T>::do_tick();
	advance::<T>(1);
	DinfraSubscription::<T>::do_tick();
	let sub = Subscriptions::<T>::get(id).expect("live");
	assert!(DinfraSubscription::<T>::is_suspended(&sub), "its funds ran out");
	id
}

/// Puts `id`'s due entry at `block`, the cursor on it and the clock at it, so that processing
/// the due index measures that entry alone.
fn due_now<T: Config>(id: SubscriptionId, block: BillingBlockOf<T>) {
	let mut sub = Subscriptions::<T>::get(id).expect("live");
	if let Some(due) = sub.due_at {
		DinfraSubscription::<T>::unschedule(due, id);
	}
	DinfraSubscription::<T>::schedule_at(block, id);
	sub.due_at = Some(block);
	Subscriptions::<T>::insert(id, sub);
	DueCursor::<T>::put(block);
	T::BlockNumberProvider::set_block_number(block);
}

/// The end of a suspended subscription's grace.
fn grace_end<T: Config>(id: SubscriptionId) -> BillingBlockOf<T> {
	match Subscriptions::<T>::get(id).expect("live").status {
		SubscriptionStatus::Suspended { grace_ends_at, .. } => grace_ends_at,
		_ => panic!("not suspended"),
	}
}

/// Whether `id` was remembered as ended, and the record it replaced forgotten.
fn remembered<T: Config>(id: SubscriptionId) -> bool {
	EndedSubscriptions::<T>::contains_key(id)
		&& !EndedSubscriptions::<T>::contains_key(SubscriptionId::MAX)
}

#[benchmarks]
mod benchmarks {
	use super::*;

	#[benchmark]
	fn subscribe() {
		let (ty, providers) = market::<T>();
		let who = funded_caller::<T>();
		let target = AwardTarget::Preferred(BoundedVec::truncate_from(providers));

		#[extrinsic_call]
		_(
			RawOrigin::Signed(who),
			ty,
			BoundedVec::truncate_from(CID.to_vec()),
			target,
			price::<T>(),
			funding::<T>(),
		);

		assert_eq!(Intake::<T>::get().len(), 1);
	}

	/// A sponsor's top-up that resumes a suspended subscription: the heavier of its paths.
	#[benchmark]
	fn top_up() {
		let (ty, providers) = market::<T>();
		let id = suspended::<T>(ty, &providers, 0);
		advance::<T>(2);
		let sponsor = funded_caller::<T>();

		#[extrinsic_call]
		_(RawOrigin::Signed(sponsor), id, funding::<T>());

		let sub = Subscriptions::<T>::get(id).expect("live");
		assert!(matches!(sub.status, SubscriptionStatus::Running { .. }));
	}

	/// The subscriber replaces another sponsor's standing top-up on a suspended subscription:
	/// two deposits move and the due entry moves to the next block.
	#[benchmark]
	fn set_standing_top_up() {
		let (ty, providers) = market::<T>();
		let id = suspended::<T>(ty, &providers, 0);
		sponsored::<T>(id, funding::<T>(), funding::<T>());
		// A block on, so that the call moves the due entry again.
		advance::<T>(1);
		let subscriber = Subscriptions::<T>::get(id).expect("live").subscriber;
		let amount = funding::<T>();
		let cap = funding::<T>().saturating_mul(2u32.into());

		#[extrinsic_call]
		_(RawOrigin::Signed(subscriber.clone()), id, amount, 10u32.into(), cap);

		assert_eq!(StandingTopUps::<T>::get(id).map(|s| s.sponsor), Some(subscriber));
	}

	#[benchmark]
	fn cancel_standing_top_up() {
		let (ty, providers) = market::<T>();
		let id = running::<T>(ty, &providers, 0);
		let sponsor = sponsored::<T>(id, funding::<T>(), funding::<T>());

		#[extrinsic_call]
		_(RawOrigin::Signed(sponsor), id);

		assert!(!StandingTopUps::<T>::contains_key(id));
	}

	#[benchmark]
	fn terminate() {
		let (ty, providers) = market::<T>();
		let id = running::<T>(ty, &providers, 0);
		sponsored::<T>(id, funding::<T>(), funding::<T>());
		advance::<T>(2);
		let subscriber = Subscriptions::<T>::get(id).expect("live").subscriber;
		ended_ring_full::<T>();

		#[extrinsic_call]
		_(RawOrigin::Signed(subscriber), id);

		assert!(!Subscriptions::<T>::contains_key(id));
		assert!(remembered::<T>(id));
	}

	#[benchmark]
	fn report_running() {
		let (ty, providers) = market::<T>();
		let id = awarded::<T>(ty, &providers, 0);
		let provider = provider_of::<T>(id);

		#[extrinsic_call]
		report_deployment(
			RawOrigin::Signed(provider),
			id,
			DeploymentReport::Running { endpoint: endpoint::<T>() },
		);

		assert!(matches!(
			Subscriptions::<T>::get(id).expect("live").status,
			SubscriptionStatus::Running { .. }
		));
	}

	#[benchmark]
	fn report_failed() {
		let (ty, providers) = market::<T>();
		let id = awarded::<T>(ty, &providers, 0);
		let provider = provider_of::<T>(id);
		let reason = longest_reason::<T>();

		#[extrinsic_call]
		report_deployment(RawOrigin::Signed(provider), id, DeploymentReport::Failed { reason });

		assert!(matches!(
			Subscriptions::<T>::get(id).expect("live").status,
			SubscriptionStatus::AwaitingAward { .. }
		));
	}

	#[benchmark]
	fn cancel_by_provider() {
		let (ty, providers) = market::<T>();
		let id = running::<T>(ty, &providers, 0);
		sponsored::<T>(id, funding::<T>(), funding::<T>());
		advance::<T>(2);
		let provider = provider_of::<T>(id);
		let reason = longest_reason::<T>();
		ended_ring_full::<T>();

		#[extrinsic_call]
		_(RawOrigin::Signed(provider), id, reason);

		assert!(!Subscriptions::<T>::contains_key(id));
		assert!(remembered::<T>(id));
	}

	#[benchmark]
	fn set_min_runway() {
		let blocks: BillingBlockOf<T> = 1_000u32.into();

		#[extrinsic_call]
		_(RawOrigin::Root, blocks);

		assert_eq!(MinRunway::<T>::get(), blocks);
	}

	#[benchmark]
	fn claim() {
		let (ty, providers) = market::<T>();
		let id = running::<T>(ty, &providers, 0);
		advance::<T>(2);
		let provider = provider_of::<T>(id);

		#[extrinsic_call]
		_(RawOrigin::Signed(provider), id);

		assert!(Subscriptions::<T>::get(id).expect("live").paid > 0u32.into());
	}

	/// `on_initialize` with nothing due, over `s` live subscriptions: its cost must not depend
	/// on `s` (the goal: within 5 % between 100 and 100,000). An analysis benchmark (`--extra`);
	/// the hook is charged `on_initialize_idle`.
	#[benchmark(extra)]
	fn on_initialize_idle_over_live(s: Linear<100, 100_000>) {
		seed_live::<T>(s);

		#[block]
		{
			DinfraSubscription::<T>::do_tick();
		}
	}

	/// The baseline of `on_initialize_idle_over_live`: the same storage reads and writes as the
	/// idle hook (the live clock, the cursor, its span of the due index, the intake), with none of
	/// its logic, over `s` live subscriptions. Growth that this shows too comes from the storage
	/// backend (a deeper trie under more keys), which every read in the runtime pays, not from
	/// the hook. An analysis benchmark (`--extra`).
	#[benchmark(extra)]
	fn idle_storage_baseline_over_live(s: Linear<100, 100_000>) {
		seed_live::<T>(s);

		#[block]
		{
			let now = DinfraSubscription::<T>::now();
			let cursor = DueCursor::<T>::get().unwrap_or(now);
			core::hint::black_box(DueSpans::<T>::get(DinfraSubscription::<T>::due_span(cursor).0));
			DueCursor::<T>::put(cursor);
			Intake::<T>::put(Intake::<T>::get());
			LiveClock::<T>::put(LiveClock::<T>::get().unwrap_or_default());
		}
	}

	/// `on_initialize` with nothing due: the cursor, the queue bounds and one probe.
	#[benchmark]
	fn on_initialize_idle() {
		live_running::<T>(10);

		#[block]
		{
			DinfraSubscription::<T>::do_tick();
		}
	}

	/// `on_initialize` with `e` expiries due in the same block. An analysis benchmark
	/// (`--extra`): the hook is charged per entry, `process_due_entry`.
	#[benchmark(extra)]
	fn on_initialize_expiries(e: Linear<0, 32>) {
		let (ty, providers) = T::BenchmarkHelper::market(2, e.max(1), price::<T>());
		let ids: Vec<_> = (0..e).map(|i| queued::<T>(ty, &providers, i)).collect();
		// A block's meter may hold fewer awards than `e`.
		award_queued::<T>(e.saturating_add(1));
		for &id in &ids {
			provider_reports_running::<T>(id);
		}
		// Past every warning point, so that what is due is the expiries alone.
		let blocks: u32 = MinRunway::<T>::get().saturating_mul(4u32.into()).saturated_into();
		advance::<T>(blocks.saturating_sub(1));
		// Work through the warnings with no meter, so that the measured block holds the
		// expiries alone (each suspends its subscription), with the cursor on their block.
		DinfraSubscription::<T>::process_due(
			DinfraSubscription::<T>::now(),
			&mut WeightMeter::new(),
		);
		advance::<T>(1);

		#[block]
		{
			DinfraSubscription::<T>::do_tick();
		}

		assert!(ids.iter().all(|id| Subscriptions::<T>::get(id)
			.is_some_and(|sub| DinfraSubscription::<T>::is_suspended(&sub))));
	}

	/// The first block after a day's stall of the parachain (the relay clock jumps 14,400
	/// blocks) with `e` running subscriptions whose expiries are spread over the day: the hook
	/// steps over the empty spans of the due index (57 of them) and suspends every one in this
	/// block. An analysis benchmark (`--extra`) of the catch-up as a whole; the hook is charged
	/// per probe and per entry.
	#[benchmark(extra)]
	fn on_initialize_after_stall(e: Linear<1, 40>) {
		let (ty, providers) = T::BenchmarkHelper::market(2, e, price::<T>());
		let ids: Vec<_> = (0..e).map(|i| queued::<T>(ty, &providers, i)).collect();
		award_queued::<T>(e.saturating_add(1));
		let day: u32 = 14_400;
		let start = DinfraSubscription::<T>::now();
		for (i, &id) in (0u32..).zip(ids.iter()) {
			provider_reports_running::<T>(id);
			// Its due entry moves to its place in the day; the funds (four minimum runways)
			// have run out by the end of it.
			let mut sub = Subscriptions::<T>::get(id).expect("live");
			if let Some(due) = sub.due_at {
				DinfraSubscription::<T>::unschedule(due, id);
			}
			let at = start.saturating_add(i.saturating_mul(day / e).saturating_add(1).into());
			DinfraSubscription::<T>::schedule_at(at, id);
			sub.due_at = Some(at);
			Subscriptions::<T>::insert(id, sub);
		}
		advance::<T>(day);

		#[block]
		{
			DinfraSubscription::<T>::do_tick();
		}

		assert!(ids.iter().all(|id| Subscriptions::<T>::get(id)
			.is_some_and(|sub| DinfraSubscription::<T>::is_suspended(&sub))));
	}

	/// `on_initialize` with `a` queued subscriptions, all awarded in this block. An analysis
	/// benchmark (`--extra`): the hook is charged per award, `process_award`.
	#[benchmark(extra)]
	fn on_initialize_awards(a: Linear<0, 8>) {
		let (ty, providers) = T::BenchmarkHelper::market(2, a.max(1), price::<T>());
		let ids: Vec<_> = (0..a).map(|i| queued::<T>(ty, &providers, i)).collect();

		#[block]
		{
			DinfraSubscription::<T>::do_tick();
		}

		assert!(ids.iter().all(|&id| matches!(
			Subscriptions::<T>::get(id).expect("live").status,
			SubscriptionStatus::Provisioning { .. }
		)));
	}

	/// One look at a span of the due index: its bitmap of blocks with entries.
	#[benchmark]
	fn due_probe() {
		let (span, _) = DinfraSubscription::<T>::due_span(DinfraSubscription::<T>::now());
		#[block]
		{
			let _ = DueSpans::<T>::get(span);
		}
	}

	/// The worst due entry that ends a subscription: the end of a suspended subscription's
	/// grace, after a standing top-up whose sponsor cannot pay (a failed transfer between two
	/// accounts), with the refund, the market's release and the standing top-up's deposit
	/// returned. The cursor is on its block, so that only that entry is measured.
	#[benchmark]
	fn process_due_entry() {
		let (ty, providers) = market::<T>();
		let id = suspended::<T>(ty, &providers, 0);
		let sponsor = sponsored::<T>(id, funding::<T>(), funding::<T>());
		// Left with the existential deposit free (its deposit is held): it cannot pay a draw.
		T::Currency::set_balance(&sponsor, T::Currency::minimum_balance());
		let grace_ends_at = grace_end::<T>(id);
		due_now::<T>(id, grace_ends_at);
		let mut meter = WeightMeter::new();
		ended_ring_full::<T>();

		#[block]
		{
			DinfraSubscription::<T>::process_due(grace_ends_at, &mut meter);
		}

		assert!(!Subscriptions::<T>::contains_key(id));
		assert!(remembered::<T>(id));
	}

	/// A due entry that draws a standing top-up from another account into a suspended
	/// subscription: it resumes, and the draw reaches the cap, which ends the standing top-up
	/// and returns its deposit.
	#[benchmark]
	fn process_due_entry_drawn() {
		let (ty, providers) = market::<T>();
		let id = suspended::<T>(ty, &providers, 0);
		sponsored::<T>(id, funding::<T>(), funding::<T>());
		let now = DinfraSubscription::<T>::now().saturating_add(1u32.into());
		due_now::<T>(id, now);
		let mut meter = WeightMeter::new();

		#[block]
		{
			DinfraSubscription::<T>::process_due(now, &mut meter);
		}

		let sub = Subscriptions::<T>::get(id).expect("live");
		assert!(matches!(sub.status, SubscriptionStatus::Running { .. }));
		assert!(!StandingTopUps::<T>::contains_key(id));
	}

	/// A `Failed` report on the last attempt, which ends the subscription: the worst case of
	/// `report_deployment`.
	#[benchmark]
	fn report_failed_ending() {
		let (ty, providers) = market::<T>();
		let id = awarded::<T>(ty, &providers, 0);
		sponsored::<T>(id, funding::<T>(), funding::<T>());
		let provider = provider_of::<T>(id);
		// Earlier providers failed it already: this failure is its last.
		Subscriptions::<T>::mutate(id, |sub| {
			if let Some(sub) = sub {
				for i in 1..T::MaxAwardAttempts::get() {
					let _ = sub.failed_providers.try_push(account("failed", i, 0));
				}
			}
		});
		let reason = longest_reason::<T>();
		ended_ring_full::<T>();

		#[extrinsic_call]
		report_deployment(RawOrigin::Signed(provider), id, DeploymentReport::Failed { reason });

		assert!(!Subscriptions::<T>::contains_key(id));
		assert!(remembered::<T>(id));
	}

	/// One queued subscription that finds no eligible offering (every price is above its cap):
	/// its fee is burned and it is parked until its next try.
	#[benchmark]
	fn process_award_deferred() {
		let (ty, providers) =
			T::BenchmarkHelper::market(2, 1_000, price::<T>().saturating_mul(2u32.into()));
		let id = queued::<T>(ty, &providers, 0);
		let mut meter = WeightMeter::new();
		let now = DinfraSubscription::<T>::now();

		#[block]
		{
			DinfraSubscription::<T>::process_awards(now, &mut meter);
		}

		assert!(Subscriptions::<T>::get(id).expect("live").due_at.is_some());
	}

	/// One queued subscription that finds no eligible offering after `AwardTimeout`: ended
	/// `NoOffering`, refunded.
	#[benchmark]
	fn process_award_ended() {
		let (ty, providers) =
			T::BenchmarkHelper::market(2, 1_000, price::<T>().saturating_mul(2u32.into()));
		let id = queued::<T>(ty, &providers, 0);
		sponsored::<T>(id, funding::<T>(), funding::<T>());
		let mut meter = WeightMeter::new();
		let timeout: u32 = T::AwardTimeout::get().saturated_into();
		advance::<T>(timeout);
		let now = DinfraSubscription::<T>::now();
		ended_ring_full::<T>();

		#[block]
		{
			DinfraSubscription::<T>::process_awards(now, &mut meter);
		}

		assert!(!Subscriptions::<T>::contains_key(id));
		assert!(remembered::<T>(id));
	}

	/// One queued subscription awarded (the market's award weight is benchmarked by the
	/// provider pallet).
	#[benchmark]
	fn process_award() {
		let (ty, providers) = market::<T>();
		let id = queued::<T>(ty, &providers, 0);
		let mut meter = WeightMeter::new();
		let now = DinfraSubscription::<T>::now();

		#[block]
		{
			DinfraSubscription::<T>::process_awards(now, &mut meter);
		}

		assert!(matches!(
			Subscriptions::<T>::get(id).expect("live").status,
			SubscriptionStatus::Provisioning { .. }
		));
	}

	impl_benchmark_test_suite!(DinfraSubscription, crate::mock::new_test_ext(), crate::mock::Test);
}
