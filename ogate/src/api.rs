//! The REST API reactors and operators use, described by the OpenAPI 3.1 document generated
//! from this code (`/openapi.json`, Swagger UI at `/docs`).
//!
//! Every endpoint but `/healthz` and `/readyz` needs `Authorization: Bearer <token>` with a
//! configured token (or HTTP Basic with the token as the password, so a browser can open the
//! docs). Bad input gets a 4xx with a JSON body `{"error": …, "message": …}`.

use crate::{
	chain::{Chain, View},
	config::Scope,
	limits::CommonResponses,
	metrics::Metrics,
	store::{Delivery, DeliveryState, Deployment, Phase, Report, ReportStatus, Store, StoreError},
	sync::{SyncState, SyncStatus},
	task::{Action, Notice, Task},
};
use axum::{
	extract::{
		rejection::{JsonRejection, PathRejection, QueryRejection},
		Path, Query, Request, State,
	},
	http::{header, StatusCode},
	middleware::{self, Next},
	response::{IntoResponse, Response},
	routing::{get, post},
	Json, Router,
};
use serde::{Deserialize, Serialize};
use std::{sync::Arc, time::Duration};
use tokio::sync::{watch, Notify, RwLock};
use utoipa::{IntoParams, Modify, OpenApi, ToSchema};
use utoipa_swagger_ui::SwaggerUi;

/// The longest a long poll may wait.
pub const MAX_WAIT_MS: u64 = 60_000;
/// The most tasks one page of the feed holds.
pub const MAX_PAGE: usize = 1_000;

/// What the handlers share.
#[derive(Clone)]
pub struct AppState {
	/// The store.
	pub store: Arc<Store>,
	/// The chain connection, when there is one.
	pub chain: Arc<RwLock<Option<Arc<Chain>>>>,
	/// Configured tokens: `(name, token, scope)`.
	pub tokens: Arc<Vec<(String, crate::secret::Secret, Scope)>>,
	/// The outbox's size, for long polls.
	pub feed: watch::Receiver<u64>,
	/// Woken when a report is queued.
	pub reports_changed: Arc<Notify>,
	/// Woken when a delivery is replayed.
	pub deliveries_changed: Arc<Notify>,
	/// Counters.
	pub metrics: Arc<Metrics>,
	/// Whether the deployments view is current.
	pub sync: Arc<SyncState>,
}

/// The response header of `/v1/deployments` that says whether the view was current when it
/// was read: `true` or `false`.
pub const VIEW_CURRENT_HEADER: &str = "x-dinfra-view-current";

pub use dinfra_ogate_protocol::http::ErrorBody;

/// An error answer.
#[derive(Debug)]
pub struct ApiError {
	status: StatusCode,
	error: &'static str,
	message: String,
}

impl ApiError {
	fn new(status: StatusCode, error: &'static str, message: impl Into<String>) -> ApiError {
		ApiError { status, error, message: message.into() }
	}

	fn bad_request(message: impl Into<String>) -> ApiError {
		ApiError::new(StatusCode::BAD_REQUEST, "bad_request", message)
	}

	fn not_found(message: impl Into<String>) -> ApiError {
		ApiError::new(StatusCode::NOT_FOUND, "not_found", message)
	}

	fn unavailable(message: impl Into<String>) -> ApiError {
		ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "unavailable", message)
	}

	fn conflict(message: impl Into<String>) -> ApiError {
		ApiError::new(StatusCode::CONFLICT, "conflict", message)
	}
}

impl IntoResponse for ApiError {
	fn into_response(self) -> Response {
		let body = ErrorBody { error: self.error.into(), message: self.message };
		(self.status, Json(body)).into_response()
	}
}

impl From<StoreError> for ApiError {
	fn from(e: StoreError) -> Self {
		tracing::error!(error = %e, "store failure");
		ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "store_unavailable", e.to_string())
	}
}

