//! End-to-end tests of the directory, identity and groups, on inkpost-node
//! (see the crate docs): registration with the protocol library's keys,
//! groups checking registration in identity across contracts, and the
//! attacks on a group's roles.

use ink_e2e::ContractsBackend;
use inkpost_contracts_e2e::{
    assert_rejected, deploy_groups, deploy_identity, directory, query, register, Deployed, Dev,
    E2EResult, NodeClient, MAX_MEMBERS,
};
use inkpost_groups::{Error, GroupId, Groups, Role};

/// A group owned by Alice with Bob as admin and Charlie as reader, all
/// three registered: the stage of the attacks.
struct Staffed {
    groups: Deployed<Groups>,
    group: GroupId,
    alice: Dev,
    bob: Dev,
    charlie: Dev,
}

async fn staffed_group(client: &mut NodeClient) -> E2EResult<Staffed> {
    let (alice, bob, charlie) = (Dev::new("alice"), Dev::new("bob"), Dev::new("charlie"));
    let (_, mut groups) = directory(client, &[&alice, &bob, &charlie], MAX_MEMBERS).await?;
    let group = client
        .call(&alice.signer, &groups.call.create_group())
        .submit()
        .await?
        .return_value()
        .expect("group");
    client
        .call(
            &alice.signer,
            &groups.call.add_member(group, bob.address(), Role::Admin),
        )
        .submit()
        .await
        .expect("add bob as admin");
    client
        .call(
            &alice.signer,
            &groups
                .call
                .add_member(group, charlie.address(), Role::Reader),
        )
        .submit()
        .await
        .expect("add charlie as reader");
    Ok(Staffed {
        groups,
        group,
        alice,
        bob,
        charlie,
    })
}

/// After an attack: the reader still may not write and the epoch did not
/// move from the three the setup gave it.
async fn assert_group_unchanged(client: &mut NodeClient, staffed: &Staffed) -> E2EResult<()> {
    let (calls, group) = (&staffed.groups.call, staffed.group);
    let can_write = query!(client, calls.can_write(group, staffed.charlie.address()));
    assert!(!can_write);
    assert_eq!(
        query!(client, calls.role_of(group, staffed.charlie.address())),
        Some(Role::Reader)
    );
    assert_eq!(query!(client, calls.epoch(group)), Some(3));
    Ok(())
}

#[ink_e2e::test]
async fn registered_accounts_are_found_by_handle_with_their_keys<Client: E2EBackend>(
    mut client: Client,
) -> E2EResult<()> {
    // Given identity
    let (alice, bob) = (Dev::new("alice"), Dev::new("bob"));
    let mut identity = deploy_identity(&mut client).await?;

    // When Alice and Bob register with keys from the protocol library
    register(&mut client, &mut identity, &alice).await?;
    register(&mut client, &mut identity, &bob).await?;

    // Then Bob's address and encryption key are found under his handle
    let found = query!(client, identity.call.by_handle("bob".into())).expect("bob is registered");
    assert_eq!(found.0, bob.address());
    assert_eq!(found.1.encryption_key, bob.encryption_key());
    Ok(())
}

#[ink_e2e::test]
async fn owner_adds_a_registered_member_at_epoch_two<Client: E2EBackend>(
    mut client: Client,
) -> E2EResult<()> {
    // Given Alice and Bob registered
    let (alice, bob) = (Dev::new("alice"), Dev::new("bob"));
    let (_, mut groups) = directory(&mut client, &[&alice, &bob], MAX_MEMBERS).await?;

    // When Alice creates a group and adds Bob
    let group = client
        .call(&alice.signer, &groups.call.create_group())
        .submit()
        .await
        .expect("create group")
        .return_value()
        .expect("group id");
    let epoch = client
        .call(
            &alice.signer,
            &groups.call.add_member(group, bob.address(), Role::Member),
        )
        .submit()
        .await
        .expect("add bob")
        .return_value()
        .expect("epoch");

    // Then Bob is a writing member at epoch 2
    assert_eq!(epoch, 2);
    let role = query!(client, groups.call.role_of(group, bob.address()));
    assert_eq!(role, Some(Role::Member));
    Ok(())
}

