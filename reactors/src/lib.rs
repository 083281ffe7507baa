//! `dinfra-reactor`: a DINFRA chain reactor.
//!
//! A chain reactor turns OGate's deployment tasks into infrastructure and reports back. It
//! never touches the chain: OGate follows finalized blocks, verifies descriptors and submits
//! reports; the reactor provisions, deprovisions and reconciles.
//!
//! Modules, one concern each:
//! - [`config`]: the layered configuration;
//! - [`ogate`]: the client of OGate's REST API;
//! - [`driver`]: the `Driver` trait and its two drivers, [`driver::local`] and
//!   [`driver::cloudstack`];
//! - [`reactor`]: what each task means for the driver;
//! - [`delivery`]: webhooks in, or the feed pulled;
//! - [`server`]: the HTTP server's limits, health, metrics and OpenAPI document;
//! - [`reconcile`]: the loop that removes what the chain ended and restores what is missing;
//! - [`metrics`]: Prometheus counters;
//! - [`workload`]: the local driver's default program.
//!
//! Stopping the reactor leaves deployments running: they are the subscribers', and a reactor
//! that starts again adopts them (local) or finds them by tag (CloudStack).

#![deny(missing_docs)]

pub mod config;
pub mod delivery;
pub mod driver;
pub mod metrics;
pub mod ogate;
pub mod reactor;
pub mod reconcile;
pub mod server;
pub mod workload;

use config::{Config, Delivery, DriverKind};
use driver::{cloudstack::CloudStackDriver, local::LocalDriver, Driver};
use std::{sync::Arc, time::Duration};
use tokio_util::sync::CancellationToken;

/// Runs the reactor with the configured driver until `stop` fires.
pub async fn run(config: Config, stop: CancellationToken) -> anyhow::Result<()> {
	match config.driver {
		DriverKind::Local => {
			let driver = LocalDriver::open(config.local.clone()).await?;
			run_with(driver, config, stop).await
		}
		DriverKind::Cloudstack => {
			let settings = config
				.cloudstack
				.clone()
				.ok_or_else(|| anyhow::anyhow!("driver = \"cloudstack\" needs [cloudstack]"))?;
			run_with(CloudStackDriver::new(settings), config, stop).await
		}
	}
}

/// Runs the reactor over `driver` until `stop` fires.
pub async fn run_with<D: Driver>(
	driver: D,
	config: Config,
	stop: CancellationToken,
) -> anyhow::Result<()> {
	let ogate = ogate::Ogate::new(&config.ogate_url, config.ogate_token.expose());
	let removals = reactor::Removals {
		grace: Duration::from_secs(config.removal_grace_s),
		max_per_pass: config.max_removals_per_pass,
	};
	let reactor = reactor::Reactor::with_removals(driver, ogate, removals);
	tracing::info!(
		driver = reactor.driver.name(),
		ogate = config.ogate_url,
		delivery = ?config.delivery,
		"reactor started"
	);
	let interval = Duration::from_millis(config.reconcile_interval_ms);
	let reconciler = tokio::spawn(reconcile::run(reactor.clone(), interval, stop.clone()));
	let metrics =
		config.metrics_token.clone().map(|token| server::metrics_router(reactor.clone(), token));
	match config.delivery {
		Delivery::Feed => {
			let server = match metrics {
				Some(routes) => {
					let listener = dinfra_ogate_protocol::http::bind(config.listen).await?;
					tracing::info!(listen = %config.listen, "metrics at /metrics");
					let stop = stop.clone();
					Some(tokio::spawn(async move {
						axum::serve(listener, server::limited(routes))
							.with_graceful_shutdown(async move { stop.cancelled().await })
							.await
					}))
				}
				None => None,
			};
			delivery::pull(reactor, stop.clone()).await;
			if let Some(server) = server {
				server.await??;
			}
		}
		Delivery::Webhook => {
			let receiver = Arc::new(delivery::Receiver::new(
				reactor,
				config.webhook_secret.clone().unwrap_or_else(|| "".into()),
				config.signature_tolerance_s,
			));
			let listener = dinfra_ogate_protocol::http::bind(config.listen).await?;
			tracing::info!(listen = %config.listen, "webhook receiver listening");
			let mut routes = delivery::router(receiver);
			if let Some(metrics) = metrics {
				routes = routes.merge(metrics);
			}
			axum::serve(listener, server::limited(routes))
				.with_graceful_shutdown(async move { stop.cancelled().await })
				.await?;
		}
	}
	let _ = reconciler.await;
	tracing::info!("reactor stopped; deployments keep running");
	Ok(())
}
