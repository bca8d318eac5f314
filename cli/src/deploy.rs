//! Deploying the four contracts from their release builds
//! (`scripts/build-contracts.sh` writes them to `contracts/artifacts/`).

use std::path::Path;

use inkpost_sdk::chain::{Chain, Finality, Sr25519Signer};
use inkpost_sdk::contracts::{anchors, escrow, groups, identity};
use inkpost_sdk::deployment::Deployment;

use crate::error::{CliError, Contract, chain_error};

/// Native units per token on ink-node (12 decimals).
pub const TOKEN: u128 = 1_000_000_000_000;
/// Contract value units per native unit on ink-node (18 − 12 decimals).
pub const UNIT: u128 = 1_000_000;

/// What a deployment is instantiated with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DeployParams {
    /// The identity registration deposit, in native units.
    pub deposit: u128,
    /// The groups contract's member cap.
    pub max_members: u32,
    /// The escrow dispute window, in blocks.
    pub dispute_window: u32,
    /// The CREATE2 salt: the same deployer, code and salt give the same
    /// addresses, so a second deployment needs another salt.
    pub salt: [u8; 32],
}

/// The code of contract `name` (`identity`, `groups`, …) from `artifacts`.
pub fn code(artifacts: &Path, name: &str) -> Result<Vec<u8>, CliError> {
    let path = artifacts.join(format!("inkpost_{name}.polkavm"));
    std::fs::read(&path).map_err(|error| {
        CliError::BadInput(format!(
            "{}: {error}; build the contracts first (scripts/build-contracts.sh) or pass --artifacts",
            path.display()
        ))
    })
}

/// Maps `deployer`'s account and deploys all four contracts, each once
/// finalized (relays follow finalized blocks). `progress` hears each step.
pub async fn deploy(
    chain: &Chain,
    deployer: &Sr25519Signer,
    artifacts: &Path,
    params: DeployParams,
    progress: &dyn Fn(&str),
) -> Result<Deployment, CliError> {
    let codes = ["identity", "groups", "anchors", "escrow"]
        .map(|name| code(artifacts, name).map(|code| (name, code)));
    let [identity_code, groups_code, anchors_code, escrow_code] = codes;
    let (identity_code, groups_code, anchors_code, escrow_code) =
        (identity_code?, groups_code?, anchors_code?, escrow_code?);
    progress("mapping the deployer's account (pallet-revive needs an H160 for it)");
    chain
        .map_account(deployer)
        .await
        .map_err(|error| chain_error(error, Contract::Identity))?;
    let instantiate = |(name, code): (&'static str, Vec<u8>), input: Vec<u8>, contract| async move {
        progress(&format!(
            "deploying {name} ({} bytes), waiting for finality",
            code.len()
        ));
        chain
            .instantiate(deployer, &code, &input, 0, params.salt, Finality::Finalized)
            .await
            .map(|deployed| deployed.address)
            .map_err(|error| chain_error(error, contract))
    };
    let identity = instantiate(
        identity_code,
        identity::new(params.deposit * UNIT),
        Contract::Identity,
    )
    .await?;
    let groups = instantiate(
        groups_code,
        groups::new(&identity, params.max_members),
        Contract::Groups,
    )
    .await?;
    let anchors = instantiate(anchors_code, anchors::new(), Contract::Anchors).await?;
    let escrow_new = escrow::new(&chain.genesis_hash(), UNIT, params.dispute_window);
    let escrow = instantiate(escrow_code, escrow_new, Contract::Escrow).await?;
    Ok(Deployment {
        identity,
        groups,
        anchors,
        escrow,
        deployer: deployer.identity().account_id(),
    })
}