impl From<JsonRejection> for ApiError {
	/// Malformed JSON is 400, a body of the wrong shape 422, a missing content type 415.
	fn from(e: JsonRejection) -> Self {
		let error = match e.status() {
			StatusCode::UNPROCESSABLE_ENTITY => "invalid_body",
			StatusCode::UNSUPPORTED_MEDIA_TYPE => "unsupported_media_type",
			_ => "bad_request",
		};
		ApiError::new(e.status(), error, e.body_text())
	}
}

impl From<PathRejection> for ApiError {
	fn from(e: PathRejection) -> Self {
		ApiError::bad_request(e.body_text())
	}
}

impl From<QueryRejection> for ApiError {
	fn from(e: QueryRejection) -> Self {
		ApiError::bad_request(e.body_text())
	}
}

/// The name of the token a request came with.
#[derive(Clone, Debug)]
pub struct Caller(pub String);

fn presented_token(request: &Request) -> Option<String> {
	let value = request.headers().get(header::AUTHORIZATION)?.to_str().ok()?;
	if let Some(token) = value.strip_prefix("Bearer ") {
		return Some(token.trim().to_string());
	}
	let basic = value.strip_prefix("Basic ")?;
	let decoded = data_encoding::BASE64.decode(basic.trim().as_bytes()).ok()?;
	let text = String::from_utf8(decoded).ok()?;
	text.split_once(':').map(|(_, password)| password.to_string())
}

/// Whether a request ends a deployment, moves money or sends a task again: only an admin
/// token may.
pub fn admin_only(method: &axum::http::Method, path: &str) -> bool {
	method == axum::http::Method::POST
		&& (path.ends_with("/cancel") || path.ends_with("/claim") || path.ends_with("/replay"))
}

async fn authenticate(State(state): State<AppState>, mut request: Request, next: Next) -> Response {
	let caller = presented_token(&request).map(crate::secret::Secret::new).and_then(|token| {
		// Compared in constant time (`Secret`'s equality).
		state
			.tokens
			.iter()
			.find(|(_, t, _)| *t == token)
			.map(|(name, _, scope)| (name.clone(), *scope))
	});
	match caller {
		Some((name, scope)) => {
			if scope != Scope::Admin && admin_only(request.method(), request.uri().path()) {
				return ApiError::new(
					StatusCode::FORBIDDEN,
					"forbidden",
					"cancelling, claiming and replaying need an admin token",
				)
				.into_response();
			}
			request.extensions_mut().insert(Caller(name));
			next.run(request).await
		}
		None => {
			let mut response = ApiError::new(
				StatusCode::UNAUTHORIZED,
				"unauthorized",
				"a configured bearer token is required",
			)
			.into_response();
			response.headers_mut().insert(
				header::WWW_AUTHENTICATE,
				header::HeaderValue::from_static("Basic realm=\"ogate\", charset=\"UTF-8\""),
			);
			response
		}
	}
}

/// Liveness.
#[derive(Serialize, ToSchema)]
pub struct Health {
	/// Always `ok`.
	pub status: String,
}

/// Whether OGate is connected and caught up.
#[derive(Serialize, ToSchema)]
pub struct Readiness {
	/// Connected to the node.
	pub connected: bool,
	/// The last finalized block applied.
	pub cursor: Option<u32>,
}

/// The process is alive.
#[utoipa::path(get, path = "/healthz", tag = "operations", security(()),
	responses((status = 200, body = Health)))]
async fn healthz() -> Json<Health> {
	Json(Health { status: "ok".into() })
}

/// OGate is connected to the node and has applied at least one finalized block.
#[utoipa::path(get, path = "/readyz", tag = "operations", security(()),
	responses((status = 200, body = Readiness), (status = 503, body = Readiness)))]
async fn readyz(State(state): State<AppState>) -> Response {
	let connected = state.chain.read().await.is_some();
	let cursor = state.store.cursor().ok().flatten().map(|c| c.number);
	let status = if connected && cursor.is_some() {
		StatusCode::OK
	} else {
		StatusCode::SERVICE_UNAVAILABLE
	};
	(status, Json(Readiness { connected, cursor })).into_response()
}

