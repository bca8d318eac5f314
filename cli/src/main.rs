//! `inkpost`: the Inkpost command-line client (see the library for the
//! commands).

use std::io::Write;
use std::process::ExitCode;

use clap::Parser;
use inkpost_cli::{Cli, run};

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    let json = cli.global.json;
    let mut out = std::io::stdout().lock();
    match run(cli, &mut out).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            let _ = out.flush();
            if json {
                let value =
                    serde_json::json!({"error": error.kind(), "message": error.to_string()});
                eprintln!("{value}");
            } else {
                eprintln!("error: {error}");
            }
            ExitCode::from(error.exit_code())
        }
    }
}
