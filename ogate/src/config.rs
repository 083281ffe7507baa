//! OGate's configuration: one typed struct, layered as defaults < TOML file < environment <
//! command-line flags.
//!
//! The defaults work against `dinfra-node --dev` on this machine: Alice is the provider and
//! Ferdie, a funded dev account, is her gateway's operator key. A real provider sets
//! `provider` to its own account, `operator_seed` to a key it added as a `DinfraOperator` proxy,
//! and at least one API token.

use clap::Parser;
use serde::Deserialize;
use std::{net::SocketAddr, path::PathBuf, time::Duration};

/// A reactor URL that receives signed webhooks.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
pub struct WebhookConfig {
	/// A short name that identifies this receiver in the deliveries view.
	pub name: String,
	/// Where tasks are POSTed.
	pub url: String,
	/// The HMAC-SHA256 key both sides share.
	pub secret: String,
}

/// An API token and the name it is known by in logs and feed cursors.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
pub struct TokenConfig {
	/// The reactor (or operator) this token belongs to; it names its feed cursor.
	pub name: String,
	/// The bearer token itself.
	pub token: String,
}

/// Everything OGate needs to run.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
	/// The DINFRA node's WebSocket RPC endpoint.
	pub node_url: String,
	/// The provider this gateway works for, as an SS58 address or a dev secret URI such as
	/// `//Alice` (only its public key is used).
	pub provider: String,
	/// The secret URI of the operator key: a `DinfraOperator` proxy of the provider. It pays
	/// the fees of status reports and has no power over the provider's funds.
	pub operator_seed: String,
	/// Where the REST API listens.
	pub listen: SocketAddr,
	/// Where the durable store lives.
	pub data_dir: PathBuf,
	/// The API tokens reactors and operators present as `Authorization: Bearer <token>`.
	pub tokens: Vec<TokenConfig>,
	/// Reactors that receive tasks as signed webhooks.
	pub webhooks: Vec<WebhookConfig>,
	/// IPFS HTTP gateways to fetch descriptors and schemas from, tried in order. Whatever they
	/// return is checked against the CID.
	pub ipfs_gateways: Vec<String>,
	/// A local directory of content named by CID, consulted before the gateways: the way to
	/// serve descriptors on a machine without IPFS.
	pub content_dir: Option<PathBuf>,
	/// Webhook deliveries give up after this many attempts; the task stays visible and can be
	/// replayed.
	pub webhook_max_attempts: u32,
	/// The first retry waits this many milliseconds; each further retry doubles it.
	pub webhook_backoff_ms: u64,
	/// The longest wait between retries, in milliseconds.
	pub webhook_backoff_max_ms: u64,
	/// The first block to follow when the store is empty: `None` starts at the finalized head.
	pub start_block: Option<u32>,
}

impl Default for Config {
	fn default() -> Self {
		Config {
			node_url: "ws://127.0.0.1:9944".into(),
			provider: "//Alice".into(),
			operator_seed: "//Ferdie".into(),
			listen: SocketAddr::from(([127, 0, 0, 1], 8480)),
			data_dir: PathBuf::from("ogate-data"),
			tokens: vec![TokenConfig { name: "dev".into(), token: "dev-token".into() }],
			webhooks: Vec::new(),
			ipfs_gateways: vec!["http://127.0.0.1:8080".into()],
			content_dir: None,
			webhook_max_attempts: 12,
			webhook_backoff_ms: 250,
			webhook_backoff_max_ms: 60_000,
			start_block: None,
		}
	}
}

