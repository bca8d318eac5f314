//! Start-up: parse the flags, load the chain specification and run the node or a
//! subcommand.

use crate::{
    chain_spec,
    cli::{Cli, Subcommand},
    service,
};
use sc_cli::SubstrateCli;

impl SubstrateCli for Cli {
    fn impl_name() -> String {
        "Inkpost dev node".into()
    }

    fn impl_version() -> String {
        env!("CARGO_PKG_VERSION").into()
    }

    fn description() -> String {
        env!("CARGO_PKG_DESCRIPTION").into()
    }

    fn author() -> String {
        env!("CARGO_PKG_AUTHORS").into()
    }

    fn support_url() -> String {
        "https://github.com/inkpost/inkpost/issues".into()
    }

    fn copyright_start_year() -> i32 {
        2026
    }

    fn load_spec(&self, id: &str) -> Result<Box<dyn sc_service::ChainSpec>, String> {
        Ok(match id {
            "" | "dev" => Box::new(chain_spec::development()?),
            path => Box::new(chain_spec::ChainSpec::from_json_file(path.into())?),
        })
    }
}

/// Runs the command line. With no arguments at all, runs a temporary dev chain.
pub fn run() -> sc_cli::Result<()> {
    let mut args: Vec<_> = std::env::args_os().collect();
    if args.len() == 1 {
        args.extend(["--dev".into(), "--tmp".into()]);
    }
    let cli = Cli::from_iter(args);

    match &cli.subcommand {
        Some(Subcommand::Key(cmd)) => cmd.run(&cli),
        Some(Subcommand::BuildSpec(cmd)) => {
            let runner = cli.create_runner(cmd)?;
            runner.sync_run(|config| cmd.run(config.chain_spec, config.network))
        }
        Some(Subcommand::PurgeChain(cmd)) => {
            let runner = cli.create_runner(cmd)?;
            runner.sync_run(|config| cmd.run(config.database))
        }
        Some(Subcommand::ExportState(cmd)) => {
            let runner = cli.create_runner(cmd)?;
            runner.async_run(|config| {
                let parts = service::new_partial(&config)?;
                Ok((cmd.run(parts.client, config.chain_spec), parts.task_manager))
            })
        }
        None => {
            let runner = cli.create_runner(&cli.run)?;
            let sealing = cli.sealing;
            runner.run_node_until_exit(|config| async move {
                use sc_network::config::NetworkBackendType;
                match config.network.network_backend {
                    NetworkBackendType::Libp2p => {
                        service::new_full::<sc_network::NetworkWorker<_, _>>(config, sealing)
                    }
                    NetworkBackendType::Litep2p => {
                        service::new_full::<sc_network::Litep2pNetworkBackend>(config, sealing)
                    }
                }
                .map_err(sc_cli::Error::Service)
            })
        }
    }
}
