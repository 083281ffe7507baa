//! OGate's configuration: one typed struct, layered as defaults < TOML file < environment <
//! command-line flags.
//!
//! The defaults work against `dinfra-node --dev` on this machine: Alice is the provider and
//! Ferdie, a funded dev account, is her gateway's operator key. A real provider sets
//! `provider` to its own account, `operator_seed` to a key it added as a `DinfraOperator` proxy,
//! and at least one API token.

use crate::secret::Secret;
use clap::Parser;
use serde::Deserialize;
use std::{net::SocketAddr, path::PathBuf, time::Duration};

/// The API token of development mode.
pub const DEV_TOKEN: &str = "dev-token";

/// The phrase every `//Name` development account derives from (Substrate's `DEV_PHRASE`).
const DEV_PHRASE: &str = "bottom drive obey lake curtain smoke basket hold race lonely fit walk";

/// Tokens and secrets that appear in this repository's examples and defaults.
const WELL_KNOWN_SECRETS: &[&str] =
	&[DEV_TOKEN, "change-me-please", "change-me-too", "reactor-token", "operator-token"];

/// A reactor URL that receives signed webhooks.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
pub struct WebhookConfig {
	/// A short name that identifies this receiver in the deliveries view.
	pub name: String,
	/// Where tasks are POSTed.
	pub url: String,
	/// The HMAC-SHA256 key both sides share: at least 16 bytes.
	pub secret: Secret,
}

/// What a token may do.
#[derive(Clone, Copy, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Scope {
	/// A reactor: read tasks, deployments and their descriptors, and post status reports.
	#[default]
	Reactor,
	/// An operator: everything, including cancelling deployments, claiming earnings and
	/// replaying webhook deliveries.
	Admin,
}

/// An API token and the name it is known by in logs and feed cursors.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct TokenConfig {
	/// The reactor (or operator) this token belongs to; it names its feed cursor.
	pub name: String,
	/// The bearer token itself: at least 8 bytes.
	pub token: Secret,
	/// What it may do (`reactor` unless set).
	#[serde(default)]
	pub scope: Scope,
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
	pub operator_seed: Secret,
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
	/// With no new finalized block for this many seconds, the node connection is taken as
	/// stalled and replaced. A relay chain finalizes every few seconds; a `--dev` node seals on
	/// its own clock.
	pub stall_timeout_s: u64,
	/// Acknowledged and delivered tasks, finalized reports and ended deployments are kept for
	/// this many finalized blocks (14,400: a day of 6 s blocks), then pruned.
	pub retention_blocks: u32,
	/// An awarded descriptor that no content source has for this many seconds is declined as
	/// not retrievable (180 s; the chain's provisioning deadline is 100 relay blocks, 600 s).
	/// Declining is not slashed; letting the deadline pass is, and the slash would go to
	/// whoever subscribed with a CID that names nothing. Keep it well inside the deadline: a
	/// `--dev` node advances the relay clock every block, so there the deadline is 100 blocks.
	pub descriptor_wait_s: u64,
	/// Development mode: the well-known development keys and tokens are allowed. Without it,
	/// OGate refuses to start with any of them (see [`Config::check_production`]).
	pub dev: bool,
}

