//! `inkpost`: the Inkpost command-line client.

use std::io::Write;
use std::process::ExitCode;

use clap::Parser;

mod commands;

/// End-to-end-encrypted chat whose trust lives on a Polkadot SDK chain.
#[derive(Debug, Parser)]
#[command(name = "inkpost", version, about)]
struct Cli {
    /// Print machine-readable JSON instead of text.
    #[arg(long, global = true)]
    json: bool,
    #[command(subcommand)]
    command: commands::Command,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let mut out = std::io::stdout().lock();
    match commands::run(cli.command, cli.json, &mut out) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            let _ = out.flush();
            eprintln!("error: {error:#}");
            ExitCode::from(error.exit_code())
        }
    }
}
