//! The reactor's configuration: defaults < TOML file < environment (`REACTOR_*`) < flags.
//!
//! The defaults work with `dinfra-node --dev` and OGate's dev defaults on this machine: the
//! reactor pulls OGate's feed at `http://127.0.0.1:8480` with token `dev-token`, and runs
//! every deployment type as a local process.

use crate::driver::{cloudstack::CloudStackConfig, local::LocalConfig};
use clap::{Parser, Subcommand, ValueEnum};
use serde::Deserialize;
use std::{net::SocketAddr, path::PathBuf};

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
	pub ogate_token: String,
	/// How tasks arrive.
	pub delivery: Delivery,
	/// Where the webhook receiver listens (webhook delivery only).
	pub listen: SocketAddr,
	/// The webhook secret shared with OGate (webhook delivery only).
	pub webhook_secret: Option<String>,
	/// How far a webhook's timestamp may be from this clock, in seconds.
	pub signature_tolerance_s: u64,
	/// How often the infrastructure is reconciled with OGate's view, in milliseconds.
	pub reconcile_interval_ms: u64,
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
			ogate_token: "dev-token".into(),
			delivery: Delivery::Feed,
			listen: SocketAddr::from(([127, 0, 0, 1], 8490)),
			webhook_secret: None,
			signature_tolerance_s: 300,
			reconcile_interval_ms: 30_000,
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
	/// How tasks arrive.
	#[arg(long, env = "REACTOR_DELIVERY")]
	pub delivery: Option<Delivery>,
	/// The webhook receiver's listen address.
	#[arg(long, env = "REACTOR_LISTEN")]
	pub listen: Option<SocketAddr>,
	/// The webhook secret shared with OGate.
	#[arg(long, env = "REACTOR_WEBHOOK_SECRET", hide_env_values = true)]
	pub webhook_secret: Option<String>,
	/// The driver.
	#[arg(long, env = "REACTOR_DRIVER")]
	pub driver: Option<DriverKind>,
	/// The local driver's state directory.
	#[arg(long, env = "REACTOR_STATE_DIR")]
	pub state_dir: Option<PathBuf>,
	/// The reconciliation interval, in milliseconds.
	#[arg(long, env = "REACTOR_RECONCILE_INTERVAL_MS")]
	pub reconcile_interval_ms: Option<u64>,
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
		if let Some(v) = args.ogate_token {
			config.ogate_token = v;
		}
		if let Some(v) = args.delivery {
			config.delivery = v;
		}
		if let Some(v) = args.listen {
			config.listen = v;
		}
		if args.webhook_secret.is_some() {
			config.webhook_secret = args.webhook_secret;
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
		config.check()?;
		Ok(config)
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
		if self.reconcile_interval_ms < 100 {
			return Err(ConfigError::Invalid("reconcile_interval_ms must be at least 100".into()));
		}
		Ok(())
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn the_example_files_parse_and_pass_their_checks() {
		for (name, text) in [
			("reactor.example.toml", include_str!("../reactor.example.toml")),
			("reactor.cloudstack.toml", include_str!("../../compose/reactor.cloudstack.toml")),
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
		assert_eq!(config.ogate_token, "secret-token");
		assert_eq!(config.local.first_port, 30000);
		assert_eq!(config.local.host, LocalConfig::default().host);
		let empty = Config::from_toml("[local]\nfirst_port = 30000\n", "f".into()).unwrap();
		assert!(empty.check().is_err(), "first_port above the default last_port");

		assert!(Config::from_toml("ogateurl = \"x\"", "f".into()).is_err());
		let webhook = Args { delivery: Some(Delivery::Webhook), ..Default::default() };
		assert!(matches!(Config::load(webhook), Err(ConfigError::Invalid(_))));
		let cloud = Args { driver: Some(DriverKind::Cloudstack), ..Default::default() };
		assert!(matches!(Config::load(cloud), Err(ConfigError::Invalid(_))));
	}
}
