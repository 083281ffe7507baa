//! What both HTTP servers, OGate's API and a reactor's webhook receiver, do so that no client
//! can hold them up, and the JSON they refuse with.
//!
//! - At most so many requests run at once ([`Limits::new`]); one more is refused at once with
//!   `503` and `Retry-After: 1`, instead of queueing without bound.
//! - Each request runs under a timeout; one that takes longer is answered `503`. A long-polled
//!   path can be given a longer one ([`Limits::with_long_poll`]).
//! - Every refusal is an [`ErrorBody`]: `{"error": code, "message": text}`.
//!
//! Body limits are axum's `DefaultBodyLimit`, set by each server; its `413` reaches the client
//! as an [`ErrorBody`] through the server's own rejection handling.
//!
//! Both bind with [`bind`], which sends every answer at once (`TCP_NODELAY`).

use axum::{
	extract::{Request, State},
	http::{header, StatusCode},
	middleware::Next,
	response::{IntoResponse, Response},
	Json,
};
use serde::{Deserialize, Serialize};
use std::{sync::Arc, time::Duration};
use tokio::sync::Semaphore;
use utoipa::ToSchema;

/// Binds `addr` for an axum server whose connections send each answer at once
/// (`TCP_NODELAY`). Without it, an answer written in two parts waits for the client's delayed
/// ACK (40 ms on Linux) before its second part leaves; the node's RPC server had exactly that
/// (see `vendor/sc-rpc-server`).
pub async fn bind(
	addr: std::net::SocketAddr,
) -> std::io::Result<
	impl axum::serve::Listener<Io = tokio::net::TcpStream, Addr = std::net::SocketAddr>,
> {
	use axum::serve::ListenerExt;
	Ok(tokio::net::TcpListener::bind(addr).await?.tap_io(|connection| {
		if let Err(e) = connection.set_nodelay(true) {
			tracing::debug!(error = %e, "cannot set TCP_NODELAY on a connection");
		}
	}))
}

/// Adds the bearer-token scheme, named `bearer`, to an OpenAPI document: both servers take
/// `Authorization: Bearer <token>`.
pub fn add_bearer_scheme(openapi: &mut utoipa::openapi::OpenApi) {
	use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
	openapi.components.get_or_insert_with(Default::default).add_security_scheme(
		"bearer",
		SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
	);
}

/// The body of every error either server answers with.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ErrorBody {
	/// A stable, machine-readable code.
	pub error: String,
	/// What went wrong, for people.
	pub message: String,
}

impl ErrorBody {
	/// The schema's name in OpenAPI documents.
	pub const NAME: &'static str = "ErrorBody";
}

/// An error answer: `status` with an [`ErrorBody`].
pub fn refusal(status: StatusCode, error: &str, message: impl Into<String>) -> Response {
	let body = ErrorBody { error: error.into(), message: message.into() };
	(status, Json(body)).into_response()
}

fn unavailable(error: &str, message: &str) -> Response {
	let mut response = refusal(StatusCode::SERVICE_UNAVAILABLE, error, message);
	response.headers_mut().insert(header::RETRY_AFTER, header::HeaderValue::from_static("1"));
	response
}

/// The state of the [`guard`]: the permits for requests in flight and the timeouts.
#[derive(Clone)]
pub struct Limits {
	permits: Arc<Semaphore>,
	timeout: Duration,
	long_poll: Option<(&'static str, Duration)>,
}

impl Limits {
	/// At most `max_in_flight` requests at once, each answered within `timeout`.
	pub fn new(max_in_flight: usize, timeout: Duration) -> Limits {
		Limits { permits: Arc::new(Semaphore::new(max_in_flight)), timeout, long_poll: None }
	}

	/// Requests to exactly `path` get `timeout` instead: a long poll waits by design.
	pub fn with_long_poll(self, path: &'static str, timeout: Duration) -> Limits {
		Limits { long_poll: Some((path, timeout)), ..self }
	}

