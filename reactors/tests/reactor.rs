//! The reactor's logic against stand-ins: reconciliation (what the driver has, made to agree
//! with OGate's deployments view) and the webhook receiver.
//!
//! A stand-in OGate serves a fixed deployments view and records the reports it gets; an
//! in-memory driver records what is made and removed, and can be told to refuse.

use axum::{
	extract::{Path, State},
	http::StatusCode,
	response::IntoResponse,
	routing::{get, post},
	Json, Router,
};
use dinfra_ogate_protocol::{
	signature::{now_ms, sign, SIGNATURE_HEADER},
	task::{Action, Task},
};
use dinfra_reactor::{
	delivery::{router, Receiver},
	driver::{Driver, DriverError, Instance, InstanceState, Spec},
	ogate::{Ogate, VIEW_CURRENT_HEADER},
	reactor::{Reactor, Removals},
	reconcile::{pass, Pass},
	server::{limited, metrics_router, MAX_BODY},
};
use serde_json::{json, Value};
use std::{
	collections::BTreeMap,
	sync::{Arc, Mutex},
	time::Duration,
};

#[derive(Default)]
struct FakeOgate {
	view: Mutex<Vec<Value>>,
	/// The view is served as not current.
	stale: Mutex<bool>,
	/// What the chain says of each subscription; one not listed gets a 503 (node unreachable).
	chain: Mutex<BTreeMap<u64, Value>>,
	/// How often the chain was asked.
	chain_asked: Mutex<usize>,
	/// (subscription, what, body) of every report.
	reports: Mutex<Vec<(u64, String, Value)>>,
}

async fn deployments(State(gate): State<Arc<FakeOgate>>) -> impl IntoResponse {
	let current = if *gate.stale.lock().unwrap() { "false" } else { "true" };
	([(VIEW_CURRENT_HEADER, current)], Json(gate.view.lock().unwrap().clone()))
}

async fn one_deployment(
	State(gate): State<Arc<FakeOgate>>,
	Path(id): Path<u64>,
) -> Result<Json<Value>, StatusCode> {
	let view = gate.view.lock().unwrap();
	view.iter().find(|d| d["subscription"] == id).cloned().map(Json).ok_or(StatusCode::NOT_FOUND)
}

async fn chain_subscription(
	State(gate): State<Arc<FakeOgate>>,
	Path(id): Path<u64>,
) -> Result<Json<Value>, StatusCode> {
	*gate.chain_asked.lock().unwrap() += 1;
	gate.chain.lock().unwrap().get(&id).cloned().map(Json).ok_or(StatusCode::SERVICE_UNAVAILABLE)
}

async fn descriptor(Path(id): Path<u64>) -> Json<Value> {
	Json(json!({ "image": "debian-12", "for": id }))
}

async fn report(
	State(gate): State<Arc<FakeOgate>>,
	Path((id, what)): Path<(u64, String)>,
	Json(body): Json<Value>,
) -> (StatusCode, Json<Value>) {
	gate.reports.lock().unwrap().push((id, what, body));
	(StatusCode::ACCEPTED, Json(json!({ "new": true })))
}

async fn fake_ogate(view: Vec<Value>) -> (Arc<FakeOgate>, Ogate) {
	let gate = Arc::new(FakeOgate { view: Mutex::new(view), ..Default::default() });
	let app = Router::new()
		.route("/v1/deployments", get(deployments))
		.route("/v1/deployments/{id}", get(one_deployment))
		.route("/v1/chain/subscriptions/{id}", get(chain_subscription))
		.route("/v1/deployments/{id}/descriptor", get(descriptor))
		.route("/v1/deployments/{id}/{what}", post(report))
		.with_state(gate.clone());
	let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
	let base = format!("http://{}", listener.local_addr().unwrap());
	tokio::spawn(async move { axum::serve(listener, app).await });
	(gate, Ogate::new(&base, "test-token"))
}

fn deployment(subscription: u64, phase: &str, endpoint: Option<&str>) -> Value {
	json!({
		"subscription": subscription,
		"deployment_type": 0,
		"phase": phase,
		"endpoint": endpoint,
	})
}

/// Deployments in memory. `refuse` makes provisioning fail for good.
#[derive(Default)]
struct FakeDriver {
	live: Mutex<BTreeMap<u64, Instance>>,
	provisioned: Mutex<Vec<Spec>>,
	refuse: Mutex<Option<String>>,
	/// A subscription whose infrastructure is unavailable for now.
	busy: Mutex<Option<u64>>,
}

