//! The reactor's configuration: defaults < TOML file < environment (`REACTOR_*`) < flags.
//!
//! The defaults work with `dinfra-node --dev` and OGate's dev defaults on this machine: the
//! reactor pulls OGate's feed at `http://127.0.0.1:8480` with token `dev-token`, and runs
//! every deployment type as a local process.

use crate::driver::{cloudstack::CloudStackConfig, local::LocalConfig};
use clap::{Parser, Subcommand, ValueEnum};
use dinfra_ogate_protocol::secret::Secret;
use serde::Deserialize;
use std::{net::SocketAddr, path::PathBuf};

/// OGate's development token.
pub const DEV_TOKEN: &str = "dev-token";

/// Tokens and secrets that appear in this repository's examples and defaults.
const WELL_KNOWN_SECRETS: &[&str] = &[
	DEV_TOKEN,
	"reactor-token",
	"change-me-please",
	"compose-webhook-secret",
	"set-by-compose-setup",
];

/// How tasks reach the reactor.
#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq, ValueEnum)]
#[serde(rename_all = "snake_case")]
pub enum Delivery {
	/// Long-poll OGate's feed and acknowledge.
	Feed,
	/// Receive OGate's signed webhooks at `listen`.
	Webhook,
}

/// Which infrastructure deployments are made on.
#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq, ValueEnum)]
#[serde(rename_all = "snake_case")]
pub enum DriverKind {
	/// Supervised processes on this machine.
	Local,
	/// Apache CloudStack virtual machines.
	Cloudstack,
}

/// Everything the reactor needs.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
	/// OGate's REST API.
	pub ogate_url: String,
	/// The bearer token OGate knows this reactor by.
	pub ogate_token: Secret,
	/// How tasks arrive.
	pub delivery: Delivery,
	/// Where the webhook receiver listens (webhook delivery only).
	pub listen: SocketAddr,
	/// The webhook secret shared with OGate (webhook delivery only): at least 16 bytes.
	pub webhook_secret: Option<Secret>,
	/// How far a webhook's timestamp may be from this clock, in seconds.
	pub signature_tolerance_s: u64,
	/// How often the infrastructure is reconciled with OGate's view, in milliseconds.
	pub reconcile_interval_ms: u64,
	/// How long an instance that OGate does not know is kept before the chain is asked about
	/// it, in seconds.
	pub removal_grace_s: u64,
	/// The most instances one reconciliation pass removes.
	pub max_removals_per_pass: usize,
	/// The bearer token that `/metrics` (on `listen`) asks for; without one, no metrics are
	/// served.
	pub metrics_token: Option<Secret>,
	/// Development mode: OGate's development token is allowed. Without it, the reactor refuses
	/// to start with it.
	pub dev: bool,
	/// The driver.
	pub driver: DriverKind,
	/// The local driver's settings.
	pub local: LocalConfig,
	/// The CloudStack driver's settings (required when `driver = "cloudstack"`).
	pub cloudstack: Option<CloudStackConfig>,
}

impl Default for Config {
	fn default() -> Self {
		Config {
			ogate_url: "http://127.0.0.1:8480".into(),
			ogate_token: DEV_TOKEN.into(),
			delivery: Delivery::Feed,
			listen: SocketAddr::from(([127, 0, 0, 1], 8490)),
			webhook_secret: None,
			signature_tolerance_s: 300,
			reconcile_interval_ms: 30_000,
			removal_grace_s: 600,
			max_removals_per_pass: 5,
			metrics_token: None,
			dev: false,
			driver: DriverKind::Local,
			local: LocalConfig::default(),
			cloudstack: None,
		}
	}
}

/// The reactor's command line.
#[derive(Debug, Parser)]
#[command(name = "dinfra-reactor", version, about = "A DINFRA chain reactor")]
pub struct Cli {
	/// What to run; the reactor itself by default.
	#[command(subcommand)]
	pub command: Option<Command>,
	/// The reactor's settings.
	#[command(flatten)]
	pub args: Args,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
	/// Run the default local workload (started by the local driver, not by hand).
	Workload {
		/// Where it listens.
		#[arg(long)]
		listen: SocketAddr,
	},
}

