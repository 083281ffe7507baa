//! How tasks reach the reactor: OGate's signed webhooks, or its pull feed.
//!
//! - **Webhook.** OGate POSTs each task; the receiver checks the HMAC signature and its
//!   timestamp before it reads the body as a task, answers `202` at once and does the work in
//!   the background. A crash loses nothing: the reconciler finds what the lost work left
//!   undone.
//! - **Feed.** The reactor long-polls `/v1/tasks`, does each task, and acknowledges a page once
//!   all of it is done, so a task is re-read after a crash, never skipped.

use crate::{driver::Driver, reactor::Reactor};
use axum::{
	body::Bytes,
	extract::State,
	http::{header, HeaderMap, StatusCode},
	response::IntoResponse,
	routing::{get, post},
	Json, Router,
};
use dinfra_ogate_protocol::{
	secret::Secret,
	signature::{now_ms, verify, SIGNATURE_HEADER},
	task::Task,
};
use serde_json::{json, Value};
use std::{sync::Arc, time::Duration};
use subtle::ConstantTimeEq;

/// What the webhook receiver needs.
pub struct Receiver<D> {
	/// The reactor the tasks go to.
	pub reactor: Arc<Reactor<D>>,
	/// The secret shared with OGate.
	pub secret: Secret,
	/// How far a signature's timestamp may be from this clock, in seconds.
	pub tolerance_s: u64,
}

type Answer = (StatusCode, Json<Value>);

fn refuse(status: StatusCode, message: impl std::fmt::Display) -> Answer {
	(status, Json(json!({ "error": message.to_string() })))
}

async fn webhook<D: Driver>(
	State(receiver): State<Arc<Receiver<D>>>,
	headers: HeaderMap,
	body: Bytes,
) -> Answer {
	let Some(signature) = headers.get(SIGNATURE_HEADER).and_then(|v| v.to_str().ok()) else {
		return refuse(StatusCode::UNAUTHORIZED, "the request is not signed");
	};
	let now = now_ms() / 1000;
	if let Err(e) = verify(receiver.secret.expose(), signature, &body, now, receiver.tolerance_s) {
		return refuse(StatusCode::UNAUTHORIZED, e);
	}
	let task: Task = match serde_json::from_slice(&body) {
		Ok(task) => task,
		Err(e) => return refuse(StatusCode::BAD_REQUEST, format!("not a task: {e}")),
	};
	let reactor = receiver.reactor.clone();
	tokio::spawn(async move { work(&reactor, &task).await });
	(StatusCode::ACCEPTED, Json(json!({ "accepted": true })))
}

/// Does a task, retrying with backoff while the driver or OGate is unavailable.
pub async fn work<D: Driver>(reactor: &Reactor<D>, task: &Task) {
	let mut wait = Duration::from_millis(500);
	for attempt in 1..=8u32 {
		match reactor.handle(task).await {
			Ok(()) => return,
			Err(e) => {
				tracing::warn!(key = task.key, attempt, error = %e, "task not done yet; retrying");
				tokio::time::sleep(wait).await;
				wait = (wait * 2).min(Duration::from_secs(30));
			}
		}
	}
	tracing::error!(key = task.key, "task given up; the reconciler takes it from here");
}

/// The webhook receiver's routes: `POST /webhook` and `GET /healthz`.
pub fn router<D: Driver>(receiver: Arc<Receiver<D>>) -> Router {
	Router::new()
		.route("/webhook", post(webhook::<D>))
		.route("/healthz", get(|| async { Json(json!({ "status": "ok" })) }))
		.with_state(receiver)
}

/// `GET /metrics` in Prometheus' text format, for the bearer `token` only.
pub fn metrics_router<D: Driver>(reactor: Arc<Reactor<D>>, token: Secret) -> Router {
	let expected = Arc::new(format!("Bearer {}", token.expose()));
	Router::new().route(
		"/metrics",
		get(move |headers: HeaderMap| {
			let (reactor, expected) = (reactor.clone(), expected.clone());
			async move {
				let presented =
					headers.get(header::AUTHORIZATION).map(|v| v.as_bytes()).unwrap_or(b"");
				if !bool::from(presented.ct_eq(expected.as_bytes())) {
					return refuse(StatusCode::UNAUTHORIZED, "a metrics token is required")
						.into_response();
				}
				([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], reactor.metrics.render())
					.into_response()
			}
		}),
	)
}

/// Pulls the feed until `stop` fires.
pub async fn pull<D: Driver>(
	reactor: Arc<Reactor<D>>,
	mut stop: tokio::sync::watch::Receiver<bool>,
) {
	let mut backoff = Duration::from_millis(500);
	loop {
		if *stop.borrow() {
			return;
		}
		let page = tokio::select! {
			page = reactor.ogate.tasks(None, Duration::from_secs(30)) => page,
			_ = crate::stopped(&mut stop) => return,
		};
		let page = match page {
			Ok(page) => {
				backoff = Duration::from_millis(500);
				page
			}
			Err(e) => {
				tracing::warn!(error = %e, "cannot read the feed; retrying");
				tokio::time::sleep(backoff).await;
				backoff = (backoff * 2).min(Duration::from_secs(30));
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
