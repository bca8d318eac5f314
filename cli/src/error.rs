//! One error type for every command: what happened, what to do next, and an
//! exit code that tells scripts which kind of failure it was.

use inkpost_sdk::chain::ChainError;
use inkpost_sdk::chain::deploy::DeployError;
use inkpost_sdk::contracts::{
    AnchorsError, Contract, ContractError, EscrowError, GroupsError, IdentityError,
};
use inkpost_sdk::relay::RelayError;

/// A failed command. The message is one line for a person; the variant is
/// the class a script sees as the exit code.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// The input is wrong: a malformed argument, an unknown key (exit 2).
    #[error("{0}")]
    BadInput(String),
    /// Something named does not exist: a handle, group, message (exit 3).
    #[error("{0}")]
    NotFound(String),
    /// The caller may not do this: not a member, not the owner (exit 4).
    #[error("{0}")]
    Unauthorized(String),
    /// The node or the relay cannot be reached or is not ready (exit 5).
    #[error("{0}")]
    Unavailable(String),
    /// The chain or relay refused for another reason (exit 6).
    #[error("{0}")]
    Refused(String),
    /// The relay (or something between it and us) answered falsely: a
    /// swapped message, an inflated bill, a forged receipt (exit 7).
    #[error("{0}")]
    Untrusted(String),
    /// Anything else, including failing to write the output (exit 1).
    #[error("{0}")]
    Failed(String),
}

impl CliError {
    /// The process exit code of this class of failure.
    pub fn exit_code(&self) -> u8 {
        match self {
            Self::Failed(_) => 1,
            Self::BadInput(_) => 2,
            Self::NotFound(_) => 3,
            Self::Unauthorized(_) => 4,
            Self::Unavailable(_) => 5,
            Self::Refused(_) => 6,
            Self::Untrusted(_) => 7,
        }
    }

    /// The stable name of the class, for `--json` error output.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Failed(_) => "failed",
            Self::BadInput(_) => "bad_input",
            Self::NotFound(_) => "not_found",
            Self::Unauthorized(_) => "unauthorized",
            Self::Unavailable(_) => "unavailable",
            Self::Refused(_) => "refused",
            Self::Untrusted(_) => "untrusted",
        }
    }
}

impl From<std::io::Error> for CliError {
    fn from(error: std::io::Error) -> Self {
        Self::Failed(format!("cannot write output: {error}"))
    }
}

impl From<RelayError> for CliError {
    fn from(error: RelayError) -> Self {
        match &error {
            RelayError::Unreachable { .. } => Self::Unavailable(error.to_string()),
            RelayError::Answer { code, .. } => match code.as_str() {
                "bad_request" | "too_large" => Self::BadInput(error.to_string()),
                "not_found" => Self::NotFound(error.to_string()),
                "unauthenticated" | "forbidden" | "stale_epoch" => {
                    Self::Unauthorized(error.to_string())
                }
                "rate_limited" | "unavailable" => Self::Unavailable(error.to_string()),
                _ => Self::Refused(error.to_string()),
            },
            RelayError::Malformed { .. } => Self::Failed(error.to_string()),
            RelayError::Dishonest { .. } => Self::Untrusted(error.to_string()),
        }
    }
}

/// How a contract's refusal counts for a script (the exit code).
#[derive(Debug, Clone, Copy)]
enum Class {
    Input,
    Missing,
    Denied,
    Refused,
}

