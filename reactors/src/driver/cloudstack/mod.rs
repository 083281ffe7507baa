//! The Apache CloudStack driver: a deployment is a virtual machine.
//!
//! - **Placement.** Config maps each deployment type to a service offering, a zone, networks
//!   and templates (by the descriptor's `image`, or one template for the type).
//! - **Provision.** `deployVirtualMachine` named `<prefix><subscription>`, with the
//!   descriptor's cloud-init user data and SSH keys as user data; its async job is polled with
//!   `queryAsyncJobResult`; then `createTags` tags the VM with the subscription id. The VM is
//!   found again by that tag (or, if the reactor stopped before tagging, by its name), so
//!   provisioning twice makes one VM.
//! - **Suspend and resume.** A subscription whose funds ran out is suspended: its VM is stopped
//!   (`stopVirtualMachine`), which keeps its volumes; a top-up resumes it
//!   (`startVirtualMachine`), over the same volumes and at the same address. Provisioning a
//!   subscription whose VM is stopped starts it too.
//! - **Deprovision.** `destroyVirtualMachine` with `expunge=true` for every VM of the
//!   subscription; none is fine. Only this removes volumes, and only on the chain's word: a
//!   suspension that ends without a top-up ends the subscription, and its deprovision task
//!   comes then.
//! - **List.** `listVirtualMachines` filtered by the tag, page by page.
//! - **Errors.** CloudStack's error text and async-job failures become the `failed` reason.
//!   Unreachable servers, credential errors and internal errors are retried instead: they are
//!   the provider's problem, not the subscriber's.

pub mod sign;

use super::{Driver, DriverError, Instance, InstanceState, Spec};
use base64::Engine;
use dinfra_ogate_protocol::secret::Secret;
use serde::Deserialize;
use serde_json::Value;
use std::{collections::BTreeMap, time::Duration};

/// Where a deployment type's VMs go.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Placement {
	/// The service offering (CPU and memory).
	pub service_offering_id: String,
	/// The zone.
	pub zone_id: String,
	/// The networks, the default one first; empty for a basic zone.
	#[serde(default)]
	pub network_ids: Vec<String>,
	/// Templates by the descriptor's `image` value.
	#[serde(default)]
	pub templates: BTreeMap<String, String>,
	/// The template when the descriptor names no image.
	pub template_id: Option<String>,
	/// A disk offering for a data disk, if the type has one.
	pub disk_offering_id: Option<String>,
}

/// The CloudStack driver's settings.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct CloudStackConfig {
	/// The API endpoint, such as `http://cloudstack:8080/client/api`.
	pub api_url: String,
	/// The account's API key (inline, or `{ file = "…" }`).
	pub api_key: Secret,
	/// The account's secret key (inline, or `{ file = "…" }`).
	pub secret_key: Secret,
	/// Placement of each deployment type, keyed by the type's id on chain.
	pub types: BTreeMap<String, Placement>,
	/// The tag that carries the subscription id.
	#[serde(default = "default_tag")]
	pub tag_key: String,
	/// VM names are this prefix and the subscription id.
	#[serde(default = "default_prefix")]
	pub name_prefix: String,
	/// How often async jobs are polled, in milliseconds.
	#[serde(default = "default_poll")]
	pub job_poll_ms: u64,
	/// How long an async job may take, in seconds.
	#[serde(default = "default_job_timeout")]
	pub job_timeout_s: u64,
	/// How the endpoint is written from the VM's address (`{ip}`).
	#[serde(default = "default_endpoint")]
	pub endpoint: String,
	/// Signed requests expire after this many seconds (signature version 3), so that a
	/// captured request cannot be replayed later. 0 sends requests without expiry.
	#[serde(default = "default_expiry")]
	pub request_expiry_s: u64,
}

fn default_tag() -> String {
	"dinfra-subscription".into()
}
fn default_prefix() -> String {
	"dinfra-".into()
}
fn default_poll() -> u64 {
	2_000
}
fn default_job_timeout() -> u64 {
	900
}
fn default_endpoint() -> String {
	"ssh://{ip}".into()
}
fn default_expiry() -> u64 {
	600
}

