//! The local driver's configuration for tests: the reactor binary's own `workload` as every
//! deployment's program, on a port range of the caller's choosing.

use dinfra_reactor::driver::local::{LocalConfig, Program};
use std::{collections::BTreeMap, path::Path};

/// Deployments recorded in `dir`, on ports `first_port..=first_port + ports - 1`.
pub fn local_config(dir: &Path, first_port: u16, ports: u16) -> LocalConfig {
	LocalConfig {
		state_dir: dir.to_path_buf(),
		first_port,
		last_port: first_port + ports - 1,
		default_program: Some(Program {
			command: env!("CARGO_BIN_EXE_dinfra-reactor").into(),
			args: vec!["workload".into(), "--listen".into(), "{host}:{port}".into()],
			env: BTreeMap::new(),
		}),
		stop_grace_ms: 2_000,
		..LocalConfig::default()
	}
}
