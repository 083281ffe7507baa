//! `dinfra-ogate`: the DINFRA provider gateway. See the crate's README for configuration.

use clap::Parser;
use dinfra_ogate::config::{Args, Command, Config};
use tracing_subscriber::EnvFilter;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
	let mut args = Args::parse();
	if let Some(Command::Publish { content_dir, files }) = args.command.take() {
		for file in files {
			let bytes = std::fs::read(&file)
				.map_err(|e| anyhow::anyhow!("cannot read {}: {e}", file.display()))?;
			let cid = dinfra_ogate::descriptor::publish(&content_dir, &bytes)?;
			println!("{cid}\t{}", file.display());
		}
		return Ok(());
	}
	let json = std::env::var("OGATE_LOG_FORMAT").is_ok_and(|f| f == "json");
	let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
	let ansi = std::io::IsTerminal::is_terminal(&std::io::stderr());
	if json {
		tracing_subscriber::fmt()
			.with_env_filter(filter)
			.with_writer(std::io::stderr)
			.with_ansi(ansi)
			.json()
			.init();
	} else {
		tracing_subscriber::fmt()
			.with_env_filter(filter)
			.with_writer(std::io::stderr)
			.with_ansi(ansi)
			.init();
	}
	let config = Config::load(args)?;
	dinfra_ogate::run(config, dinfra_ogate_protocol::shutdown::on_signal()).await
}
