//! A transaction signer backed by an [`Identity`], so the CLI, the relay and
//! the tests sign extrinsics with the same keys that sign envelopes and
//! vouchers.

use subxt::config::PolkadotConfig;
use subxt::utils::{AccountId32, MultiSignature};

use crate::keys::Identity;
use crate::signature::SUBSTRATE_CONTEXT;

/// The subxt configuration of our dev node (revive-dev-runtime) and
/// Polkadot-style chains: its transaction extensions beyond Polkadot's
/// (`EthSetOrigin`, `WeightReclaim`) encode to nothing.
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

    fn sign(&self, signer_payload: &[u8]) -> MultiSignature {
        // subxt has already hashed payloads longer than 256 bytes.
        MultiSignature::Sr25519(self.identity.sign(SUBSTRATE_CONTEXT, signer_payload).0)
    }
}
