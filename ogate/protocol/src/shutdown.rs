//! Graceful shutdown for OGate and the reactor: one `tokio_util` [`CancellationToken`] that
//! every long-running task listens to, cancelled by SIGTERM or Ctrl-C.

use tokio_util::sync::CancellationToken;

/// A token cancelled on the first SIGTERM or Ctrl-C. Call it inside a Tokio runtime.
pub fn on_signal() -> CancellationToken {
	let token = CancellationToken::new();
	let cancel = token.clone();
	tokio::spawn(async move {
		signal().await;
		tracing::info!("shutting down");
		cancel.cancel();
	});
	token
}

async fn signal() {
	use tokio::signal::unix::{signal, SignalKind};
	match signal(SignalKind::terminate()) {
		Ok(mut term) => {
			tokio::select! {
				_ = term.recv() => {},
				_ = tokio::signal::ctrl_c() => {},
			}
		}
		Err(_) => {
			let _ = tokio::signal::ctrl_c().await;
		}
	}
}
