//! The pieces OGate's tests are built from: a dev network with Bob as a provider, OGate in
//! process or as a process, and a test reactor that receives webhooks.

#![allow(dead_code)]

use axum::{body::Bytes, http::HeaderMap, routing::post, Router};
use dinfra_devnet::{event_in, sibling_binary, submit, Api, DevNode, PATIENCE};
use dinfra_ogate::{
	chain::dinfra::{
		self,
		runtime_types::{
			bounded_collections::bounded_vec::BoundedVec, dinfra_primitives::market::AwardTarget,
			dinfra_runtime::configs::proxy::ProxyType,
		},
	},
	config::{Config, Scope, TokenConfig, WebhookConfig},
	descriptor::raw_cid,
	task::Task,
	webhook,
};
use serde_json::Value;
use std::{
	path::{Path, PathBuf},
	sync::{Arc, Mutex},
	time::{Duration, Instant},
};
use subxt::utils::MultiAddress;
use subxt_signer::sr25519::dev;

/// 1 DINF.
pub const DINF: u128 = 1_000_000_000_000;
/// Bob's price per block.
pub const PRICE: u128 = DINF / 1_000;
/// The token tests use: an admin token.
pub const TOKEN: &str = "test-token-0123";
/// A reactor token: it may not cancel, claim or replay.
pub const REACTOR_TOKEN: &str = "reactor-scope-token-0123";
/// The webhook secret tests use.
pub const SECRET: &str = "webhook-secret-0123";
/// The vm-small schema, which the development preset registers as type 0.
pub const VM_SMALL_SCHEMA: &[u8] = include_bytes!("../../../schemas/vm-small.json");

/// The tests' tokens: [`TOKEN`] (admin) and [`REACTOR_TOKEN`] (reactor).
pub fn test_tokens() -> Vec<TokenConfig> {
	vec![
		TokenConfig { name: "reactor".into(), token: TOKEN.into(), scope: Scope::Admin },
		TokenConfig {
			name: "reactor-only".into(),
			token: REACTOR_TOKEN.into(),
			scope: Scope::Reactor,
		},
	]
}

/// A dev node, a client of it, and a content directory that serves as IPFS.
pub struct Network {
	node: DevNode,
	/// The client.
	pub api: Api,
	/// Content named by CID.
	pub content: tempfile::TempDir,
	/// Scratch space for OGate's store.
	pub scratch: tempfile::TempDir,
}

impl Network {
	/// Starts a node.
	pub async fn start(name: &str) -> Network {
		let logs = PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
		Network::with(DevNode::start(&sibling_binary("dinfra-node"), &logs, name)).await
	}

	/// Starts a node alone on the genesis of `chain` (`local`: no deployment types), sealing a
	/// block every 100 ms.
	pub async fn start_on_chain(name: &str, chain: &str) -> Network {
		let logs = PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
		Network::with(DevNode::start_on_chain(&sibling_binary("dinfra-node"), &logs, name, chain))
			.await
	}

	/// The node's WebSocket RPC URL.
	pub fn url(&self) -> &str {
		&self.node.url
	}

	async fn with(mut node: DevNode) -> Network {
		let api = node.connect().await;
		let content = tempfile::tempdir().unwrap();
		std::fs::write(content.path().join(raw_cid(VM_SMALL_SCHEMA)), VM_SMALL_SCHEMA).unwrap();
		Network { node, api, content, scratch: tempfile::tempdir().unwrap() }
	}

	/// OGate's configuration for this network: Bob's gateway with Dave's operator key.
	pub fn gate_config(&self, reactors: &[&Reactor], data_dir: Option<&Path>) -> Config {
		Config {
			node_url: self.node.url.clone(),
			provider: "//Bob".into(),
			operator_seed: "//Dave".into(),
			listen: ([127, 0, 0, 1], dinfra_devnet::free_port()).into(),
			data_dir: data_dir.map_or_else(|| self.scratch.path().join("ogate"), Path::to_path_buf),
			tokens: test_tokens(),
			webhooks: reactors
				.iter()
				.enumerate()
				.map(|(i, r)| WebhookConfig {
					name: format!("reactor-{i}"),
					url: r.url.clone(),
					secret: SECRET.into(),
				})
				.collect(),
			ipfs_gateways: Vec::new(),
			content_dir: Some(self.content.path().to_path_buf()),
			webhook_backoff_ms: 50,
			..Config::default()
		}
	}

