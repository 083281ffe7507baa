//! `dinfra-node`: the DINFRA collator.
//!
//! The node is `polkadot-omni-node-lib` with DINFRA's chain specs embedded:
//!
//! - `dinfra-node --dev` runs a single-node development chain without a relay chain; it seals a
//!   block every 3 s (`--dev-block-time <ms>` changes that).
//! - `dinfra-node --chain local -- --chain <relay spec>` runs a collator of the local testnet
//!   against a relay chain.
//! - `dinfra-node build-spec --chain dev|local` exports a chain spec; any other `--chain` value
//!   is read as the path of a chain-spec file.

#![warn(missing_docs)]

mod chain_spec;

use polkadot_omni_node_lib::{
	run, runtime::DefaultRuntimeResolver, CliConfig as CliConfigT, RunConfig, NODE_VERSION,
};

/// What `--version` and `--help` say about this binary.
struct CliConfig;

impl CliConfigT for CliConfig {
	fn impl_version() -> String {
		format!("{}-omni-{NODE_VERSION}", env!("CARGO_PKG_VERSION"))
	}

	fn author() -> String {
		env!("CARGO_PKG_AUTHORS").into()
	}

	fn support_url() -> String {
		"https://github.com/dinfra/dinfra/issues".into()
	}

	fn copyright_start_year() -> u16 {
		2026
	}
}

fn main() -> color_eyre::eyre::Result<()> {
	color_eyre::install()?;
	let config =
		RunConfig::new(Box::new(DefaultRuntimeResolver), Box::new(chain_spec::ChainSpecLoader));
	Ok(run::<CliConfig>(config)?)
}
