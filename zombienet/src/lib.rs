//! What DINFRA's zombienet tests share: finding the binaries, spawning a network from one of the
//! definitions in this directory, and reading a parachain's finalized state.
//!
//! The tests run the real binaries: `polkadot` 41.0.0 with its two workers (built once per
//! machine by `zombienet/relay-binaries`) for a `rococo-local` relay chain, and the workspace's
//! `dinfra-node` as the collator. Every assertion reads finalized blocks, as a gateway does.

use std::{
	future::Future,
	path::{Path, PathBuf},
	time::Duration,
};
pub use zombienet_sdk::{subxt, subxt_signer};
use zombienet_sdk::{LocalFileSystem, Network, NetworkConfig, NetworkConfigExt};

use subxt::{
	backend::{legacy::LegacyRpcMethods, rpc::RpcClient},
	blocks::ExtrinsicEvents,
	events::{Events, StaticEvent},
	ext::codec::{Compact, Decode},
	utils::AccountId32,
	OnlineClient, PolkadotConfig,
};
use subxt_signer::sr25519::Keypair;

/// Code generated from the committed metadata, which a test in the runtime keeps current.
#[subxt::subxt(
	runtime_metadata_path = "../metadata/dinfra.scale",
	crate = "::zombienet_sdk::subxt::ext::subxt_core",
	derive_for_all_types = "Clone, PartialEq"
)]
pub mod dinfra {}

use dinfra::runtime_types::{
	bounded_collections::bounded_vec::BoundedVec, dinfra_primitives::runtime_api::SubscriptionView,
};

/// The parachain id in the network definitions.
pub const PARA_ID: u32 = 2000;
/// 1 DINF.
pub const DINF: u128 = 1_000_000_000_000;
/// The price per relay block of the offerings the tests create.
pub const PRICE: u128 = DINF / 1_000;

/// A live subscription as `DinfraApi::subscription` shows it.
pub type View = SubscriptionView<AccountId32, u128, u32>;
/// A finalized block of the parachain.
pub type Hash = subxt::utils::H256;

/// The binaries a network needs, each found on `PATH` or in its default place.
const BINARIES: [&str; 4] =
	["polkadot", "polkadot-prepare-worker", "polkadot-execute-worker", "dinfra-node"];

/// Puts the relay binaries (`$DINFRA_RELAY_BIN`, by default where `relay-binaries` installs them)
/// and the workspace's debug build (`$CARGO_TARGET_DIR/debug`) in front of `PATH`, which is
/// where zombienet's native provider looks for commands. Says which binary is missing if one
/// is.
fn find_binaries() -> Result<(), String> {
	let home = PathBuf::from(std::env::var_os("HOME").unwrap_or_default());
	let relay_bin = std::env::var_os("DINFRA_RELAY_BIN")
		.map(PathBuf::from)
		.unwrap_or_else(|| home.join(".cache/dinfra/tools/polkadot-41.0.0/bin"));
	let target = std::env::var_os("CARGO_TARGET_DIR")
		.map(PathBuf::from)
		.unwrap_or_else(|| home.join(".cache/dinfra/target"));
	let mut dirs = vec![relay_bin, target.join("debug")];
	dirs.extend(std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default()));
	let path = std::env::join_paths(&dirs).map_err(|e| e.to_string())?;
	// The tests of a binary run one at a time (`--test-threads=1`), so nothing reads the
	// environment while it changes.
	std::env::set_var("PATH", &path);
	for binary in BINARIES {
		if !dirs.iter().any(|dir| dir.join(binary).is_file()) {
			return Err(format!(
				"`{binary}` is not in {}. Build the relay binaries with \
				 `zombienet/relay-binaries` (a one-off of 2.5 hours on 2 cores) and dinfra-node with \
				 `cargo build -p dinfra-node`, or run `scripts/zombienet-test`.",
				dirs.iter()
					.take(2)
					.map(|d| d.display().to_string())
					.collect::<Vec<_>>()
					.join(" or ")
			));
		}
	}
	Ok(())
}

/// Spawns the network of `definition` (a file in `zombienet/`) with the native provider, and
/// waits until the parachain has finalized its first blocks. `None`, after saying why, when the
/// binaries are missing: the test is then skipped.
pub async fn spawn(definition: &str) -> Option<Network<LocalFileSystem>> {
	if let Err(missing) = find_binaries() {
		eprintln!("SKIPPED: {missing}");
		return None;
	}
	let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(definition);
	let config = NetworkConfig::load_from_toml(&path.to_string_lossy())
		.unwrap_or_else(|e| panic!("{definition} is a valid network definition: {e}"));
	let network = config.spawn_native().await.expect("the network spawns");
	eprintln!(
		"network of {definition} is up; its nodes' logs are under {}",
		network.base_dir().unwrap_or("?")
	);
	Some(network)
}

