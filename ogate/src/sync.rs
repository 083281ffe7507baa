//! Whether OGate's view of its provider's deployments is current.
//!
//! The deployments view is read from the local store. The store lags the chain while OGate
//! connects, catches up or reconciles, and it is empty after a fresh or wiped data directory.
//! A reactor that took such a view for the chain's word would tear down deployments that are
//! still paid for. So OGate says when the view is current, and reactors reconcile only then.
//!
//! The view is current when all of these hold:
//! - OGate is connected to the node;
//! - the operator key is a `DinfraOperator` proxy of the configured provider, without delay (a
//!   wrong provider in the configuration shows here: its operator is not ours);
//! - OGate has reconciled its store with the chain's list of the provider's deployments since
//!   it connected;
//! - the store's cursor has reached the finalized head last seen.

use serde::{Deserialize, Serialize};
use std::sync::Mutex;
use utoipa::ToSchema;

/// What OGate knows of its own view, shared by the follower and the API.
#[derive(Debug, Default)]
pub struct SyncState {
	state: Mutex<State>,
}

#[derive(Debug, Default, Clone)]
struct State {
	connected: bool,
	finalized: Option<u32>,
	cursor: Option<u32>,
	reconciled: bool,
	/// Why the operator key cannot act for the provider, if it cannot; `None` until checked.
	authorization: Option<Result<(), String>>,
}

/// Whether the deployments view is current, and if not, why.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct SyncStatus {
	/// The view is the chain's word: a reactor may act on what it says has ended.
	pub current: bool,
	/// OGate is connected to the node.
	pub connected: bool,
	/// The finalized head last seen.
	pub finalized: Option<u32>,
	/// The last finalized block applied to the store.
	pub cursor: Option<u32>,
	/// The store was reconciled with the chain since OGate connected.
	pub reconciled: bool,
	/// The operator key is a `DinfraOperator` proxy of the configured provider.
	pub authorized: bool,
	/// Why the view is not current; `null` when it is.
	pub reason: Option<String>,
}

impl SyncState {
	fn with<R>(&self, f: impl FnOnce(&mut State) -> R) -> R {
		// A poisoned lock only means a panic elsewhere while holding it; the state is plain data.
		let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
		f(&mut state)
	}

	/// A connection to the node is up; nothing is reconciled on it yet, and its finalized head
	/// is not known yet (the node may be another one).
	pub fn connected(&self) {
		self.with(|s| {
			s.connected = true;
			s.reconciled = false;
			s.finalized = None;
		});
	}

	/// The connection is gone.
	pub fn disconnected(&self) {
		self.with(|s| {
			s.connected = false;
			s.reconciled = false;
		});
	}

	/// The chain's finalized head is `number`; within one connection it never moves back.
	pub fn finalized(&self, number: u32) {
		self.with(|s| s.finalized = Some(s.finalized.map_or(number, |f| f.max(number))));
	}

	/// The store has applied finalized block `number`.
	pub fn applied(&self, number: u32) {
		self.with(|s| s.cursor = Some(number));
	}

	/// The store was reconciled with the chain.
	pub fn reconciled(&self) {
		self.with(|s| s.reconciled = true);
	}

	/// Whether the store was reconciled with the chain since the last connection.
	pub fn is_reconciled(&self) -> bool {
		self.with(|s| s.reconciled)
	}

	/// The store no longer matches the chain's list (blocks were skipped): reconcile again.
	pub fn unreconciled(&self) {
		self.with(|s| s.reconciled = false);
	}

	/// The result of checking that the operator key can act for the provider. Returns whether
	/// it differs from the last result, so that a change is logged once.
	pub fn authorization(&self, result: Result<(), String>) -> bool {
		self.with(|s| s.authorization.replace(result.clone()) != Some(result))
	}

	/// Whether the operator key was last found able to act for the provider.
	pub fn authorized(&self) -> bool {
		self.with(|s| matches!(s.authorization, Some(Ok(()))))
	}

	/// Whether the view is current, and why not.
	pub fn status(&self) -> SyncStatus {
		let s = self.with(|s| s.clone());
		let behind = match (s.cursor, s.finalized) {
			(Some(cursor), Some(finalized)) => cursor < finalized,
			_ => true,
		};
		let reason = if !s.connected {
			Some("not connected to the node".to_string())
		} else {
			match &s.authorization {
				None => Some("the operator key's proxy is not checked yet".to_string()),
				Some(Err(why)) => Some(why.clone()),
				Some(Ok(())) if !s.reconciled => {
					Some("not reconciled with the chain since connecting".to_string())
				}
				Some(Ok(())) if behind => Some(format!(
					"catching up: applied {} of finalized {}",
					s.cursor.map_or("none".into(), |c| c.to_string()),
					s.finalized.map_or("unknown".into(), |f| f.to_string())
				)),
				Some(Ok(())) => None,
			}
		};
		SyncStatus {
			current: reason.is_none(),
			connected: s.connected,
			finalized: s.finalized,
			cursor: s.cursor,
			reconciled: s.reconciled,
			authorized: matches!(s.authorization, Some(Ok(()))),
			reason,
		}
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	fn current(sync: &SyncState) -> bool {
		sync.status().current
	}

	#[test]
	fn the_view_is_current_only_when_connected_authorized_reconciled_and_caught_up() {
		let sync = SyncState::default();
		assert!(!current(&sync), "nothing known");
		sync.connected();
		sync.finalized(10);
		sync.applied(10);
		assert!(!current(&sync), "the proxy is not checked");
		assert!(sync.authorization(Err("not a proxy".into())), "a change");
		assert!(!sync.authorization(Err("not a proxy".into())), "the same result again");
		sync.reconciled();
		assert_eq!(sync.status().reason.as_deref(), Some("not a proxy"));
		assert!(sync.authorization(Ok(())));
		assert!(current(&sync));

		sync.finalized(12);
		assert!(!current(&sync), "behind the finalized head");
		sync.applied(12);
		assert!(current(&sync));

		sync.disconnected();
		assert!(!current(&sync), "disconnected");
		sync.connected();
		sync.finalized(12);
		assert!(!current(&sync), "a new connection is not reconciled yet");
		sync.reconciled();
		assert!(current(&sync));
		// A new connection does not know the finalized head until it has read it.
		sync.connected();
		sync.reconciled();
		assert!(!current(&sync));
	}

	#[test]
	fn the_finalized_head_never_moves_back() {
		let sync = SyncState::default();
		sync.finalized(20);
		sync.finalized(5);
		assert_eq!(sync.status().finalized, Some(20));
	}
}
