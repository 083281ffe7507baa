//! Load: a burst of awards through OGate, and the latency from each award's block finalization
//! to its webhook's receipt. Run it with `./scripts/ogate-load` (not part of the tests: it
//! measures, it does not assert).
//!
//! A dev node (1 s blocks, `BLOCK_TIME_MS`) and `dinfra-ogate` (the built binary, so its memory is its own)
//! start on free ports. Bob offers capacity for the whole burst and adds Dave as his gateway's
//! operator; Charlie sends `AWARDS` subscriptions in waves of `WAVE` (default 250, the
//! runtime's bound on one deployment type's award queue; a larger wave is partly refused
//! `QueueFull`, which this tool counts), each wave at once (explicit nonces, no waiting) once
//! the one before is awarded. The chain awards them in as few blocks as its per-block award
//! budget allows. This tool watches
//! finalized blocks itself, notes when each block with awards was seen final, and a webhook
//! receiver on loopback notes when each provision task arrives. It prints p50/p99/max of
//! receipt minus finalization, the blocks the awards spanned, and OGate's peak memory (VmHWM).

use axum::{body::Bytes, routing::post, Router};
use dinfra_devnet::{sibling_binary, submit, DevNode};
use dinfra_ogate::{
	chain::dinfra::{
		self,
		runtime_types::{
			bounded_collections::bounded_vec::BoundedVec, dinfra_primitives::market::AwardTarget,
			dinfra_runtime::configs::proxy::ProxyType,
		},
	},
	descriptor::raw_cid,
	task::Task,
};
use std::{
	collections::HashMap,
	process::{Command, Stdio},
	sync::{Arc, Mutex},
	time::{Duration, Instant},
};
use subxt::{config::DefaultExtrinsicParamsBuilder, utils::MultiAddress, PolkadotConfig};
use subxt_signer::sr25519::dev;

const PRICE: u128 = 1_000_000_000;
const SECRET: &str = "load-webhook-secret";
const TOKEN: &str = "load-token-123";

/// The gateway process, killed also when this tool fails.
struct Killed(std::process::Child);

impl Drop for Killed {
	fn drop(&mut self) {
		let _ = self.0.kill();
		let _ = self.0.wait();
	}
}

/// The dev node's block time (`BLOCK_TIME_MS`, default 1,000 ms). The chain's deadlines are
/// counted in relay blocks, one per dev block: at 100 ms blocks `ProvisionTimeout` (100 relay
/// blocks, ten minutes on a relay chain) is ten seconds, shorter than a burst's reports take.
fn block_time_ms() -> u64 {
	std::env::var("BLOCK_TIME_MS").ok().and_then(|v| v.parse().ok()).unwrap_or(1_000)
}

fn awards() -> u64 {
	std::env::var("AWARDS").ok().and_then(|v| v.parse().ok()).unwrap_or(1_000)
}

/// How many subscriptions are sent at once (`WAVE`, default 250: `MaxQueuePerType`).
fn wave() -> usize {
	std::env::var("WAVE").ok().and_then(|v| v.parse().ok()).unwrap_or(250)
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
	let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
	sorted[index.min(sorted.len() - 1)]
}

fn peak_rss_kib(pid: u32) -> u64 {
	let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
	status
		.lines()
		.find_map(|l| l.strip_prefix("VmHWM:"))
		.and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
		.unwrap_or(0)
}