/// Prometheus metrics in the text exposition format.
#[utoipa::path(get, path = "/metrics", tag = "operations",
	responses((status = 200, content_type = "text/plain", body = String)))]
async fn metrics(State(state): State<AppState>) -> Response {
	([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], state.metrics.render()).into_response()
}

/// Where to read the feed from.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FeedQuery {
	/// Tasks after this outbox position; without it, after the caller's last acknowledgement.
	pub after: Option<u64>,
	/// The most tasks to return (1 to 1,000; default 100).
	pub limit: Option<usize>,
	/// How long to wait for a task when there is none, in milliseconds (at most 60,000;
	/// default 0: answer at once).
	pub wait_ms: Option<u64>,
}

/// A page of the feed.
#[derive(Serialize, Deserialize, ToSchema)]
pub struct TaskPage {
	/// Tasks in outbox order.
	pub tasks: Vec<Task>,
	/// The position to pass as `after` next time (and to acknowledge once done).
	pub cursor: Option<u64>,
}

/// The pull feed: tasks in order, at least once. Long-polls when `wait_ms` is set.
#[utoipa::path(get, path = "/v1/tasks", tag = "tasks", params(FeedQuery),
	responses((status = 200, body = TaskPage), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody)))]
async fn tasks(
	State(state): State<AppState>,
	axum::Extension(caller): axum::Extension<Caller>,
	query: Result<Query<FeedQuery>, QueryRejection>,
) -> Result<Json<TaskPage>, ApiError> {
	let Query(query) = query?;
	let limit = query.limit.unwrap_or(100);
	if !(1..=MAX_PAGE).contains(&limit) {
		return Err(ApiError::bad_request(format!("limit must be 1 to {MAX_PAGE}")));
	}
	let wait = query.wait_ms.unwrap_or(0);
	if wait > MAX_WAIT_MS {
		return Err(ApiError::bad_request(format!("wait_ms must be at most {MAX_WAIT_MS}")));
	}
	let after = match query.after {
		Some(after) => Some(after),
		None => state.store.feed_cursor(&caller.0)?,
	};
	let deadline = tokio::time::Instant::now() + Duration::from_millis(wait);
	let mut feed = state.feed.clone();
	loop {
		// Marked seen before the read: a task written after the read wakes the wait below.
		feed.borrow_and_update();
		let tasks = state.store.tasks_after(after, limit)?;
		if !tasks.is_empty() || tokio::time::Instant::now() >= deadline {
			let cursor = tasks.last().map(|t| t.seq).or(after);
			return Ok(Json(TaskPage { tasks, cursor }));
		}
		match tokio::time::timeout_at(deadline, feed.changed()).await {
			// A new task, or the deadline: read again.
			Ok(Ok(())) | Err(_) => {}
			// Shutting down: the page is empty.
			Ok(Err(_)) => return Ok(Json(TaskPage { tasks: Vec::new(), cursor: after })),
		}
	}
}

/// An acknowledgement.
#[derive(Deserialize, ToSchema)]
pub struct Ack {
	/// Every task up to and including this outbox position is done.
	pub seq: u64,
}

/// The caller's feed cursor after an acknowledgement.
#[derive(Serialize, Deserialize, ToSchema)]
pub struct Acked {
	/// The acknowledged position; it never moves back.
	pub cursor: u64,
}

/// Acknowledges tasks: a feed read without `after` resumes after them.
#[utoipa::path(post, path = "/v1/tasks/ack", tag = "tasks", request_body = Ack,
	responses((status = 200, body = Acked), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody)))]
