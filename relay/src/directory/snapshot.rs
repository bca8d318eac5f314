//! A fixed view of chain state: identities, groups and channels set up in
//! advance. It answers without a node, so the HTTP boundary (authentication,
//! sizes, decoding, access refusals) is tested in seconds; behaviour that
//! depends on the chain moving stays on a real node.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, RwLock};

use async_trait::async_trait;
use inkpost_sdk::contracts::{Channel, IdentityRecord, Role};
use inkpost_sdk::ids::{AccountId, Address, ChannelId, EncryptionKey, GroupId, KeyVersion};

use super::{Directory, GroupAccess, ViewError};

#[derive(Debug, Default)]
struct State {
    identities: HashMap<Address, IdentityRecord>,
    groups: HashMap<GroupId, (u64, HashMap<Address, Role>)>,
    channels: HashMap<ChannelId, Channel>,
    finalized: u64,
}

/// The genesis hash a snapshot's chain has.
pub const SNAPSHOT_GENESIS: [u8; 32] = [0x5e; 32];

/// Chain state fixed by the test that builds it (cheap to clone: clones
/// share the state, so a test may change it while a relay uses it).
#[derive(Debug, Clone)]
pub struct Snapshot {
    state: Arc<RwLock<State>>,
    following: Arc<AtomicBool>,
}

impl Default for Snapshot {
    fn default() -> Self {
        Self::new()
    }
}

impl Snapshot {
    /// Nothing registered, following (writes can be authorized).
    pub fn new() -> Self {
        Self {
            state: Arc::default(),
            following: Arc::new(AtomicBool::new(true)),
        }
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, State> {
        self.state
            .write()
            .unwrap_or_else(|poison| poison.into_inner())
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, State> {
        self.state
            .read()
            .unwrap_or_else(|poison| poison.into_inner())
    }

    /// Registers `account` as `handle` with encryption key `key` (version 1).
    pub fn register(&self, handle: &str, account: AccountId, key: EncryptionKey) -> &Self {
        let record = IdentityRecord {
            handle: handle.to_owned(),
            account_id: account.0,
            encryption_key: key.0,
            key_version: KeyVersion(1).0,
            registered_at: 1,
        };
        self.write().identities.insert(account.to_address(), record);
        self
    }

    /// Sets `group`'s epoch and members.
    pub fn set_group(&self, group: GroupId, epoch: u64, members: &[(AccountId, Role)]) -> &Self {
        let members = members
            .iter()
            .map(|(account, role)| (account.to_address(), *role))
            .collect();
        self.write().groups.insert(group, (epoch, members));
        self
    }

    /// Sets escrow channel `id`.
    pub fn set_channel(&self, id: ChannelId, channel: Channel) -> &Self {
        self.write().channels.insert(id, channel);
        self
    }

    /// Sets the last finalized block.
    pub fn set_finalized(&self, block: u64) -> &Self {
        self.write().finalized = block;
        self
    }

    /// Makes the view follow the chain or not (a relay whose node is gone).
    pub fn set_following(&self, following: bool) -> &Self {
        self.following.store(following, Ordering::Relaxed);
        self
    }
}

#[async_trait]
impl Directory for Snapshot {
    async fn identity(&self, who: &Address) -> Result<Option<IdentityRecord>, ViewError> {
        Ok(self.read().identities.get(who).cloned())
    }

    async fn group_access(
        &self,
        group: GroupId,
        who: &Address,
    ) -> Result<Option<GroupAccess>, ViewError> {
        Ok(self
            .read()
            .groups
            .get(&group)
            .map(|(epoch, members)| GroupAccess {
                epoch: *epoch,
                role: members.get(who).copied(),
            }))
    }

    async fn channel(&self, id: ChannelId) -> Result<Option<Channel>, ViewError> {
        Ok(self.read().channels.get(&id).copied())
    }

    fn genesis(&self) -> [u8; 32] {
        SNAPSHOT_GENESIS
    }

    fn is_following(&self) -> bool {
        self.following.load(Ordering::Relaxed)
    }

    fn applied_through(&self) -> u64 {
        self.read().finalized
    }
}