/// A CloudStack call that did not succeed.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum CallError {
	/// No answer, or not a CloudStack answer.
	#[error("CloudStack is unreachable: {0}")]
	Transport(String),
	/// CloudStack refused the call.
	#[error("CloudStack {command} failed ({code}): {text}")]
	Api {
		/// The API command.
		command: String,
		/// CloudStack's error code (431 parameter error, 533 insufficient capacity, ...).
		code: u32,
		/// CloudStack's error text.
		text: String,
	},
	/// The call's async job failed.
	#[error("CloudStack {command} job failed ({code}): {text}")]
	Job {
		/// The API command.
		command: String,
		/// The job's error code.
		code: u32,
		/// The job's error text.
		text: String,
	},
	/// The async job did not finish in time.
	#[error("CloudStack {command} job {job} did not finish within {seconds} s")]
	Timeout {
		/// The API command.
		command: String,
		/// The job id.
		job: String,
		/// The limit.
		seconds: u64,
	},
}

impl From<CallError> for DriverError {
	fn from(e: CallError) -> Self {
		match &e {
			// Credentials (401) and server faults (530) are the provider's to fix: retry. A job
			// that did not finish in time may still finish: the VM may appear, and the retry
			// finds it by its tag or name before it would make another.
			CallError::Transport(_)
			| CallError::Timeout { .. }
			| CallError::Api { code: 401 | 530, .. } => DriverError::Unavailable(e.to_string()),
			_ => DriverError::Refused(e.to_string()),
		}
	}
}

/// A VM as `listVirtualMachines` and async jobs describe it.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
pub struct VirtualMachine {
	/// The VM's id (a UUID; numbers in old versions).
	#[serde(deserialize_with = "id")]
	pub id: String,
	/// Its name.
	#[serde(default)]
	pub name: String,
	/// `Starting`, `Running`, `Stopped`, `Destroyed`, `Expunging`, `Error`, ...
	#[serde(default)]
	pub state: String,
	/// Its network interfaces.
	#[serde(default)]
	pub nic: Vec<Nic>,
	/// A public address, where the zone gives one.
	pub publicip: Option<String>,
	/// Its tags.
	#[serde(default)]
	pub tags: Vec<Tag>,
}

/// A network interface.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
pub struct Nic {
	/// Its IPv4 address.
	pub ipaddress: Option<String>,
	/// Whether it is the default interface.
	#[serde(default)]
	pub isdefault: bool,
}

/// A resource tag.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
pub struct Tag {
	/// The key.
	pub key: String,
	/// The value.
	pub value: String,
}

fn id<'de, D: serde::Deserializer<'de>>(d: D) -> Result<String, D::Error> {
	Ok(match Value::deserialize(d)? {
		Value::String(s) => s,
		other => other.to_string(),
	})
}

impl VirtualMachine {
	fn address(&self) -> Option<&str> {
		self.publicip.as_deref().or_else(|| {
			let default = self.nic.iter().find(|n| n.isdefault).or(self.nic.first());
			default.and_then(|n| n.ipaddress.as_deref())
		})
	}

	fn gone(&self) -> bool {
		matches!(self.state.as_str(), "Destroyed" | "Expunging" | "Error")
	}
}

/// A CloudStack API client: signed calls and async-job polling.
pub struct Client {
	http: reqwest::Client,
	config: CloudStackConfig,
}

impl Client {
	/// A client for the configured endpoint.
	pub fn new(config: CloudStackConfig) -> Client {
		let http = reqwest::Client::builder()
			.timeout(Duration::from_secs(60))
			.build()
			.unwrap_or_else(|_| reqwest::Client::new());
		Client { http, config }
	}

	/// The signed parameters of a call: names lower-case (CloudStack's are case-insensitive,
	/// and lower-case names sort the same before and after lower-casing), the API key, the
	/// JSON response format and the expiry.
	pub fn signed(&self, command: &str, params: &[(&str, String)]) -> Vec<(String, String)> {
		let mut all: Vec<(String, String)> = vec![
			("command".into(), command.into()),
			("response".into(), "json".into()),
			("apikey".into(), self.config.api_key.expose().to_string()),
		];
		all.extend(params.iter().map(|(k, v)| (k.to_lowercase(), v.clone())));
		if self.config.request_expiry_s > 0 {
			let expires = std::time::SystemTime::now()
				.checked_add(Duration::from_secs(self.config.request_expiry_s))
				.unwrap_or_else(std::time::SystemTime::now);
			all.push(("signatureversion".into(), "3".into()));
			all.push(("expires".into(), iso8601(expires)));
		}
		let signature = sign::signature(self.config.secret_key.expose(), &all);
		all.push(("signature".into(), signature));
		all
	}

