//! The deployment file: where one deployment of the four contracts lives.
//! `inkpost deploy` writes it; the CLI and the relay (`--deployment`) read
//! it, so nobody copies addresses by hand.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::ids::{AccountId, Address};

/// One deployment of the Inkpost contracts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Deployment {
    /// The identity contract.
    pub identity: Address,
    /// The groups contract.
    pub groups: Address,
    /// The anchors contract.
    pub anchors: Address,
    /// The escrow contract.
    pub escrow: Address,
    /// Who deployed them: a mapped account, which clients use as the
    /// origin of read-only queries (pallet-revive refuses dry runs from
    /// accounts that are not mapped yet).
    pub deployer: AccountId,
}

/// Why a deployment file cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum DeploymentError {
    /// The file cannot be read or written.
    #[error("deployment file {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The file is not a deployment.
    #[error("deployment file {path} is not a deployment: {reason}")]
    Invalid {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
}

impl Deployment {
    /// Reads a deployment file.
    pub fn load(path: &Path) -> Result<Self, DeploymentError> {
        let text = std::fs::read_to_string(path).map_err(|source| DeploymentError::Io {
            path: path.to_owned(),
            source,
        })?;
        serde_json::from_str(&text).map_err(|error| DeploymentError::Invalid {
            path: path.to_owned(),
            reason: error.to_string(),
        })
    }

    /// Writes the deployment file (pretty JSON), replacing it atomically.
    pub fn save(&self, path: &Path) -> Result<(), DeploymentError> {
        let io = |source| DeploymentError::Io {
            path: path.to_owned(),
            source,
        };
        let mut text =
            serde_json::to_string_pretty(self).map_err(|error| DeploymentError::Invalid {
                path: path.to_owned(),
                reason: error.to_string(),
            })?;
        text.push('\n');
        let partial = path.with_extension("partial");
        std::fs::write(&partial, text).map_err(io)?;
        std::fs::rename(&partial, path).map_err(io)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_deployment_round_trips_through_its_file_and_garbage_is_refused() {
        let dir = std::env::temp_dir().join(format!("inkpost-deployment-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("deployment.json");
        let deployment = Deployment {
            identity: Address([1; 20]),
            groups: Address([2; 20]),
            anchors: Address([3; 20]),
            escrow: Address([4; 20]),
            deployer: AccountId([5; 32]),
        };
        deployment.save(&path).unwrap();
        assert_eq!(Deployment::load(&path).unwrap(), deployment);

        std::fs::write(&path, "{\"identity\": \"0x01\"}").unwrap();
        assert!(matches!(
            Deployment::load(&path),
            Err(DeploymentError::Invalid { .. })
        ));
        assert!(matches!(
            Deployment::load(&dir.join("missing.json")),
            Err(DeploymentError::Io { .. })
        ));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