/// Flags; each also reads a `REACTOR_*` environment variable and overrides the file.
#[derive(Debug, Default, clap::Args)]
pub struct Args {
	/// A TOML configuration file.
	#[arg(long, env = "REACTOR_CONFIG")]
	pub config: Option<PathBuf>,
	/// OGate's REST API.
	#[arg(long, env = "REACTOR_OGATE_URL")]
	pub ogate_url: Option<String>,
	/// OGate's bearer token for this reactor.
	#[arg(long, env = "REACTOR_OGATE_TOKEN", hide_env_values = true)]
	pub ogate_token: Option<String>,
	/// A file that holds OGate's bearer token for this reactor.
	#[arg(long, env = "REACTOR_OGATE_TOKEN_FILE", conflicts_with = "ogate_token")]
	pub ogate_token_file: Option<PathBuf>,
	/// How tasks arrive.
	#[arg(long, env = "REACTOR_DELIVERY")]
	pub delivery: Option<Delivery>,
	/// The webhook receiver's listen address.
	#[arg(long, env = "REACTOR_LISTEN")]
	pub listen: Option<SocketAddr>,
	/// The webhook secret shared with OGate.
	#[arg(long, env = "REACTOR_WEBHOOK_SECRET", hide_env_values = true)]
	pub webhook_secret: Option<String>,
	/// A file that holds the webhook secret shared with OGate.
	#[arg(long, env = "REACTOR_WEBHOOK_SECRET_FILE", conflicts_with = "webhook_secret")]
	pub webhook_secret_file: Option<PathBuf>,
	/// The driver.
	#[arg(long, env = "REACTOR_DRIVER")]
	pub driver: Option<DriverKind>,
	/// The local driver's state directory.
	#[arg(long, env = "REACTOR_STATE_DIR")]
	pub state_dir: Option<PathBuf>,
	/// The reconciliation interval, in milliseconds.
	#[arg(long, env = "REACTOR_RECONCILE_INTERVAL_MS")]
	pub reconcile_interval_ms: Option<u64>,
	/// The grace period of instances that OGate does not know, in seconds.
	#[arg(long, env = "REACTOR_REMOVAL_GRACE_S")]
	pub removal_grace_s: Option<u64>,
	/// The most instances one reconciliation pass removes.
	#[arg(long, env = "REACTOR_MAX_REMOVALS_PER_PASS")]
	pub max_removals_per_pass: Option<usize>,
	/// The bearer token for `/metrics`.
	#[arg(long, env = "REACTOR_METRICS_TOKEN", hide_env_values = true)]
	pub metrics_token: Option<String>,
	/// A file that holds the bearer token for `/metrics`.
	#[arg(long, env = "REACTOR_METRICS_TOKEN_FILE", conflicts_with = "metrics_token")]
	pub metrics_token_file: Option<PathBuf>,
	/// A file that holds the CloudStack API key (replaces `[cloudstack] api_key`).
	#[arg(long, env = "REACTOR_CLOUDSTACK_API_KEY_FILE")]
	pub cloudstack_api_key_file: Option<PathBuf>,
	/// A file that holds the CloudStack secret key (replaces `[cloudstack] secret_key`).
	#[arg(long, env = "REACTOR_CLOUDSTACK_SECRET_KEY_FILE")]
	pub cloudstack_secret_key_file: Option<PathBuf>,
	/// Development mode: allow OGate's development token (`scripts/run` sets it).
	#[arg(long, env = "REACTOR_DEV")]
	pub dev: bool,
}

/// Why a configuration was refused.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
	/// The file could not be read.
	#[error("cannot read {path}: {source}")]
	Read {
		/// The file.
		path: PathBuf,
		/// Why.
		source: std::io::Error,
	},
	/// The file is not valid TOML for this struct.
	#[error("invalid configuration in {path}: {source}")]
	Parse {
		/// The file.
		path: PathBuf,
		/// Why.
		source: toml::de::Error,
	},
	/// The result cannot work.
	#[error("{0}")]
	Invalid(String),
}

impl Config {
	/// Parses a TOML document over the defaults.
	pub fn from_toml(text: &str, path: PathBuf) -> Result<Config, ConfigError> {
		toml::from_str(text).map_err(|source| ConfigError::Parse { path, source })
	}

