//! Subcommands: each group an enum of clap subcommands and a `run` that
//! writes human text or, with `--json`, one JSON value to any `Write`.

use std::io::Write;

use inkpost_sdk::ids::MessageId;
use serde::Serialize;

use crate::context::Context;
use crate::error::CliError;

pub mod channel;
pub mod deploy;
pub mod group;
pub mod id;
pub mod keys;
pub mod message;
pub mod tip;

/// The subcommands.
#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Create, import and show keys.
    #[command(subcommand)]
    Keys(keys::KeysCommand),
    /// Deploy the four contracts and write the deployment file.
    Deploy(deploy::DeployOpts),
    /// Your on-chain identity: register, show, rotate-key, release.
    #[command(subcommand)]
    Id(id::IdCommand),
    /// Groups: create, add, remove, role, leave, transfer, members.
    #[command(subcommand)]
    Group(group::GroupCommand),
    /// Encrypt, sign and send a message to a handle or a group.
    Send(message::SendOpts),
    /// Fetch, verify and decrypt a conversation.
    Read(message::ReadOpts),
    /// Check a message's inclusion proof against the root on chain.
    Verify(message::VerifyOpts),
    /// Tip the sender of a message.
    Tip(tip::TipOpts),
    /// Payment channels: open, pay, claim, close, finalize, refund, show.
    #[command(subcommand)]
    Channel(channel::ChannelCommand),
}

/// Runs a subcommand.
pub async fn run(ctx: &Context, command: Command, out: &mut impl Write) -> Result<(), CliError> {
    match command {
        Command::Keys(command) => keys::run(ctx, command, out),
        Command::Deploy(opts) => deploy::run(ctx, opts, out).await,
        Command::Id(command) => id::run(ctx, command, out).await,
        Command::Group(command) => group::run(ctx, command, out).await,
        Command::Send(opts) => message::send(ctx, opts, out).await,
        Command::Read(opts) => message::read(ctx, opts, out).await,
        Command::Verify(opts) => message::verify(ctx, opts, out).await,
        Command::Tip(opts) => tip::run(ctx, opts, out).await,
        Command::Channel(command) => channel::run(ctx, command, out).await,
    }
}

/// Writes `value` as one line of JSON with `--json`, else the human text.
pub fn emit(
    ctx: &Context,
    out: &mut dyn Write,
    value: &impl Serialize,
    human: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> Result<(), CliError> {
    if ctx.opts.json {
        let text =
            serde_json::to_string(value).map_err(|error| CliError::Failed(error.to_string()))?;
        writeln!(out, "{text}")?;
    } else {
        human(out)?;
    }
    Ok(())
}

/// Parses a message id (`0x` and 64 hex digits).
pub fn parse_message_id(text: &str) -> Result<MessageId, CliError> {
    text.parse().map_err(|_| {
        CliError::BadInput(format!(
            "{text:?} is not a message id (0x and 64 hex digits)"
        ))
    })
}

/// Serializes an amount as a decimal string (JSON numbers lose u128s).
pub fn decimal<S: serde::Serializer>(value: &u128, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.collect_str(value)
}

pub use inkpost_sdk::units::{parse_tokens, tokens};
