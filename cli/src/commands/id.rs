//! `inkpost id`: register, show, rotate-key, release.

use std::io::Write;

use inkpost_sdk::contracts::{Contract, from_u256, identity};
use inkpost_sdk::ids::KeyVersion;
use serde_json::json;

use super::{emit, tokens};
use crate::context::Context;
use crate::directory::{Person, person, person_at};
use crate::error::CliError;

/// Identity subcommands.
#[derive(Debug, clap::Subcommand)]
pub enum IdCommand {
    /// Register HANDLE for your account with your version-1 encryption key,
    /// paying the contract's refundable deposit.
    Register {
        /// 3-32 characters: a lowercase letter, then lowercase letters,
        /// digits or '_'.
        handle: String,
    },
    /// Show who is registered under HANDLE (or yourself without one).
    Show {
        /// A handle; default: your own identity.
        handle: Option<String>,
    },
    /// Publish your next encryption key version; messages sent from now on
    /// use it, older ones still open with the old key.
    RotateKey,
    /// Release your handle and get the deposit back.
    Release,
    /// Show the refundable deposit a registration takes.
    ShowDeposit,
}

/// Runs an identity subcommand.
pub async fn run(ctx: &Context, command: IdCommand, out: &mut impl Write) -> Result<(), CliError> {
    let deployment = ctx.deployment()?;
    match command {
        IdCommand::Register { handle } => {
            let me = ctx.me()?;
            let deposit = deposit(ctx).await?;
            ctx.progress("mapping your account (once per account)");
            ctx.chain()
                .await?
                .map_account(&ctx.signer()?)
                .await
                .map_err(|error| crate::error::chain_error(error, Contract::Identity))?;
            let input =
                identity::register(&handle, &me.account_id(), &me.encryption_key(KeyVersion(1)));
            ctx.call(Contract::Identity, deployment.identity, deposit, &input)
                .await?;
            let value =
                json!({"handle": handle, "address": me.address(), "deposit": deposit.to_string()});
            emit(ctx, out, &value, |out| {
                writeln!(
                    out,
                    "registered {handle} for {} (deposit {}, refunded on release)",
                    me.address(),
                    tokens(deposit)
                )
            })
        }
        IdCommand::Show { handle } => {
            let found = match &handle {
                Some(handle) => person(ctx, handle).await?,
                None => {
                    let me = ctx.me()?;
                    person_at(ctx, me.address()).await?.ok_or_else(|| {
                        CliError::NotFound(format!(
                            "{} has no identity; register one: `inkpost id register <handle>`",
                            me.address()
                        ))
                    })?
                }
            };
            show(ctx, &found, out)
        }
        IdCommand::RotateKey => {
            let me = ctx.me()?;
            let current = person_at(ctx, me.address())
                .await?
                .ok_or_else(|| CliError::NotFound("you have no identity; register first".into()))?;
            let next = KeyVersion(current.record.key_version.saturating_add(1));
            let input = identity::rotate_key(&me.encryption_key(next));
            ctx.call(Contract::Identity, deployment.identity, 0, &input)
                .await?;
            let value = json!({"handle": current.record.handle, "key_version": next});
            emit(ctx, out, &value, |out| {
                writeln!(
                    out,
                    "{} now encrypts to key version {next}",
                    current.record.handle
                )
            })
        }
        IdCommand::ShowDeposit => {
            let deposit = deposit(ctx).await?;
            let value = json!({"deposit": deposit.to_string()});
            emit(ctx, out, &value, |out| {
                writeln!(
                    out,
                    "registering takes a deposit of {}, refunded on release",
                    tokens(deposit)
                )
            })
        }
        IdCommand::Release => {
            let me = ctx.me()?;
            ctx.call(
                Contract::Identity,
                deployment.identity,
                0,
                &identity::release(),
            )
            .await?;
            let value = json!({"released": me.address()});
            emit(ctx, out, &value, |out| {
                writeln!(
                    out,
                    "released your handle; the deposit is back in your account"
                )
            })
        }
    }
}

/// The registration deposit in native units (the contract keeps it in
/// contract value units).
async fn deposit(ctx: &Context) -> Result<u128, CliError> {
    let deployment = ctx.deployment()?;
    let deposit: [u8; 32] = ctx
        .query(
            Contract::Identity,
            deployment.identity,
            &identity::deposit(),
        )
        .await?;
    let unit = ctx.chain().await?.native_to_eth_ratio();
    from_u256(&deposit)
        .map(|deposit| deposit / unit)
        .ok_or_else(|| CliError::Failed("the deposit does not fit in u128".into()))
}

fn show(ctx: &Context, person: &Person, out: &mut impl Write) -> Result<(), CliError> {
    let record = &person.record;
    let (key, version) = record.key();
    let value = json!({
        "handle": record.handle,
        "address": person.address,
        "account_id": person.account(),
        "encryption_key": key,
        "key_version": version,
        "registered_at": record.registered_at,
    });
    emit(ctx, out, &value, |out| {
        writeln!(out, "handle          {}", record.handle)?;
        writeln!(out, "address         {}", person.address)?;
        writeln!(out, "account id      {}", person.account())?;
        writeln!(out, "encryption key  {key} (version {version})")?;
        writeln!(out, "registered in   block {}", record.registered_at)
    })
}
