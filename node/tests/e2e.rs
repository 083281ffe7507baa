//! End to end: the built `dinfra-node --dev` on free ports, driven over WebSocket with signed
//! transactions from the dev accounts, as providers, subscribers and gateways use it.
//!
//! One subscription's whole life: a provider registers and offers capacity; a subscriber
//! subscribes; the award arrives; the provider reports the deployment running; blocks pass and
//! the funds move by exactly the price times the blocks; the provider claims; a sponsor tops it
//! up; the funds run out and the chain ends it as `OutOfFunds`, with every account's balance
//! exact to the unit, fees included. `DinfraApi` is asked at each step and must agree with the
//! events.
//!
//! The node runs with a 100 ms block time. In `--dev` mode each block advances the relay chain's
//! block number, the billing clock, by one. Transactions see their own block's relay block
//! number; `on_initialize` sees its parent's, because the relay-chain data is set by an
//! inherent after the hooks.

use dinfra_devnet::{block, event_in, find_event, submit, At, DevNode};
use std::path::Path;
use subxt::utils::AccountId32;
use subxt_signer::sr25519::{dev, Keypair};

#[subxt::subxt(runtime_metadata_path = "../metadata/dinfra.scale")]
mod dinfra {}

use dinfra::runtime_types::{
	bounded_collections::bounded_vec::BoundedVec,
	dinfra_primitives::{
		market::AwardTarget, runtime_api::SubscriptionPhase, subscription::TerminationReason,
	},
	pallet_dinfra_subscription::types::DeploymentReport,
};

/// 1 DINF.
const DINF: u128 = 1_000_000_000_000;
/// The offering's price per block.
const PRICE: u128 = DINF / 1_000;

fn account(who: &Keypair) -> AccountId32 {
	who.public_key().to_account_id()
}

fn bounded(bytes: &[u8]) -> BoundedVec<u8> {
	BoundedVec(bytes.to_vec())
}

/// The fee `who` paid for its transaction in this block.
async fn fee_paid(at: &At, who: &AccountId32) -> u128 {
	let events = at.events().fetch().await.expect("events");
	events
		.find::<dinfra::transaction_payment::events::TransactionFeePaid>()
		.map(|e| e.expect("the event decodes"))
		.filter(|e| &e.who == who)
		// `actual_fee` includes the tip.
		.map(|e| e.actual_fee)
		.sum()
}

/// `who`'s free and held (reserved) balance at this block.
async fn balances(at: &At, who: &AccountId32) -> (u128, u128) {
	let account = at
		.storage()
		.fetch(dinfra::storage().system().account(), (*who,))
		.await
		.expect("the account is stored")
		.decode()
		.expect("the account decodes");
	(account.data.free, account.data.reserved)
}

async fn free_balance(at: &At, who: &AccountId32) -> u128 {
	balances(at, who).await.0
}

async fn held_balance(at: &At, who: &AccountId32) -> u128 {
	balances(at, who).await.1
}

/// `DinfraApi::subscription` at this block, for a subscription that must be live.
async fn live_view(
	at: &At,
	id: u64,
) -> dinfra::runtime_types::dinfra_primitives::runtime_api::SubscriptionView<AccountId32, u128, u32>
{
	let call = dinfra::runtime_apis().dinfra_api().subscription(id);
	at.runtime_apis().call(call).await.expect("subscription").expect("it is live")
}

/// The relay chain's block number as of this block: the billing clock.
async fn relay_block(at: &At) -> u32 {
	at.storage()
		.fetch(dinfra::storage().parachain_system().last_relay_chain_block_number(), ())
		.await
		.expect("the relay block number is stored")
		.decode()
		.expect("it decodes")
}

