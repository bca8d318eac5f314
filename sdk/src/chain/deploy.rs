//! Deploying the four Inkpost contracts from their release builds
//! (`contracts/artifacts/inkpost_<name>.polkavm`), as `inkpost deploy`, the
//! tests and the demo do.

use std::path::{Path, PathBuf};

use super::{Chain, ChainError, Finality, Sr25519Signer};
use crate::contracts::{Contract, anchors, escrow, groups, identity};
use crate::deployment::Deployment;

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

/// Why a deployment failed.
#[derive(Debug, thiserror::Error)]
pub enum DeployError {
    /// A contract's code cannot be read.
    #[error("{}: {source}; build the contracts first (scripts/build-contracts.sh) or pass --artifacts", path.display())]
    Artifact {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The chain refused or did not answer.
    #[error("deploying the {contract} contract: {source}")]
    Chain {
        /// The contract being deployed (or `identity` while mapping).
        contract: Contract,
        /// Why.
        source: ChainError,
    },
}

/// The code of `contract` in the artifacts directory `artifacts`.
pub fn code(artifacts: &Path, contract: Contract) -> Result<Vec<u8>, DeployError> {
    let path = artifacts.join(format!("inkpost_{}.polkavm", contract.name()));
    std::fs::read(&path).map_err(|source| DeployError::Artifact { path, source })
}

/// Maps `deployer`'s account and deploys all four contracts, each once
/// finalized (relays follow finalized blocks). `progress` hears each step.
pub async fn deploy(
    chain: &Chain,
    deployer: &Sr25519Signer,
    artifacts: &Path,
    params: DeployParams,
    progress: &dyn Fn(&str),
) -> Result<Deployment, DeployError> {
    let codes = Contract::ALL.map(|contract| code(artifacts, contract));
    let [identity_code, groups_code, anchors_code, escrow_code] = codes;
    let (identity_code, groups_code, anchors_code, escrow_code) =
        (identity_code?, groups_code?, anchors_code?, escrow_code?);
    progress("mapping the deployer's account (pallet-revive needs an H160 for it)");
    chain
        .map_account(deployer)
        .await
        .map_err(|source| DeployError::Chain {
            contract: Contract::Identity,
            source,
        })?;
    let unit = chain.native_to_eth_ratio();
    let instantiate = |contract: Contract, code: Vec<u8>, input: Vec<u8>| async move {
        progress(&format!(
            "deploying {contract} ({} bytes), waiting for finality",
            code.len()
        ));
        chain
            .instantiate(deployer, &code, &input, 0, params.salt, Finality::Finalized)
            .await
            .map(|deployed| deployed.address)
            .map_err(|source| DeployError::Chain { contract, source })
    };
    let identity = instantiate(
        Contract::Identity,
        identity_code,
        identity::new(params.deposit.saturating_mul(unit)),
    )
    .await?;
    let groups = instantiate(
        Contract::Groups,
        groups_code,
        groups::new(&identity, params.max_members),
    )
    .await?;
    let anchors = instantiate(Contract::Anchors, anchors_code, anchors::new()).await?;
    let escrow_new = escrow::new(&chain.genesis_hash(), unit, params.dispute_window);
    let escrow = instantiate(Contract::Escrow, escrow_code, escrow_new).await?;
    Ok(Deployment {
        identity,
        groups,
        anchors,
        escrow,
        deployer: deployer.identity().account_id(),
    })
}
