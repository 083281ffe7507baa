//! The reactor's side of OGate's REST API: the feed, the deployments view, the descriptor, and
//! status reports. Every request carries the reactor's bearer token.

use dinfra_ogate_protocol::task::Task;
use serde::Deserialize;
use serde_json::{json, Value};
use std::time::Duration;

/// A deployment as OGate's deployments view shows it (the fields a reactor needs).
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
pub struct Deployment {
	/// The subscription id.
	pub subscription: u64,
	/// The deployment type.
	pub deployment_type: u32,
	/// OGate's phase: `verifying`, `provisioning`, `running`, `failed` or `ended`.
	pub phase: String,
	/// The endpoint reported on chain, once running.
	pub endpoint: Option<String>,
	/// Why it failed or ended.
	#[serde(default)]
	pub reason: Option<String>,
}

impl Deployment {
	/// Whether the provider is being paid, or about to be, for infrastructure that must exist
	/// and run. A suspended deployment (its funds ran out) keeps its state but no compute: it is
	/// neither restored nor removed.
	pub fn wants_infrastructure(&self) -> bool {
		matches!(self.phase.as_str(), "provisioning" | "running")
	}

	/// Whether the chain has ended it for this provider (terminated, or awarded away): the
	/// only state in which its infrastructure may be removed.
	pub fn ended(&self) -> bool {
		self.phase == "ended"
	}
}

/// OGate's deployments view, and whether it was current when it was read.
#[derive(Clone, Debug)]
pub struct View {
	/// OGate had caught up with the chain and reconciled: what it says has ended, has.
	pub current: bool,
	/// Every deployment OGate knows, ended ones included.
	pub deployments: Vec<Deployment>,
}

/// A subscription as the chain shows it, whoever holds it.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
pub struct ChainSubscription {
	/// The chain holds it: it has not ended.
	pub exists: bool,
	/// The provider it is awarded to (SS58).
	pub provider: Option<String>,
	/// It is awarded to OGate's provider.
	pub ours: bool,
}

/// The header in which OGate says whether its deployments view is current.
pub const VIEW_CURRENT_HEADER: &str = "x-dinfra-view-current";

/// A page of the feed.
#[derive(Debug, Deserialize)]
pub struct TaskPage {
	/// Tasks in order.
	pub tasks: Vec<Task>,
	/// Where the page ends.
	pub cursor: Option<u64>,
}

/// Why an OGate call failed.
#[derive(Debug, thiserror::Error)]
pub enum OgateError {
	/// OGate could not be reached or did not answer in time.
	#[error("OGate is unreachable: {0}")]
	Unreachable(#[from] reqwest::Error),
	/// OGate answered with an error.
	#[error("OGate refused {what} ({status}): {message}")]
	Refused {
		/// The request.
		what: String,
		/// The HTTP status.
		status: u16,
		/// OGate's error message.
		message: String,
	},
}

impl OgateError {
	/// The HTTP status OGate answered with, if it answered.
	pub fn status(&self) -> Option<u16> {
		match self {
			OgateError::Refused { status, .. } => Some(*status),
			OgateError::Unreachable(_) => None,
		}
	}
}

/// A client of one OGate.
#[derive(Clone)]
pub struct Ogate {
	http: reqwest::Client,
	base: String,
	token: dinfra_ogate_protocol::secret::Secret,
}

impl Ogate {
	/// A client for the OGate at `base` (such as `http://127.0.0.1:8480`).
	pub fn new(base: &str, token: &str) -> Ogate {
		let http = reqwest::Client::builder()
			.timeout(Duration::from_secs(90))
			.build()
			.unwrap_or_else(|_| reqwest::Client::new());
		Ogate { http, base: base.trim_end_matches('/').to_string(), token: token.into() }
	}

	async fn send<T: serde::de::DeserializeOwned>(
		&self,
		what: &str,
		request: reqwest::RequestBuilder,
	) -> Result<T, OgateError> {
		let response = request.bearer_auth(self.token.expose()).send().await?;
		self.answer(what, response).await
	}

	async fn answer<T: serde::de::DeserializeOwned>(
		&self,
		what: &str,
		response: reqwest::Response,
	) -> Result<T, OgateError> {
		let status = response.status();
		if status.is_success() {
			return Ok(response.json().await?);
		}
		let body: Value = response.json().await.unwrap_or(Value::Null);
		let message =
			body["message"].as_str().or(body["error"].as_str()).unwrap_or("no message").to_string();
		Err(OgateError::Refused { what: what.to_string(), status: status.as_u16(), message })
	}