fn endpoint(subscription: u64) -> String {
	format!("http://127.0.0.1:{}", 20_000 + subscription)
}

impl FakeDriver {
	fn with(instances: &[(u64, InstanceState)]) -> FakeDriver {
		let driver = FakeDriver::default();
		for (subscription, state) in instances {
			driver.live.lock().unwrap().insert(
				*subscription,
				Instance {
					subscription: *subscription,
					endpoint: Some(endpoint(*subscription)),
					state: state.clone(),
				},
			);
		}
		driver
	}
}

impl Driver for FakeDriver {
	fn name(&self) -> &'static str {
		"fake"
	}

	async fn provision(&self, spec: &Spec) -> Result<Instance, DriverError> {
		if let Some(reason) = self.refuse.lock().unwrap().clone() {
			return Err(DriverError::Refused(reason));
		}
		if *self.busy.lock().unwrap() == Some(spec.subscription) {
			return Err(DriverError::Unavailable("the hypervisor is busy".into()));
		}
		self.provisioned.lock().unwrap().push(spec.clone());
		let instance = Instance {
			subscription: spec.subscription,
			endpoint: Some(endpoint(spec.subscription)),
			state: InstanceState::Running,
		};
		self.live.lock().unwrap().insert(spec.subscription, instance.clone());
		Ok(instance)
	}

	async fn suspend(&self, subscription: u64) -> Result<(), DriverError> {
		if let Some(instance) = self.live.lock().unwrap().get_mut(&subscription) {
			instance.state = InstanceState::Stopped;
		}
		Ok(())
	}

	async fn resume(&self, subscription: u64) -> Result<Instance, DriverError> {
		let mut live = self.live.lock().unwrap();
		let instance = live
			.get_mut(&subscription)
			.ok_or_else(|| DriverError::Refused("nothing is kept".into()))?;
		instance.state = InstanceState::Running;
		Ok(instance.clone())
	}

	async fn deprovision(&self, subscription: u64) -> Result<(), DriverError> {
		self.live.lock().unwrap().remove(&subscription);
		Ok(())
	}

	async fn status(&self, subscription: u64) -> Result<Option<Instance>, DriverError> {
		Ok(self.live.lock().unwrap().get(&subscription).cloned())
	}

	async fn list(&self) -> Result<Vec<Instance>, DriverError> {
		Ok(self.live.lock().unwrap().values().cloned().collect())
	}
}

#[tokio::test]
async fn ended_deployments_are_removed_and_missing_ones_are_provisioned_and_reported() {
	let (gate, ogate) = fake_ogate(vec![
		// Running on chain, and running here: nothing to do.
		deployment(1, "running", Some(&endpoint(1))),
		// Running on chain, but its process crashed for good: restored.
		deployment(2, "running", Some(&endpoint(2))),
		// Awarded while the reactor was down: provisioned and reported.
		deployment(3, "provisioning", None),
		// Ended on chain while the reactor was down.
		deployment(4, "ended", None),
		// Being verified by OGate: not handed out yet, left alone.
		deployment(5, "verifying", None),
		// Failed provisioning: the chain has not ended it yet, so it is kept.
		deployment(6, "failed", None),
	])
	.await;
	let driver = FakeDriver::with(&[
		(1, InstanceState::Running),
		(2, InstanceState::Stopped),
		(4, InstanceState::Running),
		(6, InstanceState::Running),
	]);
	let reactor = Reactor::new(driver, ogate);

	let done = pass(&reactor).await.unwrap();
	assert_eq!(done, Pass { removed: vec![4], restored: vec![2, 3], ..Pass::default() });
	let live: Vec<u64> = reactor.driver.live.lock().unwrap().keys().copied().collect();
	assert_eq!(live, vec![1, 2, 3, 6]);
	let provisioned: Vec<(u64, Value)> = reactor
		.driver
		.provisioned
		.lock()
		.unwrap()
		.iter()
		.map(|s| (s.subscription, s.descriptor.clone()))
		.collect();
	assert_eq!(
		provisioned,
		vec![
			(2, json!({ "image": "debian-12", "for": 2 })),
			(3, json!({ "image": "debian-12", "for": 3 })),
		],
		"provisioned with the descriptors OGate verified"
	);
	// Only the deployment never reported is reported; 2 came back at its recorded endpoint.
	assert_eq!(
		*gate.reports.lock().unwrap(),
		vec![(3, "status".into(), json!({ "status": "running", "endpoint": endpoint(3) }))]
	);

	// A second pass finds nothing to do.
	gate.view.lock().unwrap()[2] = deployment(3, "running", Some(&endpoint(3)));
	assert_eq!(pass(&reactor).await.unwrap(), Pass::default());
}

