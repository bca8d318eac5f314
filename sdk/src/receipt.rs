//! Relay receipts: the relay's signed statement that it durably stored a
//! message as number `seq` of a conversation. A client that holds a receipt
//! can prove the relay acknowledged the message, for example if it is later
//! missing from the relay's listing or from its anchored batches.
//!
//! ```text
//! signed bytes = SCALE("inkpost/receipt/v1", message id, conversation, seq,
//!                      received_at_ms), signing context "inkpost/receipt/v1"
//! ```

use parity_scale_codec::Encode;
use serde::{Deserialize, Serialize};

use crate::ids::{AccountId, ConversationId, MessageId};
use crate::keys::Identity;
use crate::signature::{Signature, SignatureError};

/// Signing context (and tag) of receipts.
pub const RECEIPT_CONTEXT: &[u8] = b"inkpost/receipt/v1";

/// A relay's acknowledgement of a stored message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Receipt {
    /// The stored message.
    pub message_id: MessageId,
    /// Its conversation.
    pub conversation: ConversationId,
    /// Its sequence number in the conversation (from 1).
    pub seq: u64,
    /// When the relay received it (milliseconds since the Unix epoch).
    pub received_at_ms: u64,
    /// The relay's account.
    pub relay: AccountId,
    /// The relay's signature.
    pub signature: Signature,
}

fn signed_bytes(
    message_id: &MessageId,
    conversation: &ConversationId,
    seq: u64,
    at: u64,
) -> Vec<u8> {
    (RECEIPT_CONTEXT, message_id, conversation, seq, at).encode()
}

impl Receipt {
    /// Issues a receipt as `relay`.
    pub fn issue(
        relay: &Identity,
        message_id: MessageId,
        conversation: ConversationId,
        seq: u64,
        received_at_ms: u64,
    ) -> Self {
        let bytes = signed_bytes(&message_id, &conversation, seq, received_at_ms);
        Self {
            message_id,
            conversation,
            seq,
            received_at_ms,
            relay: relay.account_id(),
            signature: relay.sign(RECEIPT_CONTEXT, &bytes),
        }
    }

    /// Checks that `self.relay` signed this receipt.
    pub fn verify(&self) -> Result<(), SignatureError> {
        let bytes = signed_bytes(
            &self.message_id,
            &self.conversation,
            self.seq,
            self.received_at_ms,
        );
        self.signature.verify(RECEIPT_CONTEXT, &bytes, &self.relay)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::GroupId;

    #[test]
    fn receipts_verify_and_bind_every_field() {
        let relay = Identity::from_suri("//Ferdie").unwrap();
        let receipt = Receipt::issue(
            &relay,
            MessageId([1; 32]),
            ConversationId::Group(GroupId(2)),
            3,
            4,
        );
        receipt.verify().unwrap();
        let json = serde_json::to_string(&receipt).unwrap();
        assert_eq!(serde_json::from_str::<Receipt>(&json).unwrap(), receipt);
        for forged in [
            Receipt {
                message_id: MessageId([9; 32]),
                ..receipt
            },
            Receipt {
                conversation: ConversationId::Group(GroupId(3)),
                ..receipt
            },
            Receipt { seq: 4, ..receipt },
            Receipt {
                received_at_ms: 5,
                ..receipt
            },
            Receipt {
                relay: Identity::from_suri("//Eve").unwrap().account_id(),
                ..receipt
            },
        ] {
            assert!(forged.verify().is_err(), "{forged:?}");
        }
    }
}
