//! Subcommands: each group an enum of clap subcommands and a `run` that
//! writes human text or, with `--json`, one JSON value to any `Write`.

use std::io::Write;

use inkpost_sdk::ids::MessageId;
use serde::Serialize;

use crate::context::Context;
use crate::error::CliError;

pub mod deploy;
pub mod group;
pub mod id;
pub mod keys;
pub mod message;
pub mod pay;

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
    Tip(pay::TipOpts),
    /// Payment channels: open, pay, claim, close, finalize, refund, show.
    #[command(subcommand)]
    Channel(pay::ChannelCommand),
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
        Command::Tip(opts) => pay::tip(ctx, opts, out).await,
        Command::Channel(command) => pay::run(ctx, command, out).await,
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

/// Parses an amount of tokens (`1`, `0.25`; 12 decimals) into native units.
pub fn parse_tokens(text: &str) -> Result<u128, String> {
    let bad = || format!("{text:?} is not an amount of tokens (like 1 or 0.25)");
    let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
    if whole.is_empty() && fraction.is_empty()
        || fraction.len() > 12
        || !whole
            .bytes()
            .chain(fraction.bytes())
            .all(|b| b.is_ascii_digit())
    {
        return Err(bad());
    }
    let whole: u128 = if whole.is_empty() {
        0
    } else {
        whole.parse().map_err(|_| bad())?
    };
    let fraction: u128 = format!("{fraction:0<12}").parse().map_err(|_| bad())?;
    whole
        .checked_mul(crate::deploy::TOKEN)
        .and_then(|native| native.checked_add(fraction))
        .ok_or_else(bad)
}

/// Native units as tokens, for people (`1 token`, `1.5 tokens`).
pub fn tokens(native: u128) -> String {
    let (whole, fraction) = (native / crate::deploy::TOKEN, native % crate::deploy::TOKEN);
    if fraction == 0 {
        let unit = if whole == 1 { "token" } else { "tokens" };
        format!("{whole} {unit}")
    } else {
        let digits = format!("{fraction:012}");
        format!("{whole}.{} tokens", digits.trim_end_matches('0'))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_amounts_parse_exactly_and_print_back() {
        assert_eq!(parse_tokens("1"), Ok(1_000_000_000_000));
        assert_eq!(parse_tokens("0.25"), Ok(250_000_000_000));
        assert_eq!(parse_tokens(".5"), Ok(500_000_000_000));
        assert_eq!(parse_tokens("0.000000000001"), Ok(1));
        for bad in [
            "",
            ".",
            "1.0000000000001",
            "-1",
            "1e3",
            "0x10",
            "1.2.3",
            "999999999999999999999999999999",
        ] {
            assert!(parse_tokens(bad).is_err(), "{bad}");
        }
        assert_eq!(tokens(1_500_000_000_000), "1.5 tokens");
        assert_eq!(tokens(2_000_000_000_000), "2 tokens");
        assert_eq!(tokens(1_000_000_000_000), "1 token");
        assert_eq!(tokens(1), "0.000000000001 tokens");
    }
}
