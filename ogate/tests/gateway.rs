//! OGate against a real `dinfra-node --dev`: awards reach a reactor's webhook, the reactor's
//! reports reach the chain, terminations become deprovision tasks, invalid or missing
//! descriptors are declined (never slashed), and bad input is refused.
//!
//! Bob is the provider. Dave's key is his gateway's operator: a `DinfraOperator` proxy, which
//! can report and claim for Bob and nothing else. Charlie subscribes.

mod support;

use dinfra_devnet::{event_in, eventually, find_event, submit, PATIENCE};
use dinfra_ogate::descriptor::raw_cid;
use dinfra_ogate::{
	chain::dinfra,
	task::{Action, Task},
};
use serde_json::json;
use std::time::{Duration, Instant};
use subxt_signer::sr25519::dev;
use support::*;

#[tokio::test(flavor = "multi_thread")]
async fn an_award_reaches_the_reactor_its_report_reaches_the_chain_and_a_termination_deprovisions()
{
	let net = Network::start("lifecycle").await;
	let reactor = Reactor::start(true).await;
	let gate = net.start_gate(&[&reactor], None).await;
	net.provide().await;

	let descriptor = json!({"image": "debian-12", "open_ports": [22]});
	let (id, subscribed) = net.subscribe(&descriptor).await;

	// The provision task arrives by webhook, with the verified descriptor.
	let task = reactor.wait_for(|t| t.subscription == id && t.action.name() == "provision").await;
	match &task.action {
		Action::Provision { descriptor: got, descriptor_cid, .. } => {
			assert_eq!(got, &descriptor);
			assert_eq!(
				descriptor_cid,
				&dinfra_ogate::descriptor::raw_cid(descriptor.to_string().as_bytes())
			);
		}
		other => panic!("not a provision task: {other:?}"),
	}

	// The reactor reported Running (the test reactor does so on every provision task); the
	// chain shows it, signed by the operator for Bob.
	let (_, running) = find_event::<dinfra::dinfra_subscription::events::DeploymentRunning>(
		&net.api,
		subscribed,
		600,
		|e| e.id == id,
	)
	.await;
	assert_eq!(running.endpoint.0, Reactor::endpoint_for(id).as_bytes());
	// OGate sees it once the block is final and applied.
	gate.wait_for_phase(id, "running").await;
	let view = gate.deployment(id).await;
	assert_eq!(view["chain"]["phase"], "running");
	assert_eq!(view["endpoint"], Reactor::endpoint_for(id));

	// The same report again is not sent again.
	let again = gate
		.post(
			&format!("/v1/deployments/{id}/status"),
			json!({"status": "running", "endpoint": Reactor::endpoint_for(id)}),
		)
		.await;
	assert_eq!(again.status(), 200);
	assert_eq!(again.json::<serde_json::Value>().await.unwrap()["new"], false);

	// A report the chain refuses is final with the chain's error, read from the block's events,
	// and is not sent again: `failed` for a deployment that runs already is refused on chain
	// (`NotProvisioning`), and the deployment runs on.
	let refused = gate
		.post(
			&format!("/v1/deployments/{id}/status"),
			json!({"status": "failed", "reason": "the disk is gone"}),
		)
		.await;
	assert_eq!(refused.status(), 202);
	let deadline = Instant::now() + PATIENCE;
	let state = loop {
		let reports: Vec<serde_json::Value> = gate.get("/v1/reports").await.json().await.unwrap();
		let failed = reports
			.into_iter()
			.find(|r| r["subscription"] == id && r["status"]["status"] == "failed");
		if let Some(state) = failed.map(|r| r["state"].clone()) {
			if state["state"] == "finalized" {
				break state;
			}
		}
		assert!(Instant::now() < deadline, "the refused report was never finalized");
		tokio::time::sleep(Duration::from_millis(200)).await;
	};
	let error = state["error"].as_str().unwrap_or_default();
	assert!(error.starts_with("Module("), "the chain's error, not a missing outcome: {state}");
	assert_eq!(gate.deployment(id).await["chain"]["phase"], "running");

	// What a reactor asks before it removes an instance: the chain holds it, for us.
	let held = chain_subscription(&gate, id).await;
	assert_eq!((held["exists"].as_bool(), held["ours"].as_bool()), (Some(true), Some(true)));
	assert!(held["ended"].is_null(), "{held}");

	// Charlie ends it; a deprovision task follows.
	submit(&net.api, &dev::charlie(), dinfra::transactions().dinfra_subscription().terminate(id))
		.await;
	let task = reactor.wait_for(|t| t.subscription == id && t.action.name() == "deprovision").await;
	assert_eq!(task.action, Action::Deprovision { reason: "by_subscriber".into() });
	gate.wait_for_phase(id, "ended").await;
	// The chain remembers the end: it no longer holds the subscription, for anyone, and says
	// why.
	let ended = chain_subscription(&gate, id).await;
	assert_eq!((ended["exists"].as_bool(), ended["ours"].as_bool()), (Some(false), Some(false)));
	assert!(ended["provider"].is_null(), "{ended}");
	assert_eq!(ended["ended"], "by_subscriber");
}

