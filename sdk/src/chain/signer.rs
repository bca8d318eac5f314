//! A transaction signer backed by an [`Identity`], so the CLI, the relay and
//! the tests sign extrinsics with the same keys that sign envelopes and
//! vouchers.

use subxt::config::PolkadotConfig;
use subxt::utils::{AccountId32, MultiAddress, MultiSignature};

use crate::keys::Identity;
use crate::signature::SUBSTRATE_CONTEXT;

/// The subxt configuration of ink-node (and Polkadot-style chains).
pub type ChainConfig = PolkadotConfig;

/// Signs extrinsics with an identity's sr25519 account key.
#[derive(Debug, Clone)]
pub struct Sr25519Signer {
    identity: Identity,
}

impl Sr25519Signer {
    /// A signer for `identity`.
    pub fn new(identity: Identity) -> Self {
        Self { identity }
    }

    /// The identity behind the signer.
    pub fn identity(&self) -> &Identity {
        &self.identity
    }
}

impl subxt::tx::Signer<ChainConfig> for Sr25519Signer {
    fn account_id(&self) -> AccountId32 {
        AccountId32(self.identity.account_id().0)
    }

    fn address(&self) -> MultiAddress<AccountId32, ()> {
        MultiAddress::Id(self.account_id())
    }

    fn sign(&self, signer_payload: &[u8]) -> MultiSignature {
        // subxt has already hashed payloads longer than 256 bytes.
        MultiSignature::Sr25519(self.identity.sign(SUBSTRATE_CONTEXT, signer_payload).0)
    }
}