/// Waits for `what` for at most `limit`; a network that stops making progress fails the test
/// instead of hanging it.
pub async fn within<T>(limit: Duration, what: &str, future: impl Future<Output = T>) -> T {
	tokio::time::timeout(limit, future)
		.await
		.unwrap_or_else(|_| panic!("{what}: not within {} s", limit.as_secs()))
}

/// A connection to one node of a chain: the typed client, and the plain RPC methods for block
/// numbers and finality.
#[derive(Clone)]
pub struct Chain {
	pub client: OnlineClient<PolkadotConfig>,
	pub rpc: LegacyRpcMethods<PolkadotConfig>,
}

impl Chain {
	/// Connects to `network`'s node `name`, waiting until it answers.
	pub async fn connect(network: &Network<LocalFileSystem>, name: &str) -> Chain {
		let node = network.get_node(name).expect("the node is in the network");
		let rpc = within(Duration::from_secs(120), &format!("{name} answers RPC"), async {
			loop {
				match RpcClient::from_insecure_url(node.ws_uri()).await {
					Ok(rpc) => break rpc,
					Err(_) => tokio::time::sleep(Duration::from_secs(1)).await,
				}
			}
		})
		.await;
		let client = OnlineClient::from_rpc_client(rpc.clone()).await.expect("the client starts");
		Chain { client, rpc: LegacyRpcMethods::new(rpc) }
	}

	/// The number and hash of the last finalized block.
	pub async fn finalized(&self) -> (u32, Hash) {
		let hash = self.rpc.chain_get_finalized_head().await.expect("the finalized head");
		let header =
			self.rpc.chain_get_header(Some(hash)).await.expect("a header").expect("it exists");
		(header.number, hash)
	}

	/// Waits until block `number` is finalized and returns its hash.
	pub async fn finalized_block(&self, number: u32) -> Hash {
		within(Duration::from_secs(600), &format!("block {number} is finalized"), async {
			while self.finalized().await.0 < number {
				tokio::time::sleep(Duration::from_millis(500)).await;
			}
		})
		.await;
		self.rpc
			.chain_get_block_hash(Some(number.into()))
			.await
			.expect("a block hash")
			.expect("a finalized block has a hash")
	}

	/// The number of the block `hash`.
	pub async fn number(&self, hash: Hash) -> u32 {
		self.rpc.chain_get_header(Some(hash)).await.expect("a header").expect("it exists").number
	}

	/// The events of the block `hash`.
	pub async fn events(&self, hash: Hash) -> Events<PolkadotConfig> {
		self.client.events().at(hash).await.expect("the block's events")
	}

	/// The first event `E` that `matches` in the finalized blocks from `from` on, looking at
	/// no more than `blocks` blocks, with the block it is in.
	pub async fn finalized_event<E: StaticEvent>(
		&self,
		from: u32,
		blocks: u32,
		matches: impl Fn(&E) -> bool,
	) -> (Hash, E) {
		for number in from..from.saturating_add(blocks) {
			let hash = self.finalized_block(number).await;
			let events = self.events(hash).await;
			let found =
				events.find::<E>().map(|e| e.expect("the event decodes")).find(|e| matches(e));
			if let Some(event) = found {
				return (hash, event);
			}
		}
		panic!("no {}::{} in finalized blocks {from}..{}", E::PALLET, E::EVENT, from + blocks);
	}

	/// Submits `call` signed by `who` and waits until it is in a finalized block and succeeded.
	pub async fn submit(&self, who: &Keypair, call: impl subxt::tx::Payload) -> Finalized {
		within(Duration::from_secs(300), "a transaction is finalized", async {
			let in_block = self
				.client
				.tx()
				.sign_and_submit_then_watch_default(&call, who)
				.await
				.expect("the transaction is accepted")
				.wait_for_finalized()
				.await
				.expect("the transaction is finalized");
			let events =
				in_block.wait_for_success().await.expect("the finalized transaction succeeded");
			Finalized { block: in_block.block_hash(), events }
		})
		.await
	}

	/// The relay chain's block number as of block `hash`: the billing clock.
	pub async fn relay_block(&self, hash: Hash) -> u32 {
		self.client
			.storage()
			.at(hash)
			.fetch(&dinfra::storage().parachain_system().last_relay_chain_block_number())
			.await
			.expect("storage")
			.expect("the relay block number is stored")
	}

	/// `who`'s free and held balances at block `hash`.
	pub async fn balances(&self, hash: Hash, who: &AccountId32) -> (u128, u128) {
		let account = self
			.client
			.storage()
			.at(hash)
			.fetch(&dinfra::storage().system().account(who.clone()))
			.await
			.expect("storage")
			.expect("the account exists");
		(account.data.free, account.data.reserved)
	}

