//! Named genesis presets: `development` (the `--dev` chain) and `local_testnet` (a relay-chain
//! test network with two collators).

use crate::*;
use alloc::{vec, vec::Vec};
use cumulus_primitives_core::ParaId;
use frame_support::build_struct_json_patch;
use sp_genesis_builder::PresetId;
use sp_keyring::Sr25519Keyring;

/// The parachain id the presets use; a real network registers its own.
pub const PARA_ID: u32 = 2000;

/// What each well-known dev account starts with: a million DINF.
const ENDOWMENT: Balance = 1_000_000 * DINF;

/// The CIDs (CIDv1, raw, sha2-256) of the JSON Schemas in `schemas/`, which the runtime's tests
/// recompute from the files.
pub const VM_SMALL_SCHEMA_CID: &str = "bafkreiab6yozse6nw3f7zfckdzp3wfvwjktygduvs4msm35dni2j2dijca";
/// The CID of `schemas/substrate-collator.json`.
pub const SUBSTRATE_COLLATOR_SCHEMA_CID: &str =
	"bafkreihbu6dccbx7ru353v4xntax6xgapmpqhz5kknb6ie6lwsmt2zqkrq";

fn genesis(
	collators: Vec<(AccountId, AuraId)>,
	endowed: Vec<AccountId>,
	root: AccountId,
	deployment_types: Vec<(AccountId, Vec<u8>, Vec<u8>)>,
) -> serde_json::Value {
	build_struct_json_patch!(RuntimeGenesisConfig {
		balances: BalancesConfig {
			balances: endowed.into_iter().map(|a| (a, ENDOWMENT)).collect()
		},
		parachain_info: ParachainInfoConfig { parachain_id: ParaId::from(PARA_ID) },
		collator_selection: CollatorSelectionConfig {
			invulnerables: collators.iter().map(|(account, _)| account.clone()).collect(),
			candidacy_bond: 16 * EXISTENTIAL_DEPOSIT,
		},
		session: SessionConfig {
			keys: collators
				.into_iter()
				.map(|(account, aura)| (account.clone(), account, SessionKeys { aura }))
				.collect(),
		},
		polkadot_xcm: PolkadotXcmConfig {
			safe_xcm_version: Some(staging_xcm::prelude::XCM_VERSION)
		},
		sudo: SudoConfig { key: Some(root) },
		dinfra_provider: DinfraProviderConfig { deployment_types },
	})
}

fn collator(keyring: Sr25519Keyring) -> (AccountId, AuraId) {
	(keyring.to_account_id(), keyring.public().into())
}

/// The `development` preset: Alice collates and is sudo, the well-known dev accounts are funded,
/// and Alice has registered the `vm-small` and `substrate-collator` deployment types.
pub fn development() -> serde_json::Value {
	let alice = Sr25519Keyring::Alice.to_account_id();
	genesis(
		vec![collator(Sr25519Keyring::Alice)],
		Sr25519Keyring::well_known().map(|k| k.to_account_id()).collect(),
		alice.clone(),
		vec![
			(alice.clone(), b"vm-small".to_vec(), VM_SMALL_SCHEMA_CID.as_bytes().to_vec()),
			(
				alice,
				b"substrate-collator".to_vec(),
				SUBSTRATE_COLLATOR_SCHEMA_CID.as_bytes().to_vec(),
			),
		],
	)
}

/// The `local_testnet` preset: Alice and Bob collate, Alice is sudo, the dev accounts are funded,
/// and no deployment types exist yet.
pub fn local_testnet() -> serde_json::Value {
	genesis(
		vec![collator(Sr25519Keyring::Alice), collator(Sr25519Keyring::Bob)],
		Sr25519Keyring::well_known().map(|k| k.to_account_id()).collect(),
		Sr25519Keyring::Alice.to_account_id(),
		vec![],
	)
}

/// The preset called `id`, as JSON.
pub fn get_preset(id: &PresetId) -> Option<Vec<u8>> {
	let patch = match id.as_ref() {
		sp_genesis_builder::DEV_RUNTIME_PRESET => development(),
		sp_genesis_builder::LOCAL_TESTNET_RUNTIME_PRESET => local_testnet(),
		_ => return None,
	};
	serde_json::to_vec(&patch).ok()
}

/// The names of the presets.
pub fn preset_names() -> Vec<PresetId> {
	vec![
		PresetId::from(sp_genesis_builder::DEV_RUNTIME_PRESET),
		PresetId::from(sp_genesis_builder::LOCAL_TESTNET_RUNTIME_PRESET),
	]
}
