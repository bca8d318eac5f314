//! Subcommands: each an options struct and a `run(opts, out)` that writes to
//! any `Write`, so tests drive them without a terminal.

use std::io::Write;

pub mod keys;

/// The subcommands.
#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Inspect keys.
    #[command(subcommand)]
    Keys(keys::KeysCommand),
}

/// A failed command: what went wrong, and how the exit code classifies it.
#[derive(Debug, thiserror::Error)]
pub enum CommandError {
    /// The user's input is wrong (exit code 2).
    #[error("{0}")]
    BadInput(String),
    /// Writing the output failed (exit code 1).
    #[error("cannot write output: {0}")]
    Output(#[from] std::io::Error),
}

impl CommandError {
    /// The process exit code: 2 for bad input, 1 otherwise.
    pub fn exit_code(&self) -> u8 {
        match self {
            Self::BadInput(_) => 2,
            Self::Output(_) => 1,
        }
    }
}

/// Runs a subcommand.
pub fn run(command: Command, json: bool, out: &mut impl Write) -> Result<(), CommandError> {
    match command {
        Command::Keys(command) => keys::run(command, json, out),
    }
}
