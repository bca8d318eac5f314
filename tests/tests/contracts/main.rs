//! The contracts tried on a real chain, against the committed release
//! builds (the artifacts a dApp deploys), through the SDK's chain client:
//! what each contract does with real value and cross-contract calls, and
//! every attack on it refused with its error and moving nothing. ink_e2e
//! 6.0.0-beta.2 cannot run on pallet-revive 0.20.2 (see contracts/README.md),
//! so this is where the contracts' end-to-end tests live.
//!
//! Tests share one world (one node, one deployment) and keep out of each
//! other's way by calling as accounts of their own.

#![allow(clippy::unwrap_used)]

mod anchors;
mod escrow;
mod groups;
mod identity;

use inkpost_sdk::chain::{Chain, ChainError, Finality, Sr25519Signer};
use inkpost_sdk::contracts::{Contract, ContractError};
use inkpost_sdk::ids::{AccountId, Address};
use inkpost_tests::world::{World, identity};

/// Who asks the contracts' read-only queries.
pub fn anyone() -> AccountId {
    identity("//Alice").account_id()
}

/// A fresh funded account of this test, mapped and ready to call.
pub async fn account(world: &World, chain: &Chain, name: &str) -> Sr25519Signer {
    let signer = Sr25519Signer::new(world.funded(chain, name).await);
    chain.map_account(&signer).await.unwrap();
    signer
}

/// Sends `input` to `contract` as `signer`, which must be refused with an
/// error of `kind`'s contract; returns that error.
pub async fn refused(
    chain: &Chain,
    signer: &Sr25519Signer,
    kind: Contract,
    contract: Address,
    input: &[u8],
) -> ContractError {
    refused_paying(chain, signer, kind, contract, 0, input).await
}

/// `refused`, sending `value` (native units) with the call.
pub async fn refused_paying(
    chain: &Chain,
    signer: &Sr25519Signer,
    kind: Contract,
    contract: Address,
    value: u128,
    input: &[u8],
) -> ContractError {
    match chain
        .call(signer, contract, value, input, Finality::InBlock)
        .await
    {
        Err(ChainError::Reverted { data }) => kind
            .decode_revert(&data)
            .unwrap_or_else(|| panic!("undecodable revert {data:?}")),
        other => panic!("expected a revert, got {other:?}"),
    }
}
