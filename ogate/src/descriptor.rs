//! Descriptors: fetched by CID, checked against the CID, and valid against their deployment
//! type's JSON Schema before any reactor sees them.
//!
//! An IPFS gateway is not trusted. Content is fetched as the raw block (a trustless gateway's
//! `?format=raw`), and its sha2-256 digest must be the one in the CID. Raw (`bafkrei…`) and JSON
//! CIDs name the bytes themselves; a `Qm…` (dag-pb) CID names a UnixFS block, whose file data is
//! taken out after the check. Content larger than one block is refused: a descriptor is a small
//! JSON document.

use crate::config::Config;
use serde_json::Value;
use sha2::{Digest, Sha256};
use std::{path::PathBuf, sync::Arc, time::Duration};

/// The largest descriptor or schema OGate fetches.
pub const MAX_CONTENT: usize = 1024 * 1024;

const SHA2_256: u64 = 0x12;
const RAW: u64 = 0x55;
const JSON: u64 = 0x0200;
const DAG_PB: u64 = 0x70;

/// Why a descriptor was refused. The text is what OGate reports on chain as the reason.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DescriptorError {
	/// The CID cannot be parsed.
	#[error("invalid CID: {0}")]
	Cid(String),
	/// The CID uses a hash or codec OGate cannot check.
	#[error("unsupported CID: {0}")]
	Unsupported(String),
	/// No source had the content (or only other bytes); it is tried again later.
	#[error("content not found: {0}")]
	NotFound(String),
	/// The content is larger than [`MAX_CONTENT`].
	#[error("content larger than {MAX_CONTENT} bytes")]
	TooLarge,
	/// The bytes do not hash to the CID.
	#[error("content does not match its CID")]
	HashMismatch,
	/// The content is not a JSON document.
	#[error("not JSON: {0}")]
	NotJson(String),
	/// The schema itself is not a valid JSON Schema.
	#[error("invalid schema: {0}")]
	BadSchema(String),
	/// The descriptor breaks its deployment type's schema.
	#[error("descriptor does not match the schema: {0}")]
	Invalid(String),
}

/// A parsed CID: what its digest covers and the digest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cid {
	/// The multicodec of the content.
	pub codec: u64,
	/// The multihash function.
	pub hash: u64,
	/// The digest.
	pub digest: Vec<u8>,
}

/// A protobuf varint (LEB128, at most 64 bits).
fn varint(bytes: &mut &[u8]) -> Option<u64> {
	let mut value = 0u64;
	for shift in (0..63).step_by(7) {
		let (&byte, rest) = bytes.split_first()?;
		*bytes = rest;
		value |= u64::from(byte & 0x7f) << shift;
		if byte & 0x80 == 0 {
			return Some(value);
		}
	}
	None
}

impl Cid {
	/// Parses a CID in any of its string forms (`cid`): a CIDv0 (`Qm…`) or a multibase CIDv1.
	pub fn parse(text: &str) -> Result<Cid, DescriptorError> {
		let cid =
			cid::Cid::try_from(text).map_err(|e| DescriptorError::Cid(format!("{e}: {text}")))?;
		let hash = cid.hash();
		Ok(Cid { codec: cid.codec(), hash: hash.code(), digest: hash.digest().to_vec() })
	}

	/// Checks that `block` is the content this CID names, and returns the document in it.
	pub fn open(&self, block: &[u8]) -> Result<Vec<u8>, DescriptorError> {
		if self.hash != SHA2_256 {
			return Err(DescriptorError::Unsupported(format!("hash function {:#x}", self.hash)));
		}
		if Sha256::digest(block).as_slice() != self.digest.as_slice() {
			return Err(DescriptorError::HashMismatch);
		}
		match self.codec {
			RAW | JSON => Ok(block.to_vec()),
			DAG_PB => unixfs_file(block),
			codec => Err(DescriptorError::Unsupported(format!("codec {codec:#x}"))),
		}
	}
}

/// A protobuf field: its number and, for length-delimited fields, its bytes.
type Field<'a> = (u64, Option<&'a [u8]>);

