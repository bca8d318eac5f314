//! # Inkpost groups
//!
//! ## Overview
//!
//! Group access control. Anyone with a registered identity (checked by a
//! cross-contract call into the identity contract) creates a group and owns
//! it. Roles, from most to least powerful: owner, admin, member (may write),
//! reader (may only read). The owner adds and removes admins, members and
//! readers; admins add and remove members and readers; everyone but the owner
//! may leave; the owner hands the group over with `transfer_ownership` and
//! then stays on as an admin. Only registered identities can be added, and a
//! group holds at most `max_members` (set at instantiation).
//!
//! Every membership or role change bumps the group's **epoch**: clients
//! encrypt for the members of the current epoch, and relays check write
//! access at the current epoch. Each member's roles are kept with the epoch
//! they began at, so `role_at(group, who, epoch)` answers for any past epoch:
//! a reader checks that a message's sender could write at the epoch the
//! message names, without trusting the relay that served it.
//!
//! ## Errors
//!
//! Every message returns [`Error`] and changes nothing on error.
//!
//! ## Interface
//!
//! - `create_group()`, `add_member(group, who, role)`, `remove_member(group,
//!   who)`, `set_role(group, who, role)`, `leave(group)`,
//!   `transfer_ownership(group, new_owner)`.
//! - `group(group)`, `role_of(group, who)`, `can_write(group, who)`,
//!   `role_at(group, who, epoch)`, `can_write_at(group, who, epoch)`,
//!   `members(group, start, limit)` (paged, at most [`MAX_PAGE`]),
//!   `epoch(group)`, `member_count(group)`: queries.
//!
//! Events (topics: group and the member concerned): [`GroupCreated`],
//! [`MemberAdded`], [`MemberRemoved`] (also for leaving), [`RoleChanged`],
//! [`OwnershipTransferred`]. Each carries the new epoch.

#![cfg_attr(not(feature = "std"), no_std, no_main)]

pub use self::groups::{Error, Group, GroupId, Groups, Role};

#[ink::contract]
mod groups {
    use ink::codegen::TraitCallBuilder;
    use ink::env::call::FromAddr;
    use ink::prelude::vec::Vec;
    use ink::storage::Mapping;
    use inkpost_identity::IdentityRef;

    /// The most members one `members` query returns.
    pub const MAX_PAGE: u32 = 64;

    /// A group's id, assigned in order from 1.
    pub type GroupId = u64;

    /// What a member may do.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    #[ink::scale_derive(Encode, Decode, TypeInfo)]
    #[cfg_attr(feature = "std", derive(ink::storage::traits::StorageLayout))]
    pub enum Role {
        /// Reads only.
        Reader,
        /// Reads and writes.
        Member,
        /// Also adds and removes members and readers.
        Admin,
        /// Also adds and removes admins; exactly one per group.
        Owner,
    }

    impl Role {
        /// Whether the role may post messages.
        pub fn can_write(self) -> bool {
            !matches!(self, Role::Reader)
        }

        /// Whether the role manages members and readers.
        fn manages(self) -> bool {
            matches!(self, Role::Admin | Role::Owner)
        }
    }

    /// A group's state.
    #[derive(Debug, Clone, PartialEq, Eq)]
    #[ink::scale_derive(Encode, Decode, TypeInfo)]
    #[cfg_attr(feature = "std", derive(ink::storage::traits::StorageLayout))]
    pub struct Group {
        /// The owner.
        pub owner: Address,
        /// Grows by one on every membership or role change.
        pub epoch: u64,
        /// Number of members, owner included.
        pub member_count: u32,
        /// Block of creation.
        pub created_at: u32,
    }

    /// A member's role and position in the member list.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    #[ink::scale_derive(Encode, Decode, TypeInfo)]
    #[cfg_attr(feature = "std", derive(ink::storage::traits::StorageLayout))]
    struct Membership {
        role: Role,
        index: u32,
    }

    /// Entry `n` of an account's role history in a group.
    type HistoryEntry = (GroupId, Address, u32);