async fn ack(
	State(state): State<AppState>,
	axum::Extension(caller): axum::Extension<Caller>,
	body: Result<Json<Ack>, JsonRejection>,
) -> Result<Json<Acked>, ApiError> {
	let Json(body) = body?;
	if body.seq >= state.store.task_count()? {
		return Err(ApiError::bad_request("no task has this position yet"));
	}
	Ok(Json(Acked { cursor: state.store.ack(&caller.0, body.seq)? }))
}

/// A subscription as the chain shows it now.
#[derive(Serialize, Deserialize, ToSchema)]
pub struct ChainState {
	/// `awaiting_award`, `provisioning`, `running`, `suspended` (its funds ran out: nothing is
	/// billed, its state is kept until `grace_ends_at`, and a top-up resumes it), or `ended` (the
	/// chain's record of a recent end; `ended_reason` says why).
	pub phase: String,
	/// Why it ended, when `phase` is `ended`: `by_subscriber`, `by_provider`, `out_of_funds`,
	/// `no_offering` or `provisioning_failed`.
	pub ended_reason: Option<String>,
	/// The endpoint recorded on chain.
	pub endpoint: Option<String>,
	/// The funds held, before what is owed now (decimal).
	pub balance: String,
	/// Owed to the provider up to now, not yet claimed (decimal).
	pub owed_now: String,
	/// Whole blocks of funds left, when billed.
	pub runway: Option<u32>,
	/// The billing-clock block at which the funds run out, when billed.
	pub expires_at: Option<u32>,
	/// The billing-clock block at which a suspended subscription ends unless topped up.
	pub grace_ends_at: Option<u32>,
}

impl From<View> for ChainState {
	fn from(view: View) -> Self {
		use crate::chain::dinfra::runtime_types::dinfra_primitives::runtime_api::SubscriptionPhase as P;
		ChainState {
			ended_reason: crate::chain::ended_reason(&view),
			phase: match view.phase {
				P::AwaitingAward => "awaiting_award",
				P::Provisioning => "provisioning",
				P::Running => "running",
				P::Suspended => "suspended",
				P::Ended => "ended",
			}
			.into(),
			endpoint: view.endpoint.map(|e| String::from_utf8_lossy(&e).into_owned()),
			balance: view.balance.to_string(),
			owed_now: view.owed_now.to_string(),
			runway: view.runway,
			expires_at: view.expires_at,
			grace_ends_at: view.grace_ends_at,
		}
	}
}

/// A deployment: what this gateway knows, joined with the chain's state.
#[derive(Serialize, Deserialize, ToSchema)]
pub struct DeploymentView {
	/// The local record.
	#[serde(flatten)]
	pub local: Deployment,
	/// The chain's state now; `null` if the subscription has ended or the node is unreachable.
	pub chain: Option<ChainState>,
}

async fn join(state: &AppState, local: Deployment) -> DeploymentView {
	let chain = match (&*state.chain.read().await, local.phase) {
		(
			Some(chain),
			Phase::Provisioning | Phase::Running | Phase::Suspended | Phase::Verifying,
		) => chain.view(local.subscription).await.ok().flatten().map(ChainState::from),
		_ => None,
	};
	DeploymentView { local, chain }
}

/// Which deployments to list.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DeploymentsQuery {
	/// Leave out ended deployments (default `true`).
	pub active: Option<bool>,
}

/// This provider's deployments, joined with the chain's state.
///
/// The local store answers, and it lags the chain while OGate connects, catches up or
/// reconciles (and is empty after a fresh data directory). The `x-dinfra-view-current` header
/// says whether the view was current when it was read; a reactor must not remove anything on a
/// view that was not.
#[utoipa::path(get, path = "/v1/deployments", tag = "deployments", params(DeploymentsQuery),
	responses(
		(status = 200, body = [DeploymentView], headers(
			("x-dinfra-view-current" = bool, description = "Whether the view was current (see `/v1/sync`) when it was read")
		)),
		(status = 400, body = ErrorBody), (status = 401, body = ErrorBody)))]
