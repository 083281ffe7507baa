//! The DINFRA demo: one subscription's whole life on the running local stack. Run it with
//! `./scripts/demo` while `./scripts/run --dev-block-time 100` runs in another terminal.
//!
//! 1. Provider setup: Alice (the provider OGate works for) registers, offers `vm-small`, and
//!    makes Ferdie her gateway's operator. The development chain's genesis registers `vm-small`;
//!    on a chain without it (the `local` spec, which the relay-chain stack runs) Alice registers
//!    it first, with its schema published to OGate's content directory.
//! 2. A subscription: Bob publishes a descriptor and subscribes with the minimum runway.
//! 3. The deployment: the reactor starts a process and OGate reports it running; the demo calls
//!    its endpoint.
//! 4. The funds run out: the chain suspends the subscription for a grace as long as it ran,
//!    then ends it and pays Alice.
//! 5. The process is gone: its endpoint no longer answers.
//!
//! Settings (environment): `DINFRA_NODE`, the node's WebSocket (`ws://127.0.0.1:9944`);
//! `DINFRA_DATA`, whose `content` directory OGate reads descriptors from
//! (`~/.cache/dinfra/run`); `DINFRA_MIN_RUNWAY`, if set, a minimum runway in relay-chain blocks
//! that Alice, the sudo key of the development chains, sets first, so that the funds run out
//! within minutes where relay blocks are 6 s apart (the compose stack, zombienet).

use dinfra_devnet::{find_event, Api, At};
use dinfra_ogate::chain::dinfra::{
	self,
	runtime_types::{
		bounded_collections::bounded_vec::BoundedVec, dinfra_primitives::market::AwardTarget,
		dinfra_runtime::configs::proxy::ProxyType,
	},
};
use std::{
	path::{Path, PathBuf},
	time::Duration,
};
use subxt::utils::MultiAddress;
use subxt_signer::sr25519::{dev, Keypair};

/// 1 mDINF per billing block.
const PRICE: u128 = 1_000_000_000;

/// The deployment type the demo trades in.
const VM_SMALL: &[u8] = b"vm-small";

/// Its descriptors' JSON Schema, which a chain without the type gets registered under its CID.
const VM_SMALL_SCHEMA: &[u8] = include_bytes!("../../schemas/vm-small.json");

fn setting(name: &str, default: &str) -> String {
	std::env::var(name).unwrap_or_else(|_| default.to_string())
}

/// Submits a call and waits for finality; the dispatch error's text if it fails.
async fn try_submit<Call: subxt::transactions::Payload>(
	api: &Api,
	who: &Keypair,
	call: Call,
) -> Result<At, String> {
	let mut tx = api.tx().await.map_err(|e| e.to_string())?;
	let progress =
		tx.sign_and_submit_then_watch_default(&call, who).await.map_err(|e| e.to_string())?;
	let in_block = progress.wait_for_finalized().await.map_err(|e| e.to_string())?;
	in_block.wait_for_success().await.map_err(|e| e.to_string())?;
	api.at_block(in_block.block_hash()).await.map_err(|e| e.to_string())
}

/// The first event `E` of the block `at`.
async fn first_event<E: subxt::events::DecodeAsEvent>(at: &At) -> anyhow::Result<E> {
	at.events()
		.fetch()
		.await?
		.find_first::<E>()
		.ok_or_else(|| anyhow::anyhow!("no {} event", std::any::type_name::<E>()))?
		.map_err(Into::into)
}

/// As Alice, the sudo key of the development chains: `set_min_runway(blocks)`.
async fn set_min_runway(api: &Api, blocks: u32) -> anyhow::Result<()> {
	use dinfra::runtime_types::{
		dinfra_runtime::RuntimeCall, pallet_dinfra_subscription::pallet::Call,
	};
	let set = RuntimeCall::DinfraSubscription(Call::set_min_runway { blocks });
	let at = try_submit(api, &dev::alice(), dinfra::transactions().sudo().sudo(set))
		.await
		.map_err(|e| anyhow::anyhow!("sudo set_min_runway failed: {e}"))?;
	let sudid = first_event::<dinfra::sudo::events::Sudid>(&at).await?;
	if let Err(e) = sudid.sudo_result {
		anyhow::bail!("set_min_runway({blocks}) was refused: {e:?}");
	}
	println!("   done in block #{}", at.block_number());
	Ok(())
}

/// The id of the `vm-small` deployment type that is not retired. Where the chain has none, Alice
/// publishes its schema to `content` (OGate's content directory) and registers it under the
/// schema's CID, holding the type deposit.
async fn vm_small(api: &Api, content: &Path) -> anyhow::Result<u32> {
	let at = api.at_current_block().await?;
	let registered = at
		.storage()
		.try_fetch(
			dinfra::storage().dinfra_provider().deployment_type_ids(),
			(BoundedVec(VM_SMALL.to_vec()),),
		)
		.await?;
	if let Some(id) = registered {
		let id = id.decode()?;
		println!("   vm-small is deployment type {id}");
		return Ok(id);
	}
	let cid = dinfra_ogate::descriptor::publish(content, VM_SMALL_SCHEMA)?;
	let register = dinfra::transactions().dinfra_provider().register_deployment_type(
		BoundedVec(VM_SMALL.to_vec()),
		BoundedVec(cid.clone().into_bytes()),
	);
	let at = try_submit(api, &dev::alice(), register)
		.await
		.map_err(|e| anyhow::anyhow!("register_deployment_type(vm-small) failed: {e}"))?;
	let id =
		first_event::<dinfra::dinfra_provider::events::DeploymentTypeRegistered>(&at).await?.id;
	println!(
		"   the chain had no vm-small: Alice registered it as deployment type {id}, schema {cid} \
		 (block #{})",
		at.block_number()
	);
	Ok(id)
}

