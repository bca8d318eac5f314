//! Deploys the four Inkpost contracts from their release builds
//! (`scripts/build-contracts.sh` writes them to `contracts/artifacts/`, or
//! `$INKPOST_ARTIFACTS`), the way a user's `inkpost deploy` will.

use std::path::PathBuf;

use inkpost_sdk::chain::{Chain, ChainError, Finality, Sr25519Signer};
use inkpost_sdk::contracts::{anchors, groups, identity, ink_input, u256};
use inkpost_sdk::ids::Address;

/// Native units per token on ink-node (12 decimals).
pub const TOKEN: u128 = 1_000_000_000_000;
/// Contract value units per native unit on ink-node (18 − 12 decimals).
pub const UNIT: u128 = 1_000_000;
/// The identity deposit the test deployments ask for, in native units.
pub const DEPOSIT: u128 = TOKEN;
/// The group member cap of the test deployments.
pub const MAX_MEMBERS: u32 = 64;
/// The escrow dispute window of the test deployments, in blocks.
pub const DISPUTE_WINDOW: u32 = 2;

/// Where the contracts' release builds are.
pub fn artifacts_dir() -> PathBuf {
    std::env::var_os("INKPOST_ARTIFACTS").map_or_else(
        || PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../contracts/artifacts"),
        PathBuf::from,
    )
}

/// The code of contract `name` (`identity`, `groups`, …). Panics with what
/// to run if it was not built.
pub fn code(name: &str) -> Vec<u8> {
    let path = artifacts_dir().join(format!("inkpost_{name}.polkavm"));
    std::fs::read(&path).unwrap_or_else(|error| {
        panic!(
            "{}: {error}; build the contracts first: scripts/build-contracts.sh",
            path.display()
        )
    })
}

/// The addresses of one deployment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Deployment {
    /// The identity contract.
    pub identity: Address,
    /// The groups contract.
    pub groups: Address,
    /// The anchors contract.
    pub anchors: Address,
    /// The escrow contract.
    pub escrow: Address,
}

impl Deployment {
    /// Maps `deployer`'s account and deploys all four contracts, each once
    /// finalized (relays follow finalized blocks).
    pub async fn deploy(chain: &Chain, deployer: &Sr25519Signer) -> Result<Self, ChainError> {
        chain.map_account(deployer).await?;
        let salt = [0x1a; 32];
        let deploy = |name: &'static str, input: Vec<u8>| async move {
            chain
                .instantiate(deployer, &code(name), &input, 0, salt, Finality::Finalized)
                .await
                .map(|deployed| deployed.address)
        };
        let identity = deploy("identity", identity::new(DEPOSIT * UNIT)).await?;
        let groups = deploy("groups", groups::new(&identity, MAX_MEMBERS)).await?;
        let anchors = deploy("anchors", anchors::new()).await?;
        let escrow_new = ink_input("new", (chain.genesis_hash(), u256(UNIT), DISPUTE_WINDOW));
        let escrow = deploy("escrow", escrow_new).await?;
        Ok(Self {
            identity,
            groups,
            anchors,
            escrow,
        })
    }
}