#[tokio::test(flavor = "multi_thread")]
async fn a_subscription_from_subscribe_to_out_of_funds() {
	let mut node = DevNode::start(
		Path::new(env!("CARGO_BIN_EXE_dinfra-node")),
		Path::new(env!("CARGO_TARGET_TMPDIR")),
		"e2e",
	);
	let api = node.connect().await;
	let dinfra_api = dinfra::runtime_apis().dinfra_api();

	let (provider_key, subscriber_key, sponsor_key) = (dev::bob(), dev::charlie(), dev::dave());
	let (provider, subscriber, sponsor) =
		(account(&provider_key), account(&subscriber_key), account(&sponsor_key));
	let constants = api.at_current_block().await.expect("the current block");
	// The runway in force is the pallet's storage value (Root may change it), readable as
	// polkadot.js reads it with `api.query`.
	let min_runway: u32 = constants
		.storage()
		.fetch(dinfra::storage().dinfra_subscription().min_runway(), ())
		.await
		.expect("MinRunway")
		.decode()
		.expect("MinRunway decodes");
	let deposit: u128 = constants
		.constants()
		.entry(dinfra::constants().dinfra_subscription().subscription_deposit())
		.expect("SubscriptionDeposit");

	// The provider registers and offers 4 deployments of "vm-small" (type 0 at genesis).
	let vm_small = 0;
	submit(
		&api,
		&provider_key,
		dinfra::transactions().dinfra_provider().register_provider(bounded(b"{\"region\":\"eu\"}")),
	)
	.await;
	let offered = submit(
		&api,
		&provider_key,
		dinfra::transactions().dinfra_provider().create_offering(
			vm_small,
			4,
			PRICE,
			bounded(b"2 vCPU, 4 GiB"),
		),
	)
	.await;
	let quotes = offered
		.runtime_apis()
		.call(dinfra_api.quote(vm_small, AwardTarget::Any))
		.await
		.expect("quote");
	assert_eq!(quotes.len(), 1, "one offering is quoted: {quotes:?}");
	assert_eq!((quotes[0].provider, quotes[0].price_per_block), (provider, PRICE));
	assert_eq!((quotes[0].capacity, quotes[0].free_capacity), (4, 4));

	// The subscriber funds exactly the minimum runway at the offering's price.
	let funding = PRICE * u128::from(min_runway);
	let subscriber_start = free_balance(&offered, &subscriber).await;
	let provider_start = free_balance(&offered, &provider).await;
	let sponsor_start = free_balance(&offered, &sponsor).await;
	let subscribed = submit(
		&api,
		&subscriber_key,
		dinfra::transactions().dinfra_subscription().subscribe(
			vm_small,
			bounded(b"bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy"),
			AwardTarget::Any,
			PRICE,
			funding,
		),
	)
	.await;
	let subscribed_event =
		event_in::<dinfra::dinfra_subscription::events::Subscribed>(&subscribed).await;
	let id = subscribed_event.id;
	assert_eq!((subscribed_event.subscriber, subscribed_event.funding), (subscriber, funding));
	let subscribe_fee = fee_paid(&subscribed, &subscriber).await;
	assert_eq!(
		free_balance(&subscribed, &subscriber).await,
		subscriber_start - funding - deposit - subscribe_fee,
		"the funding and the deposit are held, the fee is paid"
	);
	assert_eq!(held_balance(&subscribed, &subscriber).await, funding + deposit);

	// The award arrives in a following block's `on_initialize`.
	let (awarded_at, awarded) = find_event::<dinfra::dinfra_subscription::events::Awarded>(
		&api,
		subscribed.block_number(),
		5,
		|e| e.id == id,
	)
	.await;
	assert_eq!((awarded.provider, awarded.price_per_block), (provider, PRICE));
	let view = live_view(&awarded_at, id).await;
	assert!(matches!(view.phase, SubscriptionPhase::Provisioning), "{:?}", view.phase);
	assert_eq!(view.provider.as_ref(), Some(&provider));
	assert_eq!((view.balance, view.owed_now), (funding, 0));
	let deployments = awarded_at
		.runtime_apis()
		.call(dinfra_api.provider_deployments(provider))
		.await
		.expect("provider_deployments");
	assert_eq!(deployments, vec![id]);

	// The provider reports it running: billing starts at that block's relay block number.
	let running = submit(
		&api,
		&provider_key,
		dinfra::transactions().dinfra_subscription().report_deployment(
			id,
			DeploymentReport::Running { endpoint: bounded(b"https://vm-1.eu.example:443") },
		),
	)
	.await;
	let running_event =
		event_in::<dinfra::dinfra_subscription::events::DeploymentRunning>(&running).await;
	let billing_start = relay_block(&running).await;
	assert_eq!(running_event.expires_at, Some(billing_start + min_runway));
	let mut provider_fees = fee_paid(&running, &provider).await;

	// Blocks pass: what is owed grows by exactly the price per relay block.
	let later = block(&api, running.block_number() + 20).await;
	let elapsed = relay_block(&later).await - billing_start;
	assert_eq!(elapsed, 20, "in --dev mode each block is one relay block");
	let view = live_view(&later, id).await;
	assert!(matches!(view.phase, SubscriptionPhase::Running), "{:?}", view.phase);
	assert_eq!(view.endpoint.as_deref(), Some(&b"https://vm-1.eu.example:443"[..]));
	assert_eq!(view.owed_now, PRICE * u128::from(elapsed));
	assert_eq!(view.balance, funding);
	assert_eq!(view.runway, Some(min_runway - elapsed));
	assert_eq!(view.expires_at, Some(billing_start + min_runway));

	// The provider claims what it has earned so far.
	let claimed =
		submit(&api, &provider_key, dinfra::transactions().dinfra_subscription().claim(id)).await;
	let claim = event_in::<dinfra::dinfra_subscription::events::Claimed>(&claimed).await;
	let claimed_blocks = relay_block(&claimed).await - billing_start;
	assert_eq!(claim.amount, PRICE * u128::from(claimed_blocks));
	provider_fees += fee_paid(&claimed, &provider).await;
	assert_eq!(
		free_balance(&claimed, &provider).await,
		provider_start + claim.amount - provider_fees,
		"the provider is paid straight from the subscriber's hold"
	);

	// A sponsor tops it up by 100 blocks' worth.
	let top_up = PRICE * 100;
	let topped =
		submit(&api, &sponsor_key, dinfra::transactions().dinfra_subscription().top_up(id, top_up))
			.await;
	let topped_event = event_in::<dinfra::dinfra_subscription::events::ToppedUp>(&topped).await;
	let topped_blocks = relay_block(&topped).await - billing_start;
	let expires_at = billing_start + min_runway + 100;
	assert_eq!(topped_event.amount, top_up);
	assert_eq!(topped_event.balance, funding + top_up - PRICE * u128::from(topped_blocks));
	assert_eq!(topped_event.expires_at, Some(expires_at));
	let sponsor_fee = fee_paid(&topped, &sponsor).await;
	assert_eq!(free_balance(&topped, &sponsor).await, sponsor_start - top_up - sponsor_fee);
	let view = live_view(&topped, id).await;
	assert_eq!((view.balance, view.owed_now), (topped_event.balance, 0));
	assert_eq!(view.expires_at, Some(expires_at));

	// The funds run out at exactly `expires_at`: the chain suspends it, with a grace as long as
	// it ran (at most a day). The hook runs before the block's relay-chain data is set, so its
	// clock is the parent block's relay block number.
	let (suspended_at, suspended) = find_event::<dinfra::dinfra_subscription::events::Suspended>(
		&api,
		topped.block_number(),
		u64::from(min_runway) + 200,
		|e| e.id == id,
	)
	.await;
	let parent = block(&api, suspended_at.block_number() - 1).await;
	assert_eq!(relay_block(&parent).await, expires_at, "suspended when its funds run out");
	let ran = expires_at - billing_start;
	assert_eq!(suspended.grace_ends_at, expires_at + ran, "a grace as long as the run");
	assert_eq!((suspended.balance, suspended.resume_at_balance), (0, funding));
	let view = live_view(&suspended_at, id).await;
	assert!(matches!(view.phase, SubscriptionPhase::Suspended), "{:?}", view.phase);
	assert_eq!(view.grace_ends_at, Some(suspended.grace_ends_at));
	assert_eq!((view.balance, view.owed_now, view.runway), (0, 0, None), "nothing is billed");

	// No top-up comes: when the grace is over, the chain ends it.
	let (ended_at, ended) = find_event::<dinfra::dinfra_subscription::events::Terminated>(
		&api,
		suspended_at.block_number(),
		u64::from(ran) + 200,
		|e| e.id == id,
	)
	.await;
	assert!(matches!(ended.reason, TerminationReason::OutOfFunds), "{:?}", ended.reason);
	let parent = block(&api, ended_at.block_number() - 1).await;
	assert_eq!(relay_block(&parent).await, suspended.grace_ends_at, "it ends with its grace");
	assert_eq!(ended.refunded, 0, "nothing is left: the funds bought whole blocks");
	assert_eq!(ended.deposit_returned, deposit, "the deposit comes back whole, and says so");
	assert_eq!(ended.paid, funding + top_up, "the provider was paid everything, over its life");

	// Every balance is exact: the provider got every unit, the subscriber its deposit back.
	assert_eq!(
		free_balance(&ended_at, &provider).await,
		provider_start + funding + top_up - provider_fees
	);
	assert_eq!(
		free_balance(&ended_at, &subscriber).await,
		subscriber_start - funding - subscribe_fee
	);
	assert_eq!(held_balance(&ended_at, &subscriber).await, 0);
	assert_eq!(free_balance(&ended_at, &sponsor).await, sponsor_start - top_up - sponsor_fee);

	// The chain holds nothing for it but the record of its end, and the provider's capacity is
	// free again.
	let view = ended_at
		.runtime_apis()
		.call(dinfra_api.subscription(id))
		.await
		.expect("subscription")
		.expect("a recent end is remembered");
	assert!(matches!(view.phase, SubscriptionPhase::Ended), "{:?}", view.phase);
	assert_eq!(relay_block(&parent).await, view.phase_since, "it ended at the hook's clock");
	let end = view.ended.expect("why it ended");
	assert!(matches!(end.reason, TerminationReason::OutOfFunds), "{:?}", end.reason);
	assert_eq!((end.refunded, end.deposit_returned), (0, deposit));
	assert_eq!((view.balance, view.paid), (0, funding + top_up));
	let deployments = ended_at
		.runtime_apis()
		.call(dinfra_api.provider_deployments(provider))
		.await
		.expect("provider_deployments");
	assert!(deployments.is_empty());
	let quotes = ended_at
		.runtime_apis()
		.call(dinfra_api.quote(vm_small, AwardTarget::Any))
		.await
		.expect("quote");
	assert_eq!(quotes[0].free_capacity, 4);
	drop(node);
}
