//! Faults of the gateway that must not destroy a deployment the chain still holds, against a
//! real `dinfra-node --dev`, real OGates in this process, and a reactor over the local driver
//! whose removal policy is as eager as it can be (no grace, no cap that matters):
//! - OGate starts on a wiped (fresh) data directory;
//! - OGate cannot reach its node;
//! - OGate is configured with the wrong provider.
//!
//! In each, a reconciliation pass leaves the subscriber's process running. Then the chain ends
//! the subscription, and the same reactor removes it on the current view: the safety does not
//! come from never removing anything.

mod local_support;
#[path = "../../ogate/tests/support/mod.rs"]
mod support;

use dinfra_devnet::{find_event, submit, PATIENCE};
use dinfra_ogate::{chain::dinfra, config::Config};
use dinfra_reactor::{
	delivery,
	driver::{local::LocalDriver, Driver},
	ogate::Ogate,
	reactor::{Reactor, Removals},
	reconcile::{pass, Pass},
};
use local_support::local_config;
use serde_json::{json, Value};
use std::{
	path::Path,
	sync::Arc,
	time::{Duration, Instant},
};
use subxt_signer::sr25519::dev;
use support::*;

/// The eagerest policy: whatever may be removed is removed at once.
const EAGER: Removals = Removals { grace: Duration::ZERO, max_per_pass: 1_000 };

async fn reactor_for(gate: &Gate, state: &Path) -> Arc<Reactor<LocalDriver>> {
	let base = 22_000 + (std::process::id() % 100) as u16 * 10;
	let config = local_config(state, base, 10);
	let driver = LocalDriver::open(config).await.expect("the local driver opens");
	Reactor::with_removals(driver, Ogate::new(&gate.base, TOKEN), EAGER)
}

async fn sync(gate: &Gate) -> Value {
	gate.get("/v1/sync").await.json().await.unwrap()
}

async fn wait_for_sync(gate: &Gate, what: &str, check: impl Fn(&Value) -> bool) -> Value {
	let deadline = Instant::now() + PATIENCE;
	loop {
		let status = sync(gate).await;
		if check(&status) {
			return status;
		}
		assert!(Instant::now() < deadline, "OGate never got {what}: {status}");
		tokio::time::sleep(Duration::from_millis(50)).await;
	}
}

async fn answers(endpoint: &str) -> Option<Value> {
	reqwest::get(endpoint).await.ok()?.json().await.ok()
}

/// Passes of `reactor` while `gate` is in the fault; each must leave `id` running.
async fn passes_leave_it_running(reactor: &Reactor<LocalDriver>, id: u64, endpoint: &str) {
	for _ in 0..5 {
		let done = pass(reactor).await.expect("a pass");
		assert!(done.removed.is_empty(), "removed on a faulty view: {done:?}");
		assert!(done.stale, "a faulty view was taken as current: {done:?}");
		assert!(reactor.driver.status(id).await.unwrap().is_some(), "the instance is gone");
		assert_eq!(answers(endpoint).await.expect("it answers")["subscription"], id);
		tokio::time::sleep(Duration::from_millis(100)).await;
	}
}

