//! [`ChainError`]: why the chain could not be reached or refused a call,
//! with the runtime's module errors named.

use crate::ids::Address;

/// Returned when the chain cannot be reached or refuses a call.
#[derive(Debug, thiserror::Error)]
pub enum ChainError {
    /// The node did not answer at all.
    #[error("cannot reach the node at {url}: {source}")]
    Connect {
        /// The URL tried.
        url: String,
        /// Why.
        #[source]
        source: Box<subxt::Error>,
    },
    /// The RPC connection failed or the node answered with an error.
    #[error("node request failed: {0}")]
    Rpc(#[from] Box<subxt::Error>),
    /// The runtime refused the call (for example `Revive::OutOfGas`).
    #[error("the chain refused the call: {0}")]
    Dispatch(String),
    /// The contract reverted; `data` is its SCALE-encoded return value
    /// (an ink! message's `Err`).
    #[error("the contract reverted ({} bytes of output)", data.len())]
    Reverted {
        /// The contract's output.
        data: Vec<u8>,
    },
    /// The contract was deployed at another address than computed.
    #[error("contract landed at {actual}, expected {expected}")]
    AddressMismatch {
        /// The computed address.
        expected: Address,
        /// The address the dry run reported.
        actual: Address,
    },
}

impl From<subxt::Error> for ChainError {
    fn from(error: subxt::Error) -> Self {
        match error {
            subxt::Error::Runtime(subxt::error::DispatchError::Module(module)) => {
                match module.details() {
                    Ok(details) => Self::Dispatch(format!(
                        "{}::{}",
                        details.pallet.name(),
                        details.variant.name
                    )),
                    Err(_) => Self::Dispatch(module.to_string()),
                }
            }
            subxt::Error::Runtime(other) => Self::Dispatch(other.to_string()),
            other => Self::Rpc(Box::new(other)),
        }
    }
}

/// Errors of subxt's RPC layer (the legacy RPC methods answer these).
impl From<subxt::ext::subxt_rpcs::Error> for ChainError {
    fn from(error: subxt::ext::subxt_rpcs::Error) -> Self {
        Self::Rpc(Box::new(error.into()))
    }
}

impl ChainError {
    /// Whether trying again later may succeed (the node was unreachable or
    /// the connection broke), as opposed to a refusal that will repeat.
    pub fn is_retryable(&self) -> bool {
        matches!(self, Self::Connect { .. } | Self::Rpc(_))
    }
}
