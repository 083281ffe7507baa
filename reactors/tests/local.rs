//! The local driver with real processes: the reactor's own `workload` program on loopback.

mod local_support;

use dinfra_reactor::driver::{
	local::{LocalConfig, LocalDriver, Program},
	Driver, DriverError, Instance, InstanceState, Spec,
};
use local_support::local_config;
use serde_json::{json, Value};
use std::{collections::BTreeMap, os::unix::process::CommandExt, path::Path, time::Duration};

fn config(dir: &Path, first_port: u16) -> LocalConfig {
	local_config(dir, first_port, 51)
}

/// A port range no other test of this file uses, so that the tests can run side by side.
fn ports(test: u16) -> u16 {
	let base = 21_000 + (std::process::id() % 200) as u16 * 100;
	base + test * 60
}

fn spec(subscription: u64) -> Spec {
	Spec { subscription, deployment_type: 0, descriptor: json!({ "image": "debian-12" }) }
}

async fn get(endpoint: &str) -> Option<Value> {
	let answer = reqwest::get(endpoint).await.ok()?;
	answer.json().await.ok()
}

fn pid_of(about: &Value) -> i32 {
	about["pid"].as_i64().expect("the workload says its pid") as i32
}

fn gone(pid: i32) -> bool {
	// A zombie (exited, not yet reaped) is gone too.
	std::fs::read_to_string(format!("/proc/{pid}/stat")).map_or(true, |stat| {
		stat.rsplit(')').next().is_some_and(|s| s.trim_start().starts_with('Z'))
	})
}

async fn eventually(what: &str, mut check: impl AsyncFnMut() -> bool) {
	for _ in 0..200 {
		if check().await {
			return;
		}
		tokio::time::sleep(Duration::from_millis(50)).await;
	}
	panic!("timed out waiting until {what}");
}

#[tokio::test]
async fn provisioning_twice_runs_one_process_that_answers_and_deprovisioning_stops_it() {
	let dir = tempfile::tempdir().unwrap();
	let driver = LocalDriver::open(config(dir.path(), ports(0))).await.unwrap();

	let first = driver.provision(&spec(7)).await.unwrap();
	assert_eq!(first.state, InstanceState::Running);
	let endpoint = first.endpoint.clone().unwrap();
	let about = get(&endpoint).await.expect("the endpoint answers");
	assert_eq!(about["subscription"], 7);
	assert_eq!(about["descriptor"], json!({ "image": "debian-12" }));

	let again = driver.provision(&spec(7)).await.unwrap();
	assert_eq!(again, first, "the same deployment, not a second one");
	assert_eq!(pid_of(&get(&endpoint).await.unwrap()), pid_of(&about));
	assert_eq!(driver.list().await.unwrap(), vec![first.clone()]);

	driver.deprovision(7).await.unwrap();
	eventually("the process is gone", async || gone(pid_of(&about))).await;
	assert!(get(&endpoint).await.is_none(), "nothing answers any more");
	assert_eq!(driver.list().await.unwrap(), vec![]);
	assert_eq!(driver.status(7).await.unwrap(), None);
	assert!(!dir.path().join("7.json").exists(), "the record is removed");

	// Deprovisioning what does not exist succeeds.
	driver.deprovision(7).await.unwrap();
	driver.deprovision(404).await.unwrap();
}

#[tokio::test]
async fn a_program_on_every_interface_is_named_by_the_endpoint_host_that_clients_reach() {
	// As in a container: programs listen on all of its interfaces, and clients reach them
	// through the ports it publishes, by another name.
	let dir = tempfile::tempdir().unwrap();
	let config = LocalConfig {
		host: "0.0.0.0".parse().unwrap(),
		endpoint_host: Some("localhost".into()),
		..config(dir.path(), ports(6))
	};
	let driver = LocalDriver::open(config).await.unwrap();
	let instance = driver.provision(&spec(9)).await.unwrap();
	assert_eq!(instance.state, InstanceState::Running, "readiness is checked on loopback");
	let endpoint = instance.endpoint.clone().unwrap();
	assert_eq!(endpoint, format!("http://localhost:{}", ports(6)));
	assert_eq!(get(&endpoint).await.expect("the endpoint answers")["subscription"], 9);
	assert_eq!(driver.status(9).await.unwrap(), Some(instance));
	driver.deprovision(9).await.unwrap();
}

