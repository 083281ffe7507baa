//! How tasks reach the reactor: OGate's signed webhooks, or its pull feed.
//!
//! - **Webhook.** OGate POSTs each task; the receiver checks the HMAC signature and its
//!   timestamp before it reads the body as a task, answers `202` at once and does the work in
//!   the background, at most [`MAX_TASKS_AT_ONCE`] tasks at a time (the rest wait their turn),
//!   so that a burst of awards does not become as many calls to CloudStack at once. A crash
//!   loses nothing: the reconciler finds what the lost work left undone.
//! - **Feed.** The reactor long-polls `/v1/tasks`, does each task, and acknowledges a page once
//!   all of it is done, so a task is re-read after a crash, never skipped.

use crate::{driver::Driver, reactor::Reactor};
use axum::{
	body::Bytes,
	extract::{rejection::BytesRejection, State},
	http::{HeaderMap, StatusCode},
	response::{IntoResponse, Response},
	routing::post,
	Json, Router,
};
use backon::{BackoffBuilder, ExponentialBuilder, Retryable};
use dinfra_ogate_protocol::{
	http::{refusal, ErrorBody},
	secret::Secret,
	signature::{now_ms, verify, SIGNATURE_HEADER},
	task::Task,
};
use serde::Serialize;
use std::{sync::Arc, time::Duration};
use tokio::sync::Semaphore;
use utoipa::ToSchema;

/// The most webhook tasks worked on at once; the others wait for a turn.
pub const MAX_TASKS_AT_ONCE: usize = 16;

/// What the webhook receiver needs.
pub struct Receiver<D> {
	/// The reactor the tasks go to.
	pub reactor: Arc<Reactor<D>>,
	/// The secret shared with OGate.
	pub secret: Secret,
	/// How far a signature's timestamp may be from this clock, in seconds.
	pub tolerance_s: u64,
	/// Turns to work on a task, [`MAX_TASKS_AT_ONCE`] of them.
	pub turns: Arc<Semaphore>,
}

impl<D> Receiver<D> {
	/// A receiver that hands tasks signed with `secret` to `reactor`.
	pub fn new(reactor: Arc<Reactor<D>>, secret: Secret, tolerance_s: u64) -> Receiver<D> {
		let turns = Arc::new(Semaphore::new(MAX_TASKS_AT_ONCE));
		Receiver { reactor, secret, tolerance_s, turns }
	}
}

/// The answer to a task taken.
#[derive(Serialize, ToSchema)]
pub struct Accepted {
	/// Always `true`: the task is taken and will be worked on.
	pub accepted: bool,
}

/// Takes one task from OGate: checks its signature, answers 202 and works on it in the
/// background.
#[utoipa::path(post, path = "/webhook", tag = "webhook",
	request_body(content = Task, description = "One task, signed by OGate with the shared secret"),
	params(("X-Dinfra-Signature" = String, Header,
		description = "`t=<unix seconds>,v1=<hex HMAC-SHA256 of t.body>`")),
	security(("signature" = [])),
	responses(
		(status = 202, body = Accepted, description = "Taken; worked on in the background"),
		(status = 400, body = ErrorBody, description = "Signed, but not a task"),
		(status = 401, body = ErrorBody, description = "Unsigned, wrongly signed, or stale"),
		(status = 413, body = ErrorBody, description = "The body is larger than 64 KiB"),
		(status = 503, body = ErrorBody, description = "Busy or timed out; retry"),
	))]