	/// Calls `command`; large requests (user data) go as a form POST.
	pub async fn call(&self, command: &str, params: &[(&str, String)]) -> Result<Value, CallError> {
		let signed = self.signed(command, params);
		let body = sign::query(&signed);
		let request = if body.len() > 2_000 {
			self.http
				.post(&self.config.api_url)
				.header("content-type", "application/x-www-form-urlencoded")
				.body(body)
		} else {
			self.http.get(format!("{}?{body}", self.config.api_url))
		};
		// reqwest's errors name the URL, which carries the API key and the signature: they are
		// reported without it.
		let response = request
			.send()
			.await
			.map_err(|e| CallError::Transport(format!("{command}: {}", e.without_url())))?;
		let status = response.status();
		let json: Value = response.json().await.map_err(|e| {
			CallError::Transport(format!("{command}: not JSON ({status}): {}", e.without_url()))
		})?;
		// The answer is `{"<command>response": {...}}`.
		let key = format!("{}response", command.to_lowercase());
		let inner =
			json.get(&key).or_else(|| json.get("errorresponse")).cloned().ok_or_else(|| {
				CallError::Transport(format!("{command}: unexpected answer {json}"))
			})?;
		if !status.is_success() || inner.get("errorcode").is_some() {
			return Err(CallError::Api {
				command: command.into(),
				code: inner["errorcode"].as_u64().map_or(status.as_u16() as u32, |c| c as u32),
				text: inner["errortext"].as_str().unwrap_or("no error text").into(),
			});
		}
		Ok(inner)
	}

	/// Polls an async job until it ends; its `jobresult` on success.
	pub async fn job(&self, command: &str, job: &str) -> Result<Value, CallError> {
		let deadline = tokio::time::Instant::now() + Duration::from_secs(self.config.job_timeout_s);
		loop {
			let answer = self.call("queryAsyncJobResult", &[("jobid", job.to_string())]).await?;
			match answer["jobstatus"].as_u64() {
				Some(1) => return Ok(answer["jobresult"].clone()),
				Some(2) => {
					let result = &answer["jobresult"];
					return Err(CallError::Job {
						command: command.into(),
						code: result["errorcode"].as_u64().unwrap_or(0) as u32,
						text: result["errortext"].as_str().unwrap_or("no error text").into(),
					});
				}
				_ if tokio::time::Instant::now() >= deadline => {
					return Err(CallError::Timeout {
						command: command.into(),
						job: job.into(),
						seconds: self.config.job_timeout_s,
					})
				}
				_ => tokio::time::sleep(Duration::from_millis(self.config.job_poll_ms)).await,
			}
		}
	}

	/// Calls an async command and waits for its job.
	pub async fn call_and_wait(
		&self,
		command: &str,
		params: &[(&str, String)],
	) -> Result<Value, CallError> {
		let answer = self.call(command, params).await?;
		let job = answer["jobid"]
			.as_str()
			.map(str::to_string)
			.or_else(|| answer["jobid"].as_u64().map(|j| j.to_string()))
			.ok_or_else(|| CallError::Transport(format!("{command}: no job id in {answer}")))?;
		self.job(command, &job).await
	}

	/// Every VM matching `params`, page by page.
	pub async fn virtual_machines(
		&self,
		params: &[(&str, String)],
	) -> Result<Vec<VirtualMachine>, CallError> {
		const PAGE: usize = 500;
		let mut out = Vec::new();
		for page in 1.. {
			let mut query = params.to_vec();
			query.extend([
				("listall", "true".to_string()),
				("page", page.to_string()),
				("pagesize", PAGE.to_string()),
			]);
			let answer = self.call("listVirtualMachines", &query).await?;
			// CloudStack leaves the list out when it is empty. A list that is there but does not
			// decode is an error: read as empty, it would make every VM look lost.
			let vms: Vec<VirtualMachine> = match answer.get("virtualmachine") {
				None | Some(Value::Null) => Vec::new(),
				Some(list) => serde_json::from_value(list.clone()).map_err(|e| {
					CallError::Transport(format!(
						"listVirtualMachines: page {page} does not decode: {e}"
					))
				})?,
			};
			let count = answer["count"].as_u64().unwrap_or(0) as usize;
			let last = vms.len() < PAGE;
			out.extend(vms);
			if last || out.len() >= count {
				break;
			}
		}
		Ok(out)
	}
}

