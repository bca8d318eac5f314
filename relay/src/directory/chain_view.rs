//! The relay's view of identities and groups on chain: answers access
//! questions from a cache, asks the contracts (by dry run) on a miss, and
//! keeps the cache current by following finalized blocks and applying the
//! identity and groups contracts' events. It also watches best blocks for
//! removals from groups: a member removed in a block that is not final yet
//! loses access at once (until finality confirms it, or passes that block
//! on another fork). While the node is unreachable the cache still answers
//! reads, but writes cannot be authorized.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use async_trait::async_trait;
use inkpost_sdk::chain::{Chain, ChainConfig, ChainError, ContractEvent};
use inkpost_sdk::contracts::escrow::CloseStarted;
use inkpost_sdk::contracts::groups::MemberRemoved;
use inkpost_sdk::contracts::{
    Channel, Event, GroupState, IdentityRecord, Role, escrow, groups, identity,
};
use inkpost_sdk::ids::{AccountId, Address, ChannelId, GroupId};
use parity_scale_codec::Decode;
use tokio::sync::{Notify, RwLock};

use super::bounded::Bounded;
use super::{Directory, GroupAccess, ViewError};

/// The contracts the relay consults.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Contracts {
    /// The identity contract.
    pub identity: Address,
    /// The groups contract.
    pub groups: Address,
    /// The escrow contract, on a relay that charges postage.
    pub escrow: Option<Address>,
}

/// The most entries each of the view's caches holds: beyond, the oldest go
/// (and are asked of the chain again when needed).
pub const CACHE_CAPACITY: usize = 65_536;

#[derive(Debug)]
struct Cache {
    /// Grows with every applied event: an answer fetched while an event was
    /// applied may predate it, so it is not cached.
    generation: u64,
    /// Registered identities only: a caller with no identity is asked about
    /// again (and rate-limited per address), not remembered.
    identities: Bounded<Address, IdentityRecord>,
    groups: Bounded<GroupId, Option<GroupState>>,
    /// Members' roles only, for the same reason.
    roles: Bounded<(GroupId, Address), Role>,
    channels: Bounded<ChannelId, Option<Channel>>,
}

impl Default for Cache {
    fn default() -> Self {
        Self {
            generation: 0,
            identities: Bounded::new(CACHE_CAPACITY),
            groups: Bounded::new(CACHE_CAPACITY),
            roles: Bounded::new(CACHE_CAPACITY),
            channels: Bounded::new(CACHE_CAPACITY),
        }
    }
}

/// Cached, event-invalidated answers about identities and groups.
#[derive(Debug, Clone)]
pub struct ChainView {
    chain: Chain,
    contracts: Contracts,
    /// The relay's own account, the origin of its dry-run queries.
    origin: AccountId,
    cache: Arc<RwLock<Cache>>,
    following: Arc<AtomicBool>,
    /// The last finalized block whose events are applied.
    applied_through: Arc<AtomicU64>,
    /// Woken when a finalized escrow event starts closing a channel.
    closes: Arc<Notify>,
    /// Members removed in best blocks above `applied_through`, with the
    /// block's number: refused before their removal is final.
    removed_in_best: Arc<RwLock<HashMap<(GroupId, Address), u64>>>,
}

impl ChainView {
    /// A view over `chain` (not yet following it; see [`ChainView::follow`]).
    pub fn new(chain: Chain, contracts: Contracts, origin: AccountId) -> Self {
        Self {
            chain,
            contracts,
            origin,
            cache: Arc::default(),
            following: Arc::default(),
            applied_through: Arc::default(),
            closes: Arc::default(),
            removed_in_best: Arc::default(),
        }
    }

    /// Notified whenever a finalized block holds an escrow `CloseStarted`
    /// (the postage claimer claims at once, within the dispute window).
    pub fn closes_started(&self) -> Arc<Notify> {
        self.closes.clone()
    }

    /// The identity registered for `who`, from the cache or the chain.
    async fn cached_identity(&self, who: &Address) -> Result<Option<IdentityRecord>, ViewError> {
        let generation = {
            let cache = self.cache.read().await;
            if let Some(cached) = cache.identities.get(who) {
                return Ok(Some(cached.clone()));
            }
            cache.generation
        };
        let record: Option<IdentityRecord> = self
            .chain
            .query(
                &self.origin,
                self.contracts.identity,
                &identity::by_address(who),
            )
            .await?;
        if let Some(record) = &record {
            let mut cache = self.cache.write().await;
            if cache.generation == generation {
                cache.identities.insert(*who, record.clone());
            }
        }
        Ok(record)
    }