async fn deployments(
	State(state): State<AppState>,
	query: Result<Query<DeploymentsQuery>, QueryRejection>,
) -> Result<Response, ApiError> {
	let Query(query) = query?;
	// Taken before the store is read: the store can only be newer than this says.
	let current = state.sync.status().current;
	let mut out = Vec::new();
	for local in state.store.deployments(query.active.unwrap_or(true))? {
		out.push(join(&state, local).await);
	}
	Ok(([(VIEW_CURRENT_HEADER, if current { "true" } else { "false" })], Json(out)).into_response())
}

/// Whether the deployments view is current: connected, the operator key authorized for the
/// provider, reconciled with the chain since connecting, and caught up with the finalized head.
#[utoipa::path(get, path = "/v1/sync", tag = "deployments",
	responses((status = 200, body = SyncStatus), (status = 401, body = ErrorBody)))]
async fn sync_status(State(state): State<AppState>) -> Json<SyncStatus> {
	Json(state.sync.status())
}

/// A subscription as the chain shows it at the finalized head, whoever holds it.
#[derive(Serialize, Deserialize, ToSchema)]
pub struct ChainSubscription {
	/// The subscription id.
	pub subscription: u64,
	/// The chain holds it: it has not ended.
	pub exists: bool,
	/// The provider it is awarded to (SS58), if it is awarded and has not ended.
	pub provider: Option<String>,
	/// It is awarded to this gateway's provider and has not ended.
	pub ours: bool,
	/// Why it ended, if it has and the chain still remembers (its last `MaxEndedRecords` ends):
	/// `by_subscriber`, `by_provider`, `out_of_funds`, `no_offering` or `provisioning_failed`.
	pub ended: Option<String>,
}

/// Asks the chain, at its finalized head, whether a subscription still exists and who holds
/// it. Reactors ask before they remove an instance that this gateway does not know.
#[utoipa::path(get, path = "/v1/chain/subscriptions/{id}", tag = "deployments",
	params(("id" = u64, Path, description = "The subscription id")),
	responses((status = 200, body = ChainSubscription), (status = 400, body = ErrorBody),
		(status = 401, body = ErrorBody), (status = 503, body = ErrorBody)))]
async fn chain_subscription(
	State(state): State<AppState>,
	id: Result<Path<u64>, PathRejection>,
) -> Result<Json<ChainSubscription>, ApiError> {
	let Path(id) = id?;
	let Some(chain) = state.chain.read().await.clone() else {
		return Err(ApiError::unavailable("not connected to the node"));
	};
	let view = chain
		.view(id)
		.await
		.map_err(|e| ApiError::unavailable(format!("the node did not answer: {e}")))?;
	let ended = view.as_ref().and_then(crate::chain::ended_reason);
	let live = view.filter(crate::chain::is_live);
	let exists = live.is_some();
	let provider = live.and_then(|v| v.provider);
	Ok(Json(ChainSubscription {
		subscription: id,
		exists,
		ours: provider.as_ref() == Some(&chain.provider),
		provider: provider.map(|p| p.to_string()),
		ended,
	}))
}

fn known(state: &AppState, id: u64) -> Result<Deployment, ApiError> {
	state
		.store
		.deployment(id)?
		.ok_or_else(|| ApiError::not_found(format!("this provider holds no deployment {id}")))
}