fn iso8601(time: std::time::SystemTime) -> String {
	let secs = time.duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs());
	let (days, rest) = (secs / 86_400, secs % 86_400);
	let (y, m, d) = civil(days as i64);
	format!("{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}+0000", rest / 3600, rest % 3600 / 60, rest % 60)
}

/// The proleptic Gregorian date of a day count since 1970-01-01 (Howard Hinnant's algorithm).
fn civil(days: i64) -> (i64, u32, u32) {
	let z = days + 719_468;
	let era = z.div_euclid(146_097);
	let doe = z.rem_euclid(146_097);
	let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
	let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	let mp = (5 * doy + 2) / 153;
	let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
	let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
	(yoe + era * 400 + i64::from(m <= 2), m, d)
}

/// The cloud-init user data for a descriptor: its `cloud_init` as given, its
/// `ssh_authorized_keys` as a `#cloud-config` part, or both as a MIME multipart that
/// cloud-init merges.
pub fn user_data(descriptor: &Value) -> Option<String> {
	let script = descriptor["cloud_init"].as_str().filter(|s| !s.is_empty());
	let keys: Vec<&str> = descriptor["ssh_authorized_keys"]
		.as_array()
		.map(|keys| keys.iter().filter_map(Value::as_str).collect())
		.unwrap_or_default();
	let keys_part = (!keys.is_empty()).then(|| {
		let list: String =
			keys.iter().map(|k| format!("  - {}\n", serde_json::Value::from(*k))).collect();
		format!("#cloud-config\nssh_authorized_keys:\n{list}")
	});
	match (script, keys_part) {
		(None, None) => None,
		(Some(script), None) => Some(script.to_string()),
		(None, Some(keys)) => Some(keys),
		(Some(script), Some(keys)) => {
			const BOUNDARY: &str = "==DINFRA-BOUNDARY==";
			let kind = |part: &str| {
				if part.starts_with("#cloud-config") {
					"text/cloud-config"
				} else if part.starts_with("#!") {
					"text/x-shellscript"
				} else {
					"text/plain"
				}
			};
			Some(format!(
				"Content-Type: multipart/mixed; boundary=\"{BOUNDARY}\"\nMIME-Version: 1.0\n\n\
				 --{BOUNDARY}\nContent-Type: {}; charset=\"utf-8\"\n\n{keys}\n\
				 --{BOUNDARY}\nContent-Type: {}; charset=\"utf-8\"\n\n{script}\n--{BOUNDARY}--\n",
				kind(&keys),
				kind(script),
			))
		}
	}
}

/// Deployments as CloudStack VMs.
pub struct CloudStackDriver {
	client: Client,
}

impl CloudStackDriver {
	/// A driver over the configured CloudStack.
	pub fn new(config: CloudStackConfig) -> CloudStackDriver {
		CloudStackDriver { client: Client::new(config) }
	}

	fn config(&self) -> &CloudStackConfig {
		&self.client.config
	}

	fn name_of(&self, subscription: u64) -> String {
		format!("{}{subscription}", self.config().name_prefix)
	}

	fn subscription_of(&self, vm: &VirtualMachine) -> Option<u64> {
		vm.tags
			.iter()
			.find(|t| t.key == self.config().tag_key)
			.and_then(|t| t.value.parse().ok())
			.or_else(|| vm.name.strip_prefix(&self.config().name_prefix)?.parse().ok())
	}

	fn instance(&self, subscription: u64, vm: &VirtualMachine) -> Instance {
		let state = match vm.state.as_str() {
			"Running" => InstanceState::Running,
			"Starting" | "Creating" | "Migrating" => InstanceState::Starting,
			_ => InstanceState::Stopped,
		};
		let endpoint = vm.address().map(|ip| self.config().endpoint.replace("{ip}", ip));
		Instance { subscription, endpoint, state }
	}

