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
use std::{collections::HashMap, path::PathBuf, sync::Mutex, time::Duration};

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
	/// No gateway had the content.
	#[error("content not found: {0}")]
	NotFound(String),
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

fn varint(bytes: &mut &[u8]) -> Result<u64, DescriptorError> {
	let mut value = 0u64;
	for shift in (0..63).step_by(7) {
		let (&byte, rest) =
			bytes.split_first().ok_or_else(|| DescriptorError::Cid("truncated varint".into()))?;
		*bytes = rest;
		value |= u64::from(byte & 0x7f) << shift;
		if byte & 0x80 == 0 {
			return Ok(value);
		}
	}
	Err(DescriptorError::Cid("varint too long".into()))
}

fn multihash(bytes: &mut &[u8]) -> Result<(u64, Vec<u8>), DescriptorError> {
	let hash = varint(bytes)?;
	let len = usize::try_from(varint(bytes)?).map_err(|_| DescriptorError::Cid("length".into()))?;
	if bytes.len() != len {
		return Err(DescriptorError::Cid("digest length does not match".into()));
	}
	Ok((hash, bytes.to_vec()))
}

impl Cid {
	/// Parses a CID in the string forms the chain accepts.
	pub fn parse(text: &str) -> Result<Cid, DescriptorError> {
		let bad = |what: &str| DescriptorError::Cid(format!("{what}: {text}"));
		if text.len() == 46 && text.starts_with("Qm") {
			let bytes = bs58::decode(text).into_vec().map_err(|_| bad("not base58"))?;
			let (hash, digest) = multihash(&mut bytes.as_slice())?;
			return Ok(Cid { codec: DAG_PB, hash, digest });
		}
		let (prefix, body) = text.split_at_checked(1).ok_or_else(|| bad("empty"))?;
		let bytes = match prefix {
			"b" => data_encoding::BASE32_NOPAD.decode(body.to_ascii_uppercase().as_bytes()).ok(),
			"B" => data_encoding::BASE32_NOPAD.decode(body.as_bytes()).ok(),
			"z" => bs58::decode(body).into_vec().ok(),
			"f" => data_encoding::HEXLOWER.decode(body.as_bytes()).ok(),
			"F" => data_encoding::HEXUPPER.decode(body.as_bytes()).ok(),
			_ => None,
		}
		.ok_or_else(|| bad("unknown multibase or bad encoding"))?;
		let mut rest = bytes.as_slice();
		if varint(&mut rest)? != 1 {
			return Err(bad("not CIDv1"));
		}
		let codec = varint(&mut rest)?;
		let (hash, digest) = multihash(&mut rest)?;
		Ok(Cid { codec, hash, digest })
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
		let tag = varint(&mut bytes).map_err(|_| bad())?;
		match tag & 7 {
			0 => {
				varint(&mut bytes).map_err(|_| bad())?;
				fields.push((tag >> 3, None));
			}
			2 => {
				let len =
					usize::try_from(varint(&mut bytes).map_err(|_| bad())?).map_err(|_| bad())?;
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

/// Fetches content by CID from the local content directory and the configured gateways, and
/// checks it; keeps checked documents in memory, since a CID's content never changes.
pub struct ContentSource {
	content_dir: Option<PathBuf>,
	gateways: Vec<String>,
	http: reqwest::Client,
	cache: Mutex<HashMap<String, Vec<u8>>>,
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
			cache: Mutex::new(HashMap::new()),
		}
	}

	/// The checked document a CID names.
	pub async fn fetch(&self, cid_text: &str) -> Result<Vec<u8>, DescriptorError> {
		if let Some(hit) = self.cache.lock().ok().and_then(|c| c.get(cid_text).cloned()) {
			return Ok(hit);
		}
		let cid = Cid::parse(cid_text)?;
		let mut last = DescriptorError::NotFound(cid_text.into());
		for block in self.blocks(cid_text).await {
			match cid.open(&block) {
				Ok(document) => {
					if let Ok(mut cache) = self.cache.lock() {
						cache.insert(cid_text.to_string(), document.clone());
					}
					return Ok(document);
				}
				Err(e) => last = e,
			}
		}
		Err(last)
	}

	/// Candidate blocks for a CID, from each source that has one.
	async fn blocks(&self, cid: &str) -> Vec<Vec<u8>> {
		let mut out = Vec::new();
		if let Some(dir) = &self.content_dir {
			// CIDs are base-encoded: they cannot name a path outside the directory.
			if cid.chars().all(|c| c.is_ascii_alphanumeric()) {
				if let Ok(bytes) = tokio::fs::read(dir.join(cid)).await {
					if bytes.len() <= MAX_CONTENT {
						out.push(bytes);
					}
				}
			}
		}
		for gateway in &self.gateways {
			let url = format!("{}/ipfs/{cid}?format=raw", gateway.trim_end_matches('/'));
			let response =
				self.http.get(&url).header("accept", "application/vnd.ipld.raw").send().await;
			if let Ok(response) = response {
				if response.status().is_success()
					&& response.content_length().is_none_or(|l| l <= MAX_CONTENT as u64)
				{
					if let Ok(bytes) = response.bytes().await {
						if bytes.len() <= MAX_CONTENT {
							out.push(bytes.to_vec());
						}
					}
				}
			}
		}
		out
	}

	/// The descriptor `descriptor_cid`, checked against its CID and valid against the schema
	/// `schema_cid` names.
	pub async fn verified_descriptor(
		&self,
		descriptor_cid: &str,
		schema_cid: &str,
	) -> Result<Value, DescriptorError> {
		let schema = self.fetch(schema_cid).await?;
		let schema: Value = serde_json::from_slice(&schema)
			.map_err(|e| DescriptorError::BadSchema(e.to_string()))?;
		let descriptor = self.fetch(descriptor_cid).await?;
		let descriptor: Value = serde_json::from_slice(&descriptor)
			.map_err(|e| DescriptorError::NotJson(e.to_string()))?;
		check_against_schema(&schema, &descriptor)?;
		Ok(descriptor)
	}
}

/// Checks a descriptor against a JSON Schema; the error names the first offending place.
pub fn check_against_schema(schema: &Value, descriptor: &Value) -> Result<(), DescriptorError> {
	let validator =
		jsonschema::validator_for(schema).map_err(|e| DescriptorError::BadSchema(e.to_string()))?;
	validator
		.validate(descriptor)
		.map_err(|e| DescriptorError::Invalid(format!("{} at {}", e, e.instance_path)))
}

/// The CIDv1 (raw codec, sha2-256, base32) of `bytes`: what `ipfs add --cid-version 1
/// --raw-leaves` prints for a small file.
pub fn raw_cid(bytes: &[u8]) -> String {
	let mut cid = vec![0x01, 0x55, 0x12, 0x20];
	cid.extend_from_slice(&Sha256::digest(bytes));
	format!("b{}", data_encoding::BASE32_NOPAD.encode(&cid).to_ascii_lowercase())
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
		let mut multihash = vec![0x12, 0x20];
		multihash.extend_from_slice(&Sha256::digest(&block));
		let cid = bs58::encode(&multihash).into_string();
		assert!(cid.starts_with("Qm") && cid.len() == 46);
		assert_eq!(Cid::parse(&cid).unwrap().open(&block).unwrap(), file);

		// A node with links is more than one block.
		let mut linked = block.clone();
		linked.extend_from_slice(&[0x12, 0x00]);
		let mut multihash = vec![0x12, 0x20];
		multihash.extend_from_slice(&Sha256::digest(&linked));
		let cid = Cid::parse(&bs58::encode(&multihash).into_string()).unwrap();
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
