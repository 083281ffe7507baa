//! Secrets in configuration: API tokens, webhook secrets, the operator seed, cloud API keys.
//!
//! A [`Secret`] never shows itself in `Debug` output, so a configuration can be logged or put
//! in an error message without leaking it; the value is read only through
//! [`Secret::expose`]. In a TOML file a secret is written either inline or as the path of a
//! file that holds it (the way container secrets are mounted):
//!
//! ```toml
//! token = "inline-secret-value"
//! token = { file = "/run/secrets/reactor-token" }
//! ```
//!
//! A file's trailing newline is not part of the secret.

use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Deserializer};
use std::path::Path;
use subtle::ConstantTimeEq;

/// A secret string.
pub struct Secret(SecretString);

impl Secret {
	/// A secret with this value.
	pub fn new(value: impl Into<String>) -> Secret {
		Secret(SecretString::from(value.into()))
	}

	/// The secret held in the file at `path`, without its trailing newline.
	pub fn from_file(path: &Path) -> Result<Secret, String> {
		let text = std::fs::read_to_string(path)
			.map_err(|e| format!("cannot read the secret file {}: {e}", path.display()))?;
		let value = text.strip_suffix('\n').unwrap_or(&text);
		let value = value.strip_suffix('\r').unwrap_or(value);
		if value.is_empty() {
			return Err(format!("the secret file {} is empty", path.display()));
		}
		Ok(Secret::new(value))
	}

	/// The value. Callers pass it on (to a signer, a header), never to a log.
	pub fn expose(&self) -> &str {
		self.0.expose_secret()
	}

	/// Its length in bytes (to check a minimum without exposing it).
	pub fn len(&self) -> usize {
		self.expose().len()
	}

	/// Whether it is empty.
	pub fn is_empty(&self) -> bool {
		self.expose().is_empty()
	}
}

impl Clone for Secret {
	fn clone(&self) -> Self {
		Secret::new(self.expose())
	}
}

impl std::fmt::Debug for Secret {
	fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
		f.write_str("Secret([redacted])")
	}
}

/// Compared in constant time, so that a comparison with a presented token leaks nothing of it.
impl PartialEq for Secret {
	fn eq(&self, other: &Self) -> bool {
		self.expose().as_bytes().ct_eq(other.expose().as_bytes()).into()
	}
}

impl Eq for Secret {}

impl From<&str> for Secret {
	fn from(value: &str) -> Self {
		Secret::new(value)
	}
}

impl From<String> for Secret {
	fn from(value: String) -> Self {
		Secret::new(value)
	}
}

impl<'de> Deserialize<'de> for Secret {
	fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
		#[derive(Deserialize)]
		#[serde(untagged)]
		enum Written {
			Inline(String),
			File { file: std::path::PathBuf },
		}
		match Written::deserialize(d)? {
			Written::Inline(value) => Ok(Secret::new(value)),
			Written::File { file } => Secret::from_file(&file).map_err(serde::de::Error::custom),
		}
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	#[derive(Debug, Deserialize)]
	struct Settings {
		token: Secret,
	}

	#[test]
	fn a_secret_never_shows_in_debug_output() {
		let settings = Settings { token: Secret::new("hunter2-hunter2") };
		let shown = format!("{settings:?} {:?}", settings.token.clone());
		assert!(!shown.contains("hunter2"), "{shown}");
		assert!(shown.contains("[redacted]"));
		assert_eq!(settings.token.expose(), "hunter2-hunter2");
	}

	#[test]
	fn a_secret_is_written_inline_or_read_from_a_file_without_its_newline() {
		let inline: Settings = toml::from_str("token = \"abc\"").unwrap();
		assert_eq!(inline.token.expose(), "abc");

		let dir = std::env::temp_dir().join(format!("dinfra-secret-{}", std::process::id()));
		std::fs::create_dir_all(&dir).unwrap();
		let path = dir.join("token");
		std::fs::write(&path, "from-a-file\n").unwrap();
		let text = format!("token = {{ file = {:?} }}", path.display().to_string());
		let filed: Settings = toml::from_str(&text).unwrap();
		assert_eq!(filed.token.expose(), "from-a-file");

		std::fs::write(&path, "\n").unwrap();
		let empty = toml::from_str::<Settings>(&text).unwrap_err().to_string();
		assert!(empty.contains("is empty"), "{empty}");
		let missing = format!("token = {{ file = {:?} }}", dir.join("nope").display().to_string());
		assert!(toml::from_str::<Settings>(&missing).is_err());
		std::fs::remove_dir_all(&dir).unwrap();
	}

	#[test]
	fn secrets_compare_by_value() {
		assert_eq!(Secret::new("a-token"), Secret::from("a-token"));
		assert_ne!(Secret::new("a-token"), Secret::new("a-tokem"));
		assert_ne!(Secret::new("a-token"), Secret::new("a-token-longer"));
	}
}
