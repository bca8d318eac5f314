//! `inkpost deploy`: the four contracts on a node, and the deployment file.

use std::io::Write;
use std::path::PathBuf;

use inkpost_sdk::chain::deploy::{DeployParams, deploy};
use inkpost_sdk::contracts::escrow;

use super::{emit, parse_tokens, tokens};
use crate::context::Context;
use crate::error::CliError;

/// Options of `deploy`.
#[derive(Debug, clap::Args)]
pub struct DeployOpts {
    /// Where the contracts' release builds are (scripts/build-contracts.sh).
    #[arg(long, env = "INKPOST_ARTIFACTS", default_value = "contracts/artifacts")]
    pub artifacts: PathBuf,
    /// The identity registration deposit, in tokens.
    #[arg(long, default_value = "1", value_parser = parse_tokens)]
    pub deposit: u128,
    /// The groups contract's member cap.
    #[arg(long, default_value_t = 64)]
    pub max_members: u32,
    /// The escrow dispute window, in blocks (at least 10: a payee needs the
    /// time to claim once a payer starts closing).
    #[arg(long, default_value_t = escrow::MIN_DISPUTE_WINDOW, value_parser = parse_dispute_window)]
    pub dispute_window: u32,
    /// A salt (any text) for a second deployment by the same account.
    #[arg(long, default_value = "inkpost")]
    pub salt: String,
    /// Replace an existing deployment file.
    #[arg(long)]
    pub force: bool,
}

/// Runs `deploy`.
pub async fn run(ctx: &Context, opts: DeployOpts, out: &mut impl Write) -> Result<(), CliError> {
    let path = &ctx.opts.deployment;
    if path.exists() && !opts.force {
        return Err(CliError::BadInput(format!(
            "{} exists already; pass --force to replace it or --deployment to write another file",
            path.display()
        )));
    }
    let signer = ctx.signer()?;
    let chain = ctx.chain().await?;
    let params = DeployParams {
        deposit: opts.deposit,
        max_members: opts.max_members,
        dispute_window: opts.dispute_window,
        salt: inkpost_sdk::hash::blake2_256(&[b"inkpost/deploy-salt", opts.salt.as_bytes()]),
    };
    let progress = |line: &str| ctx.progress(line);
    let deployment = deploy(chain, &signer, &opts.artifacts, params, &progress).await?;
    deployment
        .save(path)
        .map_err(|error| CliError::Failed(error.to_string()))?;
    emit(ctx, out, &deployment, |out| {
        writeln!(out, "identity  {}", deployment.identity)?;
        writeln!(out, "groups    {}", deployment.groups)?;
        writeln!(out, "anchors   {}", deployment.anchors)?;
        writeln!(out, "escrow    {}", deployment.escrow)?;
        writeln!(
            out,
            "deposit {}, at most {} members per group, dispute window {} blocks",
            tokens(opts.deposit),
            opts.max_members,
            opts.dispute_window
        )?;
        writeln!(out, "written to {}", path.display())
    })
}

/// A dispute window of at least [`escrow::MIN_DISPUTE_WINDOW`] blocks.
fn parse_dispute_window(text: &str) -> Result<u32, String> {
    let blocks: u32 = text
        .parse()
        .map_err(|_| format!("`{text}` is not a number of blocks"))?;
    if blocks < escrow::MIN_DISPUTE_WINDOW {
        return Err(format!(
            "{blocks} blocks is too short: the escrow refuses a dispute window below {} \
             (a payee must have time to claim once a payer starts closing)",
            escrow::MIN_DISPUTE_WINDOW
        ));
    }
    Ok(blocks)
}