/// The fields of a protobuf message, in order.
fn protobuf_fields(mut bytes: &[u8]) -> Result<Vec<Field<'_>>, DescriptorError> {
	let bad = || DescriptorError::Unsupported("malformed dag-pb block".into());
	let mut fields = Vec::new();
	while !bytes.is_empty() {
		let tag = varint(&mut bytes).ok_or_else(bad)?;
		match tag & 7 {
			0 => {
				varint(&mut bytes).ok_or_else(bad)?;
				fields.push((tag >> 3, None));
			}
			2 => {
				let len =
					usize::try_from(varint(&mut bytes).ok_or_else(bad)?).map_err(|_| bad())?;
				let (value, rest) = bytes.split_at_checked(len).ok_or_else(bad)?;
				bytes = rest;
				fields.push((tag >> 3, Some(value)));
			}
			_ => return Err(bad()),
		}
	}
	Ok(fields)
}

/// The file data in a single-block UnixFS dag-pb node.
fn unixfs_file(block: &[u8]) -> Result<Vec<u8>, DescriptorError> {
	let node = protobuf_fields(block)?;
	if node.iter().any(|(field, _)| *field == 2) {
		return Err(DescriptorError::Unsupported("content spans more than one block".into()));
	}
	let data = node.iter().find_map(|(field, value)| (*field == 1).then_some(*value).flatten());
	let unixfs = protobuf_fields(data.unwrap_or_default())?;
	Ok(unixfs
		.iter()
		.find_map(|(field, value)| (*field == 2).then_some(*value).flatten())
		.unwrap_or_default()
		.to_vec())
}

/// How many bytes of checked documents the cache keeps.
pub const CACHE_BYTES: u64 = 64 * 1024 * 1024;
/// How many compiled schemas are kept (one per deployment type in use).
pub const CACHED_SCHEMAS: u64 = 256;

/// What one source gave for a CID.
enum Fetched {
	/// The source does not have it, or could not be reached.
	Missing,
	/// Its bytes passed [`MAX_CONTENT`]; reading stopped there.
	TooLarge,
	/// A block to check against the CID.
	Block(Vec<u8>),
}

/// Fetches content by CID from the local content directory and the configured gateways, and
/// checks it; keeps checked documents in a cache bounded by [`CACHE_BYTES`], and compiled
/// schemas in one bounded by [`CACHED_SCHEMAS`], since a CID's content never changes.
///
/// Sources are tried in order until one has the content. A source that returns bytes that do
/// not hash to the CID is at fault, not the subscriber who named the CID: it is logged and the
/// next source is tried, and if none has the content the CID is "not found" (tried again
/// later), never "invalid".
pub struct ContentSource {
	content_dir: Option<PathBuf>,
	gateways: Vec<String>,
	http: reqwest::Client,
	cache: moka::sync::Cache<String, Arc<Vec<u8>>>,
	/// Compiled schemas by CID: every award of a type names the same schema, which is compiled
	/// once, not once per award.
	validators: moka::sync::Cache<String, Arc<jsonschema::Validator>>,
}

impl ContentSource {
	/// A source as configured.
	pub fn new(config: &Config) -> ContentSource {
		ContentSource {
			content_dir: config.content_dir.clone(),
			gateways: config.ipfs_gateways.clone(),
			http: reqwest::Client::builder()
				.timeout(Duration::from_secs(10))
				.build()
				.unwrap_or_default(),
			cache: moka::sync::Cache::builder()
				.max_capacity(CACHE_BYTES)
				.weigher(|cid: &String, document: &Arc<Vec<u8>>| {
					u32::try_from(cid.len() + document.len()).unwrap_or(u32::MAX)
				})
				.build(),
			validators: moka::sync::Cache::new(CACHED_SCHEMAS),
		}
	}

	/// The checked document a CID names.
	pub async fn fetch(&self, cid_text: &str) -> Result<Vec<u8>, DescriptorError> {
		if let Some(hit) = self.cache.get(cid_text) {
			return Ok(hit.as_ref().clone());
		}
		let cid = Cid::parse(cid_text)?;
		let mut wrong = Vec::new();
		let mut too_large = false;
		let sources = self.content_dir.iter().map(|_| None).chain(self.gateways.iter().map(Some));
		for gateway in sources {
			let fetched = match gateway {
				None => self.read_directory(cid_text).await,
				Some(gateway) => self.read_gateway(gateway, cid_text).await,
			};
			let block = match fetched {
				Fetched::Missing => continue,
				Fetched::TooLarge => {
					too_large = true;
					continue;
				}
				Fetched::Block(block) => block,
			};
			let source = gateway.map_or("the content directory", String::as_str);
			match cid.open(&block) {
				Ok(document) => {
					self.cache.insert(cid_text.to_string(), Arc::new(document.clone()));
					return Ok(document);
				}
				Err(DescriptorError::HashMismatch) => {
					tracing::warn!(
						cid = cid_text,
						source,
						"a source returned bytes that do not match the CID; trying the next"
					);
					wrong.push(source.to_string());
				}
				// The content is what the CID names, and it is not usable (more than one
				// block, say): the CID's fault.
				Err(e) => return Err(e),
			}
		}
		if too_large && wrong.is_empty() {
			return Err(DescriptorError::TooLarge);
		}
		Err(DescriptorError::NotFound(if wrong.is_empty() {
			cid_text.to_string()
		} else {
			format!("{cid_text} (other bytes from {})", wrong.join(", "))
		}))
	}

