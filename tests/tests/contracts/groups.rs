//! Groups: roles decide who may change a group, and a member must be
//! registered in identity (a cross-contract call).

use inkpost_sdk::chain::Chain;
use inkpost_sdk::contracts::{
    Contract, ContractError, GroupState, GroupsError, Role, groups, identity as registry,
};
use inkpost_sdk::ids::{GroupId, KeyVersion};
use inkpost_tests::world::{DEPOSIT, World, account_suri, call_ok, identity, signer};

use crate::{account, anyone, refused};

/// The group's state and everyone's role in it, as the contract holds them.
async fn snapshot(
    world: &World,
    chain: &Chain,
    group: GroupId,
    who: &[&str],
) -> (GroupState, Vec<Option<Role>>) {
    let me = anyone();
    let contract = world.deployment.groups;
    let state: Option<GroupState> = chain
        .query(&me, contract, &groups::group(group))
        .await
        .unwrap();
    let mut roles = Vec::new();
    for uri in who {
        let address = identity(uri).address();
        let role: Option<Role> = chain
            .query(&me, contract, &groups::role_of(group, &address))
            .await
            .unwrap();
        roles.push(role);
    }
    (state.expect("the group exists"), roles)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn groups_refuse_what_a_role_does_not_allow_and_unregistered_members() {
    let world = World::shared();
    let chain = world.chain().await;
    let contract = world.deployment.groups;
    // Given Alice's group with Bob as admin and Charlie as reader (epoch 3)
    let staff = [("//Bob", Role::Admin), ("//Charlie", Role::Reader)];
    let group = world.group(&chain, "//Alice", &staff).await;
    let everyone = ["//Alice", "//Bob", "//Charlie", "//Eve", "//Dave"];
    let before = snapshot(world, &chain, group, &everyone).await;
    assert_eq!(before.0.epoch, 3);
    let address = |uri: &str| identity(uri).address();
    let error = |error| ContractError::Groups(error);

    // When each role tries what it may not, each is refused
    let tries = [
        // a reader adds a member
        (
            "//Charlie",
            groups::add_member(group, &address("//Eve"), Role::Member),
            GroupsError::NotAuthorized,
        ),
        // an outsider adds herself
        (
            "//Eve",
            groups::add_member(group, &address("//Eve"), Role::Reader),
            GroupsError::NotAuthorized,
        ),
        // an admin removes the owner, promotes a reader to admin, or
        // takes the group
        (
            "//Bob",
            groups::remove_member(group, &address("//Alice")),
            GroupsError::CannotRemoveOwner,
        ),
        (
            "//Bob",
            groups::set_role(group, &address("//Charlie"), Role::Admin),
            GroupsError::NotAuthorized,
        ),
        (
            "//Bob",
            groups::transfer_ownership(group, &address("//Bob")),
            GroupsError::NotAuthorized,
        ),
        // the owner adds a second owner, someone twice, or Dave, who has
        // no identity (groups asks identity)
        (
            "//Alice",
            groups::add_member(group, &address("//Eve"), Role::Owner),
            GroupsError::InvalidRole,
        ),
        (
            "//Alice",
            groups::add_member(group, &address("//Bob"), Role::Member),
            GroupsError::AlreadyMember,
        ),
        (
            "//Alice",
            groups::add_member(group, &address("//Dave"), Role::Member),
            GroupsError::NotRegistered,
        ),
        // the owner leaves
        (
            "//Alice",
            groups::leave(group),
            GroupsError::OwnerCannotLeave,
        ),
    ];
    for (who, input, expected) in tries {
        let refusal = refused(&chain, &signer(who), Contract::Groups, contract, &input).await;
        assert_eq!(refusal, error(expected), "{who}");
    }

    // Then the group, its epoch and every role are as they were
    assert_eq!(snapshot(world, &chain, group, &everyone).await, before);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn groups_admit_an_account_once_identity_has_it_registered() {
    let world = World::shared();
    let chain = world.chain().await;
    let late = account(world, &chain, "groups-late").await;
    let me = late.identity();
    let group = world.group(&chain, "//Alice", &[]).await;
    let add = groups::add_member(group, &me.address(), Role::Member);
    let alice = signer("//Alice");

    // Given an account without an identity, the owner cannot add it
    let refusal = refused(
        &chain,
        &alice,
        Contract::Groups,
        world.deployment.groups,
        &add,
    )
    .await;
    assert_eq!(refusal, ContractError::Groups(GroupsError::NotRegistered));

    // When it registers
    let key = me.encryption_key(KeyVersion(1));
    let register = registry::register("late", &me.account_id(), &key);
    call_ok(&chain, &late, world.deployment.identity, DEPOSIT, register).await;

    // Then adding it works, at epoch 2, as a writing member
    call_ok(&chain, &alice, world.deployment.groups, 0, add).await;
    let (state, roles) = snapshot(world, &chain, group, &[&account_suri("groups-late")]).await;
    assert_eq!((state.epoch, state.member_count), (2, 2));
    assert_eq!(roles, [Some(Role::Member)]);
}