impl Default for Config {
	fn default() -> Self {
		Config {
			node_url: "ws://127.0.0.1:9944".into(),
			provider: "//Alice".into(),
			operator_seed: "//Ferdie".into(),
			listen: SocketAddr::from(([127, 0, 0, 1], 8480)),
			data_dir: PathBuf::from("ogate-data"),
			tokens: vec![TokenConfig {
				name: "dev".into(),
				token: DEV_TOKEN.into(),
				scope: Scope::Admin,
			}],
			webhooks: Vec::new(),
			ipfs_gateways: vec!["http://127.0.0.1:8080".into()],
			content_dir: None,
			webhook_max_attempts: 12,
			webhook_backoff_ms: 250,
			webhook_backoff_max_ms: 60_000,
			start_block: None,
			stall_timeout_s: 120,
			retention_blocks: 14_400,
			descriptor_wait_s: 180,
			dev: false,
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
	/// A file that holds the operator key's secret URI.
	#[arg(long, env = "OGATE_OPERATOR_SEED_FILE", conflicts_with = "operator_seed")]
	pub operator_seed_file: Option<PathBuf>,
	/// The REST API's listen address.
	#[arg(long, env = "OGATE_LISTEN")]
	pub listen: Option<SocketAddr>,
	/// The store's directory.
	#[arg(long, env = "OGATE_DATA_DIR")]
	pub data_dir: Option<PathBuf>,
	/// A directory of content named by CID.
	#[arg(long, env = "OGATE_CONTENT_DIR")]
	pub content_dir: Option<PathBuf>,
	/// A reactor's API token as `name:token`; repeat for more. With any of the token flags, the
	/// file's tokens are replaced.
	#[arg(long = "token", env = "OGATE_TOKENS", value_delimiter = ',', hide_env_values = true)]
	pub tokens: Vec<String>,
	/// A file with one reactor token `name:token` per line.
	#[arg(long, env = "OGATE_TOKENS_FILE", conflicts_with = "tokens")]
	pub tokens_file: Option<PathBuf>,
	/// An admin API token as `name:token` (it may also cancel, claim and replay).
	#[arg(
		long = "admin-token",
		env = "OGATE_ADMIN_TOKENS",
		value_delimiter = ',',
		hide_env_values = true
	)]
	pub admin_tokens: Vec<String>,
	/// A file with one admin token `name:token` per line.
	#[arg(long, env = "OGATE_ADMIN_TOKENS_FILE", conflicts_with = "admin_tokens")]
	pub admin_tokens_file: Option<PathBuf>,
	/// A webhook as `name=url#secret`; repeat for more. Replaces the file's webhooks.
	#[arg(long = "webhook", env = "OGATE_WEBHOOKS", value_delimiter = ',', hide_env_values = true)]
	pub webhooks: Vec<String>,
	/// A file with one `name=url#secret` per line. Replaces the file's webhooks.
	#[arg(long, env = "OGATE_WEBHOOKS_FILE", conflicts_with = "webhooks")]
	pub webhooks_file: Option<PathBuf>,
	/// Development mode: allow the development keys and tokens (`scripts/run` sets it).
	#[arg(long, env = "OGATE_DEV")]
	pub dev: bool,
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
			config.operator_seed = Secret::new(v);
		}
		if let Some(path) = &args.operator_seed_file {
			config.operator_seed = Secret::from_file(path).map_err(ConfigError::Flag)?;
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
		config.dev |= args.dev;
		let mut tokens = args.tokens;
		if let Some(path) = &args.tokens_file {
			tokens = lines_of(path)?;
		}
		let mut admin_tokens = args.admin_tokens;
		if let Some(path) = &args.admin_tokens_file {
			admin_tokens = lines_of(path)?;
		}
		if !tokens.is_empty() || !admin_tokens.is_empty() {
			let scoped = tokens
				.iter()
				.map(|t| (t, Scope::Reactor))
				.chain(admin_tokens.iter().map(|t| (t, Scope::Admin)));
			config.tokens = scoped
				.map(|(t, scope)| match t.split_once(':') {
					Some((name, token)) => {
						Ok(TokenConfig { name: name.into(), token: token.into(), scope })
					}
					// The entry is not echoed: it holds a token.
					None => Err(ConfigError::Flag("a token wants the form name:token".into())),
				})
				.collect::<Result<_, _>>()?;
		}
		let mut webhooks = args.webhooks;
		if let Some(path) = &args.webhooks_file {
			webhooks = lines_of(path)?;
		}
		if !webhooks.is_empty() {
			config.webhooks = webhooks
				.iter()
				.map(|w| {
					let malformed =
						|| ConfigError::Flag("a webhook wants the form name=url#secret".into());
					let (name, rest) = w.split_once('=').ok_or_else(malformed)?;
					let (url, secret) = rest.rsplit_once('#').ok_or_else(malformed)?;
					Ok(WebhookConfig { name: name.into(), url: url.into(), secret: secret.into() })
				})
				.collect::<Result<_, ConfigError>>()?;
		}
		config.check()?;
		if !config.dev {
			config.check_production()?;
		}
		Ok(config)
	}

	/// Outside development mode, refuses what only belongs on a development chain: no API
	/// token, a well-known token or webhook secret, a development account (`//Alice`…, or its
	/// address) as the provider, or an operator key derived from the public development phrase.
	/// Every problem is named, no secret is shown.
	pub fn check_production(&self) -> Result<(), ConfigError> {
		let mut problems = Vec::new();
		if self.tokens.is_empty() {
			problems.push("no API token is configured".to_string());
		}
		for token in &self.tokens {
			if WELL_KNOWN_SECRETS.contains(&token.token.expose()) {
				problems.push(format!("token {:?} is a well-known development token", token.name));
			}
		}
		for hook in &self.webhooks {
			if WELL_KNOWN_SECRETS.contains(&hook.secret.expose()) {
				problems.push(format!("webhook {:?} has a well-known secret", hook.name));
			}
		}
		if is_dev_account(&self.provider) {
			problems.push(format!("provider {:?} is a development account", self.provider));
		}
		if is_dev_seed(self.operator_seed.expose()) {
			problems
				.push("the operator seed derives from the public development phrase".to_string());
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
		if self.tokens.iter().any(|t| t.token.len() < 8) {
			return Err(ConfigError::Invalid("API tokens must be at least 8 characters".into()));
		}
		let mut names: Vec<_> = self.webhooks.iter().map(|w| &w.name).collect();
		names.sort();
		names.dedup();
		if names.len() != self.webhooks.len() {
			return Err(ConfigError::Invalid("webhook names must be unique".into()));
		}
		if self.webhooks.iter().any(|w| w.secret.len() < 16) {
			return Err(ConfigError::Invalid(
				"every webhook needs a secret of at least 16 bytes".into(),
			));
		}
		if self.retention_blocks < 100 {
			return Err(ConfigError::Invalid("retention_blocks must be at least 100".into()));
		}
		if self.descriptor_wait_s == 0 {
			return Err(ConfigError::Invalid("descriptor_wait_s must be at least 1".into()));
		}
		if self.stall_timeout_s < 5 {
			return Err(ConfigError::Invalid("stall_timeout_s must be at least 5".into()));
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

/// The non-empty lines of a file of entries (tokens, webhooks), without comments.
fn lines_of(path: &std::path::Path) -> Result<Vec<String>, ConfigError> {
	let text = std::fs::read_to_string(path)
		.map_err(|source| ConfigError::Read { path: path.to_path_buf(), source })?;
	Ok(text
		.lines()
		.map(str::trim)
		.filter(|l| !l.is_empty() && !l.starts_with('#'))
		.map(String::from)
		.collect())
}

/// A secret URI without a phrase derives from the public development phrase (`//Alice`).
fn is_dev_seed(uri: &str) -> bool {
	let uri = uri.trim();
	uri.is_empty() || uri.starts_with('/') || uri.contains(DEV_PHRASE)
}

/// A development secret URI, or the address of one of the well-known development accounts.
fn is_dev_account(text: &str) -> bool {
	use subxt_signer::sr25519::dev;
	if is_dev_seed(text) {
		return true;
	}
	let Ok(account) = text.parse::<subxt::utils::AccountId32>() else { return false };
	[dev::alice(), dev::bob(), dev::charlie(), dev::dave(), dev::eve(), dev::ferdie()]
		.iter()
		.any(|pair| pair.public_key().to_account_id() == account)
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
			"node_url = \"ws://node:9944\"\nlisten = \"0.0.0.0:9000\"\ndev = true\n\
			 [[webhooks]]\nname = \"r\"\nurl = \"http://r/hook\"\nsecret = \"a-webhook-secret-1\"\n",
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
			vec![TokenConfig {
				name: "reactor".into(),
				token: "abcdefgh".into(),
				scope: Scope::Reactor
			}]
		);
		assert!(config.dev, "from the file");
		assert_eq!(config.provider, "//Alice");
	}

	#[test]
	fn outside_development_mode_development_keys_and_tokens_are_refused() {
		// The defaults are the development ones: refused without --dev, every problem named.
		let refused = Config::load(Args::default()).unwrap_err().to_string();
		for problem in [
			"well-known development token",
			"provider \"//Alice\" is a development account",
			"operator seed derives from the public development phrase",
		] {
			assert!(refused.contains(problem), "{problem:?} not in {refused:?}");
		}
		assert!(!refused.contains(DEV_TOKEN), "a token is shown: {refused}");
		assert!(Config::load(Args { dev: true, ..Default::default() }).is_ok());

		// Alice's address is as much a development account as her URI.
		let alice = "5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY";
		// An account that is not a development one.
		let stranger = subxt_signer::sr25519::Keypair::from_uri(&"//Stranger".parse().unwrap())
			.unwrap()
			.public_key()
			.to_account_id()
			.to_string();
		let production = |provider: &str, seed: &str, tokens: Vec<String>| Args {
			provider: Some(provider.into()),
			operator_seed: Some(seed.into()),
			tokens,
			..Default::default()
		};
		let own_seed = "0x3f0c2d2e7e0c1a1b5f8d3e6c9a7b4d2e1f0a9c8b7d6e5f4a3b2c1d0e9f8a7b6c";
		let token = vec!["reactor:a-real-token-1".to_string()];
		assert!(Config::load(production(alice, own_seed, token.clone())).is_err());
		assert!(Config::load(production("//Bob", own_seed, token.clone())).is_err());
		assert!(Config::load(production(&stranger, "//Ferdie", token.clone())).is_err());
		let dev_phrase_seed = format!("{DEV_PHRASE}//operator");
		assert!(Config::load(production(&stranger, &dev_phrase_seed, token.clone())).is_err());
		let no_tokens = Config {
			tokens: Vec::new(),
			provider: stranger.clone(),
			operator_seed: own_seed.into(),
			..Config::default()
		};
		assert!(no_tokens.check_production().unwrap_err().to_string().contains("no API token"));
		let fine = Config::load(production(&stranger, own_seed, token)).unwrap();
		assert!(!fine.dev);
	}

	#[test]
	fn secrets_come_from_files_and_never_show_in_debug_output() {
		let dir = tempfile::tempdir().unwrap();
		let seed = dir.path().join("seed");
		std::fs::write(&seed, "0xabad1dea-operator-seed\n").unwrap();
		let tokens = dir.path().join("tokens");
		std::fs::write(&tokens, "# reactors\nreactor:token-from-a-file\nops:another-token-1\n")
			.unwrap();
		let hooks = dir.path().join("webhooks");
		std::fs::write(&hooks, "r=http://r/hook#webhook-secret-from-file\n").unwrap();
		let config = Config::load(Args {
			operator_seed_file: Some(seed),
			tokens_file: Some(tokens),
			webhooks_file: Some(hooks),
			dev: true,
			..Default::default()
		})
		.unwrap();
		assert_eq!(config.operator_seed.expose(), "0xabad1dea-operator-seed");
		assert_eq!(config.tokens.len(), 2);
		assert_eq!(config.tokens[0].token.expose(), "token-from-a-file");
		assert_eq!(config.webhooks[0].secret.expose(), "webhook-secret-from-file");
		let shown = format!("{config:?}");
		for secret in
			["abad1dea", "token-from-a-file", "another-token-1", "webhook-secret-from-file"]
		{
			assert!(!shown.contains(secret), "{secret} shows in {shown}");
		}
		// In the TOML file, a secret may name its file.
		let file = dir.path().join("ogate.toml");
		std::fs::write(
			&file,
			format!(
				"operator_seed = {{ file = {:?} }}\n",
				dir.path().join("seed").display().to_string()
			),
		)
		.unwrap();
		let config = Config::load(Args { config: Some(file), dev: true, ..Default::default() });
		assert_eq!(config.unwrap().operator_seed.expose(), "0xabad1dea-operator-seed");
	}

	#[test]
	fn webhook_secrets_shorter_than_16_bytes_are_refused() {
		let short = Args {
			webhooks: vec!["r=http://r/hook#fifteen-bytes-x".into()],
			dev: true,
			..Default::default()
		};
		assert!(matches!(Config::load(short), Err(ConfigError::Invalid(_))));
		let enough = Args {
			webhooks: vec!["r=http://r/hook#sixteen-bytes-xx".into()],
			dev: true,
			..Default::default()
		};
		assert!(Config::load(enough).is_ok());
	}

	#[test]
	fn unknown_keys_short_tokens_and_malformed_flags_are_refused() {
		assert!(Config::from_toml("nodeurl = \"x\"", "f".into()).is_err());
		let short = Args { tokens: vec!["r:short".into()], dev: true, ..Default::default() };
		assert!(matches!(Config::load(short), Err(ConfigError::Invalid(_))));
		let bad = Args { webhooks: vec!["http://no-name".into()], dev: true, ..Default::default() };
		assert!(matches!(Config::load(bad), Err(ConfigError::Flag(_))));
		let token =
			Args { tokens: vec!["no-colon-secret".into()], dev: true, ..Default::default() };
		let refused = Config::load(token).unwrap_err().to_string();
		assert!(!refused.contains("no-colon-secret"), "the malformed entry is echoed: {refused}");
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
