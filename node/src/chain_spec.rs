//! The chain specs embedded in the node: `dev` and `local`, built from the runtime's genesis
//! presets. Any other `--chain` value is the path of a chain-spec JSON file.

use dinfra_runtime::genesis_config_presets::PARA_ID;
use polkadot_omni_node_lib::chain_spec::{ChainSpec, Extensions, GenericChainSpec, LoadSpec};
use sc_chain_spec::{ChainType, Properties};

/// The relay chain the embedded specs name; a local relay from `polkadot --chain rococo-local`.
const RELAY_CHAIN: &str = "rococo-local";

/// The runtime's genesis presets (`sp_genesis_builder`'s well-known names).
const DEV_PRESET: &str = "development";
const LOCAL_PRESET: &str = "local_testnet";

/// Resolves `--chain` (and `--dev`) to a chain spec.
pub struct ChainSpecLoader;

impl LoadSpec for ChainSpecLoader {
	fn load_spec(&self, id: &str) -> Result<Box<dyn ChainSpec>, String> {
		Ok(match id {
			"" | "dev" | "development" => Box::new(development()?),
			"local" | "local_testnet" => Box::new(local_testnet()?),
			path => Box::new(GenericChainSpec::from_json_file(path.into())?),
		})
	}
}

/// The token as wallets show it: DINF with 12 decimals, generic Substrate addresses.
fn properties() -> Properties {
	let mut properties = Properties::new();
	properties.insert("tokenSymbol".into(), "DINF".into());
	properties.insert("tokenDecimals".into(), 12.into());
	properties.insert("ss58Format".into(), 42.into());
	properties
}

fn wasm() -> Result<&'static [u8], String> {
	dinfra_runtime::WASM_BINARY.ok_or_else(|| {
		"the runtime's wasm was not built (SKIP_WASM_BUILD was set): rebuild without it".into()
	})
}

/// The development chain: Alice is sudo and the collator, the dev accounts are funded, and the
/// two example deployment types are registered.
pub fn development() -> Result<GenericChainSpec, String> {
	Ok(GenericChainSpec::builder(wasm()?, Extensions::new(RELAY_CHAIN.into(), PARA_ID))
		.with_name("DINFRA Development")
		.with_id("dinfra_dev")
		.with_chain_type(ChainType::Development)
		.with_genesis_config_preset_name(DEV_PRESET)
		.with_properties(properties())
		.build())
}

/// The local testnet: Alice and Bob collate against a local relay chain.
pub fn local_testnet() -> Result<GenericChainSpec, String> {
	Ok(GenericChainSpec::builder(wasm()?, Extensions::new(RELAY_CHAIN.into(), PARA_ID))
		.with_name("DINFRA Local Testnet")
		.with_id("dinfra_local")
		.with_chain_type(ChainType::Local)
		.with_genesis_config_preset_name(LOCAL_PRESET)
		.with_protocol_id("dinfra-local")
		.with_properties(properties())
		.build())
}
