//! The `inkpost` command-line client as a library: the binary is a thin
//! `main`, and tests drive [`run_args`] with the arguments a user types.
//!
//! Modules: [`context`] (options, keys, chain and relay access),
//! [`directory`] (people and groups on chain), [`conversation`] (resolve
//! once, then send, read and follow), [`verify`] (anchors), [`postage`]
//! (vouchers for a relay), [`keystore`], [`error`] (exit codes), and
//! [`commands`] (one thin module per subcommand group). The relay client
//! and contract deployment are the SDK's (`inkpost_sdk::relay`,
//! `inkpost_sdk::chain::deploy`).

use std::io::Write;

use clap::Parser;

pub mod commands;
pub mod context;
pub mod conversation;
pub mod directory;
pub mod error;
pub mod keystore;
pub mod pins;
pub mod postage;
pub mod sent;
pub mod state_file;
pub mod terminal;
pub mod verify;

pub use context::Context;
pub use error::CliError;

/// End-to-end-encrypted chat whose trust lives on a Polkadot SDK chain.
///
/// Exit codes: 0 success, 1 failure, 2 bad input, 3 not found,
/// 4 unauthorized, 5 node or relay unavailable, 6 refused by chain or relay,
/// 7 the relay answered falsely (nothing was paid or shown on its word).
#[derive(Debug, Parser)]
#[command(name = "inkpost", version, about, long_about)]
pub struct Cli {
    /// Options every subcommand takes.
    #[command(flatten)]
    pub global: context::GlobalOpts,
    /// What to do.
    #[command(subcommand)]
    pub command: commands::Command,
}

/// Runs a parsed command line, writing the answer to `out`.
pub async fn run(cli: Cli, out: &mut impl Write) -> Result<(), CliError> {
    let ctx = Context::new(cli.global);
    commands::run(&ctx, cli.command, out).await
}

/// Writes `error` for a person (`error: …`, made safe for a terminal) or,
/// with `json`, as one JSON object; returns the exit code.
pub fn report(error: &CliError, json: bool, err: &mut impl Write) -> u8 {
    let _ = if json {
        let value = serde_json::json!({"error": error.kind(), "message": error.to_string()});
        writeln!(err, "{value}")
    } else {
        writeln!(err, "error: {}", terminal::safe(&error.to_string()))
    };
    error.exit_code()
}

/// Parses `args` (the first is the program name) and runs them.
pub async fn run_args<I, T>(args: I, out: &mut impl Write) -> Result<(), CliError>
where
    I: IntoIterator<Item = T>,
    T: Into<std::ffi::OsString> + Clone,
{
    let cli = Cli::try_parse_from(args)
        .map_err(|error| CliError::BadInput(error.render().to_string()))?;
    run(cli, out).await
}
