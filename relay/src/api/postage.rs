//! Postage, on a relay whose operator sets a price per message: a submit of
//! a new message carries a voucher (header `inkpost-postage`) of an escrow
//! channel that the sender pays and the relay is the payee of, and the
//! relay's best voucher of that channel must cover the price of every
//! message stored with it. Vouchers are checked off-chain against the
//! channel as of the last finalized block; the claimer redeems them later.

use axum::Json;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::http::HeaderMap;

use inkpost_sdk::ids::{AccountId, Address, ChannelId};
use inkpost_sdk::relay_api::{POSTAGE_HEADER, PostageAccount, PostageTerms, parse_postage_header};
use inkpost_sdk::voucher::SignedVoucher;

use super::auth::Signed;
use super::error::ApiError;
use super::state::AppState;
use crate::chain_view::ChainView;
use crate::store::{PostageCharge, Unpaid};

/// A relay's postage terms.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Postage {
    /// Native units per stored message.
    pub price: u128,
    /// The escrow contract whose channels pay.
    pub escrow: Address,
    /// The relay's account: the payee of those channels.
    pub payee: Address,
    /// The voucher domain: the chain's genesis hash.
    pub domain: [u8; 32],
}

/// A channel must stay claimable for at least this many blocks after the
/// last finalized one for its vouchers to be accepted, so that the claimer
/// (every `--postage-claim-interval-secs`) redeems them in time.
pub const MIN_BLOCKS_LEFT: u64 = 100;

impl Postage {
    /// The charge for one message by `sender`, from the voucher in
    /// `headers`, once it holds: the right domain, escrow and payee, a
    /// channel the sender pays that is open and not about to expire, an
    /// amount within its deposit, and the payer's signature.
    pub async fn charge(
        &self,
        view: &ChainView,
        sender: &AccountId,
        headers: &HeaderMap,
    ) -> Result<PostageCharge, ApiError> {
        let required = |why: String| {
            ApiError::PostageRequired(format!(
                "{why}; this relay charges {} native units per message through escrow {}, paid to {} \
                 (`inkpost send --postage CHANNEL`)",
                self.price, self.escrow, self.payee
            ))
        };
        let value = headers
            .get(POSTAGE_HEADER)
            .ok_or_else(|| required(format!("no `{POSTAGE_HEADER}` voucher")))?;
        let SignedVoucher { voucher, signature } = value
            .to_str()
            .ok()
            .and_then(parse_postage_header)
            .ok_or_else(|| {
                ApiError::BadRequest(format!(
                    "`{POSTAGE_HEADER}` must be base64 of a SCALE-encoded signed voucher"
                ))
            })?;
        if voucher.domain != self.domain {
            return Err(required("the voucher is for another chain".into()));
        }
        if voucher.contract != self.escrow {
            return Err(required(format!(
                "the voucher is for escrow {}",
                voucher.contract
            )));
        }
        let channel = view
            .channel(voucher.channel)
            .await?
            .ok_or_else(|| required(format!("there is no channel {}", voucher.channel.0)))?;
        if channel.payee != self.payee {
            return Err(required(format!(
                "channel {} pays {}, not this relay",
                voucher.channel.0, channel.payee
            )));
        }
        if channel.payer != sender.to_address() {
            return Err(required(format!(
                "channel {} is paid by {}, not by the sender",
                voucher.channel.0, channel.payer
            )));
        }
        if channel.closes_at.is_some() {
            return Err(required(format!(
                "channel {} is closing",
                voucher.channel.0
            )));
        }
        let finalized = view.applied_through();
        if u64::from(channel.expiry) < finalized.saturating_add(MIN_BLOCKS_LEFT) {
            return Err(required(format!(
                "channel {} expires at block {}, too soon (the chain is at {finalized})",
                voucher.channel.0, channel.expiry
            )));
        }
        if voucher.cumulative > channel.deposit {
            return Err(required(format!(
                "the voucher promises {} but channel {} holds {}",
                voucher.cumulative, voucher.channel.0, channel.deposit
            )));
        }
        let signed = SignedVoucher { voucher, signature };
        signed
            .verify(&AccountId(channel.payer_key))
            .map_err(|_| required("the voucher is not signed by the channel's payer key".into()))?;
        Ok(PostageCharge {
            channel: voucher.channel,
            payer: *sender,
            payee: self.payee,
            cumulative: voucher.cumulative,
            signature: signature.0,
            price: self.price,
        })
    }
}

impl From<Unpaid> for ApiError {
    fn from(unpaid: Unpaid) -> Self {
        Self::PostageRequired(format!(
            "channel {} has not paid enough: this message needs a voucher for at least {} in \
             total",
            unpaid.channel.0, unpaid.required
        ))
    }
}

fn terms(state: &AppState) -> Result<&Postage, ApiError> {
    state
        .postage
        .as_ref()
        .ok_or_else(|| ApiError::NotFound("this relay charges no postage".into()))
}

/// `GET /v1/postage`: the price and where to pay it.
pub async fn get_terms(State(state): State<AppState>) -> Result<Json<PostageTerms>, ApiError> {
    let postage = terms(&state)?;
    Ok(Json(PostageTerms {
        price: postage.price,
        escrow: postage.escrow,
        payee: postage.payee,
        domain: format!("0x{}", hex::encode(postage.domain)),
    }))
}

/// `GET /v1/postage/channels/{channel}`: what one of the caller's channels
/// has paid for here, and what the next message needs.
pub async fn get_account(
    State(state): State<AppState>,
    path: Result<Path<u64>, PathRejection>,
    signed: Signed,
) -> Result<Json<PostageAccount>, ApiError> {
    let postage = terms(&state)?;
    let Path(channel) = path.map_err(|error| ApiError::BadRequest(error.body_text()))?;
    let channel = ChannelId(channel);
    let (messages, cumulative, claimed) = match state.store.postage(channel).await? {
        Some(record) if record.payer != signed.account => {
            return Err(ApiError::Forbidden(format!(
                "channel {} is not yours",
                channel.0
            )));
        }
        Some(record) => (record.messages, record.cumulative, record.claimed),
        None => (0, 0, 0),
    };
    let next = postage
        .price
        .saturating_mul(u128::from(messages).saturating_add(1));
    Ok(Json(PostageAccount {
        channel,
        messages,
        cumulative,
        claimed,
        next_cumulative: next,
    }))
}