	/// OGate in this process; reactors report to it.
	pub async fn start_gate(&self, reactors: &[&Reactor], data_dir: Option<&Path>) -> Gate {
		let gate = Gate::start(self.gate_config(reactors, data_dir)).await;
		for reactor in reactors {
			*reactor.gate.lock().unwrap() = Some(gate.clone());
		}
		gate
	}

	/// Bob registers, offers 64 vm-small deployments and makes Dave his gateway's operator.
	pub async fn provide(&self) {
		let bob = dev::bob();
		let provider = dinfra::transactions().dinfra_provider();
		submit(&self.api, &bob, provider.register_provider(BoundedVec(b"{}".to_vec()))).await;
		submit(&self.api, &bob, provider.create_offering(0, 64, PRICE, BoundedVec(Vec::new())))
			.await;
		let dave = MultiAddress::Id(dev::dave().public_key().to_account_id());
		submit(
			&self.api,
			&bob,
			dinfra::transactions().proxy().add_proxy(dave, ProxyType::DinfraOperator, 0),
		)
		.await;
	}

	/// Root (Alice, sudo on the dev chain) sets the minimum runway to `blocks`, so that runs and
	/// graces of a test take seconds.
	pub async fn set_min_runway(&self, blocks: u32) {
		use dinfra::runtime_types::{
			dinfra_runtime::RuntimeCall, pallet_dinfra_subscription::pallet::Call,
		};
		let set = RuntimeCall::DinfraSubscription(Call::set_min_runway { blocks });
		let at = submit(&self.api, &dev::alice(), dinfra::transactions().sudo().sudo(set)).await;
		assert_eq!(
			event_in::<dinfra::dinfra_subscription::events::MinRunwaySet>(&at).await.new,
			blocks
		);
	}

	/// Waits until the node's best block is `number` or later (a block every 100 ms).
	pub async fn wait_for_block(&self, number: u64) {
		let deadline = Instant::now() + PATIENCE * 2;
		while self.api.at_current_block().await.unwrap().block_number() < number {
			assert!(Instant::now() < deadline, "the node did not reach block {number}");
			tokio::time::sleep(Duration::from_millis(500)).await;
		}
	}

	/// Publishes `descriptor` in the content directory and subscribes to it as Charlie for two
	/// hours. Returns the subscription id and the block it was made in.
	pub async fn subscribe(&self, descriptor: &Value) -> (u64, u64) {
		self.subscribe_funded(descriptor, PRICE * 1_200).await
	}

	/// As [`Network::subscribe`], with `funding`.
	pub async fn subscribe_funded(&self, descriptor: &Value, funding: u128) -> (u64, u64) {
		let bytes = descriptor.to_string();
		let cid = raw_cid(bytes.as_bytes());
		std::fs::write(self.content.path().join(&cid), bytes).unwrap();
		self.subscribe_cid(&cid, funding).await
	}

	/// Subscribes as Charlie to the descriptor named `cid`, published or not.
	pub async fn subscribe_cid(&self, cid: &str, funding: u128) -> (u64, u64) {
		let cid = cid.to_string();
		let call = dinfra::transactions().dinfra_subscription().subscribe(
			0,
			BoundedVec(cid.into_bytes()),
			AwardTarget::Any,
			PRICE,
			funding,
		);
		let at = submit(&self.api, &dev::charlie(), call).await;
		let event = event_in::<dinfra::dinfra_subscription::events::Subscribed>(&at).await;
		(event.id, at.block_number())
	}
}

/// OGate's HTTP API, as a reactor sees it.
#[derive(Clone)]
pub struct Gate {
	/// `http://host:port`.
	pub base: String,
	http: reqwest::Client,
	shutdown: Option<tokio_util::sync::CancellationToken>,
}