#[tokio::main]
async fn main() {
	let total = awards();
	let scratch = tempfile::tempdir().unwrap();
	let block_time = block_time_ms();
	let mut node = DevNode::start_with_block_time(
		&sibling_binary("dinfra-node"),
		scratch.path(),
		"load",
		block_time,
	);
	let api = node.connect().await;

	// Content: the vm-small schema and one descriptor that every subscription uses.
	let content = scratch.path().join("content");
	std::fs::create_dir_all(&content).unwrap();
	let schema = include_bytes!("../../schemas/vm-small.json");
	std::fs::write(content.join(raw_cid(schema)), schema).unwrap();
	let descriptor = br#"{"image":"debian-12"}"#;
	let cid = raw_cid(descriptor);
	std::fs::write(content.join(&cid), descriptor).unwrap();

	// The webhook receiver: when each provision task arrived. It then reports the deployment
	// running, as a reactor would: a provider whose awards time out unreported is slashed and
	// put on probation, and gets no more `Any` awards.
	let arrived: Arc<Mutex<HashMap<u64, Instant>>> = Arc::default();
	let log = arrived.clone();
	let listen = format!("127.0.0.1:{}", dinfra_devnet::free_port());
	let gateway = format!("http://{listen}");
	let http = reqwest::Client::new();
	let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
	let hook_url = format!("http://{}/hook", listener.local_addr().unwrap());
	let hook = move |body: Bytes| {
		let (log, gateway, http) = (log.clone(), gateway.clone(), http.clone());
		async move {
			let now = Instant::now();
			if let Ok(task) = serde_json::from_slice::<Task>(&body) {
				if task.action.name() == "provision" {
					log.lock().unwrap().entry(task.subscription).or_insert(now);
					let id = task.subscription;
					tokio::spawn(async move {
						let running = serde_json::json!({
							"status": "running", "endpoint": format!("http://127.0.0.1:1/{id}")
						});
						let url = format!("{gateway}/v1/deployments/{id}/status");
						let _ = http.post(url).bearer_auth(TOKEN).json(&running).send().await;
					});
				}
			}
			axum::http::StatusCode::NO_CONTENT
		}
	};
	tokio::spawn(async move {
		axum::serve(listener, Router::new().route("/hook", post(hook))).await.unwrap();
	});

	// Bob's market and gateway.
	let bob = dev::bob();
	let provider = dinfra::transactions().dinfra_provider();
	submit(&api, &bob, provider.register_provider(BoundedVec(b"{}".to_vec()))).await;
	let capacity = u32::try_from(total).unwrap();
	submit(&api, &bob, provider.create_offering(0, capacity, PRICE, BoundedVec(Vec::new()))).await;
	let dave = MultiAddress::Id(dev::dave().public_key().to_account_id());
	submit(
		&api,
		&bob,
		dinfra::transactions().proxy().add_proxy(dave, ProxyType::DinfraOperator, 0),
	)
	.await;

	let gate = Command::new(sibling_binary("dinfra-ogate"))
		.args([
			"--dev",
			"--node-url",
			&node.url,
			"--provider",
			"//Bob",
			"--operator-seed",
			"//Dave",
		])
		.args(["--listen", &listen, "--token", &format!("load:{TOKEN}")])
		.arg("--data-dir")
		.arg(scratch.path().join("ogate"))
		.arg("--content-dir")
		.arg(&content)
		.args(["--webhook", &format!("load={hook_url}#{SECRET}")])
		.env("RUST_LOG", std::env::var("OGATE_LOG").unwrap_or_else(|_| "warn".into()))
		.stdout(Stdio::null())
		.spawn()
		.expect("dinfra-ogate starts");
	let gate = Killed(gate);

	// This tool's own view of finality: when each finalized block was first seen, and the awards
	// it holds (read as it comes: the dev node keeps the state of the last 256 blocks only).
	let finalized: Arc<Mutex<HashMap<u64, Instant>>> = Arc::default();
	let awarded: Arc<Mutex<HashMap<u64, u64>>> = Arc::default();
	// Subscriptions the chain refused (by error: the burst may pass a queue's bound) or ended
	// before awarding them (by reason).
	let refused: Arc<Mutex<HashMap<String, u64>>> = Arc::default();
	// Slashes and probations of the provider: a report that missed its deadline.
	let faults: Arc<Mutex<(usize, usize)>> = Arc::default();
	let (seen, awards_seen, refusals, faults_seen) =
		(finalized.clone(), awarded.clone(), refused.clone(), faults.clone());
	// One subscription only notes times, so that reading events never delays a timestamp.
	// The clock listens the way OGate does (legacy finalized-head subscription), so that both
	// hear of a finalized block at the same moment.
	let rpc = subxt::rpcs::RpcClient::from_insecure_url(&node.url).await.unwrap();
	let legacy = subxt::backend::LegacyBackend::builder().build(rpc);
	let clock_api =
		subxt::OnlineClient::<PolkadotConfig>::from_backend(Arc::new(legacy)).await.unwrap();
	let mut clock = clock_api.stream_blocks().await.unwrap();
	tokio::spawn(async move {
		while let Some(Ok(block)) = clock.next().await {
			seen.lock().unwrap().entry(block.number()).or_insert_with(Instant::now);
		}
	});
	let follower = api.clone();
	tokio::spawn(async move {
		let mut blocks = follower.stream_blocks().await.unwrap();
		while let Some(Ok(block)) = blocks.next().await {
			let number = block.number();
			let Ok(at) = block.at().await else { continue };
			let Ok(events) = at.events().fetch().await else { continue };
			for e in events.find::<dinfra::dinfra_subscription::events::Awarded>().flatten() {
				awards_seen.lock().unwrap().entry(e.id).or_insert(number);
			}
			let slashes =
				events.find::<dinfra::dinfra_provider::events::Slashed>().flatten().count();
			let probations = events
				.find::<dinfra::dinfra_provider::events::ProbationStarted>()
				.flatten()
				.count();
			if slashes + probations > 0 {
				let mut faults = faults_seen.lock().unwrap();
				faults.0 += slashes;
				faults.1 += probations;
			}
			// Ended before any award (no eligible offering in time, say): settled, not awarded.
			for e in events.find::<dinfra::dinfra_subscription::events::Terminated>().flatten() {
				if e.provider.is_none() {
					let reason = format!("ended unawarded: {:?}", e.reason);
					*refusals.lock().unwrap().entry(reason).or_default() += 1;
				}
			}
			for e in events.find::<dinfra::system::events::ExtrinsicFailed>().flatten() {
				*refusals
					.lock()
					.unwrap()
					.entry(error_name(&at.metadata(), &e.dispatch_error))
					.or_default() += 1;
			}
		}
	});

	// The burst: every subscription signed with its own nonce and sent without waiting.
	let charlie = dev::charlie();
	let at = api.at_current_block().await.unwrap();
	let first_nonce = at.tx().account_nonce(&charlie.public_key().to_account_id()).await.unwrap();
	let sent = Instant::now();
	// Signed first, then sent back to back, so that they reach the pool as one burst.
	let mut at = at;
	let mut signed = Vec::new();
	for i in 0..total {
		// Mortal from a recent block: an immortal transaction names block 0, whose hash this
		// dev chain does not keep.
		if i % 100 == 0 {
			at = api.at_current_block().await.unwrap();
		}
		let call = dinfra::transactions().dinfra_subscription().subscribe(
			0,
			BoundedVec(cid.clone().into_bytes()),
			AwardTarget::Any,
			PRICE,
			PRICE * 1_200,
		);
		let params = DefaultExtrinsicParamsBuilder::<PolkadotConfig>::new()
			.nonce(first_nonce + i)
			.mortal(1024)
			.build();
		signed.push(at.tx().create_signed(&call, &charlie, params).await.unwrap());
	}
	eprintln!("signed {total} subscriptions in {:?}", sent.elapsed());
	// Awards, by block.
	let deadline = Instant::now() + Duration::from_secs(600);
	let settled = || {
		let refused: u64 = refused.lock().unwrap().values().sum();
		awarded.lock().unwrap().len() as u64 + refused
	};
	let sent = Instant::now();
	let mut sent_so_far = 0u64;
	for wave in signed.chunks(wave().max(1)) {
		for tx in wave {
			tx.submit().await.expect("the pool takes the subscription");
		}
		sent_so_far += wave.len() as u64;
		while settled() < sent_so_far && Instant::now() < deadline {
			tokio::time::sleep(Duration::from_millis(100)).await;
		}
	}
	eprintln!("sent and settled {total} subscriptions in {:?}", sent.elapsed());
	let refused = refused.lock().unwrap().clone();
	let accepted = total - refused.values().sum::<u64>();
	let awarded_in = awarded.lock().unwrap().clone();
	while (arrived.lock().unwrap().len() as u64) < accepted && Instant::now() < deadline {
		tokio::time::sleep(Duration::from_millis(100)).await;
	}

	let arrived = arrived.lock().unwrap().clone();
	let finalized = finalized.lock().unwrap().clone();
	// Signed: a webhook that arrives before this tool hears of the finality counts as early.
	let mut latencies: Vec<Duration> = Vec::new();
	// The slowest award of each block, and how many it had: where the tail comes from.
	let mut slowest: std::collections::BTreeMap<u64, (Duration, u64)> = Default::default();
	let mut early = 0;
	for (id, block) in &awarded_in {
		let (Some(arrival), Some(final_at)) = (arrived.get(id), finalized.get(block)) else {
			continue;
		};
		match arrival.checked_duration_since(*final_at) {
			Some(latency) => {
				latencies.push(latency);
				let entry = slowest.entry(*block).or_default();
				*entry = (entry.0.max(latency), entry.1 + 1);
			}
			None => early += 1,
		}
	}
	latencies.sort();
	let mut per_block: HashMap<u64, u64> = HashMap::new();
	for block in awarded_in.values() {
		*per_block.entry(*block).or_default() += 1;
	}
	let peak = peak_rss_kib(gate.0.id());
	drop(gate);

	println!("dev blocks of {block_time} ms; waves of {} subscriptions", wave());
	println!("refused, or ended before an award: {refused:?}");
	let (slashes, probations) = *faults.lock().unwrap();
	println!("provider slashed {slashes} times, put on probation {probations} times");
	println!(
		"awards: {} of {accepted} accepted ({total} sent), in {} blocks (at most {} in one block)",
		awarded_in.len(),
		per_block.len(),
		per_block.values().max().copied().unwrap_or(0)
	);
	println!(
		"provision tasks received: {}; latencies measured: {}; arrived before the tool heard of \
		 finality: {early}",
		arrived.len(),
		latencies.len()
	);
	if !latencies.is_empty() {
		println!(
			"finalization -> webhook receipt: p50 {:?}, p99 {:?}, max {:?}",
			percentile(&latencies, 0.50),
			percentile(&latencies, 0.99),
			latencies[latencies.len() - 1]
		);
	}
	for (block, (latency, awards)) in &slowest {
		println!("block {block}: {awards} awards, the last received {latency:?} after finality");
	}
	println!("OGate peak memory (VmHWM): {:.1} MiB", peak as f64 / 1024.0);
	drop(node);
}

/// A dispatch error by name (`Pallet::Error`), read from the chain's metadata.
fn error_name(
	metadata: &subxt::Metadata,
	error: &dinfra::runtime_types::sp_runtime::DispatchError,
) -> String {
	use dinfra::runtime_types::sp_runtime::DispatchError;
	let DispatchError::Module(module) = error else { return format!("{error:?}") };
	metadata
		.pallet_by_error_index(module.index)
		.and_then(|p| {
			p.error_variant_by_index(module.error[0]).map(|v| format!("{}::{}", p.name(), v.name))
		})
		.unwrap_or_else(|| format!("{error:?}"))
}