	/// The subscription's VMs that are not being destroyed: by tag, and by name for one that
	/// was never tagged.
	async fn find(&self, subscription: u64) -> Result<Vec<VirtualMachine>, CallError> {
		let tag = [
			("tags[0].key", self.config().tag_key.clone()),
			("tags[0].value", subscription.to_string()),
		];
		let mut vms = self.client.virtual_machines(&tag).await?;
		let name = self.name_of(subscription);
		let by_name = self.client.virtual_machines(&[("name", name.clone())]).await?;
		for vm in by_name {
			if vm.name == name && !vms.iter().any(|v| v.id == vm.id) {
				vms.push(vm);
			}
		}
		vms.retain(|vm| !vm.gone());
		Ok(vms)
	}

	/// Brings a subscription's VM to `Running`, starting it if it is stopped, and returns it.
	async fn run(
		&self,
		subscription: u64,
		mut vm: VirtualMachine,
	) -> Result<Instance, DriverError> {
		let deadline =
			tokio::time::Instant::now() + Duration::from_secs(self.config().job_timeout_s);
		loop {
			let instance = self.instance(subscription, &vm);
			match instance.state {
				InstanceState::Running => return Ok(instance),
				InstanceState::Stopped if vm.state == "Stopped" => {
					self.client
						.call_and_wait("startVirtualMachine", &[("id", vm.id.clone())])
						.await?;
				}
				InstanceState::Stopped => {
					return Err(DriverError::Refused(format!("the VM is {}", vm.state)));
				}
				InstanceState::Starting if tokio::time::Instant::now() >= deadline => {
					return Err(DriverError::Refused(format!(
						"the VM did not start within {} s",
						self.config().job_timeout_s
					)));
				}
				InstanceState::Starting => {
					tokio::time::sleep(Duration::from_millis(self.config().job_poll_ms)).await;
				}
			}
			vm = match self.find(subscription).await?.into_iter().next() {
				Some(vm) => vm,
				None => return Err(DriverError::Refused("the VM vanished while starting".into())),
			};
		}
	}

	async fn create(&self, spec: &Spec) -> Result<VirtualMachine, DriverError> {
		let placement =
			self.config().types.get(&spec.deployment_type.to_string()).ok_or_else(|| {
				DriverError::Refused(format!(
					"this provider has no CloudStack placement for deployment type {}",
					spec.deployment_type
				))
			})?;
		let template = match spec.descriptor["image"].as_str() {
			Some(image) => placement.templates.get(image).or(placement.template_id.as_ref()),
			None => placement.template_id.as_ref(),
		}
		.ok_or_else(|| {
			// The descriptor asks for what this provider does not offer: declined.
			DriverError::Invalid(format!(
				"this provider offers no template for image {}",
				spec.descriptor["image"]
			))
		})?;
		let name = self.name_of(spec.subscription);
		let mut params = vec![
			("serviceofferingid", placement.service_offering_id.clone()),
			("templateid", template.clone()),
			("zoneid", placement.zone_id.clone()),
			("name", name.clone()),
			("displayname", format!("DINFRA subscription {}", spec.subscription)),
		];
		if !placement.network_ids.is_empty() {
			params.push(("networkids", placement.network_ids.join(",")));
		}
		if let Some(disk) = &placement.disk_offering_id {
			params.push(("diskofferingid", disk.clone()));
		}
		if let Some(data) = user_data(&spec.descriptor) {
			let encoded = base64::engine::general_purpose::STANDARD.encode(data);
			// CloudStack takes up to 32 KiB of Base64 user data (in a POST).
			if encoded.len() > 32_768 {
				return Err(DriverError::Invalid(
					"the user data exceeds CloudStack's 32 KiB".into(),
				));
			}
			params.push(("userdata", encoded));
		}
		let result = self.client.call_and_wait("deployVirtualMachine", &params).await?;
		let vm: VirtualMachine =
			serde_json::from_value(result["virtualmachine"].clone()).map_err(|e| {
				DriverError::Unavailable(format!("deployVirtualMachine: unexpected result: {e}"))
			})?;
		let tag = [
			("resourceids", vm.id.clone()),
			("resourcetype", "UserVm".to_string()),
			("tags[0].key", self.config().tag_key.clone()),
			("tags[0].value", spec.subscription.to_string()),
		];
		// Untagged, the VM is still found by its name; a failed tag is retried on the next
		// provision or reconciliation.
		if let Err(e) = self.client.call_and_wait("createTags", &tag).await {
			tracing::warn!(subscription = spec.subscription, vm = vm.id, error = %e, "cannot tag the VM");
		}
		Ok(vm)
	}
}

