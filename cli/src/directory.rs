//! Who is who, from the chain: people by handle or address, groups and
//! their members, and a cache of handles for display.

use std::collections::hash_map::Entry;
use std::collections::{HashMap, HashSet};

use inkpost_sdk::contracts::{Contract, GroupState, IdentityRecord, Role, groups, identity};
use inkpost_sdk::envelope::Recipient;
use inkpost_sdk::ids::{AccountId, Address, Epoch, GroupId};

use crate::context::{At, Context};
use crate::error::CliError;

/// Members asked for per query; the groups contract answers at most this
/// many at a time, so longer lists are read page by page.
const MEMBER_PAGE: u32 = 64;

/// A registered identity: its address and record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Person {
    /// The H160 address.
    pub address: Address,
    /// The on-chain record.
    pub record: IdentityRecord,
}

impl Person {
    /// The account id.
    pub fn account(&self) -> AccountId {
        AccountId(self.record.account_id)
    }

    /// The person as a recipient of a message (their current key).
    pub fn recipient(&self) -> Recipient {
        let (key, key_version) = self.record.key();
        Recipient {
            account: self.account(),
            key,
            key_version,
        }
    }
}

/// The person registered under `handle`.
pub async fn person(ctx: &Context, handle: &str) -> Result<Person, CliError> {
    let deployment = ctx.deployment()?;
    let found: Option<([u8; 20], IdentityRecord)> = ctx
        .query(
            Contract::Identity,
            deployment.identity,
            &identity::by_handle(handle),
        )
        .await?;
    let (address, record) = found.ok_or_else(|| {
        CliError::NotFound(format!(
            "nobody is registered as {handle:?}; check the spelling (`inkpost id show {handle}`)"
        ))
    })?;
    Ok(Person {
        address: Address(address),
        record,
    })
}

/// The person registered at `address`, if any.
pub async fn person_at(ctx: &Context, address: Address) -> Result<Option<Person>, CliError> {
    let deployment = ctx.deployment()?;
    let record: Option<IdentityRecord> = ctx
        .query(
            Contract::Identity,
            deployment.identity,
            &identity::by_address(&address),
        )
        .await?;
    Ok(record.map(|record| Person { address, record }))
}

async fn query_groups<T: parity_scale_codec::Decode>(
    ctx: &Context,
    at: At,
    input: &[u8],
) -> Result<T, CliError> {
    let groups = ctx.deployment()?.groups;
    ctx.query_at(at, Contract::Groups, groups, input).await
}

/// A group's state, or not found.
pub async fn group_state(ctx: &Context, group: GroupId) -> Result<GroupState, CliError> {
    group_state_at(ctx, group, At::Finalized).await
}

async fn group_state_at(ctx: &Context, group: GroupId, at: At) -> Result<GroupState, CliError> {
    let state: Option<GroupState> = query_groups(ctx, at, &groups::group(group)).await?;
    state.ok_or_else(|| CliError::NotFound(format!("there is no group {group}")))
}

/// A group's state and all its members with their roles, or not found.
pub async fn members(
    ctx: &Context,
    group: GroupId,
) -> Result<(GroupState, Vec<(Address, Role)>), CliError> {
    members_at(ctx, group, At::Finalized).await
}

async fn members_at(
    ctx: &Context,
    group: GroupId,
    at: At,
) -> Result<(GroupState, Vec<(Address, Role)>), CliError> {
    let state = group_state_at(ctx, group, at).await?;
    let mut members = Vec::with_capacity(state.member_count as usize);
    loop {
        let start = u32::try_from(members.len()).unwrap_or(u32::MAX);
        let input = groups::members(group, start, MEMBER_PAGE);
        let page: Vec<([u8; 20], Role)> = query_groups(ctx, at, &input).await?;
        let full = page.len() as u32 == MEMBER_PAGE;
        members.extend(
            page.into_iter()
                .map(|(address, role)| (Address(address), role)),
        );
        if !full || members.len() >= state.member_count as usize {
            break;
        }
    }
    Ok((state, members))
}

/// A group's state and the members a message is encrypted to: those with
/// an identity, in the group at the finalized block and still at the best
/// one (a removal is honoured before it is final).
pub async fn registered_members(
    ctx: &Context,
    group: GroupId,
) -> Result<(GroupState, Vec<Person>), CliError> {
    let (state, members) = members(ctx, group).await?;
    let (_, at_best) = members_at(ctx, group, At::Best).await?;
    let at_best: HashSet<Address> = at_best.into_iter().map(|(address, _)| address).collect();
    let mut people = Vec::with_capacity(members.len());
    for (address, _) in members {
        if !at_best.contains(&address) {
            continue;
        }
        if let Some(member) = person_at(ctx, address).await? {
            people.push(member);
        }
    }
    Ok((state, people))
}

/// Handles of accounts, looked up on chain once each.
#[derive(Debug, Default)]
pub struct Handles(HashMap<AccountId, Option<String>>);

impl Handles {
    /// Handles of people already looked up.
    pub fn of_people<'a>(people: impl IntoIterator<Item = &'a Person>) -> Self {
        Self(
            people
                .into_iter()
                .map(|person| (person.account(), Some(person.record.handle.clone())))
                .collect(),
        )
    }

    /// Looks up every account not known yet.
    pub async fn learn(
        &mut self,
        ctx: &Context,
        accounts: impl IntoIterator<Item = AccountId>,
    ) -> Result<(), CliError> {
        for account in accounts {
            if let Entry::Vacant(slot) = self.0.entry(account) {
                let found = person_at(ctx, account.to_address()).await?;
                slot.insert(found.map(|person| person.record.handle));
            }
        }
        Ok(())
    }

    /// The handle of `account`, if known and registered.
    pub fn of(&self, account: &AccountId) -> Option<String> {
        self.0.get(account).cloned().flatten()
    }
}

/// Whether senders could write in a group at the epochs their messages
/// name, asked of the groups contract (its role history) once per sender
/// and epoch: a reader's own check, whatever the relay accepted.
#[derive(Debug, Default)]
pub struct Writers(HashMap<(AccountId, Epoch), bool>);

impl Writers {
    /// Asks about every (sender, epoch) not known yet in `group`.
    pub async fn learn(
        &mut self,
        ctx: &Context,
        group: GroupId,
        senders: impl IntoIterator<Item = (AccountId, Epoch)>,
    ) -> Result<(), CliError> {
        let deployment = ctx.deployment()?;
        for (sender, epoch) in senders {
            if let Entry::Vacant(slot) = self.0.entry((sender, epoch)) {
                let input = groups::role_at(group, &sender.to_address(), epoch);
                let role: Option<Role> = ctx
                    .query(Contract::Groups, deployment.groups, &input)
                    .await?;
                slot.insert(role.is_some_and(Role::can_write));
            }
        }
        Ok(())
    }

    /// Whether `sender` could write at `epoch`, if learned.
    pub fn could_write(&self, sender: &AccountId, epoch: Epoch) -> Option<bool> {
        self.0.get(&(*sender, epoch)).copied()
    }
}