fn step(text: &str) {
	println!("\n== {text}");
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
	let node = setting("DINFRA_NODE", "ws://127.0.0.1:9944");
	let data = std::env::var("DINFRA_DATA").map(PathBuf::from).unwrap_or_else(|_| {
		PathBuf::from(std::env::var("HOME").unwrap_or_default()).join(".cache/dinfra/run")
	});
	let api = Api::from_insecure_url(&node).await.map_err(|e| {
		anyhow::anyhow!("no DINFRA node at {node} ({e}); start ./scripts/run first")
	})?;
	if let Ok(blocks) = std::env::var("DINFRA_MIN_RUNWAY") {
		step(&format!("0. Alice (sudo) sets the minimum runway to {blocks} relay-chain blocks"));
		set_min_runway(&api, blocks.parse()?).await?;
	}
	let constants = api.at_current_block().await?;
	// The runway in force: the pallet's storage value, which Root may have changed.
	let min_runway: u32 = constants
		.storage()
		.fetch(dinfra::storage().dinfra_subscription().min_runway(), ())
		.await?
		.decode()?;

	step("1. Provider setup: Alice registers, offers vm-small and makes Ferdie her operator");
	let vm_small = vm_small(&api, &data.join("content")).await?;
	let (alice, bob) = (dev::alice(), dev::bob());
	let provider = dinfra::transactions().dinfra_provider();
	let setup = [
		(
			"register_provider",
			try_submit(
				&api,
				&alice,
				provider.register_provider(BoundedVec(b"{\"name\":\"demo\"}".to_vec())),
			)
			.await,
		),
		(
			"create_offering(vm-small, capacity 8)",
			try_submit(
				&api,
				&alice,
				provider.create_offering(vm_small, 8, PRICE, BoundedVec(Vec::new())),
			)
			.await,
		),
		(
			"add_proxy(Ferdie, DinfraOperator)",
			try_submit(
				&api,
				&alice,
				dinfra::transactions().proxy().add_proxy(
					MultiAddress::Id(dev::ferdie().public_key().to_account_id()),
					ProxyType::DinfraOperator,
					0,
				),
			)
			.await,
		),
	];
	for (what, outcome) in setup {
		match outcome {
			Ok(at) => println!("   {what}: done in block #{}", at.block_number()),
			Err(e) => println!("   {what}: skipped ({e})"),
		}
	}

	step("2. A subscription: Bob publishes a descriptor and subscribes for the minimum runway");
	let descriptor = serde_json::json!({ "image": "debian-12", "open_ports": [80] });
	let cid = dinfra_ogate::descriptor::publish(
		&data.join("content"),
		descriptor.to_string().as_bytes(),
	)?;
	println!("   descriptor {descriptor} published as {cid}");
	let funding = PRICE * u128::from(min_runway);
	let subscribed = try_submit(
		&api,
		&bob,
		dinfra::transactions().dinfra_subscription().subscribe(
			vm_small,
			BoundedVec(cid.into_bytes()),
			AwardTarget::Any,
			PRICE,
			funding,
		),
	)
	.await
	.map_err(|e| anyhow::anyhow!("subscribe failed: {e}"))?;
	let id = first_event::<dinfra::dinfra_subscription::events::Subscribed>(&subscribed).await?.id;
	println!(
		"   subscription {id}: {funding} units held, {min_runway} billing blocks at {PRICE} per block"
	);

	step("3. The deployment: awarded, provisioned by the reactor, reported running by OGate");
	let (running_at, running) =
		find_event::<dinfra::dinfra_subscription::events::DeploymentRunning>(
			&api,
			subscribed.block_number(),
			2_000,
			|e| e.id == id,
		)
		.await;
	let endpoint = String::from_utf8_lossy(&running.endpoint.0).into_owned();
	println!("   running at {endpoint} (block #{})", running_at.block_number());
	let answer: serde_json::Value = reqwest::get(&endpoint).await?.json().await?;
	println!("   GET {endpoint} -> {answer}");

	step(&format!(
		"4. The funds run out {min_runway} billing blocks after the deployment started running; \
		 the chain suspends it for as long again, then ends it"
	));
	let (ended_at, ended) = find_event::<dinfra::dinfra_subscription::events::Terminated>(
		&api,
		running_at.block_number(),
		u64::from(min_runway) + 2_000,
		|e| e.id == id,
	)
	.await;
	println!(
		"   terminated in block #{}: {:?}; Alice was paid {}, Bob refunded {}",
		ended_at.block_number(),
		ended.reason,
		ended.paid,
		ended.refunded
	);

	step("5. The process is gone");
	for _ in 0..600 {
		if reqwest::get(&endpoint).await.is_err() {
			println!("   {endpoint} no longer answers: the reactor stopped the deployment");
			return Ok(());
		}
		tokio::time::sleep(Duration::from_millis(100)).await;
	}
	anyhow::bail!("{endpoint} still answers a minute after the subscription ended")
}