impl Gate {
	/// Starts OGate in this process and waits for its API.
	pub async fn start(config: Config) -> Gate {
		let shutdown = tokio_util::sync::CancellationToken::new();
		let base = format!("http://{}", config.listen);
		let tx = shutdown.clone();
		tokio::spawn(async move {
			if let Err(e) = dinfra_ogate::run(config, tx).await {
				panic!("OGate failed: {e:?}");
			}
		});
		let gate = Gate { base, http: reqwest::Client::new(), shutdown: Some(shutdown) };
		gate.wait_for_api().await;
		gate
	}

	/// OGate pointed at a node that does not exist: only its API works.
	pub async fn start_without_chain() -> Gate {
		let dir = tempfile::tempdir().unwrap().keep();
		Gate::start(Config {
			node_url: format!("ws://127.0.0.1:{}", dinfra_devnet::free_port()),
			listen: ([127, 0, 0, 1], dinfra_devnet::free_port()).into(),
			data_dir: dir,
			tokens: test_tokens(),
			..Config::default()
		})
		.await
	}

	/// A handle on an OGate started elsewhere (a process) at `base`.
	pub async fn at(base: String) -> Gate {
		let gate = Gate { base, http: reqwest::Client::new(), shutdown: None };
		gate.wait_for_api().await;
		gate
	}

	async fn wait_for_api(&self) {
		let deadline = Instant::now() + PATIENCE;
		while self.anonymous("/healthz").await.status() != 200 {
			assert!(Instant::now() < deadline, "OGate's API did not come up");
			tokio::time::sleep(Duration::from_millis(50)).await;
		}
	}

	/// A request with the test token.
	pub async fn request(&self, method: &str, path: &str, body: Option<&str>) -> reqwest::Response {
		let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
		let mut request =
			self.http.request(method, format!("{}{path}", self.base)).bearer_auth(TOKEN);
		if let Some(body) = body {
			request = request.header("content-type", "application/json").body(body.to_string());
		}
		request.send().await.unwrap_or_else(|e| panic!("{path}: {e}"))
	}

	/// GET with the test token.
	pub async fn get(&self, path: &str) -> reqwest::Response {
		self.request("GET", path, None).await
	}

	/// POST JSON with the test token.
	pub async fn post(&self, path: &str, body: Value) -> reqwest::Response {
		self.request("POST", path, Some(&body.to_string())).await
	}

	/// POST JSON with the test token; `None` if OGate cannot be reached.
	pub async fn try_post(&self, path: &str, body: Value) -> Option<u16> {
		let url = format!("{}{path}", self.base);
		let response = self.http.post(url).bearer_auth(TOKEN).json(&body).send().await.ok()?;
		Some(response.status().as_u16())
	}

	/// GET without a token; connection failures answer 599.
	pub async fn anonymous(&self, path: &str) -> reqwest::Response {
		match self.http.get(format!("{}{path}", self.base)).send().await {
			Ok(r) => r,
			Err(_) => reqwest::Response::from(
				axum::http::Response::builder().status(599).body("").unwrap(),
			),
		}
	}

	/// POST JSON with another token.
	pub async fn post_with_token(&self, path: &str, token: &str, body: Value) -> reqwest::Response {
		let url = format!("{}{path}", self.base);
		self.http.post(url).bearer_auth(token).json(&body).send().await.unwrap()
	}

	/// GET with another token.
	pub async fn with_token(&self, path: &str, token: &str) -> reqwest::Response {
		self.http.get(format!("{}{path}", self.base)).bearer_auth(token).send().await.unwrap()
	}

	/// The deployments view of one subscription.
	pub async fn deployment(&self, id: u64) -> Value {
		self.get(&format!("/v1/deployments/{id}")).await.json().await.unwrap()
	}

	/// Waits until OGate shows deployment `id` in `phase`.
	pub async fn wait_for_phase(&self, id: u64, phase: &str) {
		let deadline = Instant::now() + PATIENCE;
		loop {
			let view = self.deployment(id).await;
			if view["phase"] == phase {
				return;
			}
			assert!(Instant::now() < deadline, "deployment {id} never became {phase}: {view}");
			tokio::time::sleep(Duration::from_millis(50)).await;
		}
	}

	/// Stops an in-process OGate.
	pub fn stop(&self) {
		if let Some(shutdown) = &self.shutdown {
			shutdown.cancel();
		}
	}

