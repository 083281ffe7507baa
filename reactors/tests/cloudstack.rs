//! The CloudStack driver against CloudStack's responses, kept as fixtures.
//!
//! A CloudStack management server cannot run on these machines. Instead a small HTTP server
//! plays one: it checks every request's signature as the management server does (recomputed
//! from the decoded parameters with the account's secret), checks that the calls come in the
//! expected order, and answers each with a fixture in CloudStack's JSON response format.

use axum::{
	body::Bytes,
	extract::{RawQuery, State},
	http::StatusCode,
	routing::any,
	Router,
};
use base64::Engine;
use dinfra_reactor::driver::{
	cloudstack::{sign, CloudStackConfig, CloudStackDriver, Placement},
	Driver, DriverError, Instance, InstanceState, Spec,
};
use serde_json::json;
use std::{
	collections::{BTreeMap, VecDeque},
	sync::{Arc, Mutex},
};

const SECRET: &str = "sim-secret-key";

/// One expected call and its answer.
struct Step {
	command: &'static str,
	status: u16,
	fixture: &'static str,
}

fn step(command: &'static str, fixture: &'static str) -> Step {
	Step { command, status: 200, fixture }
}

#[derive(Default)]
struct Mock {
	script: Mutex<VecDeque<Step>>,
	/// Every call: its decoded parameters.
	calls: Mutex<Vec<BTreeMap<String, String>>>,
}