#[tokio::test(flavor = "multi_thread")]
async fn no_fault_of_the_gateway_destroys_a_deployment_the_chain_still_holds() {
	let net = Network::start("faults").await;
	net.provide().await;
	let state = tempfile::tempdir().unwrap();

	// Bob's gateway on its first data directory; a reactor pulls its feed and provisions.
	let first = net.start_gate(&[], Some(&net.scratch.path().join("first"))).await;
	let reactor = reactor_for(&first, state.path()).await;
	let stop = tokio_util::sync::CancellationToken::new();
	let puller = tokio::spawn(delivery::pull(reactor.clone(), stop.clone()));
	let (id, subscribed) = net.subscribe(&json!({ "image": "debian-12" })).await;
	let (_, running) = find_event::<dinfra::dinfra_subscription::events::DeploymentRunning>(
		&net.api,
		subscribed,
		600,
		|e| e.id == id,
	)
	.await;
	let endpoint = String::from_utf8(running.endpoint.0.clone()).unwrap();
	stop.cancel();
	puller.await.unwrap();
	first.wait_for_phase(id, "running").await;
	wait_for_sync(&first, "current", |s| s["current"] == true).await;
	assert_eq!(pass(&reactor).await.unwrap(), Pass::default(), "a healthy pass does nothing");
	first.stop();
	drop(reactor);

	// 1. A node that cannot be reached, on a fresh data directory: an empty store, forever.
	let unreachable = Gate::start(Config {
		node_url: format!("ws://127.0.0.1:{}", dinfra_devnet::free_port()),
		data_dir: net.scratch.path().join("unreachable"),
		..net.gate_config(&[], None)
	})
	.await;
	let reactor = reactor_for(&unreachable, state.path()).await;
	let status = sync(&unreachable).await;
	assert_eq!(
		(&status["current"], &status["reason"]),
		(&json!(false), &json!("not connected to the node"))
	);
	passes_leave_it_running(&reactor, id, &endpoint).await;
	unreachable.stop();
	drop(reactor);

	// 2. The wrong provider (Eve, whose proxy Dave is not), on a fresh data directory: the
	// chain truly shows no deployments for it.
	let wrong = Gate::start(Config {
		provider: "//Eve".into(),
		data_dir: net.scratch.path().join("wrong"),
		..net.gate_config(&[], None)
	})
	.await;
	let reactor = reactor_for(&wrong, state.path()).await;
	let status = wait_for_sync(&wrong, "the proxy checked", |s| {
		s["reason"].as_str().is_some_and(|r| r.contains("is not a proxy of provider"))
	})
	.await;
	assert_eq!((&status["connected"], &status["authorized"]), (&json!(true), &json!(false)));
	passes_leave_it_running(&reactor, id, &endpoint).await;
	assert_eq!(sync(&wrong).await["reconciled"], false, "a wrong provider never reconciles");
	wrong.stop();
	drop(reactor);

	// 3. A wiped data directory, against the right node: until OGate has imported what the
	// chain holds, its view is not current; after that, the deployment is known again.
	let wiped = net.start_gate(&[], Some(&net.scratch.path().join("wiped"))).await;
	let reactor = reactor_for(&wiped, state.path()).await;
	let deadline = Instant::now() + PATIENCE;
	loop {
		let done = pass(&reactor).await.expect("a pass");
		assert!(done.removed.is_empty(), "removed after a wipe: {done:?}");
		assert!(reactor.driver.status(id).await.unwrap().is_some(), "the instance is gone");
		if !done.stale {
			break;
		}
		assert!(Instant::now() < deadline, "the wiped gateway never became current");
		tokio::time::sleep(Duration::from_millis(20)).await;
	}
	let view = wiped.deployment(id).await;
	assert_eq!(
		(&view["phase"], view["endpoint"].as_str()),
		(&json!("running"), Some(endpoint.as_str()))
	);
	assert_eq!(answers(&endpoint).await.expect("it answers")["subscription"], id);

	// The chain ends it: on the current view, the same eager reactor removes it.
	let call = dinfra::transactions().dinfra_subscription().terminate(id);
	submit(&net.api, &dev::charlie(), call).await;
	wiped.wait_for_phase(id, "ended").await;
	// A pass that falls between OGate learning of a finalized block and applying it sees a
	// view that is not current and does nothing; the next current one removes the instance.
	let deadline = Instant::now() + PATIENCE;
	let done = loop {
		let done = pass(&reactor).await.unwrap();
		if !done.stale {
			break done;
		}
		assert!(Instant::now() < deadline, "the view never became current again");
		tokio::time::sleep(Duration::from_millis(20)).await;
	};
	assert_eq!(done.removed, vec![id], "{done:?}");
	assert!(reactor.driver.status(id).await.unwrap().is_none());
	assert!(answers(&endpoint).await.is_none(), "nothing answers at {endpoint}");
	wiped.stop();
}
