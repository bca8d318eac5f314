//! Who may write and read a conversation, decided from the chain view:
//! a writer must be registered (with the account id it signs with) and, in
//! a group, hold a role that writes at the group's current epoch; a reader
//! must be a member of the group or a party of the direct conversation.

use inkpost_sdk::contracts::IdentityRecord;
use inkpost_sdk::envelope::Envelope;
use inkpost_sdk::ids::{AccountId, ConversationId, DirectId};

use super::error::ApiError;
use crate::chain_view::ChainView;

/// The registered identity of `account`, or why it cannot act.
pub async fn registered(view: &ChainView, account: &AccountId) -> Result<IdentityRecord, ApiError> {
    match view.identity(&account.to_address()).await? {
        Some(record) if record.account_id == account.0 => Ok(record),
        Some(_) => Err(ApiError::Forbidden(format!(
            "the identity at {} is registered with another account id",
            account.to_address()
        ))),
        None => Err(ApiError::Forbidden(format!(
            "account {account} is not registered; register it with `inkpost id register`"
        ))),
    }
}

/// Checks that the envelope's sender may post it now.
pub async fn authorize_write(view: &ChainView, envelope: &Envelope) -> Result<(), ApiError> {
    view.ensure_following()?;
    let header = &envelope.header;
    registered(view, &header.sender).await?;
    match header.conversation {
        ConversationId::Group(group) => {
            let access = view
                .group_access(group, &header.sender.to_address())
                .await?
                .ok_or_else(|| ApiError::NotFound(format!("no group {group}")))?;
            match access.role {
                Some(role) if role.can_write() => {}
                Some(_) => {
                    return Err(ApiError::Forbidden(format!(
                        "readers of group {group} cannot post"
                    )));
                }
                None => {
                    return Err(ApiError::Forbidden(format!(
                        "the sender is not a member of group {group}"
                    )));
                }
            }
            if header.epoch.0 != access.epoch {
                return Err(ApiError::StaleEpoch {
                    current: access.epoch,
                });
            }
        }
        ConversationId::Direct(direct) => {
            let peer = envelope
                .recipients()
                .find(|peer| DirectId::between(&header.sender, peer) == direct)
                .ok_or_else(|| {
                    ApiError::BadRequest(
                        "no recipient of this envelope is the other party of its direct \
                         conversation"
                            .into(),
                    )
                })?;
            registered(view, peer).await?;
        }
    }
    Ok(())
}

/// Checks that `reader` may read `conversation`. For a direct conversation
/// the reader names the other party (`peer`), or a message's sender is used.
pub async fn authorize_read(
    view: &ChainView,
    reader: &AccountId,
    conversation: &ConversationId,
    peer: Option<&AccountId>,
) -> Result<(), ApiError> {
    match conversation {
        ConversationId::Group(group) => {
            let access = view
                .group_access(*group, &reader.to_address())
                .await?
                .ok_or_else(|| ApiError::NotFound(format!("no group {group}")))?;
            if access.role.is_none() {
                return Err(ApiError::Forbidden(format!(
                    "you are not a member of group {group}"
                )));
            }
        }
        ConversationId::Direct(direct) => {
            let party = peer.is_some_and(|peer| DirectId::between(reader, peer) == *direct);
            if !party {
                return Err(ApiError::Forbidden(
                    "you are not a party of this direct conversation (name the other party \
                     with `peer=`)"
                        .into(),
                ));
            }
        }
    }
    Ok(())
}