#[tokio::test]
async fn a_crashed_program_is_restarted_on_its_port() {
	let dir = tempfile::tempdir().unwrap();
	let driver = LocalDriver::open(config(dir.path(), ports(1))).await.unwrap();
	let instance = driver.provision(&spec(1)).await.unwrap();
	let endpoint = instance.endpoint.unwrap();
	let before = pid_of(&get(&endpoint).await.unwrap());

	nix::sys::signal::kill(nix::unistd::Pid::from_raw(before), nix::sys::signal::Signal::SIGKILL)
		.unwrap();
	eventually("a new process answers on the same endpoint", async || {
		get(&endpoint).await.is_some_and(|about| pid_of(&about) != before)
	})
	.await;
	driver.deprovision(1).await.unwrap();
}

#[tokio::test]
async fn a_restarted_driver_adopts_running_programs_and_starts_no_second_copy() {
	let dir = tempfile::tempdir().unwrap();
	let first_port = ports(2);
	let endpoint;
	let pid;
	{
		let driver = LocalDriver::open(config(dir.path(), first_port)).await.unwrap();
		endpoint = driver.provision(&spec(3)).await.unwrap().endpoint.unwrap();
		pid = pid_of(&get(&endpoint).await.unwrap());
		// The driver goes away (a reactor restart); the deployment keeps running.
	}
	assert!(get(&endpoint).await.is_some(), "the deployment outlives the driver");

	let driver = LocalDriver::open(config(dir.path(), first_port)).await.unwrap();
	let listed = driver.list().await.unwrap();
	assert_eq!(listed.len(), 1);
	assert_eq!((listed[0].subscription, listed[0].state.clone()), (3, InstanceState::Running));
	let again = driver.provision(&spec(3)).await.unwrap();
	assert_eq!(again.endpoint.as_deref(), Some(endpoint.as_str()));
	assert_eq!(pid_of(&get(&endpoint).await.unwrap()), pid, "adopted, not started again");

	driver.deprovision(3).await.unwrap();
	eventually("the adopted process is gone", async || gone(pid)).await;
}

/// A subscription's funds run out: its program is stopped and its state directory, port and
/// record are kept, also across a restart of the reactor; a top-up starts it again on the same
/// port over the same state (the workload finds its `created_at` and counts a second boot); the
/// end after a second run-out removes everything.
#[tokio::test]
async fn a_suspended_deployment_keeps_its_state_across_a_restart_and_resumes_where_it_was() {
	let dir = tempfile::tempdir().unwrap();
	let first_port = ports(5);
	let (endpoint, before);
	{
		let driver = LocalDriver::open(config(dir.path(), first_port)).await.unwrap();
		endpoint = driver.provision(&spec(5)).await.unwrap().endpoint.unwrap();
		before = get(&endpoint).await.expect("the endpoint answers");
		assert_eq!(before["state"]["boots"], 1);
		driver.suspend(5).await.unwrap();
		eventually("the program is stopped", async || gone(pid_of(&before))).await;
		assert!(get(&endpoint).await.is_none(), "no compute while suspended");
		let status = driver.status(5).await.unwrap().expect("the deployment is kept");
		assert_eq!(status.state, InstanceState::Stopped);
		// Suspending again, or something unknown, succeeds and changes nothing.
		driver.suspend(5).await.unwrap();
		driver.suspend(404).await.unwrap();
	}
	assert!(dir.path().join("5").join("workload.json").exists(), "the state is kept");
	// A restarted reactor leaves it stopped.
	let driver = LocalDriver::open(config(dir.path(), first_port)).await.unwrap();
	tokio::time::sleep(Duration::from_millis(500)).await;
	assert!(get(&endpoint).await.is_none(), "still suspended after a restart");
	assert_eq!(driver.list().await.unwrap()[0].state, InstanceState::Stopped);

	// Resumed: the same endpoint, a new process, the same state.
	let resumed = driver.resume(5).await.unwrap();
	assert_eq!(resumed.endpoint.as_deref(), Some(endpoint.as_str()));
	let after = get(&endpoint).await.expect("it answers again");
	assert_ne!(pid_of(&after), pid_of(&before));
	assert_eq!(after["state"]["created_at"], before["state"]["created_at"]);
	assert_eq!(after["state"]["boots"], 2);
	// Resuming what runs returns it; provisioning a suspended one resumes it.
	assert_eq!(driver.resume(5).await.unwrap(), resumed);
	driver.suspend(5).await.unwrap();
	let again = driver.provision(&spec(5)).await.unwrap();
	assert_eq!(again.endpoint.as_deref(), Some(endpoint.as_str()));
	assert_eq!(get(&endpoint).await.unwrap()["state"]["boots"], 3);

	// The chain ends it: program, record and state are gone; nothing is left to resume.
	driver.suspend(5).await.unwrap();
	driver.deprovision(5).await.unwrap();
	assert!(!dir.path().join("5").exists() && !dir.path().join("5.json").exists());
	assert!(matches!(driver.resume(5).await, Err(DriverError::Refused(_))));
}