    /// A member's role from `epoch` on (`None`: not a member from then).
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    #[ink::scale_derive(Encode, Decode, TypeInfo)]
    #[cfg_attr(feature = "std", derive(ink::storage::traits::StorageLayout))]
    struct RoleSince {
        epoch: u64,
        role: Option<Role>,
    }

    /// Errors of the groups contract.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    #[ink::scale_derive(Encode, Decode, TypeInfo)]
    pub enum Error {
        /// Returned if the group does not exist.
        NoSuchGroup,
        /// Returned if the caller's role does not allow the change.
        NotAuthorized,
        /// Returned if the address has no registered identity.
        NotRegistered,
        /// Returned if the address is already a member.
        AlreadyMember,
        /// Returned if the address is not a member.
        NotAMember,
        /// Returned if the group already has `max_members` members.
        GroupFull,
        /// Returned if `Owner` is given as a role (use `transfer_ownership`).
        InvalidRole,
        /// Returned if the member already has that role.
        SameRole,
        /// Returned if someone tries to remove the owner or change its role.
        CannotRemoveOwner,
        /// Returned if the owner tries to leave; transfer ownership first.
        OwnerCannotLeave,
        /// Returned if the cross-contract call to the identity contract failed.
        IdentityUnavailable,
        /// Returned if a constructor argument is unusable (`max_members` < 2).
        InvalidConfig,
        /// Returned if an id, count or epoch would overflow.
        Overflow,
    }

    /// The groups contract's result type.
    pub type Result<T> = core::result::Result<T, Error>;

    /// Emitted when a group is created.
    #[ink(event)]
    pub struct GroupCreated {
        /// The new group.
        #[ink(topic)]
        pub group: GroupId,
        /// Its owner.
        #[ink(topic)]
        pub owner: Address,
        /// The first epoch (1).
        pub epoch: u64,
    }

    /// Emitted when a member is added.
    #[ink(event)]
    pub struct MemberAdded {
        /// The group.
        #[ink(topic)]
        pub group: GroupId,
        /// The new member.
        #[ink(topic)]
        pub member: Address,
        /// Its role.
        pub role: Role,
        /// The new epoch.
        pub epoch: u64,
    }

    /// Emitted when a member is removed or leaves (`by == member`).
    #[ink(event)]
    pub struct MemberRemoved {
        /// The group.
        #[ink(topic)]
        pub group: GroupId,
        /// The removed member.
        #[ink(topic)]
        pub member: Address,
        /// Who removed it.
        pub by: Address,
        /// The new epoch.
        pub epoch: u64,
    }

    /// Emitted when a member's role changes.
    #[ink(event)]
    pub struct RoleChanged {
        /// The group.
        #[ink(topic)]
        pub group: GroupId,
        /// The member.
        #[ink(topic)]
        pub member: Address,
        /// The new role.
        pub role: Role,
        /// The new epoch.
        pub epoch: u64,
    }

    /// Emitted when ownership passes to another member.
    #[ink(event)]
    pub struct OwnershipTransferred {
        /// The group.
        #[ink(topic)]
        pub group: GroupId,
        /// The previous owner, now an admin.
        #[ink(topic)]
        pub from: Address,
        /// The new owner.
        #[ink(topic)]
        pub to: Address,
        /// The new epoch.
        pub epoch: u64,
    }

    /// Groups, their members and roles.
    #[ink(storage)]
    pub struct Groups {
        identity: IdentityRef,
        max_members: u32,
        last_id: GroupId,
        groups: Mapping<GroupId, Group>,
        memberships: Mapping<(GroupId, Address), Membership>,
        member_at: Mapping<(GroupId, u32), Address>,
        /// Each account's role changes in a group, oldest first: entry `n`
        /// of `history_len[(group, who)]`.
        history: Mapping<HistoryEntry, RoleSince>,
        history_len: Mapping<(GroupId, Address), u32>,
    }

