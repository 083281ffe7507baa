//! The default local workload: a small HTTP service that answers with its deployment.
//!
//! The local driver starts it for deployment types the provider has mapped to no other
//! program. It proves the lifecycle end to end: its endpoint is real, answers on loopback with
//! the subscription and the descriptor it was started with, and stops when the deployment ends.

use axum::{routing::get, Json, Router};
use serde_json::{json, Value};
use std::net::SocketAddr;

/// Serves `GET /` (the deployment) and `GET /healthz` on `listen` until SIGTERM or Ctrl-C.
pub async fn serve(listen: SocketAddr) -> anyhow::Result<()> {
	let env = |name: &str| std::env::var(name).unwrap_or_default();
	let descriptor: Value = serde_json::from_str(&env("DINFRA_DESCRIPTOR")).unwrap_or(Value::Null);
	let started = dinfra_ogate_protocol::signature::now_ms() / 1000;
	let about = json!({
		"service": "dinfra-workload",
		"subscription": env("DINFRA_SUBSCRIPTION").parse::<u64>().ok(),
		"deployment_type": env("DINFRA_DEPLOYMENT_TYPE").parse::<u32>().ok(),
		"descriptor": descriptor,
		"started_at": started,
		"pid": std::process::id(),
	});
	let app = Router::new()
		.route("/", get(move || async move { Json(about) }))
		.route("/healthz", get(|| async { Json(json!({ "status": "ok" })) }));
	let listener = dinfra_ogate_protocol::http::bind(listen).await?;
	tracing::info!(%listen, "workload serving");
	let stop = dinfra_ogate_protocol::shutdown::on_signal();
	axum::serve(listener, app)
		.with_graceful_shutdown(async move { stop.cancelled().await })
		.await?;
	Ok(())
}
