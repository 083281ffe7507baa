//! Runtime versions learnt from the followed chain, so that reading a block costs no runtime
//! call.
//!
//! subxt needs each block's spec and transaction version to pick the metadata to decode it
//! with. Unless its configuration knows them, it asks the node with a `Core_version` runtime
//! call per block, which executes the runtime: tens of milliseconds per block on the critical
//! path from finalization to a reactor's webhook. The runtime only changes where a block
//! enacts new code (`System.CodeUpdated`), and the follower reads every block's events in
//! order. So the follower records "version V runs from block `from` to block `upto`" and moves
//! `upto` forward one block at a time after seeing a block without `CodeUpdated`; a block with
//! it seals the range. Blocks outside the range (ahead of the follower, or after an upgrade)
//! are asked for as before.

use std::sync::{Arc, RwLock};
use subxt::{
	config::{polkadot::PolkadotExtrinsicParams, Config, HashFor, PolkadotConfig},
	metadata::ArcMetadata,
};

/// A range of blocks known to run one runtime version.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Known {
	from: u64,
	upto: u64,
	spec: u32,
	transaction: u32,
}

/// The Polkadot configuration, plus the runtime versions the follower has learnt.
#[derive(Clone, Debug, Default)]
pub struct DinfraConfig {
	inner: PolkadotConfig,
	known: Arc<RwLock<Option<Known>>>,
}

impl DinfraConfig {
	/// Block `number` was read with `spec` and `transaction` versions and enacts no new code:
	/// the next block runs the same runtime.
	pub fn learn(&self, number: u64, spec: u32, transaction: u32) {
		let Ok(mut known) = self.known.write() else { return };
		let next = number.saturating_add(1);
		*known = match *known {
			Some(k) if k.spec == spec && k.transaction == transaction && k.from <= number => {
				Some(Known { upto: k.upto.max(next), ..k })
			}
			_ => Some(Known { from: number, upto: next, spec, transaction }),
		};
	}

	/// Block `number` enacts new code: blocks after it must be asked for.
	pub fn upgraded_at(&self, number: u64) {
		if let Ok(mut known) = self.known.write() {
			*known = known.filter(|k| k.from <= number).map(|k| Known { upto: number, ..k });
		}
	}
}

impl Config for DinfraConfig {
	type AccountId = <PolkadotConfig as Config>::AccountId;
	type Address = <PolkadotConfig as Config>::Address;
	type Signature = <PolkadotConfig as Config>::Signature;
	type Header = <PolkadotConfig as Config>::Header;
	type TransactionExtensions = PolkadotExtrinsicParams<Self>;
	type AssetId = <PolkadotConfig as Config>::AssetId;
	type Hasher = <PolkadotConfig as Config>::Hasher;

	fn genesis_hash(&self) -> Option<HashFor<Self>> {
		self.inner.genesis_hash()
	}

	fn spec_and_transaction_version_for_block_number(&self, number: u64) -> Option<(u32, u32)> {
		let known = self.known.read().ok().and_then(|k| *k)?;
		(known.from..=known.upto).contains(&number).then_some((known.spec, known.transaction))
	}

	fn metadata_for_spec_version(&self, spec_version: u32) -> Option<ArcMetadata> {
		self.inner.metadata_for_spec_version(spec_version)
	}

	fn set_metadata_for_spec_version(&self, spec_version: u32, metadata: ArcMetadata) {
		self.inner.set_metadata_for_spec_version(spec_version, metadata)
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn a_version_covers_the_blocks_followed_and_stops_at_an_upgrade() {
		let config = DinfraConfig::default();
		assert_eq!(config.spec_and_transaction_version_for_block_number(10), None);
		config.learn(10, 7, 1);
		for (number, expected) in [(9, None), (10, Some((7, 1))), (11, Some((7, 1))), (12, None)] {
			assert_eq!(config.spec_and_transaction_version_for_block_number(number), expected);
		}
		config.learn(11, 7, 1);
		assert_eq!(config.spec_and_transaction_version_for_block_number(12), Some((7, 1)));
		// Block 12 enacts new code: 13 must be asked for.
		config.upgraded_at(12);
		assert_eq!(config.spec_and_transaction_version_for_block_number(12), Some((7, 1)));
		assert_eq!(config.spec_and_transaction_version_for_block_number(13), None);
		// Block 13 read with the new version starts a new range.
		config.learn(13, 8, 1);
		assert_eq!(config.spec_and_transaction_version_for_block_number(12), None);
		assert_eq!(config.spec_and_transaction_version_for_block_number(14), Some((8, 1)));
	}
}