    impl Groups {
        /// Groups whose members must be registered in the identity contract
        /// at `identity`, with at most `max_members` members each (≥ 2).
        #[ink(constructor)]
        pub fn new(identity: Address, max_members: u32) -> Result<Self> {
            if max_members < 2 {
                return Err(Error::InvalidConfig);
            }
            Ok(Self {
                identity: IdentityRef::from_addr(identity),
                max_members,
                last_id: 0,
                groups: Mapping::default(),
                memberships: Mapping::default(),
                member_at: Mapping::default(),
                history: Mapping::default(),
                history_len: Mapping::default(),
            })
        }

        /// Creates a group owned by the caller, who must be registered.
        #[ink(message)]
        pub fn create_group(&mut self) -> Result<GroupId> {
            let owner = self.env().caller();
            self.ensure_registered(owner)?;
            let id = self.last_id.checked_add(1).ok_or(Error::Overflow)?;
            self.last_id = id;
            let mut group = Group {
                owner,
                epoch: 1,
                member_count: 0,
                created_at: self.env().block_number(),
            };
            self.push_member(id, &mut group, owner, Role::Owner)?;
            self.groups.insert(id, &group);
            self.env().emit_event(GroupCreated {
                group: id,
                owner,
                epoch: 1,
            });
            Ok(id)
        }

        /// Adds a registered identity with `role` (member, reader; admin only
        /// by the owner).
        #[ink(message)]
        pub fn add_member(&mut self, group: GroupId, who: Address, role: Role) -> Result<u64> {
            let (mut state, caller_role) = self.load_as_manager(group)?;
            match role {
                Role::Owner => return Err(Error::InvalidRole),
                Role::Admin if caller_role != Role::Owner => return Err(Error::NotAuthorized),
                _ => {}
            }
            if self.memberships.contains((group, who)) {
                return Err(Error::AlreadyMember);
            }
            if state.member_count >= self.max_members {
                return Err(Error::GroupFull);
            }
            self.ensure_registered(who)?;
            state.epoch = next_epoch(&state)?;
            self.push_member(group, &mut state, who, role)?;
            let epoch = state.epoch;
            self.groups.insert(group, &state);
            self.env().emit_event(MemberAdded {
                group,
                member: who,
                role,
                epoch,
            });
            Ok(epoch)
        }

        /// Removes a member (admins only by the owner; never the owner).
        #[ink(message)]
        pub fn remove_member(&mut self, group: GroupId, who: Address) -> Result<u64> {
            let (state, caller_role) = self.load_as_manager(group)?;
            let membership = self
                .memberships
                .get((group, who))
                .ok_or(Error::NotAMember)?;
            match membership.role {
                Role::Owner => return Err(Error::CannotRemoveOwner),
                Role::Admin if caller_role != Role::Owner => return Err(Error::NotAuthorized),
                _ => {}
            }
            self.remove(group, state, who, membership)
        }

        /// Leaves a group (the owner must transfer ownership first).
        #[ink(message)]
        pub fn leave(&mut self, group: GroupId) -> Result<u64> {
            let caller = self.env().caller();
            let state = self.groups.get(group).ok_or(Error::NoSuchGroup)?;
            let membership = self
                .memberships
                .get((group, caller))
                .ok_or(Error::NotAMember)?;
            if membership.role == Role::Owner {
                return Err(Error::OwnerCannotLeave);
            }
            self.remove(group, state, caller, membership)
        }

        /// Changes a member's role (to or from admin only by the owner).
        #[ink(message)]
        pub fn set_role(&mut self, group: GroupId, who: Address, role: Role) -> Result<u64> {
            let (mut state, caller_role) = self.load_as_manager(group)?;
            let mut membership = self
                .memberships
                .get((group, who))
                .ok_or(Error::NotAMember)?;
            if role == Role::Owner {
                return Err(Error::InvalidRole);
            }
            match membership.role {
                Role::Owner => return Err(Error::CannotRemoveOwner),
                current
                    if caller_role != Role::Owner
                        && (current == Role::Admin || role == Role::Admin) =>
                {
                    return Err(Error::NotAuthorized)
                }
                current if current == role => return Err(Error::SameRole),
                _ => {}
            }
            let epoch = next_epoch(&state)?;
            membership.role = role;
            self.memberships.insert((group, who), &membership);
            self.record(group, who, epoch, Some(role))?;
            state.epoch = epoch;
            self.groups.insert(group, &state);
            self.env().emit_event(RoleChanged {
                group,
                member: who,
                role,
                epoch,
            });
            Ok(epoch)
        }