	fn timeout_for(&self, path: &str) -> Duration {
		match self.long_poll {
			Some((long, timeout)) if long == path => timeout,
			_ => self.timeout,
		}
	}
}

/// The middleware (`axum::middleware::from_fn_with_state`): a permit, then the request under
/// its timeout.
pub async fn guard(State(limits): State<Limits>, request: Request, next: Next) -> Response {
	let Ok(_permit) = limits.permits.clone().try_acquire_owned() else {
		return unavailable("busy", "too many requests at once; retry in a second");
	};
	let timeout = limits.timeout_for(request.uri().path());
	match tokio::time::timeout(timeout, next.run(request)).await {
		Ok(response) => response,
		Err(_) => unavailable("timeout", "the request took too long; retry"),
	}
}

#[cfg(test)]
mod tests {
	use super::*;
	use axum::{body::Body, middleware::from_fn_with_state, routing::get, Router};
	use std::sync::Arc;
	use tokio::sync::Notify;
	use tower::ServiceExt;

	fn app(limits: Limits, release: Arc<Notify>) -> Router {
		Router::new()
			.route(
				"/wait",
				get(move || {
					let release = release.clone();
					async move {
						release.notified().await;
						"done"
					}
				}),
			)
			.route("/poll", get(|| async { "polled" }))
			.layer(from_fn_with_state(limits, guard))
	}

	async fn answer(app: &Router, path: &str) -> (StatusCode, Option<String>, Vec<u8>) {
		let request = Request::get(path).body(Body::empty()).unwrap();
		let response = app.clone().oneshot(request).await.unwrap();
		let retry =
			response.headers().get(header::RETRY_AFTER).map(|v| v.to_str().unwrap().to_string());
		let status = response.status();
		let body = axum::body::to_bytes(response.into_body(), 1 << 16).await.unwrap();
		(status, retry, body.to_vec())
	}

	#[tokio::test]
	async fn one_request_more_than_the_bound_is_refused_at_once_and_served_once_one_ends() {
		let release = Arc::new(Notify::new());
		let app = app(Limits::new(1, Duration::from_secs(300)), release.clone());
		let held = tokio::spawn({
			let app = app.clone();
			async move { answer(&app, "/wait").await }
		});
		// The held request has its permit once its handler waits; until then /poll may get it.
		let refused = loop {
			let (status, retry, body) = answer(&app, "/poll").await;
			if status == StatusCode::SERVICE_UNAVAILABLE {
				break (retry, body);
			}
			tokio::task::yield_now().await;
		};
		assert_eq!(refused.0.as_deref(), Some("1"));
		let body: ErrorBody = serde_json::from_slice(&refused.1).unwrap();
		assert_eq!(body.error, "busy");
		release.notify_one();
		assert_eq!(held.await.unwrap().0, StatusCode::OK);
		assert_eq!(answer(&app, "/poll").await.0, StatusCode::OK, "the permit came back");
	}

	#[tokio::test]
	async fn a_request_past_its_timeout_is_answered_503_and_a_long_poll_gets_its_own() {
		let release = Arc::new(Notify::new());
		let short = app(Limits::new(8, Duration::from_millis(20)), release.clone());
		let (status, retry, body) = answer(&short, "/wait").await;
		assert_eq!((status, retry.as_deref()), (StatusCode::SERVICE_UNAVAILABLE, Some("1")));
		assert_eq!(serde_json::from_slice::<ErrorBody>(&body).unwrap().error, "timeout");

		let limits = Limits::new(8, Duration::from_millis(20))
			.with_long_poll("/wait", Duration::from_secs(300));
		let long = app(limits, release.clone());
		let held = tokio::spawn({
			let long = long.clone();
			async move { answer(&long, "/wait").await }
		});
		// Past the short timeout, the long poll is still waiting; then it is served.
		tokio::time::sleep(Duration::from_millis(100)).await;
		assert!(!held.is_finished());
		release.notify_one();
		assert_eq!(held.await.unwrap().0, StatusCode::OK);
	}
}