fn task(seq: u64, subscription: u64, action: Action) -> Task {
	Task {
		seq,
		key: format!("{subscription}-{}-{seq}", action.name()),
		subscription,
		block: 1,
		action,
	}
}

/// A suspend task stops the compute and keeps the deployment; a reconciliation pass leaves a
/// suspended deployment's stopped instance alone (neither removed nor restarted); a resume task
/// starts it again, unreported (its endpoint is the same); a resume with nothing kept
/// provisions afresh from the descriptor and reports it.
#[tokio::test]
async fn a_suspended_deployment_is_stopped_kept_by_reconciliation_and_resumed() {
	let (gate, ogate) = fake_ogate(vec![
		deployment(9, "suspended", Some(&endpoint(9))),
		deployment(10, "running", Some(&endpoint(10))),
	])
	.await;
	let driver = FakeDriver::with(&[(9, InstanceState::Running)]);
	let reactor = Reactor::new(driver, ogate);
	reactor.handle(&task(1, 9, Action::Suspend { grace_ends_at: 500 })).await.unwrap();
	let state = |id: u64| reactor.driver.live.lock().unwrap().get(&id).map(|i| i.state.clone());
	assert_eq!(state(9), Some(InstanceState::Stopped), "compute stopped, deployment kept");
	// Reconciliation: 9 is suspended, its stopped instance stays as it is; 10 has no instance
	// and is running on chain, so it is provisioned (and already reported at its endpoint).
	let done = pass(&reactor).await.unwrap();
	assert_eq!(done, Pass { restored: vec![10], ..Pass::default() });
	assert_eq!(state(9), Some(InstanceState::Stopped));
	reactor.handle(&task(2, 9, Action::Resume { expires_at: Some(900) })).await.unwrap();
	assert_eq!(state(9), Some(InstanceState::Running));
	assert!(
		gate.reports.lock().unwrap().is_empty(),
		"a resume at the same endpoint reports nothing"
	);
	// Nothing kept for 11: provisioned from its descriptor and reported.
	gate.view.lock().unwrap().push(deployment(11, "running", None));
	reactor.handle(&task(3, 11, Action::Resume { expires_at: None })).await.unwrap();
	assert_eq!(state(11), Some(InstanceState::Running));
	assert_eq!(
		*gate.reports.lock().unwrap(),
		vec![(11, "status".into(), json!({ "status": "running", "endpoint": endpoint(11) }))]
	);
}

#[tokio::test]
async fn a_running_deployment_that_cannot_be_restored_is_left_to_the_operator_and_a_new_one_fails()
{
	let (gate, ogate) = fake_ogate(vec![
		deployment(7, "running", Some(&endpoint(7))),
		deployment(8, "provisioning", None),
	])
	.await;
	let driver = FakeDriver::default();
	*driver.refuse.lock().unwrap() = Some("no capacity left".into());
	let reactor = Reactor::new(driver, ogate);

	let done = pass(&reactor).await.unwrap();
	assert_eq!(done, Pass { unrestorable: vec![7], ..Pass::default() });
	// 7 is not cancelled (that is the operator's call); 8 was never running: it failed.
	assert_eq!(
		*gate.reports.lock().unwrap(),
		vec![(8, "status".into(), json!({ "status": "failed", "reason": "no capacity left" }))]
	);
	assert!(reactor.metrics.render().contains("reactor_reconcile_unrestorable_total 1"));
}

#[tokio::test]
async fn one_deployment_that_cannot_be_restored_yet_does_not_hold_up_the_others() {
	let (gate, ogate) =
		fake_ogate(vec![deployment(1, "provisioning", None), deployment(2, "provisioning", None)])
			.await;
	let driver = FakeDriver::default();
	*driver.busy.lock().unwrap() = Some(1);
	let reactor = Reactor::new(driver, ogate);

	let done = pass(&reactor).await.unwrap();
	assert_eq!(done, Pass { restored: vec![2], ..Pass::default() });
	assert_eq!(
		*gate.reports.lock().unwrap(),
		vec![(2, "status".into(), json!({ "status": "running", "endpoint": endpoint(2) }))],
		"nothing is reported for the busy one: it is neither running nor failed"
	);
	// Once available, the next pass restores it.
	*reactor.driver.busy.lock().unwrap() = None;
	assert_eq!(pass(&reactor).await.unwrap().restored, vec![1]);
}