        /// Hands the group to another member; the caller becomes an admin.
        #[ink(message)]
        pub fn transfer_ownership(&mut self, group: GroupId, new_owner: Address) -> Result<u64> {
            let caller = self.env().caller();
            let mut state = self.groups.get(group).ok_or(Error::NoSuchGroup)?;
            if state.owner != caller {
                return Err(Error::NotAuthorized);
            }
            if new_owner == caller {
                return Err(Error::SameRole);
            }
            let mut heir = self
                .memberships
                .get((group, new_owner))
                .ok_or(Error::NotAMember)?;
            let mut old = self
                .memberships
                .get((group, caller))
                .ok_or(Error::NotAMember)?;
            let epoch = next_epoch(&state)?;
            heir.role = Role::Owner;
            old.role = Role::Admin;
            self.memberships.insert((group, new_owner), &heir);
            self.memberships.insert((group, caller), &old);
            self.record(group, new_owner, epoch, Some(Role::Owner))?;
            self.record(group, caller, epoch, Some(Role::Admin))?;
            state.owner = new_owner;
            state.epoch = epoch;
            self.groups.insert(group, &state);
            self.env().emit_event(OwnershipTransferred {
                group,
                from: caller,
                to: new_owner,
                epoch,
            });
            Ok(epoch)
        }

        /// A group's state.
        #[ink(message)]
        pub fn group(&self, group: GroupId) -> Option<Group> {
            self.groups.get(group)
        }

        /// The role of `who` in `group`, if a member.
        #[ink(message)]
        pub fn role_of(&self, group: GroupId, who: Address) -> Option<Role> {
            self.memberships.get((group, who)).map(|m| m.role)
        }

        /// Whether `who` may post in `group`.
        #[ink(message)]
        pub fn can_write(&self, group: GroupId, who: Address) -> bool {
            self.role_of(group, who).is_some_and(Role::can_write)
        }

        /// The role `who` held in `group` at `epoch`, for any epoch up to the
        /// current one (`None` for a later epoch, epoch 0, or a non-member).
        #[ink(message)]
        pub fn role_at(&self, group: GroupId, who: Address, epoch: u64) -> Option<Role> {
            let current = self.groups.get(group)?.epoch;
            if epoch == 0 || epoch > current {
                return None;
            }
            // The changes are in epoch order: find how many began at or
            // before `epoch`; the last of those is in force.
            let (mut begun, mut later) = (0u32, self.history_len.get((group, who)).unwrap_or(0));
            while begun < later {
                let mid = begun + (later - begun) / 2;
                if self.history.get((group, who, mid))?.epoch <= epoch {
                    begun = mid + 1;
                } else {
                    later = mid;
                }
            }
            self.history.get((group, who, begun.checked_sub(1)?))?.role
        }

        /// Whether `who` could post in `group` at `epoch`.
        #[ink(message)]
        pub fn can_write_at(&self, group: GroupId, who: Address, epoch: u64) -> bool {
            self.role_at(group, who, epoch).is_some_and(Role::can_write)
        }

        /// Up to `limit` (at most [`MAX_PAGE`]) members from position `start`.
        #[ink(message)]
        pub fn members(&self, group: GroupId, start: u32, limit: u32) -> Vec<(Address, Role)> {
            let count = self.groups.get(group).map_or(0, |g| g.member_count);
            let end = start.saturating_add(limit.min(MAX_PAGE)).min(count);
            (start..end)
                .filter_map(|index| {
                    let who = self.member_at.get((group, index))?;
                    Some((who, self.role_of(group, who)?))
                })
                .collect()
        }

        /// The group's current epoch.
        #[ink(message)]
        pub fn epoch(&self, group: GroupId) -> Option<u64> {
            self.groups.get(group).map(|g| g.epoch)
        }

