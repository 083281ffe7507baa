//! DINFRA as a parachain of a `rococo-local` relay chain (validators alice and bob) with one
//! collator (`dinfra-one-collator.toml`).
//!
//! 1. The parachain is registered on the relay chain and its blocks are finalized there.
//! 2. A provider registers, a subscriber subscribes, the chain awards it, the provider reports
//!    it running, it is billed by relay blocks, and the chain ends it when its funds run out,
//!    with every balance exact.
//! 3. The collator stops while the relay chain goes on: when it comes back, the subscription has
//!    been billed for every relay block that passed, not only for the parachain blocks that were
//!    made, and ending it pays the provider exactly that and refunds the rest.

use dinfra::{
	dinfra_subscription::events::{Suspended, Terminated},
	runtime_types::dinfra_primitives::{
		runtime_api::SubscriptionPhase, subscription::TerminationReason,
	},
};
use dinfra_zombienet::{
	account, dinfra, is_parachain_on_relay, para_head_on_relay, set_min_runway, subscribe_and_run,
	subxt_signer::sr25519::dev, within, Chain, Market, PRICE,
};
use std::time::Duration;

/// The minimum runway the test sets, in relay blocks: a minute at six seconds a block.
const SHORT_RUNWAY: u32 = 10;

#[tokio::test(flavor = "multi_thread")]
async fn a_subscription_lives_on_a_parachain_and_is_billed_by_relay_blocks() {
	let Some(network) = dinfra_zombienet::spawn("dinfra-one-collator.toml").await else { return };
	let relay = Chain::connect(&network, "alice").await;
	let para = Chain::connect(&network, "dinfra-collator-1").await;

	// 1. The parachain's blocks are finalized, and the relay chain's finalized state holds the
	//    parachain as a parachain, with a head at least as far as the parachain's finalized one.
	let first = para.finalized_block(2).await;
	assert_eq!(para.number(first).await, 2);
	let (para_finalized, _) = para.finalized().await;
	let (_, relay_finalized) = relay.finalized().await;
	assert!(is_parachain_on_relay(&relay, relay_finalized).await, "para 2000 is a parachain");
	let head = para_head_on_relay(&relay, relay_finalized).await;
	assert!(
		head >= para_finalized,
		"the relay chain finalized the parachain's block {para_finalized} (its head there: {head})"
	);

	// 2. A subscription's whole life, with a runway short enough to run out within the test.
	set_min_runway(&para, SHORT_RUNWAY).await;
	let market = Market::open(&para, 2).await;
	let provider = account(&market.provider);
	let subscriber_key = dev::charlie();
	let subscriber = account(&subscriber_key);
	let (_, before) = para.finalized().await;
	let (subscriber_start, _) = para.balances(before, &subscriber).await;
	let (provider_start, _) = para.balances(before, &provider).await;

	let funding = PRICE * u128::from(SHORT_RUNWAY);
	let sub = subscribe_and_run(&para, &market, &subscriber_key, funding).await;
	let expires_at = sub.billing_start + SHORT_RUNWAY;
	let view = para.view(sub.reported_in, sub.id).await.expect("running");
	assert_eq!(view.expires_at, Some(expires_at));

	// Billed by relay blocks: a few parachain blocks later, what is owed is the price times the
	// relay blocks since the report.
	let later = para.finalized_block(para.number(sub.reported_in).await + 2).await;
	let elapsed = para.relay_block(later).await - sub.billing_start;
	if let Some(view) = para.view(later, sub.id).await {
		assert_eq!(view.owed_now, PRICE * u128::from(elapsed).min(u128::from(SHORT_RUNWAY)));
		assert_eq!(view.balance, funding);
	}

	// The funds run out, and the first block whose clock reaches `expires_at` suspends it, with
	// a grace as long as it ran.
	let from = para.number(sub.reported_in).await;
	let (suspended_in, suspended) =
		para.finalized_event::<Suspended>(from, 4 * SHORT_RUNWAY, |e| e.id == sub.id).await;
	let suspended_number = para.number(suspended_in).await;
	let clock = |n: u32| {
		let para = para.clone();
		async move { para.relay_block(para.finalized_block(n).await).await }
	};
	// The hook runs before the block's relay-chain data is set: its clock is the parent's.
	let suspended_clock = clock(suspended_number - 1).await;
	assert!(suspended_clock >= expires_at, "it is not suspended before its time");
	assert!(
		clock(suspended_number - 2).await < expires_at,
		"it is suspended at the first block it can"
	);
	let ran = expires_at.min(suspended_clock) - sub.billing_start;
	assert_eq!(suspended.grace_ends_at, suspended_clock + ran, "a grace as long as the run");

	// No top-up comes: the first block whose clock reaches the grace's end ends it.
	let (ended_in, ended) = para
		.finalized_event::<Terminated>(suspended_number, 4 * SHORT_RUNWAY, |e| e.id == sub.id)
		.await;
	assert!(matches!(ended.reason, TerminationReason::OutOfFunds), "{:?}", ended.reason);
	let ended_number = para.number(ended_in).await;
	assert!(clock(ended_number - 1).await >= suspended.grace_ends_at, "not before the grace ends");
	assert!(clock(ended_number - 2).await < suspended.grace_ends_at, "at the first block it can");
	assert_eq!((ended.paid, ended.refunded), (funding, 0), "the funds bought whole blocks");
	assert_eq!(
		para.balances(ended_in, &provider).await.0,
		provider_start + funding - sub.report_fee,
		"the provider was paid every unit"
	);
	assert_eq!(
		para.balances(ended_in, &subscriber).await,
		(subscriber_start - funding - sub.subscribe_fee, 0),
		"the subscriber paid the funding and the fee, and has its deposit back"
	);
	// The chain keeps only the record of its end: phase Ended, why, and what came back.
	let view = para.view(ended_in, sub.id).await.expect("a recent end is remembered");
	assert!(matches!(view.phase, SubscriptionPhase::Ended), "{:?}", view.phase);
	let end = view.ended.expect("why it ended");
	assert!(matches!(end.reason, TerminationReason::OutOfFunds), "{:?}", end.reason);
	assert_eq!((end.refunded, view.balance, view.paid), (0, 0, funding));
	assert!(para.provider_deployments(ended_in, &provider).await.is_empty());

	// 3. Billing through a stall. A subscription funded for 100 relay blocks runs; the collator
	//    stops for at least 5 relay blocks; then it comes back.
	let funding = PRICE * 100;
	let (_, before) = para.finalized().await;
	let (provider_start, _) = para.balances(before, &provider).await;
	let (subscriber_start, _) = para.balances(before, &subscriber).await;
	let sub = subscribe_and_run(&para, &market, &subscriber_key, funding).await;
	let collator = network.get_node("dinfra-collator-1").expect("the collator");
	let (para_before, _) = para.finalized().await;
	collator.pause().await.expect("the collator stops");
	// Blocks the collator made before it stopped may still be backed and included afterwards
	// (with async backing up to three wait unincluded; on the first run two of them landed
	// within seven relay blocks of the pause). So: walk the relay chain's finalized blocks from
	// the pause until its head of the parachain has not moved for 5 of them, which must happen
	// within 20.
	let (paused_at, _) = relay.finalized().await;
	let mut still =
		(paused_at, para_head_on_relay(&relay, relay.finalized_block(paused_at).await).await);
	let mut relay_resume_at = paused_at;
	while relay_resume_at < still.0 + 5 {
		relay_resume_at += 1;
		assert!(
			relay_resume_at <= paused_at + 20,
			"the relay chain still included parachain blocks 20 relay blocks after the collator stopped"
		);
		let head = para_head_on_relay(&relay, relay.finalized_block(relay_resume_at).await).await;
		if head != still.1 {
			still = (relay_resume_at, head);
		}
	}
	collator.resume().await.expect("the collator goes on");

	// A fresh connection: the stopped node's may have timed out.
	let para = Chain::connect(&network, "dinfra-collator-1").await;
	let after = within(Duration::from_secs(300), "the parachain makes blocks again", async {
		loop {
			let (number, hash) = para.finalized().await;
			if number > para_before + 1 && para.relay_block(hash).await > relay_resume_at {
				break hash;
			}
			tokio::time::sleep(Duration::from_secs(1)).await;
		}
	})
	.await;
	let para_blocks = para.number(after).await - para.number(sub.reported_in).await;
	let relay_blocks = para.relay_block(after).await - sub.billing_start;
	assert!(
		relay_blocks > para_blocks,
		"the parachain stalled: {para_blocks} parachain blocks in {relay_blocks} relay blocks"
	);
	let view = para.view(after, sub.id).await.expect("still funded");
	assert_eq!(
		view.owed_now,
		PRICE * u128::from(relay_blocks),
		"billed for every relay block that passed, stalled or not"
	);
	assert_eq!(view.balance, funding);

	// The subscriber ends it: the provider gets exactly the relay blocks that passed, the
	// subscriber the rest, and nothing is charged twice.
	let terminated =
		para.submit(&subscriber_key, dinfra::tx().dinfra_subscription().terminate(sub.id)).await;
	let ended = dinfra_zombienet::event_of::<Terminated>(&terminated);
	assert!(matches!(ended.reason, TerminationReason::BySubscriber), "{:?}", ended.reason);
	let billed = para.relay_block(terminated.block_hash()).await - sub.billing_start;
	assert_eq!(ended.paid, PRICE * u128::from(billed));
	assert_eq!(ended.paid + ended.refunded, funding, "nothing is charged twice or lost");
	let terminate_fee = dinfra_zombienet::fee_paid(&terminated, &subscriber);
	assert_eq!(
		para.balances(terminated.block_hash(), &provider).await.0,
		provider_start + ended.paid - sub.report_fee
	);
	assert_eq!(
		para.balances(terminated.block_hash(), &subscriber).await,
		(subscriber_start - ended.paid - sub.subscribe_fee - terminate_fee, 0)
	);

	network.destroy().await.expect("the network is torn down");
}