impl Driver for CloudStackDriver {
	fn name(&self) -> &'static str {
		"cloudstack"
	}

	async fn provision(&self, spec: &Spec) -> Result<Instance, DriverError> {
		let existing = self.find(spec.subscription).await?;
		let vm = match existing.into_iter().next() {
			Some(vm) => vm,
			None => self.create(spec).await?,
		};
		self.run(spec.subscription, vm).await
	}

	async fn suspend(&self, subscription: u64) -> Result<(), DriverError> {
		for vm in self.find(subscription).await? {
			if vm.state == "Stopped" {
				continue;
			}
			// A stopped VM keeps its volumes; only a destroy removes them.
			self.client.call_and_wait("stopVirtualMachine", &[("id", vm.id.clone())]).await?;
			tracing::info!(subscription, vm = vm.id, "VM stopped; its volumes are kept");
		}
		Ok(())
	}

	async fn resume(&self, subscription: u64) -> Result<Instance, DriverError> {
		let vm = self.find(subscription).await?.into_iter().next().ok_or_else(|| {
			DriverError::Refused(format!("no VM is kept for subscription {subscription}"))
		})?;
		self.run(subscription, vm).await
	}

	async fn deprovision(&self, subscription: u64) -> Result<(), DriverError> {
		for vm in self.find(subscription).await? {
			let params = [("id", vm.id.clone()), ("expunge", "true".to_string())];
			match self.client.call_and_wait("destroyVirtualMachine", &params).await {
				Ok(_) => tracing::info!(subscription, vm = vm.id, "VM destroyed and expunged"),
				// Already gone (431: no such VM): the goal is met.
				Err(CallError::Api { code: 431, .. }) => {}
				Err(e) => return Err(DriverError::Unavailable(e.to_string())),
			}
		}
		Ok(())
	}

	async fn status(&self, subscription: u64) -> Result<Option<Instance>, DriverError> {
		let vms = self.find(subscription).await?;
		Ok(vms.first().map(|vm| self.instance(subscription, vm)))
	}

	async fn list(&self) -> Result<Vec<Instance>, DriverError> {
		let tag = [("tags[0].key", self.config().tag_key.clone())];
		let mut out: Vec<Instance> = self
			.client
			.virtual_machines(&tag)
			.await?
			.iter()
			.filter(|vm| !vm.gone())
			.filter_map(|vm| Some(self.instance(self.subscription_of(vm)?, vm)))
			.collect();
		out.sort_by_key(|i| i.subscription);
		Ok(out)
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn expiry_dates_are_iso_8601_in_utc() {
		let t = std::time::UNIX_EPOCH + Duration::from_secs(1_764_072_000);
		assert_eq!(iso8601(t), "2025-11-25T12:00:00+0000");
		assert_eq!(iso8601(std::time::UNIX_EPOCH), "1970-01-01T00:00:00+0000");
		let leap = std::time::UNIX_EPOCH + Duration::from_secs(951_782_400);
		assert_eq!(iso8601(leap), "2000-02-29T00:00:00+0000");
	}

	#[test]
	fn user_data_carries_cloud_init_and_keys_and_merges_both() {
		let none = serde_json::json!({ "image": "debian-12" });
		assert_eq!(user_data(&none), None);
		let script = serde_json::json!({ "cloud_init": "#!/bin/sh\necho hi" });
		assert_eq!(user_data(&script).as_deref(), Some("#!/bin/sh\necho hi"));
		let keys = serde_json::json!({ "ssh_authorized_keys": ["ssh-ed25519 AAAA me@host"] });
		assert_eq!(
			user_data(&keys).as_deref(),
			Some("#cloud-config\nssh_authorized_keys:\n  - \"ssh-ed25519 AAAA me@host\"\n")
		);
		let both = serde_json::json!({
			"cloud_init": "#!/bin/sh\necho hi",
			"ssh_authorized_keys": ["ssh-ed25519 AAAA me@host"],
		});
		let merged = user_data(&both).unwrap();
		assert!(merged.starts_with("Content-Type: multipart/mixed"));
		assert!(merged.contains("Content-Type: text/cloud-config"));
		assert!(merged.contains("Content-Type: text/x-shellscript"));
		assert!(merged.contains("echo hi") && merged.contains("ssh-ed25519 AAAA me@host"));
	}
}