pub(crate) async fn webhook<D: Driver>(
	State(receiver): State<Arc<Receiver<D>>>,
	headers: HeaderMap,
	body: Result<Bytes, BytesRejection>,
) -> Response {
	let body = match body {
		Ok(body) => body,
		Err(e) => return refusal(e.status(), "bad_request", e.body_text()),
	};
	let Some(signature) = headers.get(SIGNATURE_HEADER).and_then(|v| v.to_str().ok()) else {
		return refusal(StatusCode::UNAUTHORIZED, "unsigned", "the request is not signed");
	};
	let now = now_ms() / 1000;
	if let Err(e) = verify(receiver.secret.expose(), signature, &body, now, receiver.tolerance_s) {
		return refusal(StatusCode::UNAUTHORIZED, "bad_signature", e.to_string());
	}
	let task: Task = match serde_json::from_slice(&body) {
		Ok(task) => task,
		Err(e) => {
			return refusal(StatusCode::BAD_REQUEST, "not_a_task", format!("not a task: {e}"))
		}
	};
	let (reactor, turns) = (receiver.reactor.clone(), receiver.turns.clone());
	tokio::spawn(async move {
		// The semaphore is never closed, so a turn always comes.
		let _turn = turns.acquire_owned().await;
		work(&reactor, &task).await
	});
	(StatusCode::ACCEPTED, Json(Accepted { accepted: true })).into_response()
}

/// The waits of [`work`] and [`pull`] (`backon`): doubling from half a second to 30 s, with
/// jitter; `work` gives up after 7 retries (8 attempts, about a minute), `pull` never.
fn retry_backoff() -> ExponentialBuilder {
	ExponentialBuilder::default()
		.with_min_delay(Duration::from_millis(500))
		.with_max_delay(Duration::from_secs(30))
		.with_jitter()
		.with_max_times(7)
}

/// The waits of [`pull`] between failed reads of the feed: [`retry_backoff`]'s, never giving up.
fn feed_backoff() -> backon::ExponentialBackoff {
	retry_backoff().without_max_times().build()
}

/// Does a task, retrying with backoff while the driver or OGate is unavailable; once given up,
/// the reconciler does what is left.
pub async fn work<D: Driver>(reactor: &Reactor<D>, task: &Task) {
	let done = (|| reactor.handle(task))
		.retry(retry_backoff())
		.notify(|e, wait| {
			tracing::warn!(key = task.key, error = %e, retry_in = ?wait, "task not done yet; retrying")
		})
		.await;
	if let Err(e) = done {
		tracing::error!(key = task.key, error = %e, "task given up; the reconciler takes it from here");
	}
}

/// The webhook receiver's route, `POST /webhook`. Serve it through
/// [`crate::server::limited`].
pub fn router<D: Driver>(receiver: Arc<Receiver<D>>) -> Router {
	Router::new().route("/webhook", post(webhook::<D>)).with_state(receiver)
}

/// Pulls the feed until `stop` fires.
pub async fn pull<D: Driver>(reactor: Arc<Reactor<D>>, stop: tokio_util::sync::CancellationToken) {
	let mut backoff = feed_backoff();
	loop {
		if stop.is_cancelled() {
			return;
		}
		let page = tokio::select! {
			page = reactor.ogate.tasks(None, Duration::from_secs(30)) => page,
			_ = stop.cancelled() => return,
		};
		let page = match page {
			Ok(page) => {
				backoff = feed_backoff();
				page
			}
			Err(e) => {
				let wait = backoff.next().unwrap_or(Duration::from_secs(30));
				tracing::warn!(error = %e, retry_in = ?wait, "cannot read the feed; retrying");
				tokio::time::sleep(wait).await;
				continue;
			}
		};
		// Each subscription's tasks in order; different subscriptions side by side.
		let mut by_subscription = std::collections::BTreeMap::<u64, Vec<Task>>::new();
		for task in &page.tasks {
			by_subscription.entry(task.subscription).or_default().push(task.clone());
		}
		let mut work_set = tokio::task::JoinSet::new();
		for tasks in by_subscription.into_values() {
			let reactor = reactor.clone();
			work_set.spawn(async move {
				for task in &tasks {
					work(&reactor, task).await;
				}
			});
		}
		while work_set.join_next().await.is_some() {}
		if let (Some(cursor), false) = (page.cursor, page.tasks.is_empty()) {
			if let Err(e) = reactor.ogate.ack(cursor).await {
				tracing::warn!(error = %e, "cannot acknowledge; the page will be read again");
			}
		}
	}
}
