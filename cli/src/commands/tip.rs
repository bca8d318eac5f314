//! `inkpost tip`: pay the sender of a message, on chain, bound to the
//! message's id.

use std::io::Write;

use inkpost_sdk::contracts::{Contract, escrow};
use serde_json::json;

use super::{emit, parse_message_id, parse_tokens, tokens};
use crate::context::Context;
use crate::directory::person_at;
use crate::error::CliError;

/// Options of `tip`.
#[derive(Debug, clap::Args)]
pub struct TipOpts {
    /// The message id (0x hex) whose sender gets the tip.
    pub message: String,
    /// How much, in tokens.
    #[arg(long, value_parser = parse_tokens)]
    pub amount: u128,
}

/// Runs `tip`.
pub async fn run(ctx: &Context, opts: TipOpts, out: &mut impl Write) -> Result<(), CliError> {
    let message = parse_message_id(&opts.message)?;
    if opts.amount == 0 {
        return Err(CliError::BadInput(
            "a tip needs an amount above zero".into(),
        ));
    }
    let deployment = ctx.deployment()?;
    // The sender as the relay stored it: the SDK checks that the envelope
    // is the one asked for (its bytes hash to the id) and that its sender
    // signed it, so a relay cannot redirect the tip.
    let (_, envelope) = ctx.relay().await?.envelope(&ctx.me()?, &message).await?;
    let to = envelope.header.sender.to_address();
    let handle = person_at(ctx, to)
        .await?
        .map_or_else(|| to.to_string(), |person| person.record.handle);
    ctx.call(
        Contract::Escrow,
        deployment.escrow,
        opts.amount,
        &escrow::tip(&to, &message),
    )
    .await?;
    let value = json!({"to": to, "message": message, "amount": opts.amount.to_string()});
    emit(ctx, out, &value, |out| {
        writeln!(out, "tipped {handle} {} for {message}", tokens(opts.amount))
    })
}
