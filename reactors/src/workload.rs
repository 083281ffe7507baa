//! The default local workload: a small HTTP service that answers with its deployment.
//!
//! The local driver starts it for deployment types the provider has mapped to no other
//! program. It proves the lifecycle end to end: its endpoint is real, answers on loopback with
//! the subscription and the descriptor it was started with, and stops when the deployment ends.
//! It keeps state as a real deployment would, in `DINFRA_STATE_DIR`: when it was first created
//! and how many times it has started, so that a suspension and resume can be seen to keep it.

use axum::{routing::get, Json, Router};
use serde_json::{json, Value};
use std::net::SocketAddr;

/// Serves `GET /` (the deployment) and `GET /healthz` on `listen` until SIGTERM or Ctrl-C.
pub async fn serve(listen: SocketAddr) -> anyhow::Result<()> {
	let env = |name: &str| std::env::var(name).unwrap_or_default();
	let descriptor: Value = serde_json::from_str(&env("DINFRA_DESCRIPTOR")).unwrap_or(Value::Null);
	let started = dinfra_ogate_protocol::signature::now_ms() / 1000;
	let state = match std::env::var_os("DINFRA_STATE_DIR") {
		Some(dir) => boot(std::path::Path::new(&dir), started)?,
		None => Value::Null,
	};
	let about = json!({
		"service": "dinfra-workload",
		"subscription": env("DINFRA_SUBSCRIPTION").parse::<u64>().ok(),
		"deployment_type": env("DINFRA_DEPLOYMENT_TYPE").parse::<u32>().ok(),
		"descriptor": descriptor,
		"started_at": started,
		"pid": std::process::id(),
		"state": state,
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

/// Counts this start in the state directory's `workload.json` (created at the first) and
/// returns what it holds: `created_at` (Unix seconds) and `boots`.
fn boot(dir: &std::path::Path, now: u64) -> anyhow::Result<Value> {
	let path = dir.join("workload.json");
	let mut state = match std::fs::read(&path) {
		Ok(bytes) => serde_json::from_slice(&bytes)?,
		Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
			json!({ "created_at": now, "boots": 0 })
		}
		Err(e) => return Err(e.into()),
	};
	state["boots"] = json!(state["boots"].as_u64().unwrap_or(0) + 1);
	let tmp = path.with_extension("json.tmp");
	std::fs::write(&tmp, serde_json::to_vec(&state)?)?;
	std::fs::rename(&tmp, &path)?;
	Ok(state)
}