fn live(reactor: &Reactor<FakeDriver>) -> Vec<u64> {
	reactor.driver.live.lock().unwrap().keys().copied().collect()
}

#[tokio::test]
async fn a_view_that_is_not_current_removes_restores_and_reports_nothing() {
	// What a gateway with a fresh data directory, an unreachable node or a wrong provider
	// serves: an empty or partial list.
	let (gate, ogate) = fake_ogate(vec![deployment(3, "provisioning", None)]).await;
	*gate.stale.lock().unwrap() = true;
	let driver = FakeDriver::with(&[(1, InstanceState::Running), (2, InstanceState::Running)]);
	let reactor =
		Reactor::with_removals(driver, ogate, Removals { grace: Duration::ZERO, max_per_pass: 10 });

	assert_eq!(pass(&reactor).await.unwrap(), Pass { stale: true, ..Pass::default() });
	assert_eq!(live(&reactor), vec![1, 2]);
	assert!(reactor.driver.provisioned.lock().unwrap().is_empty());
	assert!(gate.reports.lock().unwrap().is_empty());
	assert_eq!(*gate.chain_asked.lock().unwrap(), 0);
	assert!(reactor.metrics.render().contains("reactor_reconcile_stale_views_total 1"));
}

#[tokio::test]
async fn an_instance_the_gateway_does_not_know_is_removed_only_after_its_grace_and_the_chains_word()
{
	let (gate, ogate) = fake_ogate(vec![]).await;
	{
		let mut chain = gate.chain.lock().unwrap();
		chain.insert(10, json!({ "exists": true, "provider": "5Bob", "ours": true }));
		chain.insert(11, json!({ "exists": true, "provider": "5Eve", "ours": false }));
		chain.insert(12, json!({ "exists": false, "provider": null, "ours": false }));
		// 13: the node cannot be reached (503).
	}
	let instances = [10, 11, 12, 13].map(|id| (id, InstanceState::Running));
	let grace = Duration::from_millis(300);
	let reactor = Reactor::with_removals(
		FakeDriver::with(&instances),
		ogate,
		Removals { grace, max_per_pass: 10 },
	);

	// Within the grace period nothing is asked and nothing removed.
	let done = pass(&reactor).await.unwrap();
	assert_eq!(done, Pass { kept: vec![10, 11, 12, 13], ..Pass::default() });
	assert_eq!(*gate.chain_asked.lock().unwrap(), 0);

	// After it, only the one the chain holds no subscription for goes.
	tokio::time::sleep(grace).await;
	let done = pass(&reactor).await.unwrap();
	assert_eq!(done, Pass { removed: vec![12], kept: vec![10, 11, 13], ..Pass::default() });
	assert_eq!(live(&reactor), vec![10, 11, 13]);
	let metrics = reactor.metrics.render();
	assert!(metrics.contains("reactor_reconcile_removals_total{reason=\"unknown_to_chain\"} 1"));
	assert!(metrics.contains("reactor_reconcile_unknown_kept 3"), "{metrics}");

	// The gateway learns of 10 (it imported it from the chain): no longer unknown, kept.
	gate.view.lock().unwrap().push(deployment(10, "running", Some(&endpoint(10))));
	let done = pass(&reactor).await.unwrap();
	assert_eq!(done, Pass { kept: vec![11, 13], ..Pass::default() });
}

#[tokio::test]
async fn one_pass_removes_at_most_its_cap_and_the_rest_wait_for_the_next() {
	let ids: Vec<u64> = (1..=7).collect();
	let (_gate, ogate) =
		fake_ogate(ids.iter().map(|id| deployment(*id, "ended", None)).collect()).await;
	let instances: Vec<_> = ids.iter().map(|id| (*id, InstanceState::Running)).collect();
	let reactor = Reactor::with_removals(
		FakeDriver::with(&instances),
		ogate,
		Removals { grace: Duration::ZERO, max_per_pass: 3 },
	);

	let first = pass(&reactor).await.unwrap();
	assert_eq!((first.removed, first.deferred), (vec![1, 2, 3], vec![4, 5, 6, 7]));
	let second = pass(&reactor).await.unwrap();
	assert_eq!((second.removed, second.deferred), (vec![4, 5, 6], vec![7]));
	let third = pass(&reactor).await.unwrap();
	assert_eq!((third.removed, third.deferred), (vec![7], vec![]));
	assert!(live(&reactor).is_empty());
	let metrics = reactor.metrics.render();
	assert!(metrics.contains("reactor_reconcile_removals_total{reason=\"ended_on_chain\"} 7"));
	assert!(metrics.contains("reactor_reconcile_removals_deferred_total 5"), "{metrics}");
}