#[ink_e2e::test]
async fn groups_refuse_an_account_until_identity_has_it_registered<Client: E2EBackend>(
    mut client: Client,
) -> E2EResult<()> {
    let (alice, bob) = (Dev::new("alice"), Dev::new("bob"));
    // Given identity and groups contracts
    let mut identity = deploy_identity(&mut client).await?;
    let mut groups = deploy_groups(&mut client, identity.addr, 8).await?;

    // When only Alice is registered
    register(&mut client, &mut identity, &alice).await?;
    let group = client
        .call(&alice.signer, &groups.call.create_group())
        .submit()
        .await
        .expect("create group")
        .return_value()
        .expect("group id");

    // Then adding unregistered Bob fails through the cross-contract check
    assert_rejected!(
        client,
        &alice.signer,
        groups.call.add_member(group, bob.address(), Role::Member),
        Error::NotRegistered
    );

    // And once Bob registers, adding him works and bumps the epoch
    register(&mut client, &mut identity, &bob).await?;
    let epoch = client
        .call(
            &alice.signer,
            &groups.call.add_member(group, bob.address(), Role::Member),
        )
        .submit()
        .await
        .expect("add bob")
        .return_value()
        .expect("epoch");
    assert_eq!(epoch, 2);
    assert_eq!(
        query!(client, groups.call.role_of(group, bob.address())),
        Some(Role::Member)
    );
    assert_eq!(query!(client, groups.call.member_count(group)), Some(2));
    Ok(())
}

#[ink_e2e::test]
async fn reader_cannot_add_members<Client: E2EBackend>(mut client: Client) -> E2EResult<()> {
    let mut staffed = staffed_group(&mut client).await?;
    let dave = Dev::new("dave");
    assert_rejected!(
        client,
        &staffed.charlie.signer,
        staffed
            .groups
            .call
            .add_member(staffed.group, dave.address(), Role::Member),
        Error::NotAuthorized
    );
    assert_group_unchanged(&mut client, &staffed).await
}

#[ink_e2e::test]
async fn admin_cannot_remove_the_owner<Client: E2EBackend>(mut client: Client) -> E2EResult<()> {
    let mut staffed = staffed_group(&mut client).await?;
    let owner = staffed.alice.address();
    assert_rejected!(
        client,
        &staffed.bob.signer,
        staffed.groups.call.remove_member(staffed.group, owner),
        Error::CannotRemoveOwner
    );
    assert_eq!(
        query!(client, staffed.groups.call.role_of(staffed.group, owner)),
        Some(Role::Owner)
    );
    assert_group_unchanged(&mut client, &staffed).await
}

#[ink_e2e::test]
async fn admin_cannot_promote_a_reader_to_admin<Client: E2EBackend>(
    mut client: Client,
) -> E2EResult<()> {
    let mut staffed = staffed_group(&mut client).await?;
    let reader = staffed.charlie.address();
    assert_rejected!(
        client,
        &staffed.bob.signer,
        staffed
            .groups
            .call
            .set_role(staffed.group, reader, Role::Admin),
        Error::NotAuthorized
    );
    assert_group_unchanged(&mut client, &staffed).await
}

#[ink_e2e::test]
async fn owner_cannot_add_an_unregistered_account<Client: E2EBackend>(
    mut client: Client,
) -> E2EResult<()> {
    let mut staffed = staffed_group(&mut client).await?;
    let eve = Dev::new("eve");
    assert_rejected!(
        client,
        &staffed.alice.signer,
        staffed
            .groups
            .call
            .add_member(staffed.group, eve.address(), Role::Member),
        Error::NotRegistered
    );
    assert_eq!(
        query!(
            client,
            staffed.groups.call.role_of(staffed.group, eve.address())
        ),
        None
    );
    assert_group_unchanged(&mut client, &staffed).await
}