	/// `DinfraApi::subscription(id)` at block `hash`.
	pub async fn view(&self, hash: Hash, id: u64) -> Option<View> {
		self.client
			.runtime_api()
			.at(hash)
			.call(dinfra::apis().dinfra_api().subscription(id))
			.await
			.expect("DinfraApi::subscription")
	}

	/// `DinfraApi::provider_deployments(provider)` at block `hash`.
	pub async fn provider_deployments(&self, hash: Hash, provider: &AccountId32) -> Vec<u64> {
		self.client
			.runtime_api()
			.at(hash)
			.call(dinfra::apis().dinfra_api().provider_deployments(provider.clone()))
			.await
			.expect("DinfraApi::provider_deployments")
	}
}

/// A transaction in a finalized block, and the events it emitted.
pub struct Finalized {
	pub block: Hash,
	pub events: ExtrinsicEvents<PolkadotConfig>,
}

impl Finalized {
	/// The finalized block the transaction is in.
	pub fn block_hash(&self) -> Hash {
		self.block
	}
}

/// The account of a key.
pub fn account(who: &Keypair) -> AccountId32 {
	who.public_key().to_account_id()
}

/// Bytes as the bounded vectors of the calls.
pub fn bounded(bytes: &[u8]) -> BoundedVec<u8> {
	BoundedVec(bytes.to_vec())
}

/// The fee `who` paid for the transaction `done`.
pub fn fee_paid(done: &Finalized, who: &AccountId32) -> u128 {
	done.events
		.find::<dinfra::transaction_payment::events::TransactionFeePaid>()
		.map(|e| e.expect("the event decodes"))
		.filter(|e| &e.who == who)
		.map(|e| e.actual_fee)
		.sum()
}

/// The one event `E` of the transaction `done`.
pub fn event_of<E: StaticEvent>(done: &Finalized) -> E {
	done.events
		.find_first::<E>()
		.expect("the event decodes")
		.unwrap_or_else(|| panic!("the transaction emitted {}::{}", E::PALLET, E::EVENT))
}

/// The parachain's head as the relay chain's state at `at` records it: the number of the last
/// parachain block the relay chain included.
pub async fn para_head_on_relay(relay: &Chain, at: Hash) -> u32 {
	use subxt::dynamic::Value;
	let head = relay
		.client
		.storage()
		.at(at)
		.fetch(&subxt::dynamic::storage("Paras", "Heads", vec![Value::u128(PARA_ID.into())]))
		.await
		.expect("storage")
		.expect("the relay chain holds the parachain's head");
	// `HeadData` is the SCALE-encoded header: a length, the parent's hash, then the number.
	let head = Vec::<u8>::decode(&mut head.encoded()).expect("head data");
	let number = head.get(32..).map(|mut rest| Compact::<u32>::decode(&mut rest));
	match number {
		Some(Ok(Compact(number))) => number,
		_ => panic!("a parachain head of {} bytes is not a header", head.len()),
	}
}

/// Whether the relay chain's state at `at` has the parachain as a live parachain.
pub async fn is_parachain_on_relay(relay: &Chain, at: Hash) -> bool {
	use subxt::dynamic::Value;
	use subxt::ext::scale_value::ValueDef;
	let lifecycle = relay
		.client
		.storage()
		.at(at)
		.fetch(&subxt::dynamic::storage(
			"Paras",
			"ParaLifecycles",
			vec![Value::u128(PARA_ID.into())],
		))
		.await
		.expect("storage");
	let Some(lifecycle) = lifecycle else { return false };
	let value = lifecycle.to_value().expect("a lifecycle decodes");
	matches!(value.value, ValueDef::Variant(ref v) if v.name == "Parachain")
}

/// As Alice, the sudo key of the `local` chain: sets the minimum runway to `blocks` relay blocks
/// with `set_min_runway`, so that a subscription can run out of funds within a test.
pub async fn set_min_runway(para: &Chain, blocks: u32) -> Finalized {
	use dinfra::runtime_types::{
		dinfra_runtime::RuntimeCall, pallet_dinfra_subscription::pallet::Call,
	};
	let set = RuntimeCall::DinfraSubscription(Call::set_min_runway { blocks });
	let done =
		para.submit(&subxt_signer::sr25519::dev::alice(), dinfra::tx().sudo().sudo(set)).await;
	let sudid = event_of::<dinfra::sudo::events::Sudid>(&done);
	assert!(sudid.sudo_result.is_ok(), "sudo set_min_runway succeeds: {:?}", sudid.sudo_result);
	let set = event_of::<dinfra::dinfra_subscription::events::MinRunwaySet>(&done);
	assert_eq!(set.new, blocks, "the minimum runway is set");
	done
}