    /// `who`'s role in `group` and the group's epoch, or `None` if there
    /// is no such group.
    async fn cached_group_access(
        &self,
        group: GroupId,
        who: &Address,
    ) -> Result<Option<GroupAccess>, ViewError> {
        let access = self.finalized_group_access(group, who).await?;
        let removed = self
            .removed_in_best
            .read()
            .await
            .contains_key(&(group, *who));
        Ok(access.map(|access| GroupAccess {
            role: access.role.filter(|_| !removed),
            ..access
        }))
    }

    /// `cached_group_access` as of the finalized blocks applied.
    async fn finalized_group_access(
        &self,
        group: GroupId,
        who: &Address,
    ) -> Result<Option<GroupAccess>, ViewError> {
        let (generation, cached_state, cached_role) = {
            let cache = self.cache.read().await;
            (
                cache.generation,
                cache.groups.get(&group).cloned(),
                cache.roles.get(&(group, *who)).copied(),
            )
        };
        let state = match cached_state {
            Some(state) => state,
            None => {
                self.chain
                    .query(&self.origin, self.contracts.groups, &groups::group(group))
                    .await?
            }
        };
        let role = match (&state, cached_role) {
            (None, _) => None,
            (Some(_), Some(role)) => Some(role),
            (Some(_), None) => {
                self.chain
                    .query(
                        &self.origin,
                        self.contracts.groups,
                        &groups::role_of(group, who),
                    )
                    .await?
            }
        };
        {
            let mut cache = self.cache.write().await;
            if cache.generation == generation {
                cache.groups.insert(group, state.clone());
                if let Some(role) = role {
                    cache.roles.insert((group, *who), role);
                }
            }
        }
        let Some(state) = state else { return Ok(None) };
        Ok(Some(GroupAccess {
            epoch: state.epoch,
            role,
        }))
    }

    /// Escrow channel `id` (`None` if there is none, or no escrow contract
    /// is configured).
    async fn cached_channel(&self, id: ChannelId) -> Result<Option<Channel>, ViewError> {
        let Some(contract) = self.contracts.escrow else {
            return Ok(None);
        };
        let generation = {
            let cache = self.cache.read().await;
            if let Some(cached) = cache.channels.get(&id) {
                return Ok(*cached);
            }
            cache.generation
        };
        let channel: Option<Channel> = self
            .chain
            .query(&self.origin, contract, &escrow::channel(id))
            .await?;
        let mut cache = self.cache.write().await;
        if cache.generation == generation {
            cache.channels.insert(id, channel);
        }
        Ok(channel)
    }

    /// Follows finalized blocks until `stop` changes, starting again `retry`
    /// after each break (the node restarted, the connection dropped).
    pub async fn keep_following(
        &self,
        retry: std::time::Duration,
        mut stop: tokio::sync::watch::Receiver<bool>,
    ) {
        loop {
            tokio::select! {
                error = self.follow() => {
                    tracing::warn!(%error, "stopped following the chain; writes are refused until it resumes");
                }
                _ = stop.changed() => return,
            }
            tokio::select! {
                _ = tokio::time::sleep(retry) => {}
                _ = stop.changed() => return,
            }
        }
    }

    /// Follows finalized blocks until the subscription ends, applying the
    /// identity and groups contracts' events, and best blocks for removals
    /// from groups. Returns why it stopped.
    pub async fn follow(&self) -> ChainError {
        let blocks = self.chain.api().blocks();
        let (mut finalized, mut best) =
            match tokio::try_join!(blocks.subscribe_finalized(), blocks.subscribe_best()) {
                Ok(subscriptions) => subscriptions,
                Err(error) => return error.into(),
            };
        // Events of blocks finalized while no subscription ran (an outage,
        // a reconnect) were never applied: forget every cached answer.
        self.forget_all().await;
        // From here on answers are read at the finalized head: say so before
        // the first block arrives, or rules that count blocks from
        // `applied_through` (postage expiry) would count from 0.
        match self.chain.finalized_number().await {
            Ok(number) => {
                self.applied_through.store(number, Ordering::Release);
            }
            Err(error) => return error,
        }
        self.following.store(true, Ordering::Relaxed);
        let error = loop {
            let outcome = tokio::select! {
                block = finalized.next() => match block {
                    Some(Ok(block)) => self.apply_finalized(block).await,
                    Some(Err(error)) => Err(error.into()),
                    None => Err(ChainError::Dispatch("finalized block subscription ended".into())),
                },
                block = best.next() => match block {
                    Some(Ok(block)) => self.watch_best(block).await,
                    Some(Err(error)) => Err(error.into()),
                    None => Err(ChainError::Dispatch("best block subscription ended".into())),
                },
            };
            if let Err(error) = outcome {
                break error;
            }
        };
        self.following.store(false, Ordering::Relaxed);
        error
    }