	/// Tasks after `after` (or after this token's acknowledgement), waiting up to `wait` for one.
	pub async fn tasks(&self, after: Option<u64>, wait: Duration) -> Result<TaskPage, OgateError> {
		let mut query = vec![("wait_ms", wait.as_millis().to_string())];
		if let Some(after) = after {
			query.push(("after", after.to_string()));
		}
		let request = self.http.get(format!("{}/v1/tasks", self.base)).query(&query);
		self.send("the feed", request).await
	}

	/// Acknowledges every task up to `seq`.
	pub async fn ack(&self, seq: u64) -> Result<(), OgateError> {
		let request =
			self.http.post(format!("{}/v1/tasks/ack", self.base)).json(&json!({ "seq": seq }));
		self.send::<Value>("an acknowledgement", request).await.map(|_| ())
	}

	/// Every deployment OGate knows for this provider, ended ones included, and whether the
	/// view was current. A view without the header is taken as not current.
	pub async fn view(&self) -> Result<View, OgateError> {
		let url = format!("{}/v1/deployments?active=false", self.base);
		let response = self.http.get(url).bearer_auth(self.token.expose()).send().await?;
		let current =
			response.headers().get(VIEW_CURRENT_HEADER).is_some_and(|v| v.as_bytes() == b"true");
		let deployments = self.answer("the deployments view", response).await?;
		Ok(View { current, deployments })
	}

	/// One deployment as OGate knows it; `None` if OGate knows none with this id.
	pub async fn deployment(&self, subscription: u64) -> Result<Option<Deployment>, OgateError> {
		let url = format!("{}/v1/deployments/{subscription}", self.base);
		match self.send("a deployment", self.http.get(url)).await {
			Ok(deployment) => Ok(Some(deployment)),
			Err(e) if e.status() == Some(404) => Ok(None),
			Err(e) => Err(e),
		}
	}

	/// What the chain says of a subscription, at its finalized head.
	pub async fn chain_subscription(
		&self,
		subscription: u64,
	) -> Result<ChainSubscription, OgateError> {
		let url = format!("{}/v1/chain/subscriptions/{subscription}", self.base);
		self.send("the chain's view of a subscription", self.http.get(url)).await
	}

	/// The verified descriptor of a deployment.
	pub async fn descriptor(&self, subscription: u64) -> Result<Value, OgateError> {
		let url = format!("{}/v1/deployments/{subscription}/descriptor", self.base);
		self.send("a descriptor", self.http.get(url)).await
	}

	/// Reports the deployment running at `endpoint`.
	pub async fn running(&self, subscription: u64, endpoint: &str) -> Result<(), OgateError> {
		let body = json!({ "status": "running", "endpoint": endpoint });
		self.status(subscription, body).await
	}

	/// Reports that provisioning failed, and why.
	pub async fn failed(&self, subscription: u64, reason: &str) -> Result<(), OgateError> {
		self.status(subscription, json!({ "status": "failed", "reason": clip(reason) })).await
	}

	/// Declines the deployment: its descriptor cannot run as written. Not slashed on chain.
	pub async fn declined(&self, subscription: u64, reason: &str) -> Result<(), OgateError> {
		self.status(subscription, json!({ "status": "declined", "reason": clip(reason) })).await
	}

	async fn status(&self, subscription: u64, body: Value) -> Result<(), OgateError> {
		let url = format!("{}/v1/deployments/{subscription}/status", self.base);
		self.send::<Value>("a status report", self.http.post(url).json(&body)).await.map(|_| ())
	}
}

/// Cuts a reason to the 256 bytes the chain keeps, on a character boundary.
pub fn clip(reason: &str) -> &str {
	let mut end = reason.len().min(256);
	while !reason.is_char_boundary(end) {
		end -= 1;
	}
	&reason[..end]
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn reasons_are_clipped_to_256_bytes_on_a_character_boundary() {
		assert_eq!(clip("short"), "short");
		let long = "é".repeat(200);
		let clipped = clip(&long);
		assert_eq!(clipped.len(), 256);
		assert!(clipped.chars().all(|c| c == 'é'));
	}
}
