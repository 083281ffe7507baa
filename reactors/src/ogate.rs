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
}

impl Deployment {
	/// Whether the provider is being paid, or about to be, for infrastructure that must exist.
	pub fn wants_infrastructure(&self) -> bool {
		matches!(self.phase.as_str(), "provisioning" | "running")
	}
}

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
	token: String,
}

impl Ogate {
	/// A client for the OGate at `base` (such as `http://127.0.0.1:8480`).
	pub fn new(base: &str, token: &str) -> Ogate {
		let http = reqwest::Client::builder()
			.timeout(Duration::from_secs(90))
			.build()
			.unwrap_or_else(|_| reqwest::Client::new());
		Ogate { http, base: base.trim_end_matches('/').to_string(), token: token.to_string() }
	}

	async fn send<T: serde::de::DeserializeOwned>(
		&self,
		what: &str,
		request: reqwest::RequestBuilder,
	) -> Result<T, OgateError> {
		let response = request.bearer_auth(&self.token).send().await?;
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

	/// The active deployments of this provider.
	pub async fn deployments(&self) -> Result<Vec<Deployment>, OgateError> {
		let request = self.http.get(format!("{}/v1/deployments?active=true", self.base));
		self.send("the deployments view", request).await
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

	async fn status(&self, subscription: u64, body: Value) -> Result<(), OgateError> {
		let url = format!("{}/v1/deployments/{subscription}/status", self.base);
		self.send::<Value>("a status report", self.http.post(url).json(&body)).await.map(|_| ())
	}

	/// Cancels a running deployment as the provider, with a reason the subscriber sees.
	pub async fn cancel(&self, subscription: u64, reason: &str) -> Result<(), OgateError> {
		let url = format!("{}/v1/deployments/{subscription}/cancel", self.base);
		let request = self.http.post(url).json(&json!({ "reason": clip(reason) }));
		self.send::<Value>("a cancellation", request).await.map(|_| ())
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