	async fn read_directory(&self, cid: &str) -> Fetched {
		let Some(dir) = &self.content_dir else { return Fetched::Missing };
		// CIDs are base-encoded: they cannot name a path outside the directory.
		if !cid.chars().all(|c| c.is_ascii_alphanumeric()) {
			return Fetched::Missing;
		}
		let path = dir.join(cid);
		match tokio::fs::metadata(&path).await {
			Ok(meta) if meta.len() > MAX_CONTENT as u64 => Fetched::TooLarge,
			Ok(_) => tokio::fs::read(&path).await.map_or(Fetched::Missing, Fetched::Block),
			Err(_) => Fetched::Missing,
		}
	}

	/// The raw block from one gateway, read chunk by chunk and dropped as soon as it passes
	/// [`MAX_CONTENT`].
	async fn read_gateway(&self, gateway: &str, cid: &str) -> Fetched {
		let url = format!("{}/ipfs/{cid}?format=raw", gateway.trim_end_matches('/'));
		let request = self.http.get(&url).header("accept", "application/vnd.ipld.raw");
		let Ok(mut response) = request.send().await else { return Fetched::Missing };
		if !response.status().is_success() {
			return Fetched::Missing;
		}
		if response.content_length().is_some_and(|l| l > MAX_CONTENT as u64) {
			return Fetched::TooLarge;
		}
		let mut block = Vec::new();
		loop {
			match response.chunk().await {
				Ok(Some(chunk)) => {
					if block.len() + chunk.len() > MAX_CONTENT {
						return Fetched::TooLarge;
					}
					block.extend_from_slice(&chunk);
				}
				Ok(None) => return Fetched::Block(block),
				Err(_) => return Fetched::Missing,
			}
		}
	}

	/// The descriptor `descriptor_cid`, checked against its CID and valid against the schema
	/// `schema_cid` names.
	pub async fn verified_descriptor(
		&self,
		descriptor_cid: &str,
		schema_cid: &str,
	) -> Result<Value, DescriptorError> {
		let validator = self.validator(schema_cid).await?;
		let descriptor = self.fetch(descriptor_cid).await?;
		let descriptor: Value = serde_json::from_slice(&descriptor)
			.map_err(|e| DescriptorError::NotJson(e.to_string()))?;
		check(&validator, &descriptor)?;
		Ok(descriptor)
	}

	/// The compiled schema `schema_cid` names: cached, or fetched and compiled.
	async fn validator(
		&self,
		schema_cid: &str,
	) -> Result<Arc<jsonschema::Validator>, DescriptorError> {
		if let Some(hit) = self.validators.get(schema_cid) {
			return Ok(hit);
		}
		let schema = self.fetch(schema_cid).await?;
		let schema: Value = serde_json::from_slice(&schema)
			.map_err(|e| DescriptorError::BadSchema(e.to_string()))?;
		let validator = Arc::new(compile(&schema)?);
		self.validators.insert(schema_cid.to_string(), validator.clone());
		Ok(validator)
	}
}

/// Checks a descriptor against a JSON Schema; the error names the first offending place.
pub fn check_against_schema(schema: &Value, descriptor: &Value) -> Result<(), DescriptorError> {
	check(&compile(schema)?, descriptor)
}

/// A JSON Schema, compiled.
fn compile(schema: &Value) -> Result<jsonschema::Validator, DescriptorError> {
	jsonschema::validator_for(schema).map_err(|e| DescriptorError::BadSchema(e.to_string()))
}

/// Checks a descriptor against a compiled schema; the error names the first offending place.
fn check(validator: &jsonschema::Validator, descriptor: &Value) -> Result<(), DescriptorError> {
	validator
		.validate(descriptor)
		.map_err(|e| DescriptorError::Invalid(format!("{} at {}", e, e.instance_path)))
}

