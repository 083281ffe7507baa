//! OGate killed with SIGKILL in the middle of a stream of awards, then restarted on the same
//! store: every task is delivered, and no report is sent to the chain twice.

mod support;

use dinfra_devnet::block;
use dinfra_ogate::chain::dinfra;
use serde_json::json;
use std::{
	collections::{BTreeMap, BTreeSet},
	process::{Child, Command, Stdio},
	sync::Arc,
	time::{Duration, Instant},
};
use subxt_signer::sr25519::dev;
use support::*;

/// How many subscriptions the stream holds.
const AWARDS: u64 = 24;

/// `dinfra-ogate` as a process, with the configuration of `config`.
fn spawn_gate(config: &dinfra_ogate::config::Config, log: &std::path::Path) -> Child {
	let webhook = &config.webhooks[0];
	Command::new(env!("CARGO_BIN_EXE_dinfra-ogate"))
		.args(["--node-url", &config.node_url, "--provider", &config.provider])
		.args(["--dev", "--operator-seed", config.operator_seed.expose()])
		.args(["--listen", &config.listen.to_string()])
		.arg("--data-dir")
		.arg(&config.data_dir)
		.arg("--content-dir")
		.arg(config.content_dir.as_ref().unwrap())
		.args(["--admin-token", &format!("reactor:{TOKEN}")])
		.args([
			"--webhook",
			&format!("{}={}#{}", webhook.name, webhook.url, webhook.secret.expose()),
		])
		.env("RUST_LOG", "info")
		.stdout(Stdio::null())
		.stderr(std::fs::OpenOptions::new().create(true).append(true).open(log).unwrap())
		.spawn()
		.expect("dinfra-ogate starts")
}

#[tokio::test(flavor = "multi_thread")]
async fn sigkill_in_a_stream_of_awards_loses_no_task_and_sends_no_report_twice() {
	let net = Arc::new(Network::start("crash").await);
	let reactor = Reactor::start(true).await;
	net.provide().await;
	let start = net.api.at_current_block().await.unwrap().block_number();
	let config = net.gate_config(&[&reactor], None);
	let log = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("crash-ogate.log");
	let _ = std::fs::remove_file(&log);
	let base = format!("http://{}", config.listen);

	let mut gate = spawn_gate(&config, &log);
	reactor.set_gate(Gate::at(base.clone()).await);

	// The stream: one subscription after another.
	let stream = {
		let net = net.clone();
		tokio::spawn(async move {
			let mut ids = Vec::new();
			for i in 0..AWARDS {
				ids.push(
					net.subscribe(&json!({"image": "debian-12", "open_ports": [i + 1]})).await.0,
				);
			}
			ids
		})
	};

	// Killed once some tasks are out, while more are coming.
	let deadline = Instant::now() + dinfra_devnet::PATIENCE;
	while reactor.tasks().len() < 6 {
		assert!(Instant::now() < deadline, "no tasks before the kill");
		tokio::time::sleep(Duration::from_millis(20)).await;
	}
	gate.kill().expect("SIGKILL");
	gate.wait().unwrap();
	let delivered_before = reactor.tasks().len();
	tokio::time::sleep(Duration::from_millis(500)).await;
	let mut gate = spawn_gate(&config, &log);
	reactor.set_gate(Gate::at(base).await);

	let ids: BTreeSet<u64> = stream.await.unwrap().into_iter().collect();
	assert_eq!(ids.len() as u64, AWARDS);

	// The operator's reports are all in: its nonce reaches one per award.
	let dave = dev::dave().public_key().to_account_id();
	dinfra_devnet::eventually("the operator's reports all land", || async {
		let at = net.api.at_current_block().await.map_err(|e| e.to_string())?;
		match at.tx().account_nonce(&dave).await {
			Ok(nonce) if nonce >= AWARDS => Ok(()),
			other => Err(format!("{other:?}")),
		}
	})
	.await;
	// Every subscription is provisioned and reported running exactly once on chain: every
	// block from the start to 20 past the head (for any duplicate still in flight) is read.
	// Reading them one by one can fall behind the 100 ms blocks on a loaded machine, so the
	// walk is bounded by blocks, not by time.
	let mut running: BTreeMap<u64, u32> = BTreeMap::new();
	let mut number = start;
	let settle = net.api.at_current_block().await.unwrap().block_number() + 20;
	while number < settle {
		let at = block(&net.api, number).await;
		for e in at
			.events()
			.fetch()
			.await
			.unwrap()
			.find::<dinfra::dinfra_subscription::events::DeploymentRunning>()
		{
			*running.entry(e.unwrap().id).or_default() += 1;
		}
		number += 1;
	}
	assert_eq!(running.keys().copied().collect::<BTreeSet<_>>(), ids);
	assert!(running.values().all(|n| *n == 1), "{running:?}");

	// Every provision task reached the reactor (repeats allowed: delivery is at least once)...
	let provisioned: BTreeSet<u64> = reactor
		.tasks()
		.iter()
		.filter(|t| t.action.name() == "provision")
		.map(|t| t.subscription)
		.collect();
	assert_eq!(provisioned, ids);
	// ... and the operator signed exactly one extrinsic per report: no nonce was spent twice.
	let at = net.api.at_current_block().await.unwrap();
	let nonce = at.tx().account_nonce(&dave).await.unwrap();
	assert_eq!(nonce, AWARDS, "the operator sent {nonce} extrinsics for {AWARDS} reports");
	assert!(delivered_before < reactor.tasks().len());

	gate.kill().unwrap();
	gate.wait().unwrap();
}