/// Takes a deployment's port, as another program on the host would: the port and its listener.
fn squat(endpoint: &str) -> (u16, std::net::TcpListener) {
	let port: u16 = endpoint.rsplit(':').next().unwrap().parse().unwrap();
	(port, std::net::TcpListener::bind(("127.0.0.1", port)).expect("the port is free"))
}

/// A refusal for now (`Unavailable`) that names the taken port.
fn assert_refused_for_now(result: Result<Instance, DriverError>, port: u16) {
	match result {
		Err(DriverError::Unavailable(why)) => assert!(why.contains(&port.to_string()), "{why}"),
		other => panic!("started onto a taken port: {other:?}"),
	}
}

/// The deployment is `back` on its `endpoint` and answers there over the state it had
/// (`before`), booted twice.
async fn assert_back_over_its_state(back: Instance, endpoint: &str, before: &Value) {
	assert_eq!(back.endpoint.as_deref(), Some(endpoint));
	let after = get(endpoint).await.expect("it answers again");
	assert_eq!(after["subscription"], before["subscription"]);
	assert_eq!(after["state"]["created_at"], before["state"]["created_at"]);
	assert_eq!(after["state"]["boots"], 2);
}

/// While a deployment is suspended its port is free on the host, and another program (another
/// reactor with an overlapping range, anything) may take it. Resuming then starts nothing: the
/// deployment stays suspended, the refusal names the port and is temporary (tried again), and
/// nobody else's listener passes for the resumed deployment. Once the port is free, the same
/// resume brings it back over its state.
#[tokio::test]
async fn a_resume_whose_port_another_program_took_starts_nothing_and_succeeds_once_it_is_free() {
	let dir = tempfile::tempdir().unwrap();
	let driver = LocalDriver::open(config(dir.path(), ports(7))).await.unwrap();
	let endpoint = driver.provision(&spec(7)).await.unwrap().endpoint.unwrap();
	let before = get(&endpoint).await.expect("the endpoint answers");
	driver.suspend(7).await.unwrap();
	eventually("the program is stopped", async || gone(pid_of(&before))).await;

	let (port, squatter) = squat(&endpoint);
	assert_refused_for_now(driver.resume(7).await, port);
	let record: Value =
		serde_json::from_slice(&std::fs::read(dir.path().join("7.json")).unwrap()).unwrap();
	assert_eq!(record["suspended"], true, "still suspended: {record}");
	assert_eq!(driver.status(7).await.unwrap().unwrap().state, InstanceState::Stopped);
	// Provisioning it (the reconciler's way) is the same resume, refused the same way.
	assert_refused_for_now(driver.provision(&spec(7)).await, port);

	drop(squatter);
	assert_back_over_its_state(driver.resume(7).await.unwrap(), &endpoint, &before).await;
	driver.deprovision(7).await.unwrap();
}

/// The same on a reactor's restart: a running deployment's program died while the reactor was
/// down and another program took its port. The new driver leaves it stopped instead of
/// restarting it into a loop of failed binds behind someone else's answers; provisioning it
/// (the reconciler's restore) is refused for now, and succeeds on its own port over its state
/// once the port is free.
#[tokio::test]
async fn a_restart_finding_a_dead_program_s_port_taken_leaves_it_stopped_until_the_port_is_free() {
	let dir = tempfile::tempdir().unwrap();
	let (endpoint, before);
	{
		let driver = LocalDriver::open(config(dir.path(), ports(8))).await.unwrap();
		endpoint = driver.provision(&spec(8)).await.unwrap().endpoint.unwrap();
		before = get(&endpoint).await.expect("the endpoint answers");
	}
	let pid = nix::unistd::Pid::from_raw(pid_of(&before));
	nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGKILL).unwrap();
	eventually("the program is dead", async || gone(pid_of(&before))).await;
	let (port, squatter) = squat(&endpoint);

	let driver = LocalDriver::open(config(dir.path(), ports(8))).await.unwrap();
	assert_eq!(driver.status(8).await.unwrap().unwrap().state, InstanceState::Stopped);
	assert_refused_for_now(driver.provision(&spec(8)).await, port);
	assert!(dir.path().join("8").join("workload.json").exists(), "the state is kept");

	drop(squatter);
	assert_back_over_its_state(driver.provision(&spec(8)).await.unwrap(), &endpoint, &before).await;
	driver.deprovision(8).await.unwrap();
}

