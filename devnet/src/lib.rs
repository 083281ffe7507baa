//! A `dinfra-node --dev` for tests: started on free ports with a 100 ms block time and a
//! temporary database, reached over WebSocket, and killed when dropped, also when a test fails
//! (then its last log lines are printed).
//!
//! In `--dev` mode each block advances the relay chain's block number, the billing clock, by
//! one, and every block is final at once.

#![deny(missing_docs)]

use std::{
	net::TcpListener,
	path::{Path, PathBuf},
	process::{Child, Command, Stdio},
	time::{Duration, Instant},
};
use subxt::{OnlineClient, PolkadotConfig};

/// A client of the node.
pub type Api = OnlineClient<PolkadotConfig>;

/// How long the node may take to answer.
pub const PATIENCE: Duration = Duration::from_secs(240);

/// A running dev node.
pub struct DevNode {
	child: Child,
	log: PathBuf,
	/// Its WebSocket RPC URL.
	pub url: String,
}

/// A TCP port that was free a moment ago.
pub fn free_port() -> u16 {
	TcpListener::bind("127.0.0.1:0")
		.and_then(|listener| listener.local_addr())
		.map(|addr| addr.port())
		.expect("a free port")
}

/// The `dinfra-node` binary next to the running test's own build output: the workspace's one
/// shared build puts both in the same profile directory.
pub fn sibling_binary(name: &str) -> PathBuf {
	let exe = std::env::current_exe().expect("the test's own path");
	// `<target>/<profile>/deps/<test>` → `<target>/<profile>/<name>`.
	let profile = exe.parent().and_then(Path::parent).expect("a target profile directory");
	profile.join(name)
}

impl DevNode {
	/// Starts `binary --dev` (a block every 100 ms) with its log in `log_dir`.
	pub fn start(binary: &Path, log_dir: &Path, name: &str) -> DevNode {
		DevNode::start_with_block_time(binary, log_dir, name, 100)
	}

	/// Starts `binary --dev` with a block every `block_time_ms` and its log in `log_dir`.
	pub fn start_with_block_time(
		binary: &Path,
		log_dir: &Path,
		name: &str,
		block_time_ms: u64,
	) -> DevNode {
		DevNode::spawn(binary, log_dir, name, &["--dev"], block_time_ms)
	}

	/// Starts `binary --chain <chain>` alone, sealing a block every 100 ms as `--dev` does, on
	/// that chain's genesis (`local`: no deployment types, Alice is sudo), with its log in
	/// `log_dir`.
	pub fn start_on_chain(binary: &Path, log_dir: &Path, name: &str, chain: &str) -> DevNode {
		DevNode::spawn(binary, log_dir, name, &["--chain", chain], 100)
	}

	fn spawn(
		binary: &Path,
		log_dir: &Path,
		name: &str,
		chain: &[&str],
		block_time_ms: u64,
	) -> DevNode {
		let rpc_port = free_port();
		let p2p_port = free_port();
		let log = log_dir.join(format!("{name}-dinfra-node.log"));
		let log_file = std::fs::File::create(&log).expect("the node's log file can be created");
		let child = Command::new(binary)
			.args(chain)
			.args(["--dev-block-time", &block_time_ms.to_string(), "--tmp"])
			.arg("--no-prometheus")
			.args(["--no-telemetry", "--no-mdns", "--no-hardware-benchmarks"])
			.args(["--rpc-port", &rpc_port.to_string(), "--port", &p2p_port.to_string()])
			.stdout(Stdio::null())
			.stderr(log_file)
			.spawn()
			.unwrap_or_else(|e| panic!("{} starts: {e}", binary.display()));
		DevNode { child, log, url: format!("ws://127.0.0.1:{rpc_port}") }
	}