/// Command-line flags; each also reads an `OGATE_*` environment variable. A flag or variable
/// that is set overrides the file.
#[derive(Debug, Default, Parser)]
#[command(name = "dinfra-ogate", version, about = "The DINFRA provider gateway")]
pub struct Args {
	/// Something else than running the gateway.
	#[command(subcommand)]
	pub command: Option<Command>,
	/// A TOML configuration file.
	#[arg(long, env = "OGATE_CONFIG")]
	pub config: Option<PathBuf>,
	/// The node's WebSocket RPC endpoint.
	#[arg(long, env = "OGATE_NODE_URL")]
	pub node_url: Option<String>,
	/// The provider account (SS58 or a dev secret URI).
	#[arg(long, env = "OGATE_PROVIDER")]
	pub provider: Option<String>,
	/// The operator key's secret URI.
	#[arg(long, env = "OGATE_OPERATOR_SEED", hide_env_values = true)]
	pub operator_seed: Option<String>,
	/// The REST API's listen address.
	#[arg(long, env = "OGATE_LISTEN")]
	pub listen: Option<SocketAddr>,
	/// The store's directory.
	#[arg(long, env = "OGATE_DATA_DIR")]
	pub data_dir: Option<PathBuf>,
	/// A directory of content named by CID.
	#[arg(long, env = "OGATE_CONTENT_DIR")]
	pub content_dir: Option<PathBuf>,
	/// An API token as `name:token`; repeat for more. Replaces the file's tokens.
	#[arg(long = "token", env = "OGATE_TOKENS", value_delimiter = ',', hide_env_values = true)]
	pub tokens: Vec<String>,
	/// A webhook as `name=url#secret`; repeat for more. Replaces the file's webhooks.
	#[arg(long = "webhook", env = "OGATE_WEBHOOKS", value_delimiter = ',', hide_env_values = true)]
	pub webhooks: Vec<String>,
	/// The first block to follow when the store is empty.
	#[arg(long, env = "OGATE_START_BLOCK")]
	pub start_block: Option<u32>,
}

/// OGate's subcommands.
#[derive(Debug, clap::Subcommand)]
pub enum Command {
	/// Copies files into a content directory under their CIDs (CIDv1, raw, sha2-256) and
	/// prints each CID: the way to serve descriptors and schemas without IPFS.
	Publish {
		/// The content directory (the gateway's `content_dir`).
		#[arg(long, env = "OGATE_CONTENT_DIR")]
		content_dir: PathBuf,
		/// The files.
		#[arg(required = true)]
		files: Vec<PathBuf>,
	},
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
	/// A flag or variable has the wrong shape.
	#[error("{0}")]
	Flag(String),
	/// The result cannot work.
	#[error("{0}")]
	Invalid(String),
}

impl Config {
	/// Parses a TOML document over the defaults.
	pub fn from_toml(text: &str, path: PathBuf) -> Result<Config, ConfigError> {
		toml::from_str(text).map_err(|source| ConfigError::Parse { path, source })
	}

	/// The layered configuration: defaults, then the file named by `--config`, then the
	/// environment and the flags.
	pub fn load(args: Args) -> Result<Config, ConfigError> {
		let mut config = match &args.config {
			Some(path) => {
				let text = std::fs::read_to_string(path)
					.map_err(|source| ConfigError::Read { path: path.clone(), source })?;
				Config::from_toml(&text, path.clone())?
			}
			None => Config::default(),
		};
		if let Some(v) = args.node_url {
			config.node_url = v;
		}
		if let Some(v) = args.provider {
			config.provider = v;
		}
		if let Some(v) = args.operator_seed {
			config.operator_seed = v;
		}
		if let Some(v) = args.listen {
			config.listen = v;
		}
		if let Some(v) = args.data_dir {
			config.data_dir = v;
		}
		if let Some(v) = args.content_dir {
			config.content_dir = Some(v);
		}
		if args.start_block.is_some() {
			config.start_block = args.start_block;
		}
		if !args.tokens.is_empty() {
			config.tokens = args
				.tokens
				.iter()
				.map(|t| match t.split_once(':') {
					Some((name, token)) => {
						Ok(TokenConfig { name: name.into(), token: token.into() })
					}
					None => Err(ConfigError::Flag(format!("--token wants name:token, not {t:?}"))),
				})
				.collect::<Result<_, _>>()?;
		}
		if !args.webhooks.is_empty() {
			config.webhooks = args
				.webhooks
				.iter()
				.map(|w| {
					let (name, rest) = w.split_once('=').ok_or_else(|| {
						ConfigError::Flag(format!("--webhook wants name=url#secret, not {w:?}"))
					})?;
					let (url, secret) = rest.rsplit_once('#').ok_or_else(|| {
						ConfigError::Flag(format!("--webhook wants name=url#secret, not {w:?}"))
					})?;
					Ok(WebhookConfig { name: name.into(), url: url.into(), secret: secret.into() })
				})
				.collect::<Result<_, ConfigError>>()?;
		}
		config.check()?;
		Ok(config)
	}

