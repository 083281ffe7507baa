//! Limits on the REST API, so that no client can hold it up, and the answers they give.
//!
//! - A request body is at most [`MAX_BODY`] bytes: a larger one is refused with 413 before it
//!   is buffered whole.
//! - At most [`MAX_IN_FLIGHT`] requests run at once; one more is refused at once with 503 and
//!   `Retry-After: 1`.
//! - A request takes at most [`REQUEST_TIMEOUT`] (the long-polled feed [`FEED_TIMEOUT`]); one
//!   that takes longer is answered 503.
//!
//! Every such answer is a JSON [`ErrorBody`], and [`CommonResponses`] lists them in the OpenAPI
//! document on every operation they can come from, with 401 on every protected one and 400
//! wherever a parameter or body is read. `scripts/api-fuzz` holds the document to that: a
//! schema-driven fuzzer may find no 5xx and no status the document does not list.

use crate::api::MAX_WAIT_MS;
use dinfra_ogate_protocol::http::{ErrorBody, Limits};
use std::time::Duration;
use utoipa::{
	openapi::{
		path::Operation, security::SecurityRequirement, ContentBuilder, Ref, RefOr, ResponseBuilder,
	},
	Modify,
};

/// The largest request body, in bytes.
pub const MAX_BODY: usize = 64 * 1024;
/// The most requests served at once.
pub const MAX_IN_FLIGHT: usize = 256;
/// The longest a request may take.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
/// The longest a feed request may take: its longest wait and then some.
pub const FEED_TIMEOUT: Duration = Duration::from_millis(MAX_WAIT_MS + 15_000);

/// The tag of operations that need an admin token.
pub const ADMIN_TAG: &str = "admin";

/// The API's limits: [`MAX_IN_FLIGHT`] requests, each within [`REQUEST_TIMEOUT`], the feed
/// within [`FEED_TIMEOUT`]. The guard is `dinfra_ogate_protocol::http::guard`, which the
/// reactor's webhook receiver uses too.
pub fn limits() -> Limits {
	Limits::new(MAX_IN_FLIGHT, REQUEST_TIMEOUT).with_long_poll("/v1/tasks", FEED_TIMEOUT)
}

/// Adds the answers every operation can give to the OpenAPI document: 401 where a token is
/// required, 413, 415 and 422 where a JSON body is read, 503 everywhere (busy, timed out, or
/// the store or the node unavailable).
pub struct CommonResponses;

fn error_response(description: &str) -> RefOr<utoipa::openapi::Response> {
	let content =
		ContentBuilder::new().schema(Some(Ref::from_schema_name(ErrorBody::NAME))).build();
	ResponseBuilder::new()
		.description(description)
		.content("application/json", content)
		.build()
		.into()
}

fn add(operation: &mut Operation, status: &str, description: &str) {
	operation
		.responses
		.responses
		.entry(status.to_string())
		.or_insert_with(|| error_response(description));
}

impl Modify for CommonResponses {
	fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
		for item in openapi.paths.paths.values_mut() {
			let operations =
				[&mut item.get, &mut item.put, &mut item.post, &mut item.delete, &mut item.patch];
			for operation in operations.into_iter().flatten() {
				let public = operation
					.security
					.as_ref()
					.is_some_and(|s| s.iter().all(|r| *r == SecurityRequirement::default()));
				if !public {
					add(operation, "401", "No configured bearer token was presented");
				}
				if operation.tags.as_ref().is_some_and(|t| t.iter().any(|t| t == ADMIN_TAG)) {
					add(operation, "403", "The token's scope is `reactor`; this needs `admin`");
				}
				if operation.parameters.as_ref().is_some_and(|p| !p.is_empty()) {
					add(operation, "400", "A path or query parameter cannot be read");
				}
				if operation.request_body.is_some() {
					add(operation, "400", "The body is not well-formed JSON");
					add(operation, "413", "The body is larger than 64 KiB");
					add(operation, "415", "The body is not `application/json`");
					add(operation, "422", "The body is JSON of the wrong shape");
				}
				add(operation, "503", "Busy, timed out, or the store or the node is unavailable");
			}
		}
	}
}