/// The CIDv1 (raw codec, sha2-256, base32) of `bytes`: what `ipfs add --cid-version 1
/// --raw-leaves` prints for a small file.
pub fn raw_cid(bytes: &[u8]) -> String {
	let digest = Sha256::digest(bytes);
	let hash = cid::multihash::Multihash::<64>::wrap(SHA2_256, &digest)
		.expect("a 32-byte digest fits a 64-byte multihash");
	cid::Cid::new_v1(RAW, hash).to_string()
}

/// Stores `bytes` in `content_dir` under their raw CID, as the gateway's content source reads
/// them, and returns the CID.
pub fn publish(content_dir: &std::path::Path, bytes: &[u8]) -> std::io::Result<String> {
	let cid = raw_cid(bytes);
	std::fs::create_dir_all(content_dir)?;
	std::fs::write(content_dir.join(&cid), bytes)?;
	Ok(cid)
}

#[cfg(test)]
mod tests {
	use super::*;

	const SCHEMA: &[u8] = include_bytes!("../../schemas/vm-small.json");

	/// The CIDv0 (`Qm…`, dag-pb, sha2-256) of a block.
	fn cidv0(block: &[u8]) -> String {
		let hash = cid::multihash::Multihash::<64>::wrap(SHA2_256, &Sha256::digest(block)).unwrap();
		cid::Cid::new_v0(hash).unwrap().to_string()
	}

	#[test]
	fn raw_cids_are_what_ipfs_prints() {
		// The CIDv1 (raw, sha2-256, base32) of the 13 bytes "hello world!\n".
		assert_eq!(
			raw_cid(b"hello world!\n"),
			"bafkreihm64a7oj6z4llxysvetldpxpgjs4tyvsqbbpo65olbyegpktkdli"
		);
	}

	#[test]
	fn the_preset_schema_cid_names_the_schema_file() {
		let cid = raw_cid(SCHEMA);
		assert_eq!(Cid::parse(&cid).unwrap().open(SCHEMA).unwrap(), SCHEMA);
	}

	#[tokio::test]
	async fn published_content_is_served_from_the_content_directory_by_its_cid() {
		let dir = tempfile::tempdir().unwrap();
		let cid = publish(dir.path(), SCHEMA).unwrap();
		assert_eq!(cid, raw_cid(SCHEMA));
		let config = Config {
			content_dir: Some(dir.path().to_path_buf()),
			ipfs_gateways: Vec::new(),
			..Config::default()
		};
		let source = ContentSource::new(&config);
		assert_eq!(source.fetch(&cid).await.unwrap(), SCHEMA);
		let missing = raw_cid(b"never published");
		assert!(matches!(source.fetch(&missing).await, Err(DescriptorError::NotFound(_))));
	}

	/// A gateway on loopback that answers every request with `body`, counting the requests.
	async fn gateway(body: Vec<u8>) -> (String, Arc<std::sync::atomic::AtomicUsize>) {
		use std::sync::atomic::{AtomicUsize, Ordering};
		let hits = Arc::new(AtomicUsize::new(0));
		let counter = hits.clone();
		let app = axum::Router::new().fallback(move || {
			counter.fetch_add(1, Ordering::SeqCst);
			let body = body.clone();
			async move { body }
		});
		let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
		let url = format!("http://{}", listener.local_addr().unwrap());
		tokio::spawn(async move { axum::serve(listener, app).await });
		(url, hits)
	}

	fn source(gateways: Vec<String>) -> ContentSource {
		ContentSource::new(&Config { ipfs_gateways: gateways, ..Config::default() })
	}

	#[tokio::test]
	async fn a_gateway_with_the_wrong_bytes_is_skipped_and_never_blamed_on_the_cid() {
		use std::sync::atomic::Ordering;
		let cid = raw_cid(SCHEMA);
		let (liar, _) = gateway(b"{\"not\": \"the schema\"}".to_vec()).await;
		let (honest, honest_hits) = gateway(SCHEMA.to_vec()).await;
		let both = source(vec![liar.clone(), honest]);
		assert_eq!(both.fetch(&cid).await.unwrap(), SCHEMA);
		// Cached: the second read asks nobody.
		assert_eq!(both.fetch(&cid).await.unwrap(), SCHEMA);
		assert_eq!(honest_hits.load(Ordering::SeqCst), 1);

		// With only the liar, the CID is not found (tried again later), not invalid.
		match source(vec![liar.clone()]).fetch(&cid).await {
			Err(DescriptorError::NotFound(why)) => assert!(why.contains(&liar), "{why}"),
			other => panic!("a lying gateway made the CID {other:?}"),
		}
	}