	/// Refuses configurations that cannot work, with the reason.
	pub fn check(&self) -> Result<(), ConfigError> {
		if self.tokens.iter().any(|t| t.token.len() < 8) {
			return Err(ConfigError::Invalid("API tokens must be at least 8 characters".into()));
		}
		let mut names: Vec<_> = self.webhooks.iter().map(|w| &w.name).collect();
		names.sort();
		names.dedup();
		if names.len() != self.webhooks.len() {
			return Err(ConfigError::Invalid("webhook names must be unique".into()));
		}
		if self.webhooks.iter().any(|w| w.secret.is_empty()) {
			return Err(ConfigError::Invalid("every webhook needs a secret".into()));
		}
		if self.webhook_max_attempts == 0 {
			return Err(ConfigError::Invalid("webhook_max_attempts must be at least 1".into()));
		}
		Ok(())
	}

	/// The wait before retry number `attempt` (1 for the first retry).
	pub fn backoff(&self, attempt: u32) -> Duration {
		let factor = 1u64.checked_shl(attempt.saturating_sub(1)).unwrap_or(u64::MAX);
		Duration::from_millis(
			self.webhook_backoff_ms.saturating_mul(factor).min(self.webhook_backoff_max_ms),
		)
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn flags_override_the_file_and_the_file_overrides_the_defaults() {
		let dir = tempfile::tempdir().unwrap();
		let path = dir.path().join("ogate.toml");
		std::fs::write(
			&path,
			"node_url = \"ws://node:9944\"\nlisten = \"0.0.0.0:9000\"\n\
			 [[webhooks]]\nname = \"r\"\nurl = \"http://r/hook\"\nsecret = \"s\"\n",
		)
		.unwrap();
		let args = Args {
			config: Some(path),
			listen: Some("127.0.0.1:9001".parse().unwrap()),
			tokens: vec!["reactor:abcdefgh".into()],
			..Default::default()
		};
		let config = Config::load(args).unwrap();
		assert_eq!(config.node_url, "ws://node:9944");
		assert_eq!(config.listen, "127.0.0.1:9001".parse().unwrap());
		assert_eq!(config.webhooks[0].url, "http://r/hook");
		assert_eq!(
			config.tokens,
			vec![TokenConfig { name: "reactor".into(), token: "abcdefgh".into() }]
		);
		assert_eq!(config.provider, "//Alice");
	}

	#[test]
	fn unknown_keys_short_tokens_and_malformed_flags_are_refused() {
		assert!(Config::from_toml("nodeurl = \"x\"", "f".into()).is_err());
		let short = Args { tokens: vec!["r:short".into()], ..Default::default() };
		assert!(matches!(Config::load(short), Err(ConfigError::Invalid(_))));
		let bad = Args { webhooks: vec!["http://no-name".into()], ..Default::default() };
		assert!(matches!(Config::load(bad), Err(ConfigError::Flag(_))));
	}

	#[test]
	fn the_example_file_parses_and_names_the_defaults() {
		let text = include_str!("../ogate.example.toml");
		let config = Config::from_toml(text, "ogate.example.toml".into()).unwrap();
		config.check().unwrap();
		let defaults = Config::default();
		assert_eq!(
			(config.node_url, config.listen, config.webhook_max_attempts),
			(defaults.node_url, defaults.listen, defaults.webhook_max_attempts)
		);
	}

	#[test]
	fn the_backoff_doubles_up_to_its_cap() {
		let config = Config::default();
		assert_eq!(config.backoff(1), Duration::from_millis(250));
		assert_eq!(config.backoff(3), Duration::from_millis(1000));
		assert_eq!(config.backoff(40), Duration::from_millis(60_000));
		assert_eq!(config.backoff(200), Duration::from_millis(60_000));
	}
}