        /// The number of members, owner included.
        #[ink(message)]
        pub fn member_count(&self, group: GroupId) -> Option<u32> {
            self.groups.get(group).map(|g| g.member_count)
        }

        /// The member cap.
        #[ink(message)]
        pub fn max_members(&self) -> u32 {
            self.max_members
        }

        /// The identity contract members must be registered in.
        #[ink(message)]
        pub fn identity(&self) -> Address {
            ink::ToAddr::to_addr(&self.identity)
        }

        /// The group and the caller's role, if the caller is owner or admin.
        fn load_as_manager(&self, group: GroupId) -> Result<(Group, Role)> {
            let state = self.groups.get(group).ok_or(Error::NoSuchGroup)?;
            let role = self
                .role_of(group, self.env().caller())
                .filter(|role| role.manages())
                .ok_or(Error::NotAuthorized)?;
            Ok((state, role))
        }

        fn ensure_registered(&self, who: Address) -> Result<()> {
            let registered = self
                .identity
                .call()
                .is_registered(who)
                .try_invoke()
                .map_err(|_| Error::IdentityUnavailable)?
                .map_err(|_| Error::IdentityUnavailable)?;
            if registered {
                Ok(())
            } else {
                Err(Error::NotRegistered)
            }
        }

        fn push_member(
            &mut self,
            group: GroupId,
            state: &mut Group,
            who: Address,
            role: Role,
        ) -> Result<()> {
            let index = state.member_count;
            state.member_count = index.checked_add(1).ok_or(Error::Overflow)?;
            self.member_at.insert((group, index), &who);
            self.memberships
                .insert((group, who), &Membership { role, index });
            self.record(group, who, state.epoch, Some(role))
        }

        /// Notes that `who` holds `role` in `group` from `epoch` on.
        fn record(
            &mut self,
            group: GroupId,
            who: Address,
            epoch: u64,
            role: Option<Role>,
        ) -> Result<()> {
            let len = self.history_len.get((group, who)).unwrap_or(0);
            self.history
                .insert((group, who, len), &RoleSince { epoch, role });
            let len = len.checked_add(1).ok_or(Error::Overflow)?;
            self.history_len.insert((group, who), &len);
            Ok(())
        }

        /// Removes `who` by moving the last member into its slot.
        fn remove(
            &mut self,
            group: GroupId,
            mut state: Group,
            who: Address,
            membership: Membership,
        ) -> Result<u64> {
            let epoch = next_epoch(&state)?;
            let last = state.member_count.checked_sub(1).ok_or(Error::Overflow)?;
            if membership.index != last {
                let moved = self.member_at.get((group, last)).ok_or(Error::NotAMember)?;
                let mut moved_membership = self
                    .memberships
                    .get((group, moved))
                    .ok_or(Error::NotAMember)?;
                moved_membership.index = membership.index;
                self.member_at.insert((group, membership.index), &moved);
                self.memberships.insert((group, moved), &moved_membership);
            }
            self.member_at.remove((group, last));
            self.memberships.remove((group, who));
            self.record(group, who, epoch, None)?;
            state.member_count = last;
            state.epoch = epoch;
            self.groups.insert(group, &state);
            self.env().emit_event(MemberRemoved {
                group,
                member: who,
                by: self.env().caller(),
                epoch,
            });
            Ok(epoch)
        }
    }

    fn next_epoch(state: &Group) -> Result<u64> {
        state.epoch.checked_add(1).ok_or(Error::Overflow)
    }

    #[cfg(test)]
    mod tests {
        use super::*;
        use ink::env::{test, DefaultEnvironment};
        use ink::U256;

        struct World {
            groups: Groups,
            identity: IdentityRef,
        }

        /// An address that `address_of` maps some account id to, and that id.
        fn account(n: u8) -> ([u8; 32], Address) {
            let id = [n; 32];
            (id, inkpost_common::address_of(&id))
        }

        fn who(n: u8) -> Address {
            account(n).1
        }