	/// The layered configuration.
	pub fn load(args: Args) -> Result<Config, ConfigError> {
		let mut config = match &args.config {
			Some(path) => {
				let text = std::fs::read_to_string(path)
					.map_err(|source| ConfigError::Read { path: path.clone(), source })?;
				Config::from_toml(&text, path.clone())?
			}
			None => Config::default(),
		};
		if let Some(v) = args.ogate_url {
			config.ogate_url = v;
		}
		let secret = |path: &PathBuf| Secret::from_file(path).map_err(ConfigError::Invalid);
		if let Some(v) = args.ogate_token {
			config.ogate_token = Secret::new(v);
		}
		if let Some(path) = &args.ogate_token_file {
			config.ogate_token = secret(path)?;
		}
		if let Some(v) = args.delivery {
			config.delivery = v;
		}
		if let Some(v) = args.listen {
			config.listen = v;
		}
		if let Some(v) = args.webhook_secret {
			config.webhook_secret = Some(Secret::new(v));
		}
		if let Some(path) = &args.webhook_secret_file {
			config.webhook_secret = Some(secret(path)?);
		}
		if let Some(v) = args.driver {
			config.driver = v;
		}
		if let Some(v) = args.state_dir {
			config.local.state_dir = v;
		}
		if let Some(v) = args.reconcile_interval_ms {
			config.reconcile_interval_ms = v;
		}
		if let Some(v) = args.removal_grace_s {
			config.removal_grace_s = v;
		}
		if let Some(v) = args.max_removals_per_pass {
			config.max_removals_per_pass = v;
		}
		if let Some(v) = args.metrics_token {
			config.metrics_token = Some(Secret::new(v));
		}
		if let Some(path) = &args.metrics_token_file {
			config.metrics_token = Some(secret(path)?);
		}
		for (path, key) in [
			(&args.cloudstack_api_key_file, "api_key"),
			(&args.cloudstack_secret_key_file, "secret_key"),
		] {
			let Some(path) = path else { continue };
			let cloudstack = config.cloudstack.as_mut().ok_or_else(|| {
				ConfigError::Invalid(format!(
					"a CloudStack {key} file needs a [cloudstack] section"
				))
			})?;
			let value = secret(path)?;
			match key {
				"api_key" => cloudstack.api_key = value,
				_ => cloudstack.secret_key = value,
			}
		}
		config.dev |= args.dev;
		config.check()?;
		if !config.dev {
			config.check_production()?;
		}
		Ok(config)
	}

	/// Outside development mode, refuses OGate's development token and the secrets of this
	/// repository's examples. No secret is shown.
	pub fn check_production(&self) -> Result<(), ConfigError> {
		let mut problems = Vec::new();
		let well_known = |s: &Secret| WELL_KNOWN_SECRETS.contains(&s.expose());
		if well_known(&self.ogate_token) {
			problems.push("ogate_token is a well-known development token");
		}
		if self.webhook_secret.as_ref().is_some_and(well_known) {
			problems.push("webhook_secret is a well-known example secret");
		}
		if self.metrics_token.as_ref().is_some_and(well_known) {
			problems.push("metrics_token is a well-known example token");
		}
		if self
			.cloudstack
			.as_ref()
			.is_some_and(|c| well_known(&c.api_key) || well_known(&c.secret_key))
		{
			problems.push("the CloudStack keys are the example's placeholders");
		}
		if problems.is_empty() {
			return Ok(());
		}
		Err(ConfigError::Invalid(format!(
			"refusing to start outside development mode (--dev): {}",
			problems.join("; ")
		)))
	}

	/// Refuses configurations that cannot work, with the reason.
	pub fn check(&self) -> Result<(), ConfigError> {
		if self.delivery == Delivery::Webhook
			&& self.webhook_secret.as_ref().is_none_or(|s| s.len() < 16)
		{
			return Err(ConfigError::Invalid(
				"webhook delivery needs a webhook_secret of at least 16 characters".into(),
			));
		}
		if self.driver == DriverKind::Cloudstack && self.cloudstack.is_none() {
			return Err(ConfigError::Invalid(
				"driver = \"cloudstack\" needs a [cloudstack] section".into(),
			));
		}
		if self.local.first_port > self.local.last_port || self.local.first_port == 0 {
			return Err(ConfigError::Invalid("local.first_port..=last_port is empty".into()));
		}
		if let Some(host) = &self.local.endpoint_host {
			if !is_plain_host(host) {
				return Err(ConfigError::Invalid(format!(
					"local.endpoint_host {host:?} is not a host name or address (an IPv6 address \
					 goes in brackets; no scheme, port or path)"
				)));
			}
		}
		if self.metrics_token.as_ref().is_some_and(|t| t.len() < 16) {
			return Err(ConfigError::Invalid(
				"metrics_token must be at least 16 characters".into(),
			));
		}
		if self.reconcile_interval_ms < 100 {
			return Err(ConfigError::Invalid("reconcile_interval_ms must be at least 100".into()));
		}
		Ok(())
	}
}

