//! `inkpost channel`: unidirectional payment channels through the escrow
//! contract. Amounts are in tokens.

use std::io::Write;
use std::path::PathBuf;

use inkpost_sdk::contracts::{Contract, escrow};
use inkpost_sdk::ids::{Address, ChannelId};
use inkpost_sdk::voucher::{SignedVoucher, Voucher};
use serde_json::json;

use super::{emit, parse_tokens, tokens};
use crate::context::Context;
use crate::directory::person;
use crate::error::CliError;
use crate::postage::{Ledger, channel_state};

/// Channel subcommands.
#[derive(Debug, clap::Subcommand)]
pub enum ChannelCommand {
    /// Open a channel to a payee (a handle or a 0x address) with a deposit.
    Open {
        /// The payee: a handle or an H160 address (a relay's).
        payee: String,
        /// The deposit, in tokens.
        #[arg(long, value_parser = parse_tokens)]
        deposit: u128,
        /// How many blocks from now the payee may claim.
        #[arg(long, default_value_t = 1000)]
        blocks: u32,
    },
    /// Sign a voucher that raises what CHANNEL pays to a cumulative total;
    /// give it to the payee (it is printed as JSON, or written to --out).
    Pay {
        /// The channel id.
        channel: u64,
        /// The new cumulative total, in tokens (never lower than before).
        #[arg(long, value_parser = parse_tokens)]
        total: u128,
        /// Write the voucher to this file.
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// As the payee, claim what a voucher (a JSON file) adds.
    Claim {
        /// The voucher file `channel pay` wrote.
        voucher: PathBuf,
    },
    /// As the payer, start closing CHANNEL (the payee may still claim
    /// during the dispute window).
    Close {
        /// The channel id.
        channel: u64,
    },
    /// As the payer, after the dispute window, take back what is unpaid.
    Finalize {
        /// The channel id.
        channel: u64,
    },
    /// As the payer, after expiry, take back what is unpaid.
    Refund {
        /// The channel id.
        channel: u64,
    },
    /// Show CHANNEL.
    Show {
        /// The channel id.
        channel: u64,
    },
}

/// Runs a channel subcommand.
pub async fn run(
    ctx: &Context,
    command: ChannelCommand,
    out: &mut impl Write,
) -> Result<(), CliError> {
    match command {
        ChannelCommand::Open {
            payee,
            deposit,
            blocks,
        } => open(ctx, &payee, deposit, blocks, out).await,
        ChannelCommand::Pay {
            channel,
            total,
            out: file,
        } => pay(ctx, ChannelId(channel), total, file, out).await,
        ChannelCommand::Claim { voucher } => claim(ctx, &voucher, out).await,
        ChannelCommand::Close { channel } => close(ctx, ChannelId(channel), out).await,
        ChannelCommand::Finalize { channel } => {
            let input = escrow::finalize(ChannelId(channel));
            settle(ctx, ChannelId(channel), input, out).await
        }
        ChannelCommand::Refund { channel } => {
            let input = escrow::refund(ChannelId(channel));
            settle(ctx, ChannelId(channel), input, out).await
        }
        ChannelCommand::Show { channel } => show(ctx, ChannelId(channel), out).await,
    }
}

/// Calls the escrow contract as the caller.
async fn call(
    ctx: &Context,
    value: u128,
    input: &[u8],
) -> Result<inkpost_sdk::chain::CallOutcome, CliError> {
    let escrow = ctx.deployment()?.escrow;
    ctx.call(Contract::Escrow, escrow, value, input).await
}

async fn open(
    ctx: &Context,
    payee: &str,
    deposit: u128,
    blocks: u32,
    out: &mut impl Write,
) -> Result<(), CliError> {
    let payee = payee_address(ctx, payee).await?;
    let me = ctx.me()?;
    let now = ctx
        .chain()
        .await?
        .best_number()
        .await
        .map_err(|error| crate::error::chain_error(error, Contract::Escrow))?;
    let expiry = u32::try_from(now)
        .ok()
        .and_then(|now| now.checked_add(blocks))
        .ok_or_else(|| CliError::BadInput("--blocks is too large".into()))?;
    let outcome = call(
        ctx,
        deposit,
        &escrow::open(&payee, &me.account_id(), expiry),
    )
    .await?;
    let opened: escrow::ChannelOpened = Context::event(&outcome, ctx.deployment()?.escrow)?;
    let channel = opened.channel;
    let value = json!({"channel": channel, "payee": payee, "deposit": deposit.to_string(), "expiry": expiry});
    emit(ctx, out, &value, |out| {
        writeln!(
            out,
            "opened channel {channel} to {payee} with {}, claimable until block {expiry}",
            tokens(deposit)
        )
    })
}

async fn pay(
    ctx: &Context,
    channel: ChannelId,
    total: u128,
    file: Option<PathBuf>,
    out: &mut impl Write,
) -> Result<(), CliError> {
    let me = ctx.me()?;
    let state = channel_state(ctx, channel).await?;
    if state.payer != me.address() {
        return Err(CliError::Unauthorized(format!(
            "channel {} is paid by {}, not by you",
            channel.0, state.payer
        )));
    }
    if total <= state.paid || total > state.deposit {
        return Err(CliError::BadInput(format!(
            "the total must be above what was claimed ({}) and at most the deposit ({})",
            tokens(state.paid),
            tokens(state.deposit)
        )));
    }
    let domain = ctx.chain().await?.genesis_hash();
    let escrow = ctx.deployment()?.escrow;
    // Sends through a relay's postage count from here on.
    Ledger::new(ctx.home(), &domain, &escrow, channel).record(total)?;
    let voucher = Voucher {
        domain,
        contract: escrow,
        channel,
        cumulative: total,
    }
    .sign(&me);
    let text = serde_json::to_string_pretty(&voucher)
        .map_err(|error| CliError::Failed(error.to_string()))?;
    if let Some(path) = &file {
        std::fs::write(path, &text)
            .map_err(|error| CliError::Failed(format!("{}: {error}", path.display())))?;
    }
    emit(ctx, out, &voucher, |out| match &file {
        Some(path) => writeln!(
            out,
            "signed a voucher for {} in total on channel {}: {}",
            tokens(total),
            channel.0,
            path.display()
        ),
        None => writeln!(out, "{text}"),
    })
}

async fn claim(
    ctx: &Context,
    voucher: &std::path::Path,
    out: &mut impl Write,
) -> Result<(), CliError> {
    let text = std::fs::read_to_string(voucher).map_err(|error| {
        CliError::BadInput(format!("voucher file {}: {error}", voucher.display()))
    })?;
    let signed: SignedVoucher = serde_json::from_str(&text).map_err(|error| {
        CliError::BadInput(format!("{} is not a voucher: {error}", voucher.display()))
    })?;
    let escrow = ctx.deployment()?.escrow;
    if signed.voucher.contract != escrow {
        return Err(CliError::BadInput(format!(
            "the voucher is for escrow {}, this deployment's is {escrow}",
            signed.voucher.contract
        )));
    }
    let channel = signed.voucher.channel;
    let input = escrow::claim(channel, signed.voucher.cumulative, &signed.signature.0);
    let outcome = call(ctx, 0, &input).await?;
    let claim: escrow::Claimed = Context::event(&outcome, escrow)?;
    let paid = claim.amount;
    let value = json!({"channel": channel, "paid": paid.to_string()});
    emit(ctx, out, &value, |out| {
        writeln!(out, "claimed {} from channel {channel}", tokens(paid))
    })
}

async fn close(ctx: &Context, channel: ChannelId, out: &mut impl Write) -> Result<(), CliError> {
    let outcome = call(ctx, 0, &escrow::start_close(channel)).await?;
    let closing: escrow::CloseStarted = Context::event(&outcome, ctx.deployment()?.escrow)?;
    let closes_at = closing.closes_at;
    let value = json!({"channel": channel, "closes_at": closes_at});
    emit(ctx, out, &value, |out| {
        writeln!(
            out,
            "channel {channel} closes; the payee may claim until block {closes_at}, then `inkpost channel finalize {channel}`"
        )
    })
}

/// `finalize` or `refund`: the payer takes back what is unpaid.
async fn settle(
    ctx: &Context,
    channel: ChannelId,
    input: Vec<u8>,
    out: &mut impl Write,
) -> Result<(), CliError> {
    let outcome = call(ctx, 0, &input).await?;
    let settled: escrow::Settled = Context::event(&outcome, ctx.deployment()?.escrow)?;
    let returned = settled.refund;
    let value = json!({"channel": channel, "returned": returned.to_string()});
    emit(ctx, out, &value, |out| {
        writeln!(
            out,
            "channel {channel} settled; {} came back to you",
            tokens(returned)
        )
    })
}

async fn show(ctx: &Context, channel: ChannelId, out: &mut impl Write) -> Result<(), CliError> {
    let state = channel_state(ctx, channel).await?;
    let value = json!({
        "channel": channel,
        "payer": state.payer,
        "payee": state.payee,
        "deposit": state.deposit.to_string(),
        "paid": state.paid.to_string(),
        "expiry": state.expiry,
        "closes_at": state.closes_at,
    });
    emit(ctx, out, &value, |out| {
        writeln!(out, "channel {channel}: {} → {}", state.payer, state.payee)?;
        writeln!(
            out,
            "  deposit {}, paid {}, expires after block {}",
            tokens(state.deposit),
            tokens(state.paid),
            state.expiry
        )?;
        if let Some(closes_at) = state.closes_at {
            writeln!(out, "  closing: final from block {closes_at}")?;
        }
        Ok(())
    })
}

async fn payee_address(ctx: &Context, payee: &str) -> Result<Address, CliError> {
    if payee.starts_with("0x") {
        return payee.parse().map_err(|_| {
            CliError::BadInput(format!(
                "{payee:?} is not an address (0x and 40 hex digits)"
            ))
        });
    }
    Ok(person(ctx, payee).await?.address)
}
