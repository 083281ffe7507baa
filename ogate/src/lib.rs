//! OGate, the DINFRA provider gateway.
//!
//! OGate sits between the DINFRA chain and a provider's chain reactors. It follows finalized
//! blocks, turns the events that concern its provider into deployment tasks, verifies each
//! awarded descriptor against its CID and its deployment type's schema, and hands tasks to
//! reactors by signed webhook or a pull feed. Reactors answer over REST, and OGate submits
//! their status reports to the chain with an operator key that can do nothing else.
//!
//! Modules, one concern each:
//! - [`config`]: the layered configuration;
//! - [`task`]: the tasks reactors get;
//! - [`store`]: the durable, transactional outbox;
//! - [`chain`]: reading blocks and signing reports (subxt, from the committed metadata);
//! - [`runtime_version`]: runtime versions learnt from followed blocks, so reads cost no runtime call;
//! - [`follower`]: following finalized blocks, reconciling, and verifying awards;
//! - [`sync`]: whether the deployments view is current, so that reactors act on it only then;
//! - [`descriptor`]: fetching content by CID and checking it;
//! - [`reporter`]: sending each report to the chain exactly once;
//! - [`webhook`]: signed push delivery with retries;
//! - [`api`]: the REST API and its OpenAPI document;
//! - [`limits`]: body size, concurrency and time limits of the API, and the answers they give;
//! - [`metrics`]: the Prometheus metrics (shutdown is `dinfra_ogate_protocol::shutdown`).

#![deny(missing_docs)]

pub mod api;
pub mod chain;
pub mod config;
pub mod descriptor;
pub mod follower;
pub mod limits;
pub mod metrics;
pub mod reporter;
pub mod runtime_version;
pub mod store;
pub mod sync;
pub mod webhook;

pub use dinfra_ogate_protocol::{secret, task};

use config::Config;
use std::sync::Arc;
use subxt::utils::AccountId32;
use subxt_signer::{sr25519::Keypair, SecretUri};
use tokio::sync::{watch, Notify, RwLock};
use tokio_util::sync::CancellationToken;

/// The provider account a configuration names: an SS58 address, or the public key of a
/// secret URI (for dev accounts such as `//Alice`).
pub fn provider_account(text: &str) -> anyhow::Result<AccountId32> {
	if let Ok(account) = text.parse::<AccountId32>() {
		return Ok(account);
	}
	let uri: SecretUri = text.parse().map_err(|e| anyhow::anyhow!("provider {text:?}: {e}"))?;
	let pair = Keypair::from_uri(&uri).map_err(|e| anyhow::anyhow!("provider {text:?}: {e}"))?;
	Ok(pair.public_key().to_account_id())
}

/// The operator keypair from its secret URI.
pub fn operator_key(text: &str) -> anyhow::Result<Keypair> {
	let uri: SecretUri = text.parse().map_err(|e| anyhow::anyhow!("operator seed: {e}"))?;
	Keypair::from_uri(&uri).map_err(|e| anyhow::anyhow!("operator seed: {e}"))
}

/// Runs OGate until `shutdown` fires: the follower, the verifier, the reporter, the webhook
/// deliverer and the HTTP API. Returns once all of them have stopped.
pub async fn run(config: Config, shutdown: CancellationToken) -> anyhow::Result<()> {
	let provider = provider_account(&config.provider)?;
	let operator = operator_key(config.operator_seed.expose())?;
	let store = Arc::new(store::Store::open(
		&config.data_dir,
		config.webhooks.iter().map(|w| w.name.clone()).collect(),
	)?);
	store.claim_provider(&provider.to_string())?;
	let sync = Arc::new(sync::SyncState::default());
	let metrics = Arc::new(metrics::Metrics::default());
	let chain = Arc::new(RwLock::new(None));
	let tasks_written = Arc::new(Notify::new());
	let reports_changed = Arc::new(Notify::new());
	let to_verify = Arc::new(Notify::new());
	let (feed, feed_rx) = watch::channel(store.task_count()?);
	tracing::info!(
		provider = %provider,
		operator = %operator.public_key().to_account_id(),
		listen = %config.listen,
		"starting OGate"
	);

	let listener = dinfra_ogate_protocol::http::bind(config.listen).await?;
	let state = api::AppState {
		store: store.clone(),
		chain: chain.clone(),
		tokens: Arc::new(
			config.tokens.iter().map(|t| (t.name.clone(), t.token.clone(), t.scope)).collect(),
		),
		feed: feed_rx,
		reports_changed: reports_changed.clone(),
		deliveries_changed: tasks_written.clone(),
		metrics: metrics.clone(),
		sync: sync.clone(),
	};
	let http_shutdown = shutdown.clone();
	let http = tokio::spawn(async move {
		axum::serve(listener, api::router(state))
			.with_graceful_shutdown(async move { http_shutdown.cancelled().await })
			.await
	});

	let follower = follower::Follower {
		url: config.node_url.clone(),
		provider,
		operator,
		store: store.clone(),
		chain: chain.clone(),
		tasks_written: tasks_written.clone(),
		reports_changed: reports_changed.clone(),
		to_verify: to_verify.clone(),
		feed: feed.clone(),
		metrics: metrics.clone(),
		start_block: config.start_block,
		sync,
		stall_timeout: std::time::Duration::from_secs(config.stall_timeout_s),
		retention_blocks: config.retention_blocks,
	};
	let verifier = follower::Verifier {
		store: store.clone(),
		chain: chain.clone(),
		content: Arc::new(descriptor::ContentSource::new(&config)),
		wake: to_verify,
		tasks_written: tasks_written.clone(),
		reports_changed: reports_changed.clone(),
		feed,
		metrics: metrics.clone(),
		schemas: Default::default(),
		retries: Default::default(),
		descriptor_wait: std::time::Duration::from_secs(config.descriptor_wait_s),
	};
	let reporter = reporter::Reporter {
		store: store.clone(),
		chain,
		wake: reports_changed,
		metrics: metrics.clone(),
	};
	let deliverer = webhook::Deliverer {
		store,
		wake: tasks_written,
		metrics,
		webhooks: config.webhooks.iter().map(|w| (w.name.clone(), w.clone())).collect(),
		config: config.clone(),
	};
	let workers = [
		tokio::spawn(follower.run(shutdown.clone())),
		tokio::spawn(verifier.run(shutdown.clone())),
		tokio::spawn(reporter.run(shutdown.clone())),
		tokio::spawn(deliverer.run(shutdown)),
	];
	for worker in workers {
		worker.await?;
	}
	http.await??;
	tracing::info!("OGate stopped");
	Ok(())
}