/// One deployment, joined with the chain's state.
#[utoipa::path(get, path = "/v1/deployments/{id}", tag = "deployments",
	params(("id" = u64, Path, description = "The subscription id")),
	responses((status = 200, body = DeploymentView), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn deployment(
	State(state): State<AppState>,
	id: Result<Path<u64>, PathRejection>,
) -> Result<Json<DeploymentView>, ApiError> {
	let Path(id) = id?;
	let local = known(&state, id)?;
	Ok(Json(join(&state, local).await))
}

/// The deployment's descriptor, fetched by CID, checked against it and valid against the
/// deployment type's schema.
#[utoipa::path(get, path = "/v1/deployments/{id}/descriptor", tag = "deployments",
	params(("id" = u64, Path, description = "The subscription id")),
	responses((status = 200, body = Object), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn descriptor(
	State(state): State<AppState>,
	id: Result<Path<u64>, PathRejection>,
) -> Result<Json<serde_json::Value>, ApiError> {
	let Path(id) = id?;
	let local = known(&state, id)?;
	local.descriptor.map(Json).ok_or_else(|| match local.phase {
		Phase::Verifying => ApiError::conflict("the descriptor is still being verified"),
		_ => ApiError::conflict(format!(
			"the descriptor was refused: {}",
			local.reason.unwrap_or_default()
		)),
	})
}

/// A reactor's status for a deployment.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(tag = "status", rename_all = "snake_case", deny_unknown_fields)]
pub enum StatusBody {
	/// The deployment runs; the subscriber reaches it at `endpoint` (at most 256 bytes).
	Running {
		/// Where.
		endpoint: String,
	},
	/// Provisioning failed on the provider's side (`reason`: at most 256 bytes). The chain
	/// slashes the provider's collateral for it (`FailureSlash`), for the subscriber.
	Failed {
		/// Why.
		reason: String,
	},
	/// The descriptor cannot run as written: an image that does not exist, a setting the
	/// deployment type does not allow (`reason`: at most 256 bytes). Declined on chain, which
	/// is recorded but not slashed; the subscription goes to another provider.
	Declined {
		/// What is wrong with the descriptor.
		reason: String,
	},
}

/// A report as accepted.
#[derive(Serialize, Deserialize, ToSchema)]
pub struct Accepted {
	/// The report and where it stands.
	pub report: Report,
	/// `false` when the same report had been made before and nothing new is sent.
	pub new: bool,
}

fn checked_text(what: &str, text: &str) -> Result<(), ApiError> {
	if text.trim().is_empty() || text.len() > 256 {
		return Err(ApiError::bad_request(format!("{what} must be 1 to 256 bytes")));
	}
	Ok(())
}

async fn queue(
	state: &AppState,
	id: u64,
	status: ReportStatus,
) -> Result<(StatusCode, Json<Accepted>), ApiError> {
	let queued = status.clone();
	let (report, new) = state.store.blocking(move |store| store.queue_report(id, queued)).await?;
	if !new && report.status != status {
		return Err(ApiError::conflict(format!(
			"a different {} report was made already",
			status.kind()
		)));
	}
	if new {
		state.reports_changed.notify_one();
	}
	let code = if new { StatusCode::ACCEPTED } else { StatusCode::OK };
	Ok((code, Json(Accepted { report, new })))
}

/// Reports a deployment `running`, `failed` (the provider's fault, slashed) or `declined` (the
/// descriptor's fault, not slashed). OGate submits it on chain once, through the operator key;
/// the same report posted again is answered with the first one.
#[utoipa::path(post, path = "/v1/deployments/{id}/status", tag = "deployments",
	params(("id" = u64, Path, description = "The subscription id")), request_body = StatusBody,
	responses((status = 202, body = Accepted), (status = 200, body = Accepted),
		(status = 400, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn status(
	State(state): State<AppState>,
	id: Result<Path<u64>, PathRejection>,
	body: Result<Json<StatusBody>, JsonRejection>,
) -> Result<(StatusCode, Json<Accepted>), ApiError> {
	let Path(id) = id?;
	let Json(body) = body?;
	let report = match body {
		StatusBody::Running { endpoint } => {
			checked_text("endpoint", &endpoint)?;
			ReportStatus::Running { endpoint }
		}
		StatusBody::Failed { reason } => {
			checked_text("reason", &reason)?;
			ReportStatus::Failed { reason }
		}
		StatusBody::Declined { reason } => {
			checked_text("reason", &reason)?;
			ReportStatus::Declined { reason }
		}
	};
	let local = known(&state, id)?;
	match local.phase {
		Phase::Provisioning | Phase::Running => queue(&state, id, report).await,
		Phase::Verifying => Err(ApiError::conflict("the deployment was not handed out yet")),
		Phase::Suspended => {
			Err(ApiError::conflict("the deployment is suspended; it reports once resumed"))
		}
		Phase::Failed => Err(ApiError::conflict("provisioning has failed already")),
		Phase::Ended => Err(ApiError::conflict("the deployment has ended")),
	}
}

/// Why the provider cancels.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CancelBody {
	/// Why (1 to 256 bytes); the subscriber sees it on chain.
	pub reason: String,
}

/// Ends a deployment as the provider (`cancel_by_provider`): settled to now, the rest refunded.
#[utoipa::path(post, path = "/v1/deployments/{id}/cancel", tags = ["deployments", "admin"],
	params(("id" = u64, Path, description = "The subscription id")), request_body = CancelBody,
	responses((status = 202, body = Accepted), (status = 200, body = Accepted),
		(status = 400, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn cancel(
	State(state): State<AppState>,
	id: Result<Path<u64>, PathRejection>,
	body: Result<Json<CancelBody>, JsonRejection>,
) -> Result<(StatusCode, Json<Accepted>), ApiError> {
	let Path(id) = id?;
	let Json(body) = body?;
	checked_text("reason", &body.reason)?;
	let local = known(&state, id)?;
	if !matches!(local.phase, Phase::Provisioning | Phase::Running | Phase::Suspended) {
		return Err(ApiError::conflict(
			"only a deployment being provisioned, running or suspended can be cancelled",
		));
	}
	queue(&state, id, ReportStatus::Cancel { reason: body.reason }).await
}

/// Claims what a running deployment owes the provider so far; paid into the provider's
/// account. A new claim is taken once the previous one is final.
#[utoipa::path(post, path = "/v1/deployments/{id}/claim", tags = ["deployments", "admin"],
	params(("id" = u64, Path, description = "The subscription id")),
	responses((status = 202, body = Accepted), (status = 200, body = Accepted),
		(status = 400, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn claim(
	State(state): State<AppState>,
	id: Result<Path<u64>, PathRejection>,
) -> Result<(StatusCode, Json<Accepted>), ApiError> {
	let Path(id) = id?;
	let local = known(&state, id)?;
	if local.phase != Phase::Running {
		return Err(ApiError::conflict("only a running deployment can be claimed"));
	}
	queue(&state, id, ReportStatus::Claim).await
}

/// Which reports to list.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ReportsQuery {
	/// Only those not yet final (default `false`).
	pub open: Option<bool>,
}

/// Status reports, cancellations and claims, and where each stands on chain.
#[utoipa::path(get, path = "/v1/reports", tag = "reports", params(ReportsQuery),
	responses((status = 200, body = [Report]), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody)))]
async fn reports(
	State(state): State<AppState>,
	query: Result<Query<ReportsQuery>, QueryRejection>,
) -> Result<Json<Vec<Report>>, ApiError> {
	let Query(query) = query?;
	Ok(Json(state.store.reports(query.open.unwrap_or(false))?))
}

/// Which deliveries to list.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DeliveriesQuery {
	/// `pending`, `delivered` or `failed`; all without it.
	pub state: Option<DeliveryState>,
}

/// Webhook deliveries; those that kept failing stay here as `failed` until replayed.
#[utoipa::path(get, path = "/v1/deliveries", tag = "deliveries", params(DeliveriesQuery),
	responses((status = 200, body = [Delivery]), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody)))]
