//! Who may write and read a conversation, decided from the [`Directory`]:
//! a writer must be registered (with the account id it signs with) and, in
//! a group, hold a role that writes at the group's current epoch; a reader
//! must be a member of the group or a party of the direct conversation.
//! Rules take parsed values and answer [`AccessError`]; the HTTP layer maps
//! them to statuses.

use inkpost_sdk::contracts::IdentityRecord;
use inkpost_sdk::envelope::Envelope;
use inkpost_sdk::ids::{AccountId, Address, ConversationId, DirectId, GroupId};

use crate::directory::{Directory, ViewError};

/// Why a request may not write or read.
#[derive(Debug, thiserror::Error)]
pub enum AccessError {
    /// The account has no identity.
    #[error("account {0} is not registered; register it with `inkpost id register`")]
    NotRegistered(AccountId),
    /// The identity at the account's address holds another account id.
    #[error("the identity at {0} is registered with another account id")]
    WrongAccountId(Address),
    /// There is no such group.
    #[error("no group {0}")]
    NoSuchGroup(GroupId),
    /// The caller is a reader of the group and cannot post.
    #[error("readers of group {0} cannot post")]
    ReadOnly(GroupId),
    /// The caller is not a member of the group.
    #[error("you are not a member of group {0}")]
    NotAMember(GroupId),
    /// The envelope was written for another epoch than the group's current.
    #[error("the group is at epoch {current}; re-encrypt for its current members")]
    StaleEpoch {
        /// The group's current epoch.
        current: u64,
    },
    /// No recipient of a direct message is the conversation's other party.
    #[error("no recipient of this envelope is the other party of its direct conversation")]
    NoPeer,
    /// The caller is not a party of the direct conversation.
    #[error("you are not a party of this direct conversation (name the other party with `peer=`)")]
    NotAParty,
    /// The chain cannot answer now.
    #[error(transparent)]
    Unavailable(#[from] ViewError),
}

/// The registered identity of `account`, or why it cannot act.
pub async fn registered(
    view: &dyn Directory,
    account: &AccountId,
) -> Result<IdentityRecord, AccessError> {
    match view.identity(&account.to_address()).await? {
        Some(record) if record.account_id == account.0 => Ok(record),
        Some(_) => Err(AccessError::WrongAccountId(account.to_address())),
        None => Err(AccessError::NotRegistered(*account)),
    }
}

/// Checks that the envelope's sender may post it now.
pub async fn authorize_write(view: &dyn Directory, envelope: &Envelope) -> Result<(), AccessError> {
    view.ensure_following()?;
    let header = &envelope.header;
    registered(view, &header.sender).await?;
    match header.conversation {
        ConversationId::Group(group) => {
            let access = view
                .group_access(group, &header.sender.to_address())
                .await?
                .ok_or(AccessError::NoSuchGroup(group))?;
            match access.role {
                Some(role) if role.can_write() => {}
                Some(_) => return Err(AccessError::ReadOnly(group)),
                None => return Err(AccessError::NotAMember(group)),
            }
            if header.epoch.0 != access.epoch {
                return Err(AccessError::StaleEpoch {
                    current: access.epoch,
                });
            }
        }
        ConversationId::Direct(direct) => {
            let peer = envelope
                .recipients()
                .find(|peer| DirectId::between(&header.sender, peer) == direct)
                .ok_or(AccessError::NoPeer)?;
            registered(view, peer).await?;
        }
    }
    Ok(())
}

/// Checks that `reader` may read `conversation`. For a direct conversation
/// the reader names the other party (`peer`), or a message's sender is used.
pub async fn authorize_read(
    view: &dyn Directory,
    reader: &AccountId,
    conversation: &ConversationId,
    peer: Option<&AccountId>,
) -> Result<(), AccessError> {
    match conversation {
        ConversationId::Group(group) => {
            let access = view
                .group_access(*group, &reader.to_address())
                .await?
                .ok_or(AccessError::NoSuchGroup(*group))?;
            if access.role.is_none() {
                return Err(AccessError::NotAMember(*group));
            }
        }
        ConversationId::Direct(direct) => {
            let party = peer.is_some_and(|peer| DirectId::between(reader, peer) == *direct);
            if !party {
                return Err(AccessError::NotAParty);
            }
        }
    }
    Ok(())
}