	/// Stops OGate and waits until its API no longer answers.
	pub async fn stop_and_wait(&self) {
		self.stop();
		let deadline = Instant::now() + PATIENCE;
		while self.anonymous("/healthz").await.status() != 599 {
			assert!(Instant::now() < deadline, "OGate did not stop");
			tokio::time::sleep(Duration::from_millis(50)).await;
		}
	}

	/// The last finalized block OGate applied (`/v1/sync`'s cursor).
	pub async fn cursor(&self) -> u64 {
		let sync = self.get("/v1/sync").await.json::<Value>().await.unwrap();
		sync["cursor"].as_u64().unwrap()
	}
}

/// A chain reactor that records the tasks it receives by webhook, refusing bad signatures, and
/// (if `auto_running`) reports each provision task running at [`Reactor::endpoint_for`].
pub struct Reactor {
	/// Its webhook URL.
	pub url: String,
	received: Arc<Mutex<Vec<(Instant, Task)>>>,
	gate: Arc<Mutex<Option<Gate>>>,
}

impl Reactor {
	/// Starts the reactor's HTTP server.
	pub async fn start(auto_running: bool) -> Reactor {
		let received = Arc::new(Mutex::new(Vec::new()));
		let gate: Arc<Mutex<Option<Gate>>> = Arc::new(Mutex::new(None));
		let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
		let url = format!("http://{}/hook", listener.local_addr().unwrap());
		let (log, gate_for_hook) = (received.clone(), gate.clone());
		let hook = move |headers: HeaderMap, body: Bytes| {
			let (log, gate) = (log.clone(), gate_for_hook.clone());
			async move {
				let signature = headers
					.get(webhook::SIGNATURE_HEADER)
					.and_then(|v| v.to_str().ok())
					.unwrap_or_default();
				let now = webhook::now_ms() / 1000;
				if webhook::verify(SECRET, signature, &body, now, 300).is_err() {
					return axum::http::StatusCode::UNAUTHORIZED;
				}
				let Ok(task) = serde_json::from_slice::<Task>(&body) else {
					return axum::http::StatusCode::BAD_REQUEST;
				};
				log.lock().unwrap().push((Instant::now(), task.clone()));
				if auto_running && task.action.name() == "provision" {
					let gate = gate.lock().unwrap().clone();
					if let Some(gate) = gate {
						let id = task.subscription;
						// A real reactor retries its report until OGate has it.
						tokio::spawn(async move {
							let body = serde_json::json!({"status": "running", "endpoint": Reactor::endpoint_for(id)});
							let deadline = Instant::now() + PATIENCE;
							while Instant::now() < deadline {
								let path = format!("/v1/deployments/{id}/status");
								if gate.try_post(&path, body.clone()).await.is_some_and(|s| s < 300)
								{
									break;
								}
								tokio::time::sleep(Duration::from_millis(200)).await;
							}
						});
					}
				}
				axum::http::StatusCode::NO_CONTENT
			}
		};
		tokio::spawn(async move {
			axum::serve(listener, Router::new().route("/hook", post(hook))).await.unwrap();
		});
		Reactor { url, received, gate }
	}

	/// Reports to `gate` from now on.
	pub fn set_gate(&self, gate: Gate) {
		*self.gate.lock().unwrap() = Some(gate);
	}

	/// Where the test reactor's deployment `id` is reached.
	pub fn endpoint_for(id: u64) -> String {
		format!("http://127.0.0.1:9/deployments/{id}")
	}

	/// Every task received so far, in order of arrival (repeats included).
	pub fn tasks(&self) -> Vec<Task> {
		self.received.lock().unwrap().iter().map(|(_, t)| t.clone()).collect()
	}

	/// Every task received so far with its arrival time.
	pub fn arrivals(&self) -> Vec<(Instant, Task)> {
		self.received.lock().unwrap().clone()
	}

	/// Waits for a task matching `pred`.
	pub async fn wait_for(&self, pred: impl Fn(&Task) -> bool) -> Task {
		let deadline = Instant::now() + PATIENCE;
		loop {
			if let Some(task) = self.tasks().into_iter().find(&pred) {
				return task;
			}
			assert!(Instant::now() < deadline, "no such task; received: {:?}", self.tasks());
			tokio::time::sleep(Duration::from_millis(50)).await;
		}
	}
}