async fn deliveries(
	State(state): State<AppState>,
	query: Result<Query<DeliveriesQuery>, QueryRejection>,
) -> Result<Json<Vec<Delivery>>, ApiError> {
	let Query(query) = query?;
	Ok(Json(state.store.deliveries(query.state)?))
}

/// Sends a delivery again now, with a fresh set of attempts.
#[utoipa::path(post, path = "/v1/deliveries/{webhook}/{seq}/replay", tags = ["deliveries", "admin"],
	params(("webhook" = String, Path, description = "The webhook's name"),
		("seq" = u64, Path, description = "The task's outbox position")),
	responses((status = 200, body = Delivery), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn replay(
	State(state): State<AppState>,
	path: Result<Path<(String, u64)>, PathRejection>,
) -> Result<Json<Delivery>, ApiError> {
	let Path((webhook, seq)) = path?;
	let delivery = state
		.store
		.replay(&webhook, seq)?
		.ok_or_else(|| ApiError::not_found(format!("no delivery of task {seq} to {webhook}")))?;
	state.deliveries_changed.notify_one();
	Ok(Json(delivery))
}

async fn not_found() -> ApiError {
	ApiError::not_found("no such endpoint")
}

async fn method_not_allowed() -> ApiError {
	ApiError::new(StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed", "method not allowed")
}

struct BearerAuth;

impl Modify for BearerAuth {
	fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
		dinfra_ogate_protocol::http::add_bearer_scheme(openapi);
	}
}

/// The OpenAPI document.
#[derive(OpenApi)]
#[openapi(
	info(
		title = "OGate",
		description = "The DINFRA provider gateway: deployment tasks for chain reactors, and their \
			reports back to the chain."
	),
	paths(healthz, readyz, metrics, tasks, ack, deployments, sync_status, chain_subscription,
		deployment, descriptor, status, cancel, claim, reports, deliveries, replay),
	components(schemas(Task, Action, Notice, Deployment, Phase, Report, ReportStatus,
		crate::store::ReportState, Delivery, DeliveryState, ErrorBody, SyncStatus,
		ChainSubscription)),
	modifiers(&BearerAuth, &CommonResponses),
	security(("bearer" = [])),
	tags(
		(name = "tasks", description = "The pull feed of deployment tasks"),
		(name = "deployments", description = "Deployments, their status reports, cancellation and claims"),
		(name = "reports", description = "What was sent to the chain"),
		(name = "deliveries", description = "Webhook deliveries"),
		(name = "operations", description = "Health, readiness and metrics"),
		(name = "admin", description = "Needs an admin token: a reactor token gets 403"),
	)
)]
pub struct ApiDoc;

