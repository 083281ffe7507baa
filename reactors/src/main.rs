//! `dinfra-reactor`: turns OGate's deployment tasks into infrastructure. See the crate's
//! README for configuration.

use clap::Parser;
use dinfra_reactor::config::{Cli, Command, Config};
use tracing_subscriber::EnvFilter;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
	let cli = Cli::parse();
	let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
	let ansi = std::io::IsTerminal::is_terminal(&std::io::stderr());
	let logs = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
	if std::env::var("REACTOR_LOG_FORMAT").is_ok_and(|f| f == "json") {
		logs.json().init();
	} else {
		logs.with_ansi(ansi).init();
	}
	if let Some(Command::Workload { listen }) = cli.command {
		return dinfra_reactor::workload::serve(listen).await;
	}
	let config = Config::load(cli.args)?;
	dinfra_reactor::run(config, dinfra_ogate_protocol::shutdown::on_signal()).await
}
