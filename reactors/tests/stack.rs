//! The whole local stack: `dinfra-node --dev`, OGate and `dinfra-reactor` with the local driver,
//! through one subscription's life. Each step is checked on chain and on this machine.
//!
//! Bob is the provider, Dave his gateway's operator key, Charlie the subscriber. The reactor is
//! the real binary, pulling OGate's feed; its deployment is the default local workload.

#[path = "../../ogate/tests/support/mod.rs"]
mod support;

use dinfra_devnet::{find_event, PATIENCE};
use dinfra_ogate::chain::dinfra::{
	self, runtime_types::dinfra_primitives::subscription::TerminationReason,
};
use serde_json::{json, Value};
use std::{
	path::Path,
	process::{Child, Command, Stdio},
	time::{Duration, Instant},
};
use support::*;

/// The reactor process; stopped (SIGTERM) when dropped, also when a test fails.
struct ReactorProcess(Child);

impl ReactorProcess {
	fn start(gate: &Gate, state_dir: &Path, log: &Path) -> ReactorProcess {
		let log = std::fs::File::create(log).unwrap();
		let child = Command::new(env!("CARGO_BIN_EXE_dinfra-reactor"))
			.env("REACTOR_OGATE_URL", &gate.base)
			.env("REACTOR_OGATE_TOKEN", TOKEN)
			.env("REACTOR_STATE_DIR", state_dir)
			.env("REACTOR_RECONCILE_INTERVAL_MS", "1000")
			.env("RUST_LOG", "info")
			.stdout(Stdio::null())
			.stderr(log)
			.spawn()
			.expect("the reactor starts");
		ReactorProcess(child)
	}
}

impl Drop for ReactorProcess {
	fn drop(&mut self) {
		let pid = nix::unistd::Pid::from_raw(self.0.id() as i32);
		let _ = nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGTERM);
		let _ = self.0.wait();
	}
}

async fn get(endpoint: &str) -> Option<Value> {
	reqwest::get(endpoint).await.ok()?.json().await.ok()
}

fn running(pid: i32) -> bool {
	std::fs::read_to_string(format!("/proc/{pid}/stat"))
		.is_ok_and(|stat| !stat.rsplit(')').next().is_some_and(|s| s.trim_start().starts_with('Z')))
}

#[tokio::test(flavor = "multi_thread")]
async fn a_subscription_comes_up_as_a_local_process_and_is_gone_when_its_funds_run_out() {
	let net = Network::start("stack").await;
	let gate = net.start_gate(&[], None).await;
	let state = tempfile::tempdir().unwrap();
	let log = Path::new(env!("CARGO_TARGET_TMPDIR")).join("stack-reactor.log");
	let _reactor = ReactorProcess::start(&gate, state.path(), &log);

	// Provider setup: Bob registers, offers vm-small, makes Dave his operator.
	net.provide().await;

	// Charlie subscribes with exactly the minimum runway.
	let min_runway: u32 = net
		.api
		.at_current_block()
		.await
		.unwrap()
		.storage()
		.fetch(dinfra::storage().dinfra_subscription().min_runway(), ())
		.await
		.unwrap()
		.decode()
		.unwrap();
	let descriptor = json!({ "image": "debian-12", "open_ports": [80] });
	let funding = PRICE * u128::from(min_runway);
	let (id, subscribed) = net.subscribe_funded(&descriptor, funding).await;

	// On chain: awarded to Bob, then reported running with a loopback endpoint.
	let (running_at, running_event) = find_event::<
		dinfra::dinfra_subscription::events::DeploymentRunning,
	>(&net.api, subscribed, 600, |e| e.id == id)
	.await;
	let endpoint = String::from_utf8(running_event.endpoint.0.clone()).unwrap();
	assert!(endpoint.starts_with("http://127.0.0.1:"), "{endpoint}");

	// On the machine: the endpoint answers, as this subscription's deployment.
	let about = get(&endpoint).await.expect("the endpoint answers");
	assert_eq!(about["subscription"], id);
	assert_eq!(about["descriptor"], descriptor);
	let pid = about["pid"].as_i64().unwrap() as i32;
	assert!(running(pid));
	assert!(state.path().join(format!("{id}.json")).exists(), "the driver's record");

	// OGate's view agrees with the chain.
	gate.wait_for_phase(id, "running").await;
	let view = gate.deployment(id).await;
	assert_eq!(
		(view["endpoint"].as_str(), &view["chain"]["phase"]),
		(Some(endpoint.as_str()), &json!("running"))
	);

	// The funds run out; the chain suspends it, and ends it when the grace it earned (as long
	// as it ran) is over, having paid Bob everything.
	let (_, ended) = find_event::<dinfra::dinfra_subscription::events::Terminated>(
		&net.api,
		running_at.block_number(),
		2 * u64::from(min_runway) + 300,
		|e| e.id == id,
	)
	.await;
	assert!(matches!(ended.reason, TerminationReason::OutOfFunds), "{:?}", ended.reason);
	assert_eq!((ended.paid, ended.refunded), (funding, 0));

	// On the machine: the process is gone, the endpoint silent, the record removed.
	let deadline = Instant::now() + PATIENCE;
	while running(pid) || state.path().join(format!("{id}.json")).exists() {
		assert!(Instant::now() < deadline, "the deployment outlived its subscription");
		tokio::time::sleep(Duration::from_millis(100)).await;
	}
	assert!(get(&endpoint).await.is_none(), "nothing answers at {endpoint}");
	gate.wait_for_phase(id, "ended").await;
	assert_eq!(gate.deployment(id).await["reason"], "out_of_funds");
}