    /// Applies a finalized block's contract events; removals seen in best
    /// blocks up to it are now the finalized state's to answer.
    async fn apply_finalized(&self, block: Block) -> Result<(), ChainError> {
        let number = u64::from(block.number());
        for event in contract_events(&block).await? {
            self.apply(&event).await;
        }
        self.applied_through.store(number, Ordering::Release);
        self.removed_in_best
            .write()
            .await
            .retain(|_, seen_in| *seen_in > number);
        Ok(())
    }

    /// Notes the removals from groups in a best block.
    async fn watch_best(&self, block: Block) -> Result<(), ChainError> {
        let number = u64::from(block.number());
        if number <= self.applied_through.load(Ordering::Acquire) {
            return Ok(());
        }
        for event in contract_events(&block).await? {
            if event.contract != self.contracts.groups {
                continue;
            }
            if let Some(removed) = MemberRemoved::decode_event(&event.topics, &event.data) {
                let key = (GroupId(removed.group), Address(removed.member));
                tracing::debug!(
                    group = removed.group,
                    block = number,
                    "removal in a best block"
                );
                self.removed_in_best.write().await.insert(key, number);
            }
        }
        Ok(())
    }

    /// How many answers the view holds cached, all caches together (each
    /// bounded by [`CACHE_CAPACITY`]; callers with no identity or no role
    /// are never among them).
    pub async fn cached_entries(&self) -> usize {
        let cache = self.cache.read().await;
        cache.identities.len() + cache.groups.len() + cache.roles.len() + cache.channels.len()
    }

    /// Drops every cached answer (they are asked again on use).
    async fn forget_all(&self) {
        let mut cache = self.cache.write().await;
        cache.generation += 1;
        cache.identities.clear();
        cache.groups.clear();
        cache.roles.clear();
        cache.channels.clear();
    }

    /// Updates the cache for one contract event. Every identity event's
    /// first field is the address it concerns and every groups event's first
    /// field is the group id (a layout the contracts keep on purpose), so
    /// the view drops what the event may have changed and asks again later.
    /// Any escrow event drops every cached channel (tips, its most common
    /// event, concern no channel; the rest are rare).
    pub async fn apply(&self, event: &ContractEvent) {
        let mut data = &event.data[..];
        let mut cache = self.cache.write().await;
        cache.generation += 1;
        if event.contract == self.contracts.identity {
            if let Ok(address) = <[u8; 20]>::decode(&mut data) {
                cache.identities.remove(&Address(address));
            }
        } else if event.contract == self.contracts.groups
            && let Ok(group) = u64::decode(&mut data)
        {
            let group = GroupId(group);
            cache.groups.remove(&group);
            cache.roles.retain(|(cached, _), _| *cached != group);
        } else if Some(event.contract) == self.contracts.escrow {
            cache.channels.clear();
            if CloseStarted::decode_event(&event.topics, &event.data).is_some() {
                self.closes.notify_one();
            }
        }
    }
}

/// A block as subxt follows it.
type Block = subxt::blocks::Block<ChainConfig, subxt::OnlineClient<ChainConfig>>;

/// The contract events in `block`, in order (undecodable ones are logged
/// and skipped).
async fn contract_events(block: &Block) -> Result<Vec<ContractEvent>, ChainError> {
    let events = block.events().await?;
    let mut found = Vec::new();
    for event in events.find::<inkpost_sdk::chain::node::revive::events::ContractEmitted>() {
        match event {
            Ok(event) => found.push(ContractEvent {
                contract: Address(event.contract.0),
                topics: event.topics.iter().map(|topic| topic.0).collect(),
                data: event.data,
            }),
            Err(error) => tracing::warn!(%error, "undecodable event"),
        }
    }
    Ok(found)
}

#[async_trait]
impl Directory for ChainView {
    async fn identity(&self, who: &Address) -> Result<Option<IdentityRecord>, ViewError> {
        self.cached_identity(who).await
    }

    async fn group_access(
        &self,
        group: GroupId,
        who: &Address,
    ) -> Result<Option<GroupAccess>, ViewError> {
        self.cached_group_access(group, who).await
    }

    async fn channel(&self, id: ChannelId) -> Result<Option<Channel>, ViewError> {
        self.cached_channel(id).await
    }

    fn genesis(&self) -> [u8; 32] {
        self.chain.genesis_hash()
    }

    fn is_following(&self) -> bool {
        self.following.load(Ordering::Relaxed)
    }

    /// The number of the last finalized block whose events the view has
    /// applied: decisions made now reflect every change up to it.
    fn applied_through(&self) -> u64 {
        self.applied_through.load(Ordering::Acquire)
    }
}
