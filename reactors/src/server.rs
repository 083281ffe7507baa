//! The reactor's HTTP server: its limits, health, metrics and OpenAPI document. The webhook
//! route itself is [`crate::delivery`]'s.
//!
//! The server takes bodies of at most [`MAX_BODY`] bytes (larger: `413`), at most
//! [`MAX_IN_FLIGHT`] requests at once (one more: `503` with `Retry-After: 1`) and answers each
//! within [`REQUEST_TIMEOUT`] (`503`). Every refusal is JSON `{"error", "message"}`, as OGate's
//! are: the guard is `dinfra_ogate_protocol::http`'s, the code OGate runs.

use crate::{
	delivery::{__path_webhook, Accepted},
	driver::Driver,
	reactor::Reactor,
};
use axum::{
	extract::{DefaultBodyLimit, State},
	http::{header, HeaderMap, StatusCode},
	middleware::from_fn_with_state,
	response::{IntoResponse, Response},
	routing::get,
	Json, Router,
};
use dinfra_ogate_protocol::{
	http::{guard, refusal, ErrorBody, Limits},
	secret::Secret,
	signature::SIGNATURE_HEADER,
	task::Task,
};
use serde::Serialize;
use std::{sync::Arc, time::Duration};
use subtle::ConstantTimeEq;
use utoipa::{
	openapi::security::{ApiKey, ApiKeyValue, SecurityScheme},
	Modify, OpenApi, ToSchema,
};

/// The largest request body, in bytes: a task is a few hundred bytes.
pub const MAX_BODY: usize = 64 * 1024;
/// The most requests the receiver's server serves at once.
pub const MAX_IN_FLIGHT: usize = 64;
/// The longest a request may take.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);
/// The answer of `GET /healthz`.
#[derive(Serialize, ToSchema)]
pub struct Health {
	/// Always `ok`.
	pub status: &'static str,
}

/// Liveness.
#[utoipa::path(get, path = "/healthz", tag = "operations", security(()),
	responses(
		(status = 200, body = Health, description = "The reactor's server answers"),
		(status = 503, body = ErrorBody, description = "Busy or timed out; retry"),
	))]
async fn healthz() -> Json<Health> {
	Json(Health { status: "ok" })
}

/// This document.
#[utoipa::path(get, path = "/openapi.json", tag = "operations", security(()),
	responses(
		(status = 200, body = Object, description = "The OpenAPI document"),
		(status = 503, body = ErrorBody, description = "Busy or timed out; retry"),
	))]
async fn openapi() -> Json<utoipa::openapi::OpenApi> {
	Json(ReceiverDoc::openapi())
}

/// The Prometheus metrics, for the metrics token only.
#[utoipa::path(get, path = "/metrics", tag = "operations", security(("bearer" = [])),
	responses(
		(status = 200, content_type = "text/plain", body = String,
			description = "Prometheus' text format"),
		(status = 401, body = ErrorBody, description = "Not the metrics token"),
		(status = 503, body = ErrorBody, description = "Busy or timed out; retry"),
	))]
async fn metrics<D: Driver>(
	State((reactor, expected)): State<(Arc<Reactor<D>>, Arc<String>)>,
	headers: HeaderMap,
) -> Response {
	let presented = headers.get(header::AUTHORIZATION).map(|v| v.as_bytes()).unwrap_or(b"");
	if !bool::from(presented.ct_eq(expected.as_bytes())) {
		return refusal(StatusCode::UNAUTHORIZED, "unauthorized", "a metrics token is required");
	}
	([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], reactor.metrics.render())
		.into_response()
}

struct SecuritySchemes;

impl Modify for SecuritySchemes {
	fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
		let components = openapi.components.get_or_insert_with(Default::default);
		components.add_security_scheme(
			"signature",
			SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::with_description(
				SIGNATURE_HEADER,
				"HMAC-SHA256 of `t.body` with the webhook secret; see dinfra-ogate-protocol",
			))),
		);
		dinfra_ogate_protocol::http::add_bearer_scheme(openapi);
	}
}

/// The reactor server's OpenAPI document, served at `GET /openapi.json`: every route, and
/// every answer each can give (`scripts/api-fuzz` holds it to that). `/webhook` is served with
/// `delivery = "webhook"`, `/metrics` when a metrics token is set.
#[derive(OpenApi)]
#[openapi(
	info(title = "dinfra-reactor",
		description = "A DINFRA chain reactor's server: OGate's signed webhooks, health and metrics."),
	paths(webhook, healthz, openapi, metrics),
	components(schemas(Task, Accepted, Health, ErrorBody)),
	modifiers(&SecuritySchemes),
	tags(
		(name = "webhook", description = "Tasks from OGate"),
		(name = "operations", description = "Health, this document and metrics"),
	)
)]
pub struct ReceiverDoc;

/// `routes`, `GET /healthz` and `GET /openapi.json` under the server's limits: [`MAX_BODY`],
/// [`MAX_IN_FLIGHT`], [`REQUEST_TIMEOUT`].
pub fn limited(routes: Router) -> Router {
	routes
		.route("/healthz", get(healthz))
		.route("/openapi.json", get(openapi))
		.layer(DefaultBodyLimit::max(MAX_BODY))
		.layer(from_fn_with_state(Limits::new(MAX_IN_FLIGHT, REQUEST_TIMEOUT), guard))
}

/// `GET /metrics` in Prometheus' text format, for the bearer `token` only.
pub fn metrics_router<D: Driver>(reactor: Arc<Reactor<D>>, token: Secret) -> Router {
	let expected = Arc::new(format!("Bearer {}", token.expose()));
	Router::new().route("/metrics", get(metrics::<D>)).with_state((reactor, expected))
}