/// The crash this guards against: the reactor started a program and died before it recorded
/// the pid. The record names the start's launch token, and the program carries it.
#[tokio::test]
async fn a_program_started_just_before_a_crash_is_found_by_its_launch_token_not_started_twice() {
	let dir = tempfile::tempdir().unwrap();
	let first_port = ports(4);
	let settings = config(dir.path(), first_port);
	let program = settings.default_program.clone().unwrap();
	let record = json!({
		"subscription": 9,
		"deployment_type": 0,
		"port": first_port,
		"program": program,
		"descriptor": { "image": "debian-12" },
		"process": null,
		"launch": "9-1234567890",
	});
	std::fs::write(dir.path().join("9.json"), record.to_string()).unwrap();
	let mut lost = std::process::Command::new(&program.command)
		.args(["workload", "--listen", &format!("127.0.0.1:{first_port}")])
		.env("DINFRA_SUBSCRIPTION", "9")
		.env("DINFRA_DESCRIPTOR", r#"{"image":"debian-12"}"#)
		.env("DINFRA_LAUNCH", "9-1234567890")
		.process_group(0)
		.spawn()
		.unwrap();
	let endpoint = format!("http://127.0.0.1:{first_port}");
	eventually("the lost program listens", async || get(&endpoint).await.is_some()).await;

	// Whatever happens below, the program does not outlive the test.
	struct Reap(i32);
	impl Drop for Reap {
		fn drop(&mut self) {
			let group = nix::unistd::Pid::from_raw(self.0);
			let _ = nix::sys::signal::killpg(group, nix::sys::signal::Signal::SIGKILL);
		}
	}
	let _reap = Reap(lost.id() as i32);
	let driver = LocalDriver::open(settings).await.unwrap();
	let again = driver.provision(&spec(9)).await.unwrap();
	assert_eq!(again.endpoint.as_deref(), Some(endpoint.as_str()));
	let pid = lost.id() as i32;
	assert_eq!(pid_of(&get(&endpoint).await.unwrap()), pid, "adopted, not started again");
	let recorded: Value =
		serde_json::from_slice(&std::fs::read(dir.path().join("9.json")).unwrap()).unwrap();
	assert_eq!(recorded["process"][0], pid, "its pid is recorded now");

	driver.deprovision(9).await.unwrap();
	// Gone (a zombie is gone too) before it is reaped: waiting first could block forever.
	eventually("the adopted process is gone", async || gone(pid)).await;
	let _ = lost.wait();
}

#[tokio::test]
async fn unknown_types_and_programs_that_never_listen_are_refused_and_leave_nothing() {
	let dir = tempfile::tempdir().unwrap();
	let mut settings = config(dir.path(), ports(3));
	settings.default_program = None;
	settings.ready_timeout_ms = 1_000;
	settings.programs.insert(
		"1".into(),
		Program { command: "/bin/sleep".into(), args: vec!["30".into()], env: BTreeMap::new() },
	);
	let driver = LocalDriver::open(settings).await.unwrap();

	let unknown = driver.provision(&spec(5)).await;
	assert_eq!(
		unknown,
		Err(DriverError::Refused(
			"this provider runs no local program for deployment type 0".into()
		))
	);
	let silent = Spec { deployment_type: 1, ..spec(6) };
	match driver.provision(&silent).await {
		Err(DriverError::Refused(reason)) => assert!(reason.contains("did not listen"), "{reason}"),
		other => panic!("expected a refusal, got {other:?}"),
	}
	assert_eq!(driver.list().await.unwrap(), vec![]);
	assert!(std::fs::read_dir(dir.path())
		.unwrap()
		.flatten()
		.all(|e| e.path().extension().is_some_and(|x| x == "log")));
}