/// The class of a contract's error and what to do about it. Exhaustive: a
/// variant added to a contract (and to the SDK's mirror, which a test ties
/// to the contract's metadata) does not compile until it has a hint.
fn classify(error: &ContractError) -> (Class, &'static str) {
    use Class::*;
    match error {
        ContractError::Identity(error) => match error {
            IdentityError::WrongDeposit { .. } => (
                Refused,
                "send exactly the deposit (`inkpost id show-deposit`)",
            ),
            IdentityError::InvalidHandle => (
                Input,
                "use 3-32 characters: a lowercase letter, then lowercase letters, digits or '_'",
            ),
            IdentityError::HandleTaken => (Refused, "choose another handle"),
            IdentityError::AlreadyRegistered => (Refused, "release the current handle first"),
            IdentityError::NotRegistered => {
                (Missing, "register first: `inkpost id register <handle>`")
            }
            IdentityError::AccountMismatch => (Input, "register with the key that signs"),
            IdentityError::InvalidEncryptionKey => (Input, "the encryption key is unusable"),
            IdentityError::SameKey => (Refused, "that key is already current"),
            IdentityError::Overflow => (Refused, "the key version cannot grow further"),
            IdentityError::TransferFailed => (Refused, "the deposit refund failed; try again"),
        },
        ContractError::Groups(error) => match error {
            GroupsError::NoSuchGroup => (Missing, "check the group id"),
            GroupsError::NotAuthorized => (Denied, "only the owner or an admin may do this"),
            GroupsError::NotRegistered => (Missing, "the member must register an identity first"),
            GroupsError::AlreadyMember => (Refused, "use `inkpost group role` to change a role"),
            GroupsError::NotAMember => (Missing, "check the member's handle"),
            GroupsError::GroupFull => (Refused, "the group reached its member cap"),
            GroupsError::InvalidRole => (Input, "use `inkpost group transfer` to make an owner"),
            GroupsError::SameRole => (Refused, "the member already has that role"),
            GroupsError::CannotRemoveOwner => (Denied, "the owner cannot be removed or demoted"),
            GroupsError::OwnerCannotLeave => (Refused, "transfer ownership first"),
            GroupsError::IdentityUnavailable => (Refused, "the identity contract did not answer"),
            GroupsError::InvalidConfig => (Input, "max members must be at least 2"),
            GroupsError::Overflow => (Refused, "a counter would overflow"),
        },
        ContractError::Anchors(error) => match error {
            AnchorsError::UnexpectedSequence { .. } => (Refused, "anchor the next sequence number"),
            AnchorsError::EmptyBatch => (Input, "a batch needs at least one leaf"),
            AnchorsError::AlreadyAnchored => (Refused, "that hash is already anchored"),
            AnchorsError::Overflow => (Refused, "the sequence number cannot grow further"),
        },
        ContractError::Escrow(error) => match error {
            EscrowError::ZeroValue => (Input, "send a value above zero"),
            EscrowError::FractionalValue => (Input, "send a whole number of native units"),
            EscrowError::SelfChannel => (Input, "a channel needs a payee other than you"),
            EscrowError::ExpiryInPast => (Input, "choose an expiry block in the future"),
            EscrowError::KeyMismatch => (Input, "open the channel with your own key"),
            EscrowError::NoSuchChannel => (Missing, "check the channel id (it may be settled)"),
            EscrowError::NotPayer => (Denied, "only the channel's payer may do this"),
            EscrowError::NotPayee => (Denied, "only the channel's payee may claim"),
            EscrowError::ChannelExpired => (Refused, "the channel expired; the payer can refund"),
            EscrowError::ChannelClosed => (Refused, "the dispute window ended"),
            EscrowError::AlreadyClosing => (Refused, "the channel is already closing"),
            EscrowError::NotClosing => (Refused, "start closing it first: `inkpost channel close`"),
            EscrowError::DisputeWindowOpen => (Refused, "wait until the dispute window ends"),
            EscrowError::NotExpired => (Refused, "wait until the expiry block has passed"),
            EscrowError::VoucherNotIncreasing => (Refused, "the voucher pays nothing new"),
            EscrowError::VoucherExceedsDeposit => (Refused, "the payer must top up first"),
            EscrowError::InvalidSignature => {
                (Refused, "the voucher is not the payer's for this channel")
            }
            EscrowError::Overflow => (Refused, "an amount would overflow"),
            EscrowError::TransferFailed => (Refused, "sending value failed"),
            EscrowError::InvalidConfig => (Input, "unit must be above zero"),
        },
    }
}

/// A contract's refusal as the CLI reports it: the variant, what to do,
/// and the exit code of its class.
pub fn contract_error(error: ContractError) -> CliError {
    let (class, hint) = classify(&error);
    let message = format!("{error}; {hint}");
    match class {
        Class::Input => CliError::BadInput(message),
        Class::Missing => CliError::NotFound(message),
        Class::Denied => CliError::Unauthorized(message),
        Class::Refused => CliError::Refused(message),
    }
}

/// A chain error as the CLI reports it; `contract` names revert reasons.
pub fn chain_error(error: ChainError, contract: Contract) -> CliError {
    match error {
        ChainError::Reverted { data } => match contract.decode_revert(&data) {
            Some(error) => contract_error(error),
            None => CliError::Refused(format!(
                "the {contract} contract reverted (data 0x{}); are the deployment file and the \
                 contracts from the same build?",
                hex::encode(data)
            )),
        },
        error if error.is_retryable() => CliError::Unavailable(format!(
            "{error}; start a node with `scripts/dev-node.sh start` or pass --node"
        )),
        error => CliError::Refused(error.to_string()),
    }
}

impl From<DeployError> for CliError {
    fn from(error: DeployError) -> Self {
        match error {
            DeployError::Chain { contract, source } => chain_error(source, contract),
            error @ DeployError::Artifact { .. } => Self::BadInput(error.to_string()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reverted(contract: Contract, data: &[u8]) -> CliError {
        chain_error(
            ChainError::Reverted {
                data: data.to_vec(),
            },
            contract,
        )
    }

    #[test]
    fn revert_data_names_the_variant_and_classifies_it() {
        let error = reverted(Contract::Groups, &[0, 1, 1]);
        assert_eq!(error.exit_code(), 4);
        assert!(error.to_string().contains("NotAuthorized"), "{error}");
        let error = reverted(Contract::Identity, &[0, 1, 2]);
        assert!(error.to_string().contains("HandleTaken"), "{error}");
        assert_eq!(error.exit_code(), 6);
        let error = reverted(Contract::Escrow, &[0, 1, 5, 7, 0, 0, 0]);
        assert_eq!(error.exit_code(), 3);
        // Unknown shapes are reported with their bytes, not guessed at.
        let error = reverted(Contract::Anchors, &[1, 0]);
        assert!(error.to_string().contains("0x0100"), "{error}");
        assert_eq!(error.exit_code(), 6);
    }
}
