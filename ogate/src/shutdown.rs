//! Graceful shutdown: one broadcast that every long-running task listens to.

use tokio::sync::broadcast;

/// A listener for the shutdown signal.
pub struct Shutdown {
	received: bool,
	rx: broadcast::Receiver<()>,
}

impl Shutdown {
	/// A listener on `tx`.
	pub fn new(tx: &broadcast::Sender<()>) -> Shutdown {
		Shutdown { received: false, rx: tx.subscribe() }
	}

	/// Waits for the signal; returns at once if it was seen before.
	pub async fn recv(&mut self) {
		if !self.received {
			// Closed or lagged both mean the sender is gone or has spoken.
			let _ = self.rx.recv().await;
			self.received = true;
		}
	}
}