        /// Identity and groups contracts in the off-chain engine, with
        /// accounts 1..=6 registered and account 9 not.
        fn world(max_members: u32) -> World {
            let code = test::upload_code::<DefaultEnvironment, IdentityRef>();
            let mut identity: IdentityRef = IdentityRef::new(U256::zero())
                .code_hash(code)
                .endowment(U256::zero())
                .salt_bytes(Some([1; 32]))
                .instantiate();
            for n in 1..=6 {
                let (id, address) = account(n);
                test::set_caller(address);
                identity
                    .register(ink::prelude::format!("user{n}"), id, [n; 32])
                    .expect("register");
            }
            let groups = Groups::new(ink::ToAddr::to_addr(&identity), max_members).unwrap();
            test::set_caller(who(1));
            World { groups, identity }
        }

        fn as_caller(n: u8) {
            test::set_caller(who(n));
        }

        fn events() -> usize {
            test::recorded_events().len()
        }

        #[ink::test]
        fn create_makes_the_caller_owner_at_epoch_one() {
            let mut w = world(10);
            let group = w.groups.create_group().unwrap();
            assert_eq!(group, 1);
            assert_eq!(w.groups.role_of(group, who(1)), Some(Role::Owner));
            assert_eq!(w.groups.epoch(group), Some(1));
            assert_eq!(w.groups.member_count(group), Some(1));
            assert_eq!(w.groups.members(group, 0, 10), [(who(1), Role::Owner)]);
            assert_eq!(w.groups.create_group(), Ok(2));
            assert_eq!(w.groups.identity(), ink::ToAddr::to_addr(&w.identity));
        }

        #[ink::test]
        fn an_unregistered_caller_cannot_create() {
            let mut w = world(10);
            as_caller(9);
            let before = events();
            assert_eq!(w.groups.create_group(), Err(Error::NotRegistered));
            assert_eq!(w.groups.group(1), None);
            assert_eq!(events(), before);
        }

        #[ink::test]
        fn every_change_bumps_the_epoch() {
            let mut w = world(10);
            let g = w.groups.create_group().unwrap();
            assert_eq!(w.groups.add_member(g, who(2), Role::Admin), Ok(2));
            assert_eq!(w.groups.add_member(g, who(3), Role::Member), Ok(3));
            assert_eq!(w.groups.set_role(g, who(3), Role::Reader), Ok(4));
            assert_eq!(w.groups.remove_member(g, who(3)), Ok(5));
            as_caller(2);
            assert_eq!(w.groups.leave(g), Ok(6));
            as_caller(1);
            assert_eq!(w.groups.add_member(g, who(4), Role::Member), Ok(7));
            assert_eq!(w.groups.transfer_ownership(g, who(4)), Ok(8));
            assert_eq!(w.groups.epoch(g), Some(8));
            assert_eq!(w.groups.role_of(g, who(4)), Some(Role::Owner));
            assert_eq!(w.groups.role_of(g, who(1)), Some(Role::Admin));
            assert_eq!(w.groups.group(g).unwrap().owner, who(4));
        }

        #[ink::test]
        fn roles_are_known_at_every_past_epoch() {
            let mut w = world(10);
            let g = w.groups.create_group().unwrap(); // 1
            w.groups.add_member(g, who(3), Role::Member).unwrap(); // 2
            w.groups.add_member(g, who(2), Role::Admin).unwrap(); // 3
            w.groups.set_role(g, who(3), Role::Reader).unwrap(); // 4
            w.groups.remove_member(g, who(3)).unwrap(); // 5
            w.groups.add_member(g, who(3), Role::Member).unwrap(); // 6
            as_caller(2);
            w.groups.leave(g).unwrap(); // 7
            as_caller(1);
            w.groups.add_member(g, who(2), Role::Member).unwrap(); // 8
            w.groups.transfer_ownership(g, who(2)).unwrap(); // 9

            // Each account's role at epochs 1 to 9 (x: not a member).
            let (o, a, m, r, x) = (
                Some(Role::Owner),
                Some(Role::Admin),
                Some(Role::Member),
                Some(Role::Reader),
                None,
            );
            let expected: [(u8, [Option<Role>; 9]); 4] = [
                (1, [o, o, o, o, o, o, o, o, a]),
                (2, [x, x, a, a, a, a, x, m, o]),
                (3, [x, m, m, r, x, m, m, m, m]),
                (4, [x; 9]),
            ];
            for (n, roles) in expected {
                for (epoch, role) in (1..=9).zip(roles) {
                    assert_eq!(
                        w.groups.role_at(g, who(n), epoch),
                        role,
                        "account {n} at epoch {epoch}"
                    );
                    let writes = role.is_some_and(Role::can_write);
                    assert_eq!(w.groups.can_write_at(g, who(n), epoch), writes);
                }
                // No answer for epoch 0, a future epoch or another group
                assert_eq!(w.groups.role_at(g, who(n), 0), None);
                assert_eq!(w.groups.role_at(g, who(n), 10), None);
                assert_eq!(w.groups.role_at(g + 1, who(n), 1), None);
            }
            // The present agrees with the last epoch
            assert_eq!(w.groups.role_at(g, who(3), 9), w.groups.role_of(g, who(3)));
        }

