//! Postage bookkeeping: per escrow channel, the best voucher a relay holds,
//! how many stored messages it paid for, and how much was claimed on chain.
//! A charge happens inside the transaction that stores its envelope, under
//! the channel row's lock, so concurrent submits can never let one voucher
//! pay for more messages than it covers.

use inkpost_sdk::ids::{AccountId, Address, ChannelId};
use sqlx::any::AnyRow;
use sqlx::{AnyPool, Row};

use super::{Store, StoreError, to_i64};

/// The postage an envelope pays: a voucher the caller has verified against
/// the channel on chain, and the relay's price.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PostageCharge {
    /// The channel the voucher draws on.
    pub channel: ChannelId,
    /// The channel's payer (the envelope's sender).
    pub payer: AccountId,
    /// The channel's payee (the relay).
    pub payee: Address,
    /// The voucher's cumulative amount (native units).
    pub cumulative: u128,
    /// The payer's signature over the voucher.
    pub signature: [u8; 64],
    /// The price of one message (native units).
    pub price: u128,
}

/// What a channel has paid for at this relay.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PostageRecord {
    /// The channel.
    pub channel: ChannelId,
    /// Its payer.
    pub payer: AccountId,
    /// Its payee.
    pub payee: Address,
    /// Messages stored with postage from it.
    pub messages: u64,
    /// The highest voucher received (cumulative, native units).
    pub cumulative: u128,
    /// That voucher's signature.
    pub signature: [u8; 64],
    /// How much the chain says was claimed from the channel.
    pub claimed: u128,
}

/// Why a charge was refused: the best voucher held does not cover the
/// messages it would pay for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Unpaid {
    /// The channel.
    pub channel: ChannelId,
    /// The least cumulative amount that would have paid for it.
    pub required: u128,
}

impl Store {
    /// What `channel` has paid for, if it paid for anything.
    pub async fn postage(&self, channel: ChannelId) -> Result<Option<PostageRecord>, StoreError> {
        record(&self.pool, channel).await
    }

    /// Channels paying `payee` with vouchers not yet claimed in full.
    pub async fn unclaimed_postage(
        &self,
        payee: &Address,
    ) -> Result<Vec<PostageRecord>, StoreError> {
        unclaimed(&self.pool, payee).await
    }

    /// Records how much the chain says was claimed from `channel` and, once
    /// it is settled, when (it is not claimed from again).
    pub async fn set_postage_claimed(
        &self,
        channel: ChannelId,
        claimed: u128,
        settled_at_ms: Option<u64>,
    ) -> Result<(), StoreError> {
        set_claimed(&self.pool, channel, claimed, settled_at_ms).await
    }
}

const COLUMNS: &str = "channel, payer, payee, messages, cumulative, signature, claimed";

/// Charges one message to `charge.channel` in one statement: the row's
/// message count goes up and it keeps the better of its voucher and this
/// one. On `Err(Unpaid)` the caller rolls back. The upsert takes the row's
/// lock (PostgreSQL) or runs under the database's write lock (SQLite), so
/// counts are never read stale.
pub(super) async fn charge(
    connection: &mut sqlx::AnyConnection,
    charge: &PostageCharge,
) -> Result<Result<(), Unpaid>, StoreError> {
    let row = sqlx::query(
        "INSERT INTO postage (channel, payer, payee, messages, cumulative, signature, claimed) \
         VALUES ($1, $2, $3, 1, $4, $5, $6) \
         ON CONFLICT (channel) DO UPDATE SET messages = postage.messages + 1, \
           signature = CASE WHEN excluded.cumulative > postage.cumulative \
                            THEN excluded.signature ELSE postage.signature END, \
           cumulative = CASE WHEN excluded.cumulative > postage.cumulative \
                             THEN excluded.cumulative ELSE postage.cumulative END \
         RETURNING messages, cumulative",
    )
    .bind(to_i64(charge.channel.0)?)
    .bind(charge.payer.0.to_vec())
    .bind(charge.payee.0.to_vec())
    .bind(text(charge.cumulative))
    .bind(charge.signature.to_vec())
    .bind(text(0))
    .fetch_one(&mut *connection)
    .await?;
    let messages = row.try_get::<i64, _>(0)?.max(0) as u128;
    let best = amount(row.try_get(1)?)?;
    // More than a u128 can promise is never paid.
    let required = charge.price.checked_mul(messages);
    if required.is_none_or(|required| best < required) {
        return Ok(Err(Unpaid {
            channel: charge.channel,
            required: required.unwrap_or(u128::MAX),
        }));
    }
    Ok(Ok(()))
}

/// What `channel` has paid for, if anything.
async fn record(pool: &AnyPool, channel: ChannelId) -> Result<Option<PostageRecord>, StoreError> {
    let row = sqlx::query(&format!("SELECT {COLUMNS} FROM postage WHERE channel = $1"))
        .bind(to_i64(channel.0)?)
        .fetch_optional(pool)
        .await?;
    row.map(|row| from_row(&row)).transpose()
}

/// Channels paying `payee` whose best voucher is not claimed in full and
/// which are not settled.
async fn unclaimed(pool: &AnyPool, payee: &Address) -> Result<Vec<PostageRecord>, StoreError> {
    let rows = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM postage \
         WHERE payee = $1 AND cumulative <> claimed AND settled_at_ms IS NULL ORDER BY channel"
    ))
    .bind(payee.0.to_vec())
    .fetch_all(pool)
    .await?;
    rows.iter().map(from_row).collect()
}

/// Records what the chain says was claimed from `channel`, and whether the
/// channel is settled (then nothing more can be claimed).
async fn set_claimed(
    pool: &AnyPool,
    channel: ChannelId,
    claimed: u128,
    settled_at_ms: Option<u64>,
) -> Result<(), StoreError> {
    sqlx::query("UPDATE postage SET claimed = $1, settled_at_ms = $2 WHERE channel = $3")
        .bind(text(claimed))
        .bind(settled_at_ms.map(to_i64).transpose()?)
        .bind(to_i64(channel.0)?)
        .execute(pool)
        .await?;
    Ok(())
}

/// An amount as stored: 39 decimal digits, zero-padded (every u128 fits),
/// so that comparing the text compares the amounts.
fn text(amount: u128) -> String {
    format!("{amount:039}")
}

fn amount(text: String) -> Result<u128, StoreError> {
    text.parse()
        .map_err(|_| StoreError::Corrupt(format!("postage amount {text:?}")))
}

fn from_row(row: &AnyRow) -> Result<PostageRecord, StoreError> {
    let payee: Vec<u8> = row.try_get("payee")?;
    let signature: Vec<u8> = row.try_get("signature")?;
    Ok(PostageRecord {
        channel: ChannelId(row.try_get::<i64, _>("channel")? as u64),
        payer: AccountId(super::bytes32(row.try_get("payer")?)?),
        payee: Address(
            payee
                .try_into()
                .map_err(|_| StoreError::Corrupt("postage payee".into()))?,
        ),
        messages: row.try_get::<i64, _>("messages")?.max(0) as u64,
        cumulative: amount(row.try_get("cumulative")?)?,
        signature: signature
            .try_into()
            .map_err(|_| StoreError::Corrupt("postage signature".into()))?,
        claimed: amount(row.try_get("claimed")?)?,
    })
}