/// Whether `host` is only a host: a name, an IPv4 address or a bracketed IPv6 address, which
/// `http://{host}:{port}` turns into a URL with nothing else in it.
fn is_plain_host(host: &str) -> bool {
	reqwest::Url::parse(&format!("http://{host}:1/")).is_ok_and(|url| {
		url.host_str().is_some_and(|h| h.eq_ignore_ascii_case(host))
			&& url.port() == Some(1)
			&& url.username().is_empty()
			&& url.path() == "/"
	})
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn the_example_files_parse_and_pass_their_checks() {
		for (name, text) in [
			("reactor.example.toml", include_str!("../reactor.example.toml")),
			("reactor.cloudstack.toml", include_str!("../../compose/reactor.cloudstack.toml")),
			("reactor.local.toml", include_str!("../../compose/reactor.local.toml")),
		] {
			let config = Config::from_toml(text, name.into()).unwrap();
			config.check().unwrap_or_else(|e| panic!("{name}: {e}"));
		}
	}

	#[test]
	fn flags_override_the_file_and_bad_settings_are_refused() {
		let dir = tempfile::tempdir().unwrap();
		let path = dir.path().join("r.toml");
		std::fs::write(
			&path,
			"ogate_url = \"http://ogate:8480\"\n[local]\nfirst_port = 30000\nlast_port = 30099\n",
		)
		.unwrap();
		let args = Args {
			config: Some(path),
			ogate_token: Some("secret-token".into()),
			..Default::default()
		};
		let config = Config::load(args).unwrap();
		assert_eq!(config.ogate_url, "http://ogate:8480");
		assert_eq!(config.ogate_token.expose(), "secret-token");
		assert_eq!(config.local.first_port, 30000);
		assert_eq!(config.local.host, LocalConfig::default().host);
		let empty = Config::from_toml("[local]\nfirst_port = 30000\n", "f".into()).unwrap();
		assert!(empty.check().is_err(), "first_port above the default last_port");

		assert!(Config::from_toml("ogateurl = \"x\"", "f".into()).is_err());
		let webhook = Args { delivery: Some(Delivery::Webhook), dev: true, ..Default::default() };
		assert!(matches!(Config::load(webhook), Err(ConfigError::Invalid(_))));
		let cloud = Args { driver: Some(DriverKind::Cloudstack), dev: true, ..Default::default() };
		assert!(matches!(Config::load(cloud), Err(ConfigError::Invalid(_))));

		for good in ["127.0.0.1", "node-7.example.org", "[::1]", "Reactor"] {
			let text = format!("[local]\nendpoint_host = \"{good}\"\n");
			Config::from_toml(&text, "f".into()).unwrap().check().unwrap();
		}
		for bad in ["", "http://x", "x:80", "x/y", "a@b", "::1", "x y", "x?y"] {
			let text = format!("[local]\nendpoint_host = \"{bad}\"\n");
			let refused = Config::from_toml(&text, "f".into()).unwrap().check();
			assert!(matches!(refused, Err(ConfigError::Invalid(_))), "{bad:?} is refused");
		}
	}

	#[test]
	fn outside_development_mode_the_development_token_is_refused() {
		let refused = Config::load(Args::default()).unwrap_err().to_string();
		assert!(refused.contains("ogate_token is a well-known development token"), "{refused}");
		assert!(!refused.contains(DEV_TOKEN), "the token is shown: {refused}");
		assert!(Config::load(Args { dev: true, ..Default::default() }).is_ok());
		let own = Args { ogate_token: Some("an-own-token-1".into()), ..Default::default() };
		assert!(!Config::load(own).unwrap().dev);
		// The compose example's keys are placeholders, fine only in development mode.
		let compose = include_str!("../../compose/reactor.cloudstack.toml");
		let compose = Config::from_toml(compose, "compose".into()).unwrap();
		assert!(compose.check_production().is_err());
	}

	#[test]
	fn secrets_come_from_files_and_never_show_in_debug_output() {
		let dir = tempfile::tempdir().unwrap();
		let write = |name: &str, value: &str| {
			let path = dir.path().join(name);
			std::fs::write(&path, format!("{value}\n")).unwrap();
			path
		};
		let file = dir.path().join("r.toml");
		std::fs::write(
			&file,
			"[cloudstack]\napi_url = \"http://cs/client/api\"\napi_key = \"k\"\n\
			 secret_key = \"s\"\n[cloudstack.types]\n",
		)
		.unwrap();
		let config = Config::load(Args {
			config: Some(file),
			ogate_token_file: Some(write("token", "token-from-a-file")),
			delivery: Some(Delivery::Webhook),
			webhook_secret_file: Some(write("hook", "webhook-secret-from-file")),
			metrics_token_file: Some(write("metrics", "metrics-token-from-file")),
			cloudstack_api_key_file: Some(write("api", "api-key-from-a-file")),
			cloudstack_secret_key_file: Some(write("secret", "secret-key-from-a-file")),
			..Default::default()
		})
		.unwrap();
		assert_eq!(config.ogate_token.expose(), "token-from-a-file");
		let cloudstack = config.cloudstack.as_ref().unwrap();
		assert_eq!(
			(cloudstack.api_key.expose(), cloudstack.secret_key.expose()),
			("api-key-from-a-file", "secret-key-from-a-file")
		);
		let shown = format!("{config:?}");
		for secret in
			["token-from-a-file", "webhook-secret", "metrics-token", "api-key", "secret-key"]
		{
			assert!(!shown.contains(secret), "{secret} shows in {shown}");
		}
		// A key file without a [cloudstack] section is refused.
		let orphan = Args {
			cloudstack_api_key_file: Some(write("api2", "k")),
			dev: true,
			..Default::default()
		};
		assert!(Config::load(orphan).is_err());
	}
}