/// The market the tests trade in: a `vm-small` deployment type (registered by Alice) and one
/// provider (Bob) offering `capacity` of it at `PRICE` per relay block.
pub struct Market {
	pub deployment_type: u32,
	pub provider: Keypair,
}

impl Market {
	pub async fn open(para: &Chain, capacity: u32) -> Market {
		use dinfra::dinfra_provider::events::{DeploymentTypeRegistered, OfferingCreated};
		let registered = para
			.submit(
				&subxt_signer::sr25519::dev::alice(),
				dinfra::tx().dinfra_provider().register_deployment_type(
					bounded(b"vm-small"),
					bounded(b"bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy"),
				),
			)
			.await;
		let deployment_type = event_of::<DeploymentTypeRegistered>(&registered).id;
		let provider = subxt_signer::sr25519::dev::bob();
		para.submit(
			&provider,
			dinfra::tx().dinfra_provider().register_provider(bounded(b"{\"region\":\"local\"}")),
		)
		.await;
		let offered = para
			.submit(
				&provider,
				dinfra::tx().dinfra_provider().create_offering(
					deployment_type,
					capacity,
					PRICE,
					bounded(b"1 vCPU, 1 GiB"),
				),
			)
			.await;
		let offering = event_of::<OfferingCreated>(&offered);
		assert_eq!(offering.provider, account(&provider));
		Market { deployment_type, provider }
	}
}

/// A subscription that the provider has reported running.
pub struct Running {
	pub id: u64,
	pub funding: u128,
	/// The relay block billing started at.
	pub billing_start: u32,
	/// The finalized block of the report.
	pub reported_in: Hash,
	/// The subscriber's fee for subscribing and the provider's for reporting.
	pub subscribe_fee: u128,
	pub report_fee: u128,
}

/// `subscriber` subscribes to the market's type with `funding`; the chain awards it to the
/// provider in a following finalized block; the provider reports it running. Each step is
/// checked against the finalized state.
pub async fn subscribe_and_run(
	para: &Chain,
	market: &Market,
	subscriber: &Keypair,
	funding: u128,
) -> Running {
	use dinfra::{
		dinfra_subscription::events::{Awarded, DeploymentRunning, Subscribed},
		runtime_types::{
			dinfra_primitives::{market::AwardTarget, runtime_api::SubscriptionPhase},
			pallet_dinfra_subscription::types::DeploymentReport,
		},
	};
	let provider = account(&market.provider);
	let subscribed = para
		.submit(
			subscriber,
			dinfra::tx().dinfra_subscription().subscribe(
				market.deployment_type,
				bounded(b"bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy"),
				AwardTarget::Any,
				PRICE,
				funding,
			),
		)
		.await;
	let subscribed_event = event_of::<Subscribed>(&subscribed);
	let id = subscribed_event.id;
	assert_eq!(subscribed_event.funding, funding);
	let subscribe_fee = fee_paid(&subscribed, &account(subscriber));

	// The award comes in a following block's hook.
	let from = para.number(subscribed.block_hash()).await;
	let (awarded_in, awarded) = para.finalized_event::<Awarded>(from, 10, |e| e.id == id).await;
	assert_eq!((awarded.provider.clone(), awarded.price_per_block), (provider.clone(), PRICE));
	let view = para.view(awarded_in, id).await.expect("an awarded subscription is live");
	assert!(matches!(view.phase, SubscriptionPhase::Provisioning), "{:?}", view.phase);
	assert_eq!(para.provider_deployments(awarded_in, &provider).await, vec![id]);

	let reported = para
		.submit(
			&market.provider,
			dinfra::tx().dinfra_subscription().report_deployment(
				id,
				DeploymentReport::Running { endpoint: bounded(b"http://127.0.0.1:20001") },
			),
		)
		.await;
	let running = event_of::<DeploymentRunning>(&reported);
	let billing_start = para.relay_block(reported.block_hash()).await;
	let view = para.view(reported.block_hash(), id).await.expect("a running subscription is live");
	assert!(matches!(view.phase, SubscriptionPhase::Running), "{:?}", view.phase);
	assert_eq!(view.endpoint.as_deref(), Some(&b"http://127.0.0.1:20001"[..]));
	assert_eq!((view.balance, view.owed_now), (funding, 0));
	assert_eq!(running.expires_at, view.expires_at);
	Running {
		id,
		funding,
		billing_start,
		reported_in: reported.block_hash(),
		subscribe_fee,
		report_fee: fee_paid(&reported, &provider),
	}
}