fn fixture(name: &str) -> String {
	let path = format!("{}/tests/fixtures/cloudstack/{name}.json", env!("CARGO_MANIFEST_DIR"));
	std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

async fn api(
	State(mock): State<Arc<Mock>>,
	RawQuery(query): RawQuery,
	body: Bytes,
) -> (StatusCode, String) {
	let raw = if body.is_empty() { query.unwrap_or_default().into_bytes() } else { body.to_vec() };
	let pairs: Vec<(String, String)> = form_urlencoded::parse(&raw).into_owned().collect();
	let params: BTreeMap<String, String> = pairs.iter().cloned().collect();
	mock.calls.lock().unwrap().push(params.clone());
	// The management server's check: the signature over everything else, with our secret.
	let unsigned: Vec<(String, String)> =
		pairs.iter().filter(|(k, _)| k != "signature").cloned().collect();
	if params.get("signature") != Some(&sign::signature(SECRET, &unsigned))
		|| params.get("signatureversion").map(String::as_str) != Some("3")
		|| !params.contains_key("expires")
	{
		return (StatusCode::UNAUTHORIZED, fixture("unauthorized_401"));
	}
	let Some(next) = mock.script.lock().unwrap().pop_front() else {
		return (StatusCode::INTERNAL_SERVER_ERROR, format!("unexpected call {params:?}"));
	};
	assert_eq!(params["command"], next.command, "calls out of order: {params:?}");
	(StatusCode::from_u16(next.status).unwrap(), fixture(next.fixture))
}

async fn start(script: Vec<Step>) -> (Arc<Mock>, CloudStackDriver) {
	start_with(script, SECRET).await
}

async fn start_with(script: Vec<Step>, secret: &str) -> (Arc<Mock>, CloudStackDriver) {
	start_configured(script, secret, "").await
}

/// The simulator with `script`, and a driver for it with `extra` TOML settings.
async fn start_configured(
	script: Vec<Step>,
	secret: &str,
	extra: &str,
) -> (Arc<Mock>, CloudStackDriver) {
	let mock = Arc::new(Mock { script: Mutex::new(script.into()), ..Default::default() });
	let app = Router::new().route("/client/api", any(api)).with_state(mock.clone());
	let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
	let url = format!("http://{}/client/api", listener.local_addr().unwrap());
	tokio::spawn(async move { axum::serve(listener, app).await });
	(mock, driver_at(&url, secret, extra))
}

/// The driver for the API at `url`, with the simulator's placement for type 0 and `extra`
/// TOML settings.
fn driver_at(url: &str, secret: &str, extra: &str) -> CloudStackDriver {
	let placement = Placement {
		service_offering_id: "3d4e5f6a-7b8c-4d9e-0f1a-2b3c4d5e6f70".into(),
		zone_id: "1c2e9a0f-6b8d-4d1e-8f3a-5e7c9b2d4a61".into(),
		network_ids: vec!["4a5b6c7d-8e9f-4012-a345-6b7c8d9e0f12".into()],
		templates: BTreeMap::from([(
			"debian-12".to_string(),
			"7e3b1c9d-0a4f-4e2b-9c6d-8f1a2b3c4d5e".to_string(),
		)]),
		template_id: None,
		disk_offering_id: None,
	};
	let mut config: CloudStackConfig = toml::from_str(&format!(
		"api_url = \"{url}\"\napi_key = \"sim-api-key\"\nsecret_key = \"{secret}\"\n\
		 job_poll_ms = 10\n{extra}\n[types]\n"
	))
	.unwrap();
	config.types.insert("0".into(), placement);
	CloudStackDriver::new(config)
}

fn vm_small(subscription: u64) -> Spec {
	Spec {
		subscription,
		deployment_type: 0,
		descriptor: json!({
			"image": "debian-12",
			"ssh_authorized_keys": ["ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIDinfra me@laptop"],
		}),
	}
}

fn left(mock: &Mock) -> usize {
	mock.script.lock().unwrap().len()
}

#[tokio::test]
async fn provisioning_deploys_waits_for_the_job_tags_and_reports_the_address() {
	let (mock, driver) = start(vec![
		step("listVirtualMachines", "listVirtualMachines_none"),
		step("listVirtualMachines", "listVirtualMachines_none"),
		step("deployVirtualMachine", "deployVirtualMachine"),
		step("queryAsyncJobResult", "queryAsyncJobResult_pending"),
		step("queryAsyncJobResult", "queryAsyncJobResult_deployed"),
		step("createTags", "createTags"),
		step("queryAsyncJobResult", "queryAsyncJobResult_success"),
	])
	.await;
	let instance = driver.provision(&vm_small(42)).await.unwrap();
	assert_eq!(
		instance,
		Instance {
			subscription: 42,
			endpoint: Some("ssh://10.1.1.23".into()),
			state: InstanceState::Running
		}
	);
	assert_eq!(left(&mock), 0);

	let calls = mock.calls.lock().unwrap();
	// Found by tag, then by name, before anything is made.
	assert_eq!(calls[0]["tags[0].key"], "dinfra-subscription");
	assert_eq!(calls[0]["tags[0].value"], "42");
	assert_eq!(calls[1]["name"], "dinfra-42");
	let deploy = &calls[2];
	assert_eq!(deploy["serviceofferingid"], "3d4e5f6a-7b8c-4d9e-0f1a-2b3c4d5e6f70");
	assert_eq!(
		deploy["templateid"], "7e3b1c9d-0a4f-4e2b-9c6d-8f1a2b3c4d5e",
		"debian-12's template"
	);
	assert_eq!(deploy["zoneid"], "1c2e9a0f-6b8d-4d1e-8f3a-5e7c9b2d4a61");
	assert_eq!(deploy["networkids"], "4a5b6c7d-8e9f-4012-a345-6b7c8d9e0f12");
	assert_eq!(deploy["name"], "dinfra-42");
	let user_data = base64::engine::general_purpose::STANDARD.decode(&deploy["userdata"]).unwrap();
	assert_eq!(
		String::from_utf8(user_data).unwrap(),
		"#cloud-config\nssh_authorized_keys:\n  - \"ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIDinfra me@laptop\"\n"
	);
	assert_eq!(calls[3]["jobid"], "a6f1e7c4-2d1b-4f0a-8e3c-7b9d5c2e1f10");
	let tag = &calls[5];
	assert_eq!(tag["resourceids"], "5b1a7a62-3e2c-4b0e-9d4e-0c1f9a8e6d21");
	assert_eq!(tag["resourcetype"], "UserVm");
	assert_eq!(
		(tag["tags[0].key"].as_str(), tag["tags[0].value"].as_str()),
		("dinfra-subscription", "42")
	);
	assert_eq!(calls[6]["jobid"], "d2c3b4a5-9687-4756-a3b2-c1d0e9f8a7b6");
}

#[tokio::test]
async fn provisioning_a_subscription_that_has_a_vm_makes_no_second_one() {
	let (mock, driver) = start(vec![
		step("listVirtualMachines", "listVirtualMachines_tagged"),
		step("listVirtualMachines", "listVirtualMachines_tagged"),
	])
	.await;
	let instance = driver.provision(&vm_small(42)).await.unwrap();
	assert_eq!(instance.endpoint.as_deref(), Some("ssh://10.1.1.23"));
	assert_eq!(left(&mock), 0, "no deployVirtualMachine");
}

#[tokio::test]
async fn cloudstack_errors_and_failed_jobs_become_clear_reasons() {
	let (_, driver) = start(vec![
		step("listVirtualMachines", "listVirtualMachines_none"),
		step("listVirtualMachines", "listVirtualMachines_none"),
		Step { command: "deployVirtualMachine", status: 431, fixture: "deployVirtualMachine_431" },
	])
	.await;
	assert_eq!(
		driver.provision(&vm_small(42)).await,
		Err(DriverError::Refused(
			"CloudStack deployVirtualMachine failed (431): Unable to use template \
			 7e3b1c9d-0a4f-4e2b-9c6d-8f1a2b3c4d5e as it may be in an inactive state"
				.into()
		))
	);

	let (_, driver) = start(vec![
		step("listVirtualMachines", "listVirtualMachines_none"),
		step("listVirtualMachines", "listVirtualMachines_none"),
		step("deployVirtualMachine", "deployVirtualMachine"),
		step("queryAsyncJobResult", "queryAsyncJobResult_failed"),
	])
	.await;
	assert_eq!(
		driver.provision(&vm_small(42)).await,
		Err(DriverError::Refused(
			"CloudStack deployVirtualMachine job failed (533): Unable to create a deployment for \
			 VM[User|i-2-17-VM]"
				.into()
		))
	);

	// An image the provider does not offer: declined (the descriptor's fault, not slashed),
	// before any VM is made.
	let (mock, driver) = start(vec![
		step("listVirtualMachines", "listVirtualMachines_none"),
		step("listVirtualMachines", "listVirtualMachines_none"),
	])
	.await;
	let ubuntu = Spec { descriptor: json!({ "image": "ubuntu-24.04" }), ..vm_small(42) };
	assert_eq!(
		driver.provision(&ubuntu).await,
		Err(DriverError::Invalid(
			"this provider offers no template for image \"ubuntu-24.04\"".into()
		))
	);
	assert_eq!(left(&mock), 0);
}

#[tokio::test]
async fn errors_never_carry_the_api_key_or_the_signed_request() {
	// A server that answers with something else than CloudStack's JSON (a proxy's error page).
	let (_, driver) = start(vec![]).await;
	let not_json = driver.status(42).await.unwrap_err().to_string();
	assert!(not_json.contains("not JSON"), "{not_json}");
	// No server at all.
	let closed = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
	let url = format!("http://{}/client/api", closed.local_addr().unwrap());
	drop(closed);
	let unreachable = driver_at(&url, SECRET, "").status(42).await.unwrap_err().to_string();
	for error in [not_json, unreachable] {
		for secret in ["sim-api-key", "signature=", "apikey", SECRET] {
			assert!(!error.contains(secret), "{secret:?} leaks in {error:?}");
		}
	}
}

#[tokio::test]
async fn a_deploy_job_that_outlives_its_timeout_is_retried_and_the_vm_it_made_is_found() {
	// The job is still pending when the driver stops waiting (job_timeout_s = 1, polled every
	// 10 ms): that is not a refusal, since the VM may still come up.
	let mut script = vec![
		step("listVirtualMachines", "listVirtualMachines_none"),
		step("listVirtualMachines", "listVirtualMachines_none"),
		step("deployVirtualMachine", "deployVirtualMachine"),
	];
	script.extend((0..1_000).map(|_| step("queryAsyncJobResult", "queryAsyncJobResult_pending")));
	let (mock, driver) = start_configured(script, SECRET, "job_timeout_s = 1").await;
	match driver.provision(&vm_small(42)).await {
		Err(DriverError::Unavailable(e)) => assert!(e.contains("did not finish"), "{e}"),
		other => panic!("a timed-out job was taken as final: {other:?}"),
	}
	// The retry finds the VM the job made, by its tag, and makes no second one.
	*mock.script.lock().unwrap() = vec![
		step("listVirtualMachines", "listVirtualMachines_tagged"),
		step("listVirtualMachines", "listVirtualMachines_tagged"),
	]
	.into();
	let instance = driver.provision(&vm_small(42)).await.unwrap();
	assert_eq!(instance.state, InstanceState::Running);
	assert_eq!(left(&mock), 0);
	let deploys = mock
		.calls
		.lock()
		.unwrap()
		.iter()
		.filter(|c| c["command"] == "deployVirtualMachine")
		.count();
	assert_eq!(deploys, 1);
}

#[tokio::test]
async fn a_list_page_that_does_not_decode_is_an_error_not_an_empty_list() {
	let (_, driver) = start(vec![step("listVirtualMachines", "listVirtualMachines_garbled")]).await;
	match driver.list().await {
		Err(DriverError::Unavailable(e)) => assert!(e.contains("does not decode"), "{e}"),
		other => panic!("a garbled page was read as {other:?}"),
	}
}

#[tokio::test]
async fn refused_credentials_are_retried_not_blamed_on_the_subscriber() {
	let (mock, driver) = start_with(vec![], "not-the-secret").await;
	assert!(
		matches!(driver.status(42).await, Err(DriverError::Unavailable(e)) if e.contains("(401)"))
	);
	assert_eq!(mock.calls.lock().unwrap().len(), 1);
}

#[tokio::test]
async fn deprovisioning_destroys_and_expunges_and_an_unknown_one_succeeds() {
	let (mock, driver) = start(vec![
		step("listVirtualMachines", "listVirtualMachines_tagged"),
		step("listVirtualMachines", "listVirtualMachines_tagged"),
		step("destroyVirtualMachine", "destroyVirtualMachine"),
		step("queryAsyncJobResult", "queryAsyncJobResult_destroyed"),
		step("listVirtualMachines", "listVirtualMachines_none"),
		step("listVirtualMachines", "listVirtualMachines_none"),
	])
	.await;
	driver.deprovision(42).await.unwrap();
	driver.deprovision(7).await.unwrap();
	assert_eq!(left(&mock), 0);
	let calls = mock.calls.lock().unwrap();
	assert_eq!(calls[2]["id"], "5b1a7a62-3e2c-4b0e-9d4e-0c1f9a8e6d21");
	assert_eq!(calls[2]["expunge"], "true");
}

/// A subscription's funds run out: its VM is stopped (never destroyed, so its volumes stay),
/// a second suspend finds it stopped and does nothing; a top-up starts the same VM, at the same
/// address; the end after a second run-out destroys it with expunge. Nothing else is called: no
/// volume is detached or deleted.
#[tokio::test]
async fn suspending_stops_the_vm_keeping_its_volumes_resuming_starts_it_and_the_end_expunges_it() {
	let (mock, driver) = start(vec![
		// suspend
		step("listVirtualMachines", "listVirtualMachines_tagged"),
		step("listVirtualMachines", "listVirtualMachines_tagged"),
		step("stopVirtualMachine", "stopVirtualMachine"),
		step("queryAsyncJobResult", "queryAsyncJobResult_stopped"),
		// suspend again: already stopped
		step("listVirtualMachines", "listVirtualMachines_stopped"),
		step("listVirtualMachines", "listVirtualMachines_stopped"),
		// the reconciler's look: stopped, not gone
		step("listVirtualMachines", "listVirtualMachines_stopped"),
		step("listVirtualMachines", "listVirtualMachines_stopped"),
		// resume
		step("listVirtualMachines", "listVirtualMachines_stopped"),
		step("listVirtualMachines", "listVirtualMachines_stopped"),
		step("startVirtualMachine", "startVirtualMachine"),
		step("queryAsyncJobResult", "queryAsyncJobResult_started"),
		step("listVirtualMachines", "listVirtualMachines_tagged"),
		step("listVirtualMachines", "listVirtualMachines_tagged"),
		// the grace of a second run-out is over: the chain ended it
		step("listVirtualMachines", "listVirtualMachines_stopped"),
		step("listVirtualMachines", "listVirtualMachines_stopped"),
		step("destroyVirtualMachine", "destroyVirtualMachine"),
		step("queryAsyncJobResult", "queryAsyncJobResult_destroyed"),
	])
	.await;
	driver.suspend(42).await.unwrap();
	driver.suspend(42).await.unwrap();
	let status = driver.status(42).await.unwrap().expect("the stopped VM is still there");
	assert_eq!(status.state, InstanceState::Stopped);
	let resumed = driver.resume(42).await.unwrap();
	assert_eq!(
		resumed,
		Instance {
			subscription: 42,
			endpoint: Some("ssh://10.1.1.23".into()),
			state: InstanceState::Running
		},
		"the same VM at the same address"
	);
	driver.deprovision(42).await.unwrap();
	assert_eq!(left(&mock), 0);
	let calls = mock.calls.lock().unwrap();
	let commands: Vec<_> = calls.iter().map(|c| c["command"].as_str()).collect();
	let vm = "5b1a7a62-3e2c-4b0e-9d4e-0c1f9a8e6d21";
	for (index, command) in [(2, "stopVirtualMachine"), (10, "startVirtualMachine")] {
		assert_eq!((commands[index], calls[index]["id"].as_str()), (command, vm));
		assert!(!calls[index].contains_key("forced"), "a clean stop, not a forced one");
	}
	assert_eq!((calls[16]["id"].as_str(), calls[16]["expunge"].as_str()), (vm, "true"));
	assert!(
		commands.iter().all(|c| !c.contains("Volume")),
		"no volume is detached or deleted: {commands:?}"
	);
}

#[tokio::test]
async fn resuming_when_no_vm_is_kept_is_refused_and_suspending_nothing_succeeds() {
	let (mock, driver) = start(vec![
		step("listVirtualMachines", "listVirtualMachines_none"),
		step("listVirtualMachines", "listVirtualMachines_none"),
		step("listVirtualMachines", "listVirtualMachines_none"),
		step("listVirtualMachines", "listVirtualMachines_none"),
	])
	.await;
	driver.suspend(7).await.unwrap();
	assert!(matches!(driver.resume(7).await, Err(DriverError::Refused(_))));
	assert_eq!(left(&mock), 0);
}

#[tokio::test]
async fn the_list_reads_subscriptions_from_tags_and_leaves_out_vms_being_expunged() {
	let (mock, driver) = start(vec![step("listVirtualMachines", "listVirtualMachines_all")]).await;
	let listed = driver.list().await.unwrap();
	assert_eq!(
		listed,
		vec![
			Instance {
				subscription: 42,
				endpoint: Some("ssh://10.1.1.23".into()),
				state: InstanceState::Running
			},
			Instance {
				subscription: 43,
				endpoint: Some("ssh://10.1.1.24".into()),
				state: InstanceState::Starting
			},
		]
	);
	let calls = mock.calls.lock().unwrap();
	assert_eq!(calls[0]["tags[0].key"], "dinfra-subscription");
	assert_eq!((calls[0]["listall"].as_str(), calls[0]["page"].as_str()), ("true", "1"));
}
