//! Storing a submitted envelope: the sender must be allowed to write
//! ([`crate::access`]), a relay that charges postage takes its voucher
//! ([`crate::postage`]), and the store keeps it once ([`crate::store`]). A
//! retry of a stored message is answered with the original even when its
//! voucher no longer pays (or it has none): it stores nothing new.

use inkpost_sdk::envelope::Envelope;
use inkpost_sdk::voucher::SignedVoucher;

use crate::access::{AccessError, authorize_write};
use crate::directory::Directory;
use crate::postage::{Postage, Refusal};
use crate::store::{Insert, NewEnvelope, RequestNonce, Store, StoreError, StoredEnvelope};

/// What a submit did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Submitted {
    /// Stored now.
    Stored(StoredEnvelope),
    /// Stored before (same id, or same sender and client message id): the
    /// original.
    Retry(StoredEnvelope),
}

/// Why a submit was not stored.
#[derive(Debug, thiserror::Error)]
pub enum SubmitError {
    /// The sender may not write there now.
    #[error(transparent)]
    Access(#[from] AccessError),
    /// The relay charges postage and this submit does not pay it.
    #[error(transparent)]
    Postage(#[from] Refusal),
    /// The request that carried it was a replay (its nonce was used).
    #[error("this request's nonce was used before")]
    Replayed,
    /// The database failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Where a submit goes.
#[derive(Clone, Copy)]
pub struct Submit<'a> {
    /// The database.
    pub store: &'a Store,
    /// The chain state that authorizes it.
    pub view: &'a dyn Directory,
    /// The relay's postage terms, if it charges any.
    pub postage: Option<&'a Postage>,
}

impl Submit<'_> {
    /// Stores `envelope` (whose signature the caller has verified; `bytes`
    /// is its canonical encoding) received at `received_at_ms`, paying with
    /// `voucher` where postage is charged. The nonce of the request that
    /// carried it is recorded in the same commit: a replayed request stores
    /// nothing.
    pub async fn envelope(
        &self,
        envelope: &Envelope,
        bytes: Vec<u8>,
        voucher: Option<SignedVoucher>,
        nonce: RequestNonce,
        received_at_ms: u64,
    ) -> Result<Submitted, SubmitError> {
        authorize_write(self.view, envelope).await?;
        let header = &envelope.header;
        let mut new = NewEnvelope {
            id: envelope.id(),
            conversation: header.conversation,
            sender: header.sender,
            client_msg_id: header.client_msg_id,
            epoch: header.epoch.0,
            body: bytes,
            received_at_ms,
            postage: None,
        };
        if let Some(postage) = self.postage {
            match postage.charge(self.view, &header.sender, voucher).await {
                // The store answers a retry before it charges.
                Ok(charge) => new.postage = Some(charge),
                Err(refusal) => {
                    return match self.store.find_stored(&new).await? {
                        Some(stored) => Ok(Submitted::Retry(stored)),
                        None => Err(refusal.into()),
                    };
                }
            }
        }
        match self.store.insert_signed(new, nonce).await? {
            Insert::Stored(stored) => Ok(Submitted::Stored(stored)),
            Insert::Duplicate(stored) => Ok(Submitted::Retry(stored)),
            Insert::Unpaid(unpaid) => Err(Refusal::Unpaid(unpaid).into()),
            Insert::Replayed => Err(SubmitError::Replayed),
        }
    }
}