/// The HTTP service.
pub fn router(state: AppState) -> Router {
	let protected = Router::new()
		.route("/metrics", get(metrics))
		.route("/v1/tasks", get(tasks))
		.route("/v1/tasks/ack", post(ack))
		.route("/v1/deployments", get(deployments))
		.route("/v1/sync", get(sync_status))
		.route("/v1/chain/subscriptions/{id}", get(chain_subscription))
		.route("/v1/deployments/{id}", get(deployment))
		.route("/v1/deployments/{id}/descriptor", get(descriptor))
		.route("/v1/deployments/{id}/status", post(status))
		.route("/v1/deployments/{id}/cancel", post(cancel))
		.route("/v1/deployments/{id}/claim", post(claim))
		.route("/v1/reports", get(reports))
		.route("/v1/deliveries", get(deliveries))
		.route("/v1/deliveries/{webhook}/{seq}/replay", post(replay))
		.merge(SwaggerUi::new("/docs").url("/openapi.json", ApiDoc::openapi()))
		.route_layer(middleware::from_fn_with_state(state.clone(), authenticate));
	Router::new()
		.route("/healthz", get(healthz))
		.route("/readyz", get(readyz))
		.merge(protected)
		.fallback(not_found)
		.method_not_allowed_fallback(method_not_allowed)
		.with_state(state)
		.layer(axum::extract::DefaultBodyLimit::max(crate::limits::MAX_BODY))
		.layer(middleware::from_fn_with_state(
			crate::limits::limits(),
			dinfra_ogate_protocol::http::guard,
		))
}
