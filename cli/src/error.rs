//! One error type for every command: what happened, what to do next, and an
//! exit code that tells scripts which kind of failure it was.

use inkpost_sdk::chain::ChainError;

use crate::relay::RelayError;

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
        }
    }
}

/// Which contract a call went to, to name its errors.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Contract {
    /// The identity contract.
    Identity,
    /// The groups contract.
    Groups,
    /// The anchors contract.
    Anchors,
    /// The escrow contract.
    Escrow,
}

/// Each contract's `Error` variants in declaration order (their SCALE
/// index), with the class of failure and what to do about it.
fn variants(contract: Contract) -> &'static [(&'static str, Class, &'static str)] {
    use Class::*;
    match contract {
        Contract::Identity => &[
            (
                "WrongDeposit",
                Refused,
                "send exactly the deposit (`inkpost id show-deposit`)",
            ),
            (
                "InvalidHandle",
                Input,
                "use 3-32 characters: a lowercase letter, then lowercase letters, digits or '_'",
            ),
            ("HandleTaken", Refused, "choose another handle"),
            (
                "AlreadyRegistered",
                Refused,
                "release the current handle first",
            ),
            (
                "NotRegistered",
                Missing,
                "register first: `inkpost id register <handle>`",
            ),
            ("AccountMismatch", Input, "register with the key that signs"),
            (
                "InvalidEncryptionKey",
                Input,
                "the encryption key is all zeros",
            ),
            ("SameKey", Refused, "that key is already current"),
            ("Overflow", Refused, "the key version cannot grow further"),
            (
                "TransferFailed",
                Refused,
                "the deposit refund failed; try again",
            ),
        ],
        Contract::Groups => &[
            ("NoSuchGroup", Missing, "check the group id"),
            (
                "NotAuthorized",
                Denied,
                "only the owner or an admin may do this",
            ),
            (
                "NotRegistered",
                Missing,
                "the member must register an identity first",
            ),
            (
                "AlreadyMember",
                Refused,
                "use `inkpost group role` to change a role",
            ),
            ("NotAMember", Missing, "check the member's handle"),
            ("GroupFull", Refused, "the group reached its member cap"),
            (
                "InvalidRole",
                Input,
                "use `inkpost group transfer` to make an owner",
            ),
            ("SameRole", Refused, "the member already has that role"),
            (
                "CannotRemoveOwner",
                Denied,
                "the owner cannot be removed or demoted",
            ),
            ("OwnerCannotLeave", Refused, "transfer ownership first"),
            (
                "IdentityUnavailable",
                Refused,
                "the identity contract did not answer",
            ),
            ("InvalidConfig", Input, "max members must be at least 2"),
            ("Overflow", Refused, "a counter would overflow"),
        ],
        Contract::Anchors => &[
            (
                "UnexpectedSequence",
                Refused,
                "anchor the next sequence number",
            ),
            ("EmptyBatch", Input, "a batch needs at least one leaf"),
            ("AlreadyAnchored", Refused, "that hash is already anchored"),
            (
                "Overflow",
                Refused,
                "the sequence number cannot grow further",
            ),
        ],
        Contract::Escrow => &[
            ("ZeroValue", Input, "send a value above zero"),
            (
                "FractionalValue",
                Input,
                "send a whole number of native units",
            ),
            (
                "SelfChannel",
                Input,
                "a channel needs a payee other than you",
            ),
            (
                "ExpiryInPast",
                Input,
                "choose an expiry block in the future",
            ),
            ("KeyMismatch", Input, "open the channel with your own key"),
            (
                "NoSuchChannel",
                Missing,
                "check the channel id (it may be settled)",
            ),
            ("NotPayer", Denied, "only the channel's payer may do this"),
            ("NotPayee", Denied, "only the channel's payee may claim"),
            (
                "ChannelExpired",
                Refused,
                "the channel expired; the payer can refund",
            ),
            ("ChannelClosed", Refused, "the dispute window ended"),
            ("AlreadyClosing", Refused, "the channel is already closing"),
            (
                "NotClosing",
                Refused,
                "start closing it first: `inkpost channel close`",
            ),
            (
                "DisputeWindowOpen",
                Refused,
                "wait until the dispute window ends",
            ),
            (
                "NotExpired",
                Refused,
                "wait until the expiry block has passed",
            ),
            (
                "VoucherNotIncreasing",
                Refused,
                "the voucher pays nothing new",
            ),
            (
                "VoucherExceedsDeposit",
                Refused,
                "the payer must top up first",
            ),
            (
                "InvalidSignature",
                Refused,
                "the voucher is not the payer's for this channel",
            ),
            ("Overflow", Refused, "an amount would overflow"),
            ("TransferFailed", Refused, "sending value failed"),
            ("InvalidConfig", Input, "unit must be above zero"),
        ],
    }
}

#[derive(Debug, Clone, Copy)]
enum Class {
    Input,
    Missing,
    Denied,
    Refused,
}

/// The error of a reverted contract call, named from its revert data
/// (`Ok(Err(variant, …))` of the message's `Result`).
pub fn contract_error(contract: Contract, data: &[u8]) -> CliError {
    let variant = match data {
        [0, 1, index, ..] => variants(contract).get(usize::from(*index)),
        _ => None,
    };
    match variant {
        Some((name, class, hint)) => {
            let message = format!("the {contract:?} contract refused: {name}; {hint}");
            match class {
                Class::Input => CliError::BadInput(message),
                Class::Missing => CliError::NotFound(message),
                Class::Denied => CliError::Unauthorized(message),
                Class::Refused => CliError::Refused(message),
            }
        }
        None => CliError::Refused(format!(
            "the {contract:?} contract reverted (data 0x{}); are the deployment file and the \
             contracts from the same build?",
            hex::encode(data)
        )),
    }
}

/// A chain error as the CLI reports it; `contract` names revert reasons.
pub fn chain_error(error: ChainError, contract: Contract) -> CliError {
    match error {
        ChainError::Reverted { data } => contract_error(contract, &data),
        error if error.is_retryable() => CliError::Unavailable(format!(
            "{error}; start a node with `scripts/dev-node.sh start` or pass --node"
        )),
        error => CliError::Refused(error.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn revert_data_names_the_variant_and_classifies_it() {
        let error = contract_error(Contract::Groups, &[0, 1, 1]);
        assert_eq!(error.exit_code(), 4);
        assert!(error.to_string().contains("NotAuthorized"), "{error}");
        let error = contract_error(Contract::Identity, &[0, 1, 2]);
        assert!(error.to_string().contains("HandleTaken"), "{error}");
        assert_eq!(error.exit_code(), 6);
        let error = contract_error(Contract::Escrow, &[0, 1, 5, 7, 0, 0, 0]);
        assert_eq!(error.exit_code(), 3);
        // Unknown shapes are reported with their bytes, not guessed at.
        let error = contract_error(Contract::Anchors, &[1, 0]);
        assert!(error.to_string().contains("0x0100"), "{error}");
        assert_eq!(error.exit_code(), 6);
    }
}