	/// Connects once the node answers, or fails with the node's log.
	pub async fn connect(&mut self) -> Api {
		let deadline = Instant::now() + PATIENCE;
		loop {
			if let Ok(api) = Api::from_insecure_url(&self.url).await {
				return api;
			}
			if let Ok(Some(status)) = self.child.try_wait() {
				panic!("dinfra-node exited ({status}):\n{}", self.log_tail());
			}
			assert!(Instant::now() < deadline, "no RPC after {PATIENCE:?}:\n{}", self.log_tail());
			tokio::time::sleep(Duration::from_millis(200)).await;
		}
	}

	/// The node's last 40 log lines.
	pub fn log_tail(&self) -> String {
		let log = std::fs::read_to_string(&self.log).unwrap_or_default();
		let lines: Vec<_> = log.lines().collect();
		lines[lines.len().saturating_sub(40)..].join("\n")
	}
}

impl Drop for DevNode {
	fn drop(&mut self) {
		let _ = self.child.kill();
		let _ = self.child.wait();
		if std::thread::panicking() {
			eprintln!("dinfra-node's last log lines:\n{}", self.log_tail());
		}
	}
}

/// The chain as of one block.
pub type At = subxt::client::ClientAtBlock<
	PolkadotConfig,
	subxt::client::OnlineClientAtBlockImpl<PolkadotConfig>,
>;

/// Retries `attempt` every 50 ms until it succeeds or [`PATIENCE`] runs out.
pub async fn eventually<R, E: std::fmt::Debug, F: std::future::Future<Output = Result<R, E>>>(
	what: &str,
	mut attempt: impl FnMut() -> F,
) -> R {
	let deadline = Instant::now() + PATIENCE;
	loop {
		match attempt().await {
			Ok(r) => return r,
			Err(e) if Instant::now() > deadline => panic!("{what}: {e:?}"),
			Err(_) => tokio::time::sleep(Duration::from_millis(50)).await,
		}
	}
}

/// The chain at block `number`, waiting for it to be sealed and finalized.
pub async fn block(api: &Api, number: u64) -> At {
	eventually(&format!("block {number}"), || api.at_block(number)).await
}

/// Signs and submits a call as `who`, and returns the finalized block it landed in; fails the
/// test if the call fails.
pub async fn submit<Call: subxt::transactions::Payload>(
	api: &Api,
	who: &subxt_signer::sr25519::Keypair,
	call: Call,
) -> At {
	let progress = api
		.tx()
		.await
		.expect("a transactions client")
		.sign_and_submit_then_watch_default(&call, who)
		.await
		.expect("the transaction is accepted");
	let in_block = progress.wait_for_finalized().await.expect("the transaction is finalized");
	in_block.wait_for_success().await.expect("the transaction succeeds");
	api.at_block(in_block.block_hash()).await.expect("its block")
}

/// The first event `E` matching `matches` in the `within` blocks from `from` on; with its block.
/// Fails with the DINFRA events it saw instead.
pub async fn find_event<E: subxt::events::DecodeAsEvent>(
	api: &Api,
	from: u64,
	within: u64,
	matches: impl Fn(&E) -> bool,
) -> (At, E) {
	let mut seen = Vec::new();
	for number in from..from + within {
		let at = block(api, number).await;
		let events = at.events().fetch().await.expect("events");
		for event in events.iter() {
			let event = event.expect("the event decodes");
			if event.pallet_name().starts_with("Dinfra") {
				seen.push(format!("#{number} {}.{}", event.pallet_name(), event.event_name()));
			}
		}
		for event in events.find::<E>() {
			let event = event.expect("the event decodes");
			if matches(&event) {
				return (at, event);
			}
		}
	}
	panic!(
		"no matching {} in blocks {from}..{}; DINFRA events seen: {seen:?}",
		std::any::type_name::<E>(),
		from + within
	);
}

/// The first event `E` of this block.
pub async fn event_in<E: subxt::events::DecodeAsEvent>(at: &At) -> E {
	let events = at.events().fetch().await.expect("events");
	match events.find_first::<E>() {
		Some(event) => event.expect("it decodes"),
		None => panic!("no {} in block {}", std::any::type_name::<E>(), at.block_number()),
	}
}
