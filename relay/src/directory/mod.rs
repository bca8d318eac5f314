//! What the relay knows of the chain: who is registered with which keys,
//! who holds which role in a group at its current epoch, and which escrow
//! channels pay it. Access rules ([`crate::access`]) and postage
//! ([`crate::postage`]) ask a [`Directory`]; the relay runs on a
//! [`ChainView`] (cached, following finalized blocks), tests of the HTTP
//! boundary on a fixed [`Snapshot`] without a node.

mod bounded;
mod chain_view;
mod snapshot;

pub use chain_view::{CACHE_CAPACITY, ChainView, Contracts};
pub use snapshot::{SNAPSHOT_GENESIS, Snapshot};

use async_trait::async_trait;
use inkpost_sdk::chain::ChainError;
use inkpost_sdk::contracts::{Channel, IdentityRecord, Role};
use inkpost_sdk::ids::{Address, ChannelId, GroupId};

/// Returned when the chain cannot answer an access question.
#[derive(Debug, thiserror::Error)]
pub enum ViewError {
    /// The node is unreachable or refused the query.
    #[error("chain unavailable: {0}")]
    Unavailable(#[from] ChainError),
    /// Writes need a live view of the chain, which the relay does not have.
    #[error("the relay is not following the chain; writes cannot be authorized")]
    NotFollowing,
}

/// A member's standing in a group at its current epoch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GroupAccess {
    /// The group's current epoch.
    pub epoch: u64,
    /// The member's role, if a member.
    pub role: Option<Role>,
}

/// Answers about on-chain state that authorize requests.
#[async_trait]
pub trait Directory: Send + Sync + 'static {
    /// The identity registered at `who`.
    async fn identity(&self, who: &Address) -> Result<Option<IdentityRecord>, ViewError>;

    /// `who`'s role in `group` and the group's epoch, or `None` if there is
    /// no such group.
    async fn group_access(
        &self,
        group: GroupId,
        who: &Address,
    ) -> Result<Option<GroupAccess>, ViewError>;

    /// Escrow channel `id`, if it exists.
    async fn channel(&self, id: ChannelId) -> Result<Option<Channel>, ViewError>;

    /// The chain's genesis hash (signed requests name it).
    fn genesis(&self) -> [u8; 32];

    /// Whether the view is current (follows finalized blocks): writes are
    /// authorized only then.
    fn is_following(&self) -> bool;

    /// The last finalized block whose changes the answers reflect.
    fn applied_through(&self) -> u64;

    /// Fails unless the view is following the chain (for writes).
    fn ensure_following(&self) -> Result<(), ViewError> {
        if self.is_following() {
            Ok(())
        } else {
            Err(ViewError::NotFollowing)
        }
    }
}
