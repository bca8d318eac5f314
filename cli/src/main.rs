//! `inkpost`: the Inkpost command-line client (see the library for the
//! commands).

use std::io::Write;
use std::process::ExitCode;

use clap::Parser;
use inkpost_cli::{Cli, report, run};

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    let json = cli.global.json;
    let mut out = std::io::stdout().lock();
    match run(cli, &mut out).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            let _ = out.flush();
            ExitCode::from(report(&error, json, &mut std::io::stderr()))
        }
    }
}