/// What a reactor asks before it removes an instance it does not know.
async fn chain_subscription(gate: &Gate, id: u64) -> serde_json::Value {
	let answer = gate.get(&format!("/v1/chain/subscriptions/{id}")).await;
	answer.json().await.unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_descriptor_that_breaks_its_schema_is_declined_unslashed_and_never_handed_out() {
	let net = Network::start("invalid").await;
	let reactor = Reactor::start(false).await;
	let gate = net.start_gate(&[&reactor], None).await;
	net.provide().await;

	let (id, subscribed) = net.subscribe(&json!({"image": "windows-95"})).await;
	let reason = declined(&net, id, subscribed).await;
	assert!(reason.starts_with("descriptor does not match the schema"), "{reason}");
	let descriptor = gate.get(&format!("/v1/deployments/{id}/descriptor")).await;
	assert_eq!(descriptor.status(), 409);
	tokio::time::sleep(Duration::from_millis(500)).await;
	assert!(reactor.tasks().iter().all(|t| t.action.name() != "provision"));
}

/// A subscriber who names a CID with nothing behind it must not be able to farm the timeout
/// slash: OGate declines the award after `descriptor_wait_s`, well before the deadline.
#[tokio::test(flavor = "multi_thread")]
async fn a_descriptor_no_source_has_is_declined_before_the_deadline() {
	let net = Network::start("missing").await;
	let reactor = Reactor::start(false).await;
	let mut config = net.gate_config(&[&reactor], None);
	config.descriptor_wait_s = 3;
	let _gate = Gate::start(config).await;
	net.provide().await;

	let missing = raw_cid(b"{\"image\": \"nowhere\"}");
	let (id, subscribed) = net.subscribe_cid(&missing, PRICE * 1_200).await;
	let reason = declined(&net, id, subscribed).await;
	assert!(reason.starts_with("descriptor not retrievable for 3 s"), "{reason}");
	assert!(reactor.tasks().iter().all(|t| t.action.name() != "provision"));
}

/// Waits for the provider's decline of `id`, checks that nothing was slashed for it, and
/// returns its reason.
async fn declined(net: &Network, id: u64, subscribed: u64) -> String {
	let (at, failed) = find_event::<dinfra::dinfra_subscription::events::DeploymentFailed>(
		&net.api,
		subscribed,
		900,
		|e| e.id == id,
	)
	.await;
	let dinfra::runtime_types::pallet_dinfra_subscription::types::ProvisioningFailure::Declined {
		reason,
	} = failed.failure
	else {
		panic!("not a decline: {:?}", failed.failure)
	};
	let events = at.events().fetch().await.expect("events");
	let slashed = events.find::<dinfra::dinfra_provider::events::Slashed>().count();
	assert_eq!(slashed, 0, "a decline is not slashed");
	String::from_utf8(reason.0).unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_input_gets_a_json_4xx_and_every_endpoint_but_health_needs_a_token() {
	// No node: the API answers on its own.
	let gate = Gate::start_without_chain().await;

	for path in ["/healthz"] {
		assert_eq!(gate.anonymous(path).await.status(), 200, "{path}");
	}
	for path in [
		"/metrics",
		"/v1/tasks",
		"/v1/deployments",
		"/v1/reports",
		"/v1/deliveries",
		"/v1/sync",
		"/v1/chain/subscriptions/1",
		"/openapi.json",
	] {
		let response = gate.anonymous(path).await;
		assert_eq!(response.status(), 401, "{path}");
		let body: serde_json::Value = response.json().await.unwrap_or_default();
		assert_eq!(body["error"], "unauthorized", "{path}");
		let wrong = gate.with_token(path, "not-the-token").await;
		assert_eq!(wrong.status(), 401, "{path}");
	}

	let big_body = format!("{{\"reason\":\"{}\"}}", "x".repeat(70_000));
	let cases: Vec<(&str, &str, Option<&str>, u16)> = vec![
		("POST", "/v1/deployments/1/status", Some("{not json"), 400),
		("POST", "/v1/deployments/1/status", Some(r#"{"status":"exploded"}"#), 422),
		("POST", "/v1/deployments/1/status", Some(r#"{"status":"running","endpoint":""}"#), 400),
		(
			"POST",
			"/v1/deployments/99/status",
			Some(r#"{"status":"running","endpoint":"http://x"}"#),
			404,
		),
		(
			"POST",
			"/v1/deployments/abc/status",
			Some(r#"{"status":"running","endpoint":"http://x"}"#),
			400,
		),
		("GET", "/v1/deployments/99", None, 404),
		("GET", "/v1/deployments/99/descriptor", None, 404),
		("POST", "/v1/deployments/99/cancel", Some(r#"{"reason":"maintenance"}"#), 404),
		("POST", "/v1/deployments/99/cancel", Some(r#"{"why":"maintenance"}"#), 422),
		("POST", "/v1/deployments/99/claim", None, 404),
		("GET", "/v1/tasks?limit=0", None, 400),
		("GET", "/v1/tasks?wait_ms=999999", None, 400),
		("GET", "/v1/tasks?after=minus-one", None, 400),
		("POST", "/v1/tasks/ack", Some(r#"{"seq":0}"#), 400),
		("GET", "/v1/deliveries?state=lost", None, 400),
		("POST", "/v1/deliveries/nobody/0/replay", None, 404),
		("GET", "/v1/nothing-here", None, 404),
		("DELETE", "/v1/deployments", None, 405),
		// More than 64 KiB of body, refused before it is read whole.
		("POST", "/v1/deployments/1/cancel", Some(&big_body), 413),
		("GET", "/v1/chain/subscriptions/abc", None, 400),
		// No node to ask.
		("GET", "/v1/chain/subscriptions/1", None, 503),
	];
	for (method, path, body, expected) in cases {
		let response = gate.request(method, path, body).await;
		let status = response.status().as_u16();
		let text = response.text().await.unwrap();
		// axum answers a JSON body that does not fit the type with 422.
		assert_eq!(status, expected, "{method} {path}: {text}");
		let body: serde_json::Value = serde_json::from_str(&text)
			.unwrap_or_else(|_| panic!("{method} {path} answered no JSON: {text}"));
		assert!(
			body["error"].is_string() && body["message"].is_string(),
			"{method} {path}: {text}"
		);
	}

	// A reactor token reads and reports, but cannot cancel, claim or replay.
	assert_eq!(gate.with_token("/v1/deployments", REACTOR_TOKEN).await.status(), 200);
	for path in ["/v1/deployments/1/cancel", "/v1/deployments/1/claim", "/v1/deliveries/r/0/replay"]
	{
		let response =
			gate.post_with_token(path, REACTOR_TOKEN, serde_json::json!({"reason": "r"})).await;
		assert_eq!(response.status(), 403, "{path}");
		let body: serde_json::Value = response.json().await.unwrap();
		assert_eq!(body["error"], "forbidden", "{path}");
	}

	// The document is OpenAPI 3.1 and describes every route the router serves.
	let doc: serde_json::Value = gate.get("/openapi.json").await.json().await.unwrap();
	assert!(doc["openapi"].as_str().unwrap().starts_with("3.1"));
	for path in [
		"/healthz",
		"/readyz",
		"/metrics",
		"/v1/tasks",
		"/v1/tasks/ack",
		"/v1/deployments",
		"/v1/deployments/{id}",
		"/v1/deployments/{id}/descriptor",
		"/v1/deployments/{id}/status",
		"/v1/deployments/{id}/cancel",
		"/v1/deployments/{id}/claim",
		"/v1/reports",
		"/v1/deliveries",
		"/v1/deliveries/{webhook}/{seq}/replay",
		"/v1/sync",
		"/v1/chain/subscriptions/{id}",
	] {
		assert!(doc["paths"][path].is_object(), "{path} is documented");
	}
	// Every answer the guard and the extractors can give is documented where it can come from.
	for (path, item) in doc["paths"].as_object().unwrap() {
		for (method, operation) in item.as_object().unwrap() {
			let responses = &operation["responses"];
			assert!(responses["503"].is_object(), "{method} {path} documents 503");
			let public = path == "/healthz" || path == "/readyz";
			assert_eq!(responses["401"].is_object(), !public, "{method} {path} and 401");
			let admin = method == "post"
				&& (path.ends_with("/cancel")
					|| path.ends_with("/claim")
					|| path.ends_with("/replay"));
			assert_eq!(responses["403"].is_object(), admin, "{method} {path} and 403");
			if operation["requestBody"].is_object() {
				for status in ["413", "415", "422"] {
					assert!(responses[status].is_object(), "{method} {path} documents {status}");
				}
			}
		}
	}
	// The view's header, for reactors.
	let listed = &doc["paths"]["/v1/deployments"]["get"]["responses"]["200"]["headers"];
	assert!(listed["x-dinfra-view-current"].is_object(), "{listed}");
	let sync: serde_json::Value = gate.get("/v1/sync").await.json().await.unwrap();
	assert_eq!((&sync["current"], &sync["connected"]), (&false.into(), &false.into()));
	assert_eq!(gate.get("/docs/").await.status(), 200);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_pull_feed_long_polls_and_resumes_after_the_last_acknowledgement() {
	let net = Network::start("feed").await;
	let gate = net.start_gate(&[], None).await;
	net.provide().await;

	// An empty feed long-polls until a task arrives.
	let waiting = {
		let gate = gate.clone();
		tokio::spawn(async move {
			gate.get("/v1/tasks?wait_ms=60000").await.json::<serde_json::Value>().await
		})
	};
	let (id, _) = net.subscribe(&json!({"image": "ubuntu-24.04"})).await;
	let page = waiting.await.unwrap().unwrap();
	let tasks: Vec<Task> = serde_json::from_value(page["tasks"].clone()).unwrap();
	assert_eq!((tasks.len(), tasks[0].subscription), (1, id));
	assert_eq!(page["cursor"], 0);

	// Without an acknowledgement the feed gives the task again; after one, it moves on.
	let again: serde_json::Value = gate.get("/v1/tasks").await.json().await.unwrap();
	assert_eq!(again["tasks"].as_array().unwrap().len(), 1);
	let acked: serde_json::Value =
		gate.post("/v1/tasks/ack", json!({"seq": 0})).await.json().await.unwrap();
	assert_eq!(acked["cursor"], 0);
	let after: serde_json::Value = gate.get("/v1/tasks").await.json().await.unwrap();
	assert!(after["tasks"].as_array().unwrap().is_empty());
	assert_eq!(after["cursor"], 0);
}

/// A gateway down for longer than the node keeps state (256 blocks by default) cannot read the
/// blocks after its cursor. It skips to the finalized head and reconciles: a deployment that
/// ended meanwhile is ended in its store and deprovisioned.
#[tokio::test(flavor = "multi_thread")]
async fn a_gateway_back_after_the_node_pruned_its_blocks_skips_to_the_head_and_reconciles() {
	let net = Network::start("pruned").await;
	let reactor = Reactor::start(true).await;
	let data = net.scratch.path().join("pruned-ogate");
	let gate = net.start_gate(&[&reactor], Some(&data)).await;
	net.provide().await;
	let (id, _) = net.subscribe(&json!({"image": "debian-12"})).await;
	gate.wait_for_phase(id, "running").await;
	let cursor = gate.cursor().await;

	// Down: the subscriber ends it, and 300 more blocks are finalized.
	gate.stop_and_wait().await;
	let call = dinfra::transactions().dinfra_subscription().terminate(id);
	submit(&net.api, &dev::charlie(), call).await;
	net.wait_for_block(cursor + 300).await;

	// Back on the same data directory: it skips, reconciles and deprovisions.
	let gate = net.start_gate(&[&reactor], Some(&data)).await;
	gate.wait_for_phase(id, "ended").await;
	assert_eq!(gate.deployment(id).await["reason"], "reconciled");
	reactor.wait_for(|t| t.subscription == id && t.action.name() == "deprovision").await;
	let metrics = gate.get("/metrics").await.text().await.unwrap();
	let skipped = metrics
		.lines()
		.find_map(|l| l.strip_prefix("ogate_skipped_blocks_total "))
		.and_then(|v| v.parse::<u64>().ok())
		.unwrap_or(0);
	assert!(skipped > 0, "no block was skipped: {metrics}");
	// Current once it has applied the finalized head, which moves on meanwhile (a block every
	// few hundred milliseconds): one look may land between a finalization and its apply.
	let deadline = Instant::now() + PATIENCE;
	loop {
		let sync: serde_json::Value = gate.get("/v1/sync").await.json().await.unwrap();
		if sync["current"] == true {
			break;
		}
		assert!(Instant::now() < deadline, "the view never became current: {sync}");
		tokio::time::sleep(Duration::from_millis(100)).await;
	}
}

/// A gateway saw a deployment suspended (its reactor stopped the compute), then was down for
/// longer than the node keeps state while the subscriber topped it up and the chain resumed it.
/// Back, it cannot read those blocks; reconciling, it finds the deployment running on chain and
/// sends the resume task the missed event would have sent. Without it, a paying subscriber's
/// deployment would stay stopped.
#[tokio::test(flavor = "multi_thread")]
async fn a_gateway_back_after_the_node_pruned_its_blocks_resumes_what_was_resumed_meanwhile() {
	let net = Network::start("pruned-resume").await;
	net.set_min_runway(10).await;
	let reactor = Reactor::start(true).await;
	let data = net.scratch.path().join("pruned-resume-ogate");
	let gate = net.start_gate(&[&reactor], Some(&data)).await;
	net.provide().await;
	// 150 blocks of funds: it runs 150 blocks, and its grace is as long (15 s here).
	let (id, _) = net.subscribe_funded(&json!({"image": "debian-12"}), PRICE * 150).await;
	gate.wait_for_phase(id, "running").await;
	gate.wait_for_phase(id, "suspended").await;
	reactor.wait_for(|t| t.subscription == id && t.action.name() == "suspend").await;
	let cursor = gate.cursor().await;

	// Down: Charlie tops it up (the chain resumes it), and 300 more blocks are finalized.
	gate.stop_and_wait().await;
	let top_up = dinfra::transactions().dinfra_subscription().top_up(id, PRICE * 1_200);
	let topped = submit(&net.api, &dev::charlie(), top_up).await;
	event_in::<dinfra::dinfra_subscription::events::Resumed>(&topped).await;
	net.wait_for_block(cursor + 300).await;

	// Back on the same data directory: it skips, reconciles and resumes.
	let gate = net.start_gate(&[&reactor], Some(&data)).await;
	gate.wait_for_phase(id, "running").await;
	reactor.wait_for(|t| t.subscription == id && t.action.name() == "resume").await;
	let resumes = reactor
		.tasks()
		.iter()
		.filter(|t| t.subscription == id && t.action.name() == "resume")
		.count();
	assert_eq!(resumes, 1, "one resume task");
}

/// A report signed past a gap in the operator's nonces (the one before it was refused, as a
/// node under load can refuse one whose birth block it has not imported yet) is handed to the
/// pool, which holds it, and the broadcast returns the pool's verdict at once: it does not
/// watch the report until the pool drops it, holding every later report behind it. Once the
/// gap is filled, both are included, each once.
#[tokio::test(flavor = "multi_thread")]
async fn a_report_behind_a_nonce_gap_is_held_by_the_pool_and_included_once_the_gap_fills() {
	use dinfra_ogate::{
		chain::Chain,
		store::{Report, ReportState, ReportStatus},
	};
	let net = Network::start("nonce-gap").await;
	net.provide().await;
	let provider = dev::bob().public_key().to_account_id();
	let chain = Chain::connect(net.url(), provider, dev::dave()).await.unwrap();
	let nonce = chain.operator_nonce().await.unwrap();
	let claim = |subscription| Report {
		subscription,
		status: ReportStatus::Claim,
		state: ReportState::Queued,
	};

	let (_, behind, _) = chain.sign(&claim(1), nonce + 1).await.unwrap();
	chain.broadcast(behind).await.expect("the pool holds a report behind a nonce gap");
	// Nothing is included while the gap is open.
	net.wait_for_block(net.api.at_current_block().await.unwrap().block_number() + 10).await;
	assert_eq!(chain.operator_nonce().await.unwrap(), nonce);

	let (_, gap, _) = chain.sign(&claim(0), nonce).await.unwrap();
	chain.broadcast(gap).await.expect("the pool takes the missing nonce");
	let included = eventually("both reports are included", || async {
		match chain.operator_nonce().await {
			Ok(n) if n >= nonce + 2 => Ok(n),
			other => Err(other),
		}
	})
	.await;
	assert_eq!(included, nonce + 2, "each report once");
}
