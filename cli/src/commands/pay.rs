//! `inkpost tip` and `inkpost channel`: value on chain through the escrow
//! contract. Amounts are in tokens (12 decimals on ink-node).

use std::io::Write;
use std::path::PathBuf;

use inkpost_sdk::contracts::{Channel, escrow};
use inkpost_sdk::ids::{Address, ChannelId};
use inkpost_sdk::voucher::{SignedVoucher, Voucher};
use serde_json::json;

use super::{emit, parse_message_id, parse_tokens, tokens};
use crate::chat::{person, person_at};
use crate::context::Context;
use crate::error::{CliError, Contract};

/// Options of `tip`.
#[derive(Debug, clap::Args)]
pub struct TipOpts {
    /// The message id (0x hex) whose sender gets the tip.
    pub message: String,
    /// How much, in tokens.
    #[arg(long, value_parser = parse_tokens)]
    pub amount: u128,
}

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

/// Runs `tip`.
pub async fn tip(ctx: &Context, opts: TipOpts, out: &mut impl Write) -> Result<(), CliError> {
    let message = parse_message_id(&opts.message)?;
    if opts.amount == 0 {
        return Err(CliError::BadInput(
            "a tip needs an amount above zero".into(),
        ));
    }
    let deployment = ctx.deployment()?;
    // The sender as the relay stored it, checked against the signature.
    let view = ctx.relay().envelope(&ctx.me()?, &message).await?;
    let envelope = view
        .envelope()
        .map_err(|error| CliError::Refused(format!("message {message} is invalid: {error}")))?;
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

/// Runs a channel subcommand.
pub async fn run(
    ctx: &Context,
    command: ChannelCommand,
    out: &mut impl Write,
) -> Result<(), CliError> {
    let deployment = ctx.deployment()?;
    let call = |value: u128, input: Vec<u8>| async move {
        ctx.call(Contract::Escrow, deployment.escrow, value, &input)
            .await
    };
    match command {
        ChannelCommand::Open {
            payee,
            deposit,
            blocks,
        } => {
            let payee = payee_address(ctx, &payee).await?;
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
            let outcome = call(deposit, escrow::open(&payee, &me.account_id(), expiry)).await?;
            let channel: u64 = Context::returned(&outcome)?;
            let value = json!({"channel": channel, "payee": payee, "deposit": deposit.to_string(), "expiry": expiry});
            emit(ctx, out, &value, |out| {
                writeln!(
                    out,
                    "opened channel {channel} to {payee} with {}, claimable until block {expiry}",
                    tokens(deposit)
                )
            })
        }
        ChannelCommand::Pay {
            channel,
            total,
            out: file,
        } => {
            let me = ctx.me()?;
            let state = channel_state(ctx, channel).await?;
            if state.payer != me.address() {
                return Err(CliError::Unauthorized(format!(
                    "channel {channel} is paid by {}, not by you",
                    state.payer
                )));
            }
            if total <= state.paid || total > state.deposit {
                return Err(CliError::BadInput(format!(
                    "the total must be above what was claimed ({}) and at most the deposit ({})",
                    tokens(state.paid),
                    tokens(state.deposit)
                )));
            }
            let voucher = Voucher {
                domain: ctx.chain().await?.genesis_hash(),
                contract: deployment.escrow,
                channel: ChannelId(channel),
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
                    "signed a voucher for {} in total on channel {channel}: {}",
                    tokens(total),
                    path.display()
                ),
                None => writeln!(out, "{text}"),
            })
        }
        ChannelCommand::Claim { voucher } => {
            let text = std::fs::read_to_string(&voucher).map_err(|error| {
                CliError::BadInput(format!("voucher file {}: {error}", voucher.display()))
            })?;
            let signed: SignedVoucher = serde_json::from_str(&text).map_err(|error| {
                CliError::BadInput(format!("{} is not a voucher: {error}", voucher.display()))
            })?;
            if signed.voucher.contract != deployment.escrow {
                return Err(CliError::BadInput(format!(
                    "the voucher is for escrow {}, this deployment's is {}",
                    signed.voucher.contract, deployment.escrow
                )));
            }
            let channel = signed.voucher.channel;
            let input = escrow::claim(channel, signed.voucher.cumulative, &signed.signature.0);
            let outcome = call(0, input).await?;
            let paid: u128 = Context::returned(&outcome)?;
            let value = json!({"channel": channel, "paid": paid.to_string()});
            emit(ctx, out, &value, |out| {
                writeln!(out, "claimed {} from channel {channel}", tokens(paid))
            })
        }
        ChannelCommand::Close { channel } => {
            let outcome = call(0, escrow::start_close(ChannelId(channel))).await?;
            let closes_at: u32 = Context::returned(&outcome)?;
            let value = json!({"channel": channel, "closes_at": closes_at});
            emit(ctx, out, &value, |out| {
                writeln!(
                    out,
                    "channel {channel} closes; the payee may claim until block {closes_at}, then `inkpost channel finalize {channel}`"
                )
            })
        }
        ChannelCommand::Finalize { channel } | ChannelCommand::Refund { channel } => {
            let input = if matches!(command, ChannelCommand::Finalize { .. }) {
                escrow::finalize(ChannelId(channel))
            } else {
                escrow::refund(ChannelId(channel))
            };
            let outcome = call(0, input).await?;
            let returned: u128 = Context::returned(&outcome)?;
            let value = json!({"channel": channel, "returned": returned.to_string()});
            emit(ctx, out, &value, |out| {
                writeln!(
                    out,
                    "channel {channel} settled; {} came back to you",
                    tokens(returned)
                )
            })
        }
        ChannelCommand::Show { channel } => {
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
    }
}

async fn channel_state(ctx: &Context, channel: u64) -> Result<Channel, CliError> {
    let deployment = ctx.deployment()?;
    let state: Option<Channel> = ctx
        .query(
            Contract::Escrow,
            deployment.escrow,
            &escrow::channel(ChannelId(channel)),
        )
        .await?;
    state.ok_or_else(|| CliError::NotFound(format!("there is no open channel {channel}")))
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