	#[tokio::test]
	async fn a_response_is_dropped_as_soon_as_it_passes_the_size_limit() {
		let huge = vec![b' '; MAX_CONTENT + 1];
		let (big, _) = gateway(huge).await;
		let cid = raw_cid(b"{}");
		assert_eq!(source(vec![big]).fetch(&cid).await, Err(DescriptorError::TooLarge));
		// A chunked response without a length and without end: read no further than the limit.
		let endless = endless_gateway().await;
		assert_eq!(source(vec![endless]).fetch(&cid).await, Err(DescriptorError::TooLarge));
	}

	/// A gateway that answers with 64 KiB chunks without end, and no content length.
	async fn endless_gateway() -> String {
		use tokio::io::{AsyncReadExt, AsyncWriteExt};
		let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
		let url = format!("http://{}", listener.local_addr().unwrap());
		tokio::spawn(async move {
			while let Ok((mut socket, _)) = listener.accept().await {
				tokio::spawn(async move {
					let mut request = [0u8; 4096];
					let _ = socket.read(&mut request).await;
					let head = b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n";
					let _ = socket.write_all(head).await;
					let chunk = format!("{:x}\r\n{}\r\n", 65_536, " ".repeat(65_536));
					while socket.write_all(chunk.as_bytes()).await.is_ok() {}
				});
			}
		});
		url
	}

	#[test]
	fn content_that_does_not_hash_to_its_cid_is_refused() {
		let cid = Cid::parse(&raw_cid(b"{\"a\":1}")).unwrap();
		assert_eq!(cid.open(b"{\"a\":2}"), Err(DescriptorError::HashMismatch));
	}

	#[test]
	fn a_cidv0_names_a_unixfs_block_whose_file_data_is_the_descriptor() {
		// `ipfs add` of the 13 bytes "hello world!\n" without raw leaves: a dag-pb node holding
		// a UnixFS file.
		let file = b"hello world!\n";
		let mut unixfs = vec![0x08, 0x02, 0x12, file.len() as u8];
		unixfs.extend_from_slice(file);
		unixfs.extend_from_slice(&[0x18, file.len() as u8]);
		let mut block = vec![0x0a, unixfs.len() as u8];
		block.extend_from_slice(&unixfs);
		let cid = cidv0(&block);
		assert!(cid.starts_with("Qm") && cid.len() == 46);
		assert_eq!(Cid::parse(&cid).unwrap().open(&block).unwrap(), file);

		// A node with links is more than one block.
		let mut linked = block.clone();
		linked.extend_from_slice(&[0x12, 0x00]);
		let cid = Cid::parse(&cidv0(&linked)).unwrap();
		assert!(matches!(cid.open(&linked), Err(DescriptorError::Unsupported(_))));
	}

	#[test]
	fn malformed_cids_and_other_hash_functions_are_refused() {
		for text in ["", "x123", "bafy!", "Qm123", "bafkqaa"] {
			assert!(Cid::parse(text).is_err(), "{text}");
		}
		// The identity "hash" of nothing (raw codec): a valid CID that proves nothing.
		let identity = Cid::parse("bafkqaaa").unwrap();
		assert!(matches!(identity.open(b""), Err(DescriptorError::Unsupported(_))));
		// blake2b-256 (0xb220) identity of nothing: parsed, but not checkable.
		let mut bytes = vec![0x01, 0x55, 0xa0, 0xe4, 0x02, 0x20];
		bytes.extend_from_slice(&[0; 32]);
		let cid = format!("f{}", data_encoding::HEXLOWER.encode(&bytes));
		assert!(matches!(
			Cid::parse(&cid).unwrap().open(b""),
			Err(DescriptorError::Unsupported(_))
		));
	}

	#[test]
	fn a_descriptor_is_checked_against_its_schema() {
		let schema: Value = serde_json::from_slice(SCHEMA).unwrap();
		let err =
			check_against_schema(&schema, &serde_json::json!({"nonsense": true})).unwrap_err();
		assert!(matches!(err, DescriptorError::Invalid(_)), "{err}");
	}
}