        #[ink::test]
        fn only_registered_identities_can_be_added() {
            let mut w = world(10);
            let g = w.groups.create_group().unwrap();
            assert_eq!(
                w.groups.add_member(g, who(9), Role::Member),
                Err(Error::NotRegistered)
            );
            assert_eq!(w.groups.role_of(g, who(9)), None);
            assert_eq!(w.groups.epoch(g), Some(1));
        }

        #[ink::test]
        fn a_non_admin_cannot_add_or_remove() {
            let mut w = world(10);
            let g = w.groups.create_group().unwrap();
            w.groups.add_member(g, who(2), Role::Member).unwrap();
            w.groups.add_member(g, who(3), Role::Reader).unwrap();
            let before = events();
            for caller in [2, 3, 9] {
                as_caller(caller);
                assert_eq!(
                    w.groups.add_member(g, who(4), Role::Member),
                    Err(Error::NotAuthorized)
                );
                assert_eq!(w.groups.remove_member(g, who(2)), Err(Error::NotAuthorized));
                assert_eq!(
                    w.groups.set_role(g, who(3), Role::Member),
                    Err(Error::NotAuthorized)
                );
            }
            assert_eq!(w.groups.member_count(g), Some(3));
            assert_eq!(w.groups.epoch(g), Some(3));
            assert_eq!(events(), before);
        }

        #[ink::test]
        fn a_reader_cannot_write() {
            let mut w = world(10);
            let g = w.groups.create_group().unwrap();
            w.groups.add_member(g, who(2), Role::Reader).unwrap();
            w.groups.add_member(g, who(3), Role::Member).unwrap();
            assert!(!w.groups.can_write(g, who(2)));
            assert!(w.groups.can_write(g, who(3)));
            assert!(w.groups.can_write(g, who(1)));
            assert!(!w.groups.can_write(g, who(9)));
            assert!(!w.groups.can_write(99, who(1)));
        }

        #[ink::test]
        fn an_admin_cannot_remove_the_owner_or_other_admins() {
            let mut w = world(10);
            let g = w.groups.create_group().unwrap();
            w.groups.add_member(g, who(2), Role::Admin).unwrap();
            w.groups.add_member(g, who(3), Role::Admin).unwrap();
            w.groups.add_member(g, who(4), Role::Member).unwrap();
            as_caller(2);
            assert_eq!(
                w.groups.remove_member(g, who(1)),
                Err(Error::CannotRemoveOwner)
            );
            assert_eq!(w.groups.remove_member(g, who(3)), Err(Error::NotAuthorized));
            assert_eq!(
                w.groups.set_role(g, who(1), Role::Reader),
                Err(Error::CannotRemoveOwner)
            );
            assert_eq!(
                w.groups.set_role(g, who(3), Role::Member),
                Err(Error::NotAuthorized)
            );
            assert_eq!(
                w.groups.set_role(g, who(4), Role::Admin),
                Err(Error::NotAuthorized)
            );
            assert_eq!(
                w.groups.add_member(g, who(5), Role::Admin),
                Err(Error::NotAuthorized)
            );
            assert_eq!(
                w.groups.transfer_ownership(g, who(2)),
                Err(Error::NotAuthorized)
            );
            // What an admin may do: manage members and readers.
            assert_eq!(w.groups.set_role(g, who(4), Role::Reader), Ok(5));
            assert_eq!(w.groups.remove_member(g, who(4)), Ok(6));
            // The owner may remove an admin.
            as_caller(1);
            assert_eq!(w.groups.remove_member(g, who(3)), Ok(7));
            assert_eq!(w.groups.role_of(g, who(1)), Some(Role::Owner));
        }

