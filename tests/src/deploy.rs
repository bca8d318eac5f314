//! Deploys the four Inkpost contracts from their release builds
//! (`scripts/build-contracts.sh` writes them to `contracts/artifacts/`, or
//! `$INKPOST_ARTIFACTS`) through the CLI's library, as `inkpost deploy` does.

use std::path::PathBuf;

use inkpost_cli::CliError;
use inkpost_cli::deploy::DeployParams;
pub use inkpost_cli::deploy::{TOKEN, UNIT};
use inkpost_sdk::chain::{Chain, Sr25519Signer};
pub use inkpost_sdk::deployment::Deployment;

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

/// Maps `deployer`'s account and deploys all four contracts with the test
/// parameters, each once finalized.
pub async fn deploy(chain: &Chain, deployer: &Sr25519Signer) -> Result<Deployment, CliError> {
    let params = DeployParams {
        deposit: DEPOSIT,
        max_members: MAX_MEMBERS,
        dispute_window: DISPUTE_WINDOW,
        salt: [0x1a; 32],
    };
    inkpost_cli::deploy::deploy(chain, deployer, &artifacts_dir(), params, &|_| {}).await
}
