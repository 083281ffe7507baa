//! DINFRA with two collators (`dinfra-two-collators.toml`): one of them stops, and the parachain
//! goes on with the other, with no subscription state lost; when the stopped one comes back it
//! follows the same chain, holds the same state, and takes transactions again.

use dinfra::runtime_types::dinfra_primitives::runtime_api::SubscriptionPhase;
use dinfra_zombienet::{
	account, dinfra, para_head_on_relay, subscribe_and_run, subxt_signer::sr25519::dev, within,
	Chain, Market, PRICE,
};
use std::time::Duration;

#[tokio::test(flavor = "multi_thread")]
async fn a_stopped_collator_neither_stops_the_chain_nor_loses_state() {
	let Some(network) = dinfra_zombienet::spawn("dinfra-two-collators.toml").await else { return };
	let relay = Chain::connect(&network, "alice").await;
	let first = Chain::connect(&network, "dinfra-collator-1").await;
	first.finalized_block(2).await;

	// A running subscription, funded for the default minimum runway (an hour).
	let market = Market::open(&first, 2).await;
	let provider = account(&market.provider);
	let funding = PRICE * 600;
	let sub = subscribe_and_run(&first, &market, &dev::charlie(), funding).await;

	// Collator 2 stops. Collator 1 goes on: the parachain makes and finalizes blocks, and the
	// relay chain includes them.
	let second = network.get_node("dinfra-collator-2").expect("collator 2");
	second.pause().await.expect("collator 2 stops");
	let (stopped_at, _) = first.finalized().await;
	let (_, relay_at_stop) = relay.finalized().await;
	let head_at_stop = para_head_on_relay(&relay, relay_at_stop).await;
	let went_on = first.finalized_block(stopped_at + 4).await;
	let head = within(Duration::from_secs(300), "the relay chain includes new blocks", async {
		loop {
			let (_, at) = relay.finalized().await;
			let head = para_head_on_relay(&relay, at).await;
			if head >= head_at_stop + 4 {
				break head;
			}
			tokio::time::sleep(Duration::from_secs(1)).await;
		}
	})
	.await;
	assert!(head >= stopped_at + 4);

	// The subscription is as it was, billed by the relay blocks that passed.
	let view = first.view(went_on, sub.id).await.expect("the subscription is live");
	assert!(matches!(view.phase, SubscriptionPhase::Running), "{:?}", view.phase);
	assert_eq!(view.provider.as_ref(), Some(&provider));
	assert_eq!(view.balance, funding);
	let elapsed = first.relay_block(went_on).await - sub.billing_start;
	assert_eq!(view.owed_now, PRICE * u128::from(elapsed));
	assert_eq!(first.provider_deployments(went_on, &provider).await, vec![sub.id]);

	// Collator 2 comes back, catches up, and sees the same blocks and the same subscription.
	second.resume().await.expect("collator 2 goes on");
	let second = Chain::connect(&network, "dinfra-collator-2").await;
	let number = first.number(went_on).await;
	let seen = second.finalized_block(number).await;
	assert_eq!(seen, went_on, "both collators finalized the same block {number}");
	assert_eq!(second.view(went_on, sub.id).await, Some(view));

	// And it takes transactions again: a top-up sent through it is finalized.
	let top_up = PRICE * 100;
	let topped = second
		.submit(&dev::dave(), dinfra::tx().dinfra_subscription().top_up(sub.id, top_up))
		.await;
	let topped_event =
		dinfra_zombienet::event_of::<dinfra::dinfra_subscription::events::ToppedUp>(&topped);
	assert_eq!(topped_event.amount, top_up);
	let billed = second.relay_block(topped.block_hash()).await - sub.billing_start;
	assert_eq!(topped_event.balance, funding + top_up - PRICE * u128::from(billed));

	network.destroy().await.expect("the network is torn down");
}