        #[ink::test]
        fn the_owner_cannot_leave_without_transferring() {
            let mut w = world(10);
            let g = w.groups.create_group().unwrap();
            w.groups.add_member(g, who(2), Role::Member).unwrap();
            assert_eq!(w.groups.leave(g), Err(Error::OwnerCannotLeave));
            assert_eq!(
                w.groups.remove_member(g, who(1)),
                Err(Error::CannotRemoveOwner)
            );
            w.groups.transfer_ownership(g, who(2)).unwrap();
            assert_eq!(w.groups.leave(g), Ok(4));
            assert_eq!(w.groups.members(g, 0, 10), [(who(2), Role::Owner)]);
        }

        #[ink::test]
        fn bad_arguments_are_rejected() {
            let mut w = world(3);
            let g = w.groups.create_group().unwrap();
            assert_eq!(
                w.groups.add_member(g, who(2), Role::Owner),
                Err(Error::InvalidRole)
            );
            assert_eq!(
                w.groups.add_member(7, who(2), Role::Member),
                Err(Error::NoSuchGroup)
            );
            w.groups.add_member(g, who(2), Role::Member).unwrap();
            assert_eq!(
                w.groups.add_member(g, who(2), Role::Reader),
                Err(Error::AlreadyMember)
            );
            assert_eq!(
                w.groups.set_role(g, who(2), Role::Member),
                Err(Error::SameRole)
            );
            assert_eq!(
                w.groups.set_role(g, who(2), Role::Owner),
                Err(Error::InvalidRole)
            );
            assert_eq!(
                w.groups.set_role(g, who(5), Role::Reader),
                Err(Error::NotAMember)
            );
            assert_eq!(w.groups.remove_member(g, who(5)), Err(Error::NotAMember));
            assert_eq!(
                w.groups.transfer_ownership(g, who(5)),
                Err(Error::NotAMember)
            );
            assert_eq!(w.groups.transfer_ownership(g, who(1)), Err(Error::SameRole));
            w.groups.add_member(g, who(3), Role::Member).unwrap();
            assert_eq!(
                w.groups.add_member(g, who(4), Role::Member),
                Err(Error::GroupFull)
            );
            as_caller(5);
            assert_eq!(w.groups.leave(g), Err(Error::NotAMember));
            assert_eq!(w.groups.epoch(g), Some(3));
            assert_eq!(
                Groups::new(ink::ToAddr::to_addr(&w.identity), 1).err(),
                Some(Error::InvalidConfig)
            );
        }

        #[ink::test]
        fn members_page_and_stay_consistent_after_removals() {
            let mut w = world(10);
            let g = w.groups.create_group().unwrap();
            for n in 2..=6 {
                w.groups.add_member(g, who(n), Role::Member).unwrap();
            }
            w.groups.remove_member(g, who(2)).unwrap();
            w.groups.remove_member(g, who(6)).unwrap();
            let all = w.groups.members(g, 0, 100);
            let mut addresses: Vec<_> = all.iter().map(|(a, _)| *a).collect();
            addresses.sort();
            let mut expected = [who(1), who(3), who(4), who(5)];
            expected.sort();
            assert_eq!(addresses, expected);
            assert_eq!(w.groups.members(g, 0, 2).len(), 2);
            assert_eq!(w.groups.members(g, 2, 2).len(), 2);
            assert_eq!(w.groups.members(g, 4, 2).len(), 0);
            assert_eq!(w.groups.members(g, u32::MAX, u32::MAX).len(), 0);
            assert_eq!(w.groups.members(99, 0, 10).len(), 0);
        }
    }
}