#[tokio::test]
async fn metrics_are_served_only_to_the_metrics_token() {
	let (_gate, ogate) = fake_ogate(vec![]).await;
	let reactor = Reactor::new(FakeDriver::default(), ogate);
	let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
	let url = format!("http://{}/metrics", listener.local_addr().unwrap());
	let app = metrics_router(reactor, "a-metrics-token-123".into());
	tokio::spawn(async move { axum::serve(listener, app).await });
	let http = reqwest::Client::new();
	let status = async |token: Option<&str>| {
		let mut request = http.get(&url);
		if let Some(token) = token {
			request = request.bearer_auth(token);
		}
		let response = request.send().await.unwrap();
		(response.status().as_u16(), response.text().await.unwrap())
	};
	assert_eq!(status(None).await.0, 401);
	assert_eq!(status(Some("a-metrics-token-12")).await.0, 401);
	let (code, body) = status(Some("a-metrics-token-123")).await;
	assert_eq!(code, 200);
	assert!(body.contains("# TYPE reactor_reconcile_removals counter"), "{body}");
}

#[tokio::test]
async fn the_webhook_receiver_acts_only_on_tasks_signed_with_the_shared_secret() {
	let (gate, ogate) = fake_ogate(vec![]).await;
	let reactor = Reactor::new(FakeDriver::default(), ogate);
	const SECRET: &str = "a-secret-of-16-chars";
	let receiver = Arc::new(Receiver::new(reactor.clone(), SECRET.into(), 300));
	let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
	let url = format!("http://{}/webhook", listener.local_addr().unwrap());
	tokio::spawn(async move { axum::serve(listener, limited(router(receiver))).await });

	let task = Task {
		seq: 0,
		key: "9-provision-12-3".into(),
		subscription: 9,
		block: 12,
		action: Action::Provision {
			deployment_type: 0,
			descriptor_cid: "bafkrei".into(),
			descriptor: json!({ "image": "debian-12" }),
			subscriber: "5Fsubscriber".into(),
			price_per_block: "1000".into(),
			provision_deadline: 100,
		},
	};
	let body = serde_json::to_vec(&task).unwrap();
	let http = reqwest::Client::new();
	let answer = async |signature: Option<String>, body: Vec<u8>| {
		let mut request = http.post(&url).header("content-type", "application/json").body(body);
		if let Some(signature) = signature {
			request = request.header(SIGNATURE_HEADER, signature);
		}
		let response = request.send().await.unwrap();
		(response.status().as_u16(), response.json::<Value>().await.unwrap())
	};
	let send = async |signature: Option<String>, body: Vec<u8>| answer(signature, body).await.0;
	let now = now_ms() / 1000;
	assert_eq!(send(None, body.clone()).await, 401, "unsigned");
	assert_eq!(send(Some(sign("another-secret-xxxx", now, &body)), body.clone()).await, 401);
	assert_eq!(send(Some(sign(SECRET, now - 3_600, &body)), body.clone()).await, 401, "stale");
	let mut tampered = body.clone();
	tampered.extend_from_slice(b" ");
	assert_eq!(send(Some(sign(SECRET, now, &body)), tampered).await, 401, "another body");
	assert_eq!(send(Some(sign(SECRET, now, b"{}")), b"{}".to_vec()).await, 400, "not a task");
	// A body past the limit is refused before it is read whole, however it is signed, in JSON.
	let huge = vec![b' '; MAX_BODY + 1];
	let (status, error) = answer(Some(sign(SECRET, now, &huge)), huge).await;
	assert_eq!(status, 413, "{error}");
	assert_eq!(error["error"], "bad_request", "{error}");
	assert!(error["message"].as_str().is_some_and(|m| !m.is_empty()), "{error}");
	assert!(reactor.driver.provisioned.lock().unwrap().is_empty(), "nothing refused was done");

	assert_eq!(send(Some(sign(SECRET, now, &body)), body.clone()).await, 202);
	for _ in 0..100 {
		if !gate.reports.lock().unwrap().is_empty() {
			break;
		}
		tokio::time::sleep(std::time::Duration::from_millis(20)).await;
	}
	assert_eq!(reactor.driver.provisioned.lock().unwrap().len(), 1);
	assert_eq!(
		*gate.reports.lock().unwrap(),
		vec![(9, "status".into(), json!({ "status": "running", "endpoint": endpoint(9) }))]
	);
}
