//! Paying a relay's postage: a voucher of an escrow channel, signed for
//! the next message.

use inkpost_sdk::ids::ChannelId;
use inkpost_sdk::keys::Identity;
use inkpost_sdk::voucher::{SignedVoucher, Voucher};
use serde::Serialize;

use crate::context::Context;
use crate::error::CliError;

/// The postage a message paid.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct PostagePaid {
    /// The channel.
    pub channel: ChannelId,
    /// The voucher's cumulative total (native units).
    #[serde(serialize_with = "crate::commands::decimal")]
    pub cumulative: u128,
}

/// A voucher of `channel` that pays the relay for one more message: the
/// relay says what the channel has paid for; the domain and the escrow
/// contract come from the chain and the deployment, not from the relay.
pub async fn postage_voucher(
    ctx: &Context,
    me: &Identity,
    channel: ChannelId,
) -> Result<SignedVoucher, CliError> {
    let relay = ctx.relay();
    let terms = relay.postage_terms().await?.ok_or_else(|| {
        CliError::BadInput(format!(
            "the relay at {} charges no postage; send without --postage",
            relay.url()
        ))
    })?;
    let deployment = ctx.deployment()?;
    if terms.escrow != deployment.escrow {
        return Err(CliError::Refused(format!(
            "the relay takes postage through escrow {}, not this deployment's {}",
            terms.escrow, deployment.escrow
        )));
    }
    let account = relay.postage_account(me, channel).await?;
    Ok(Voucher {
        domain: ctx.chain().await?.genesis_hash(),
        contract: deployment.escrow,
        channel,
        cumulative: account.next_cumulative,
    }
    .sign(me))
}
