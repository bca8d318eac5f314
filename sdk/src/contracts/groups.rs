//! The groups contract (`contracts/groups`): call data of its messages,
//! roles, group state and its errors.

use parity_scale_codec::{Decode, Encode};

use super::{Contract, Event, ink_input, topic};
use crate::ids::{Address, Epoch, GroupId};

/// A group role (`inkpost_groups::Role`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Encode, Decode)]
pub enum Role {
    /// Reads only.
    Reader,
    /// Reads and writes.
    Member,
    /// Also manages members and readers.
    Admin,
    /// Also manages admins.
    Owner,
}

impl Role {
    /// Whether the role may post.
    pub fn can_write(self) -> bool {
        self != Role::Reader
    }
}

/// A group's state (`inkpost_groups::Group`).
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct GroupState {
    /// The owner.
    pub owner: Address,
    /// The membership epoch.
    pub epoch: u64,
    /// Members, owner included.
    pub member_count: u32,
    /// Block of creation.
    pub created_at: u32,
}

/// `role_of(group, who) -> Option<Role>`
pub fn role_of(group: GroupId, who: &Address) -> Vec<u8> {
    ink_input("role_of", (group.0, who.0))
}

/// `role_at(group, who, epoch) -> Option<Role>`: the role `who` held at
/// `epoch` (none for a later epoch than the group's).
pub fn role_at(group: GroupId, who: &Address, epoch: Epoch) -> Vec<u8> {
    ink_input("role_at", (group.0, who.0, epoch.0))
}

/// `group(group) -> Option<GroupState>`
pub fn group(group: GroupId) -> Vec<u8> {
    ink_input("group", group.0)
}

/// `members(group, start, limit) -> Vec<(Address, Role)>`
pub fn members(group: GroupId, start: u32, limit: u32) -> Vec<u8> {
    ink_input("members", (group.0, start, limit))
}

/// `new(identity, max_members)`, the constructor.
pub fn new(identity: &Address, max_members: u32) -> Vec<u8> {
    ink_input("new", (identity.0, max_members))
}

/// `create_group() -> Result<u64, Error>` (the new group's id).
pub fn create_group() -> Vec<u8> {
    ink_input("create_group", ())
}

/// `add_member(group, who, role) -> Result<u64, Error>` (the new epoch).
pub fn add_member(group: GroupId, who: &Address, role: Role) -> Vec<u8> {
    ink_input("add_member", (group.0, who.0, role))
}

/// `remove_member(group, who) -> Result<u64, Error>` (the new epoch).
pub fn remove_member(group: GroupId, who: &Address) -> Vec<u8> {
    ink_input("remove_member", (group.0, who.0))
}

/// `set_role(group, who, role) -> Result<u64, Error>` (the new epoch).
pub fn set_role(group: GroupId, who: &Address, role: Role) -> Vec<u8> {
    ink_input("set_role", (group.0, who.0, role))
}

/// `leave(group) -> Result<u64, Error>` (the new epoch).
pub fn leave(group: GroupId) -> Vec<u8> {
    ink_input("leave", group.0)
}

/// `transfer_ownership(group, new_owner) -> Result<u64, Error>`.
pub fn transfer_ownership(group: GroupId, new_owner: &Address) -> Vec<u8> {
    ink_input("transfer_ownership", (group.0, new_owner.0))
}

super::contract_error! {
    /// The groups contract's `Error`, variant for variant.
    pub enum GroupsError {
        /// There is no such group.
        NoSuchGroup,
        /// The caller's role does not allow this.
        NotAuthorized,
        /// The member to add has no identity.
        NotRegistered,
        /// The account is a member already.
        AlreadyMember,
        /// The account is not a member.
        NotAMember,
        /// The group is at its member cap.
        GroupFull,
        /// That role cannot be given this way (ownership is transferred).
        InvalidRole,
        /// The member has that role already.
        SameRole,
        /// The owner cannot be removed or demoted.
        CannotRemoveOwner,
        /// The owner cannot leave.
        OwnerCannotLeave,
        /// The identity contract did not answer.
        IdentityUnavailable,
        /// The constructor's settings are unusable.
        InvalidConfig,
        /// A counter would overflow.
        Overflow,
    }
}

/// `GroupCreated { group, owner, epoch }`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Decode)]
pub struct GroupCreated {
    /// The new group.
    pub group: u64,
    /// Its owner.
    pub owner: [u8; 20],
    /// Its first epoch.
    pub epoch: u64,
}

impl Event for GroupCreated {
    const CONTRACT: Contract = Contract::Groups;
    const NAME: &'static str = "GroupCreated";
    const SIGNATURE_TOPIC: [u8; 32] =
        topic("0xe2312c91880a15838d6fe2472d2407c3e1ec4d7fcad5db8d04c990eca5bb0423");
}

/// `MemberAdded { group, member, role, epoch }`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Decode)]
pub struct MembershipChanged {
    /// The group.
    pub group: u64,
    /// The member added.
    pub member: [u8; 20],
    /// Their role.
    pub role: Role,
    /// The group's new epoch.
    pub epoch: u64,
}

impl Event for MembershipChanged {
    const CONTRACT: Contract = Contract::Groups;
    const NAME: &'static str = "MemberAdded";
    const SIGNATURE_TOPIC: [u8; 32] =
        topic("0x89c8b922999b274b99172e8153922aa4a2838af3764428e21cf01106916bc897");
}

/// `MemberRemoved { group, member, by, epoch }`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Decode)]
pub struct MemberRemoved {
    /// The group.
    pub group: u64,
    /// Who left or was removed.
    pub member: [u8; 20],
    /// Who removed them (themselves when leaving).
    pub by: [u8; 20],
    /// The group's new epoch.
    pub epoch: u64,
}

impl Event for MemberRemoved {
    const CONTRACT: Contract = Contract::Groups;
    const NAME: &'static str = "MemberRemoved";
    const SIGNATURE_TOPIC: [u8; 32] =
        topic("0x8e2c9067dfb11a09d163741567aae5f9d849427176f8668f19a7e6617513149b");
}

/// `RoleChanged { group, member, role, epoch }`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Decode)]
pub struct RoleChanged {
    /// The group.
    pub group: u64,
    /// The member.
    pub member: [u8; 20],
    /// Their new role.
    pub role: Role,
    /// The group's new epoch.
    pub epoch: u64,
}

impl Event for RoleChanged {
    const CONTRACT: Contract = Contract::Groups;
    const NAME: &'static str = "RoleChanged";
    const SIGNATURE_TOPIC: [u8; 32] =
        topic("0x94ee4e87f4f61595ff2649c54e1d3f7f02e83026398e8f5480c34360cc49dbf8");
}

/// `OwnershipTransferred { group, from, to, epoch }`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Decode)]
pub struct OwnershipTransferred {
    /// The group.
    pub group: u64,
    /// The former owner.
    pub from: [u8; 20],
    /// The new owner.
    pub to: [u8; 20],
    /// The group's new epoch.
    pub epoch: u64,
}

impl Event for OwnershipTransferred {
    const CONTRACT: Contract = Contract::Groups;
    const NAME: &'static str = "OwnershipTransferred";
    const SIGNATURE_TOPIC: [u8; 32] =
        topic("0xd0a21df5cf1a190b3b1b5b8fd8d6e9abea7aac1a8338a0659ab6a9831bae1635");
}
