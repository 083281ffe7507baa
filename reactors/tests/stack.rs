//! The whole local stack: `dinfra-node --dev`, OGate and `dinfra-reactor` with the local driver,
//! through one subscription's life: running, suspended when its funds run out (process stopped,
//! state kept), resumed by a top-up over the same state, and gone when a second grace ends.
//! Each step is checked on chain and on this machine.
//!
//! Bob is the provider, Dave his gateway's operator key, Charlie the subscriber. The reactor is
//! the real binary, pulling OGate's feed; its deployment is the default local workload.

#[path = "../../ogate/tests/support/mod.rs"]
mod support;

use dinfra_devnet::{event_in, find_event, submit, PATIENCE};
use dinfra_ogate::chain::dinfra::{
	self, runtime_types::dinfra_primitives::subscription::TerminationReason,
};
use serde_json::{json, Value};
use std::{
	path::Path,
	process::{Child, Command, Stdio},
	time::{Duration, Instant},
};
use subxt_signer::sr25519::dev;
use support::*;

/// The reactor process; stopped (SIGTERM) when dropped, also when a test fails.
struct ReactorProcess(Child);

/// How many ports each test's local driver may give out.
const PORTS: u16 = 50;

impl ReactorProcess {
	/// Starts the reactor with its local driver giving out `first_port..first_port + PORTS`.
	/// Each test has a range of its own: the tests run at once, and a port one reactor has
	/// freed (a suspended deployment's) is free for any other reactor on the machine to take.
	fn start(gate: &Gate, state_dir: &Path, log: &Path, first_port: u16) -> ReactorProcess {
		let config = log.with_extension("toml");
		let last_port = first_port + PORTS - 1;
		std::fs::write(
			&config,
			format!("[local]\nfirst_port = {first_port}\nlast_port = {last_port}\n"),
		)
		.unwrap();
		let log = std::fs::File::create(log).unwrap();
		let child = Command::new(env!("CARGO_BIN_EXE_dinfra-reactor"))
			.env("REACTOR_CONFIG", &config)
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

/// Root shortens the minimum runway, so that the runs and graces of this test last seconds.
const RUNWAY: u32 = 100;

/// Waits until `check` holds, or fails with `what`.
async fn until(what: &str, mut check: impl AsyncFnMut() -> bool) {
	let deadline = Instant::now() + PATIENCE;
	while !check().await {
		assert!(Instant::now() < deadline, "timed out waiting until {what}");
		tokio::time::sleep(Duration::from_millis(100)).await;
	}
}

#[tokio::test(flavor = "multi_thread")]
async fn a_subscription_runs_is_suspended_with_its_state_kept_resumes_and_is_gone_after_its_grace()
{
	let net = Network::start("stack").await;
	let gate = net.start_gate(&[], None).await;
	let state = tempfile::tempdir().unwrap();
	let log = Path::new(env!("CARGO_TARGET_TMPDIR")).join("stack-reactor.log");
	let _reactor = ReactorProcess::start(&gate, state.path(), &log, 20_000);

	// Provider setup: Bob registers, offers vm-small, makes Dave his operator. Root shortens
	// the minimum runway, so that runs and graces take seconds.
	net.provide().await;
	net.set_min_runway(RUNWAY).await;

	// Charlie subscribes with exactly the minimum runway.
	let descriptor = json!({ "image": "debian-12", "open_ports": [80] });
	let funding = PRICE * u128::from(RUNWAY);
	let (id, subscribed) = net.subscribe_funded(&descriptor, funding).await;

	// On chain: awarded to Bob, then reported running with a loopback endpoint.
	let (running_at, running_event) = find_event::<
		dinfra::dinfra_subscription::events::DeploymentRunning,
	>(&net.api, subscribed, 600, |e| e.id == id)
	.await;
	let endpoint = String::from_utf8(running_event.endpoint.0.clone()).unwrap();
	let port: u16 = endpoint.strip_prefix("http://127.0.0.1:").unwrap().parse().unwrap();
	assert!((20_000..20_000 + PORTS).contains(&port), "{endpoint} from this test's range");

	// On the machine: the endpoint answers, as this subscription's deployment, with its state.
	let about = get(&endpoint).await.expect("the endpoint answers");
	assert_eq!(about["subscription"], id);
	assert_eq!(about["descriptor"], descriptor);
	assert_eq!(about["state"]["boots"], 1);
	let pid = about["pid"].as_i64().unwrap() as i32;
	assert!(running(pid));
	let record = state.path().join(format!("{id}.json"));
	let kept = state.path().join(id.to_string()).join("workload.json");
	assert!(record.exists() && kept.exists(), "the driver's record and the deployment's state");

	// OGate's view agrees with the chain.
	gate.wait_for_phase(id, "running").await;
	let view = gate.deployment(id).await;
	assert_eq!(
		(view["endpoint"].as_str(), &view["chain"]["phase"]),
		(Some(endpoint.as_str()), &json!("running"))
	);

	// 1. The funds run out: the chain suspends it; the reactor stops the process and keeps its
	//    state.
	let (suspended_at, suspended) = find_event::<dinfra::dinfra_subscription::events::Suspended>(
		&net.api,
		running_at.block_number(),
		u64::from(RUNWAY) + 200,
		|e| e.id == id,
	)
	.await;
	gate.wait_for_phase(id, "suspended").await;
	until("the process is stopped", async || !running(pid)).await;
	assert!(get(&endpoint).await.is_none(), "no compute while suspended");
	assert!(record.exists() && kept.exists(), "the record and the state are kept");
	let view = gate.deployment(id).await;
	assert_eq!(view["chain"]["grace_ends_at"], suspended.grace_ends_at);

	// 2. Charlie tops up what a resume needs: the deployment comes back over its state.
	let top_up = dinfra::transactions().dinfra_subscription().top_up(id, funding);
	let topped = submit(&net.api, &dev::charlie(), top_up).await;
	assert!(topped.block_number() > suspended_at.block_number());
	event_in::<dinfra::dinfra_subscription::events::Resumed>(&topped).await;
	gate.wait_for_phase(id, "running").await;
	let mut resumed = None;
	until("the deployment answers again", async || {
		resumed = get(&endpoint).await;
		resumed.is_some()
	})
	.await;
	let resumed = resumed.unwrap();
	assert_eq!(resumed["subscription"], id);
	assert_ne!(resumed["pid"], about["pid"], "a new process");
	assert_eq!(resumed["state"]["created_at"], about["state"]["created_at"], "the same state");
	assert_eq!(resumed["state"]["boots"], 2);

	// 3. The funds run out again and nobody tops up: after the grace the chain ends it, having
	//    paid Bob everything, and the process, the record and the state are gone.
	let (_, ended) = find_event::<dinfra::dinfra_subscription::events::Terminated>(
		&net.api,
		topped.block_number(),
		2 * u64::from(RUNWAY) + 300,
		|e| e.id == id,
	)
	.await;
	assert!(matches!(ended.reason, TerminationReason::OutOfFunds), "{:?}", ended.reason);
	assert_eq!((ended.paid, ended.refunded), (2 * funding, 0));
	let new_pid = resumed["pid"].as_i64().unwrap() as i32;
	until("the process, the record and the state are gone", async || {
		!running(new_pid) && !record.exists() && !state.path().join(id.to_string()).exists()
	})
	.await;
	assert!(get(&endpoint).await.is_none(), "nothing answers at {endpoint}");
	gate.wait_for_phase(id, "ended").await;
	assert_eq!(gate.deployment(id).await["reason"], "out_of_funds");
}

/// `scripts/demo`, which the compose test runs against the relay-chain stack, on a chain whose
/// genesis registers no deployment type (the `local` spec): its first run registers `vm-small`
/// as Alice and publishes the schema to OGate's content directory (OGate checks the descriptor
/// against it), then drives the subscription to its end; a second run finds the type and
/// registers no other.
#[tokio::test(flavor = "multi_thread")]
async fn the_demo_registers_vm_small_where_the_chain_has_none_and_runs_to_the_end_twice() {
	let net = Network::start_on_chain("demo-local", "local").await;
	let types = dinfra::storage().dinfra_provider().next_deployment_type_id();
	let at = net.api.at_current_block().await.unwrap();
	assert_eq!(at.storage().fetch(types.clone(), ()).await.unwrap().decode().unwrap(), 0);

	// OGate works for Alice with Ferdie's operator key, as the demo sets up, and reads content
	// from the demo's data directory, which holds nothing yet.
	let data = tempfile::tempdir().unwrap();
	let mut config = net.gate_config(&[], None);
	config.provider = "//Alice".into();
	config.operator_seed = "//Ferdie".into();
	config.content_dir = Some(data.path().join("content"));
	let gate = Gate::start(config).await;
	let state = tempfile::tempdir().unwrap();
	let log = Path::new(env!("CARGO_TARGET_TMPDIR")).join("demo-local-reactor.log");
	let _reactor = ReactorProcess::start(&gate, state.path(), &log, 20_000 + PORTS);

	let demo = dinfra_devnet::sibling_binary("examples/demo");
	let run = |nth: &'static str| {
		let mut command = tokio::process::Command::new(&demo);
		command
			.env("DINFRA_NODE", net.url())
			.env("DINFRA_DATA", data.path())
			.env("DINFRA_MIN_RUNWAY", RUNWAY.to_string())
			.kill_on_drop(true);
		async move {
			let out = tokio::time::timeout(PATIENCE, command.output())
				.await
				.unwrap_or_else(|_| panic!("the {nth} demo ends within {PATIENCE:?}"))
				.expect("the demo starts");
			let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
			assert!(
				out.status.success(),
				"the {nth} demo succeeds:\n{stdout}\n{}",
				String::from_utf8_lossy(&out.stderr)
			);
			stdout
		}
	};

	let first = run("first").await;
	assert!(first.contains("Alice registered it as deployment type 0"), "{first}");
	assert!(first.contains("no longer answers"), "{first}");
	let schema = dinfra_ogate::descriptor::raw_cid(VM_SMALL_SCHEMA);
	assert!(data.path().join("content").join(&schema).exists(), "the schema is published");
	let at = net.api.at_current_block().await.unwrap();
	let kind = at
		.storage()
		.fetch(dinfra::storage().dinfra_provider().deployment_types(), (0,))
		.await
		.unwrap()
		.decode()
		.unwrap();
	assert_eq!(kind.owner, dev::alice().public_key().to_account_id());
	assert_eq!(
		(kind.name.0.as_slice(), kind.schema_cid.0),
		(&b"vm-small"[..], schema.into_bytes())
	);

	let second = run("second").await;
	assert!(second.contains("vm-small is deployment type 0"), "{second}");
	assert!(second.contains("no longer answers"), "{second}");
	let at = net.api.at_current_block().await.unwrap();
	assert_eq!(at.storage().fetch(types, ()).await.unwrap().decode().unwrap(), 1, "one type");
}
