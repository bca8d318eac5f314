//! End-to-end tests on a real ink-node 0.43.2 (`CONTRACTS_NODE`, or `ink-node`
//! on PATH): each test starts its own dev chain, deploys the contracts built
//! by ink_e2e and drives them with real extrinsics, real value transfers and
//! vouchers signed by `inkpost_sdk`.

use ink::U256;
use ink_e2e::{ChainBackend, ContractsBackend};
use inkpost_anchors::{Anchors, AnchorsRef};
use inkpost_contracts_e2e::{
    address, contract_account, identity, value, voucher, DEPOSIT, DOMAIN, TOKEN, UNIT,
};
use inkpost_escrow::{Escrow, EscrowRef};
use inkpost_groups::{Groups, GroupsRef, Role};
use inkpost_identity::{Identity, IdentityRef};
use inkpost_sdk::ids::{KeyVersion, MessageId};
use inkpost_sdk::merkle::MerkleTree;

type E2EResult<T> = Result<T, Box<dyn std::error::Error>>;

/// Blocks between `start_close` and `finalize` in these tests.
const DISPUTE_WINDOW: u32 = 2;

/// Asserts that a call fails with exactly `$error` in a dry run and that
/// submitting it fails on chain.
macro_rules! assert_rejected {
    ($client:expr, $signer:expr, $message:expr, $error:expr) => {{
        let dry_run = $client.call($signer, &$message).dry_run().await?;
        assert!(dry_run.did_revert(), "expected a revert");
        assert_eq!(dry_run.return_value().map(|_| ()), Err($error));
        assert!(
            $client.call($signer, &$message).submit().await.is_err(),
            "the extrinsic must fail"
        );
    }};
}

/// Produces one block by sending a read-only message as an extrinsic.
///
/// ink_e2e sizes a call's gas limit from a dry run at the best block, and
/// the extrinsic executes in the next one. A message whose branch depends
/// on the block number (`finalize` right when the dispute window ends) takes
/// the cheap early return in the dry run and then runs out of gas on the
/// costly branch. One more block first makes both see the window passed.
macro_rules! next_block {
    ($client:expr, $escrow:expr) => {{
        $client
            .call(&ink_e2e::charlie(), &$escrow.dispute_window())
            .submit()
            .await
            .expect("an empty block");
    }};
}

#[ink_e2e::test]
async fn deploy_register_group_anchor_and_pay<Client: E2EBackend>(
    mut client: Client,
) -> E2EResult<()> {
    let (alice, bob) = (identity("//Alice"), identity("//Bob"));

    // Given the four contracts deployed by Alice
    let mut constructor = IdentityRef::new(value(DEPOSIT));
    let identity_contract = client
        .instantiate("inkpost_identity", &ink_e2e::alice(), &mut constructor)
        .submit()
        .await
        .expect("instantiate identity");
    let mut ids = identity_contract.call_builder::<Identity>();
    let mut constructor = GroupsRef::new(identity_contract.addr, 16);
    let groups_contract = client
        .instantiate("inkpost_groups", &ink_e2e::alice(), &mut constructor)
        .submit()
        .await
        .expect("instantiate groups");
    let mut groups = groups_contract.call_builder::<Groups>();
    let mut constructor = AnchorsRef::new();
    let anchors_contract = client
        .instantiate("inkpost_anchors", &ink_e2e::alice(), &mut constructor)
        .submit()
        .await
        .expect("instantiate anchors");
    let mut anchors = anchors_contract.call_builder::<Anchors>();
    let mut constructor = EscrowRef::new(DOMAIN, U256::from(UNIT), DISPUTE_WINDOW);
    let escrow_contract = client
        .instantiate("inkpost_escrow", &ink_e2e::alice(), &mut constructor)
        .submit()
        .await
        .expect("instantiate escrow");
    let mut escrow = escrow_contract.call_builder::<Escrow>();

    // When Alice and Bob register with keys from the protocol library
    for (who, signer, handle) in [
        (&alice, ink_e2e::alice(), "alice"),
        (&bob, ink_e2e::bob(), "bob"),
    ] {
        let register = ids.register(
            handle.into(),
            who.account_id().0,
            who.encryption_key(KeyVersion(1)).0,
        );
        client
            .call(&signer, &register)
            .value(DEPOSIT)
            .submit()
            .await
            .expect("register");
    }
    // Then both are in the directory
    let found = client
        .call(&ink_e2e::bob(), &ids.by_handle("bob".into()))
        .dry_run()
        .await?
        .return_value()
        .expect("bob is registered");
    assert_eq!(found.0, address(&bob));
    assert_eq!(found.1.encryption_key, bob.encryption_key(KeyVersion(1)).0);

    // When Alice creates a group and adds Bob
    let group = client
        .call(&ink_e2e::alice(), &groups.create_group())
        .submit()
        .await
        .expect("create group")
        .return_value()
        .expect("group id");
    let epoch = client
        .call(
            &ink_e2e::alice(),
            &groups.add_member(group, address(&bob), Role::Member),
        )
        .submit()
        .await
        .expect("add bob")
        .return_value()
        .expect("epoch");
    // Then Bob is a writing member at epoch 2
    assert_eq!(epoch, 2);
    let role = client
        .call(&ink_e2e::bob(), &groups.role_of(group, address(&bob)))
        .dry_run()
        .await?
        .return_value();
    assert_eq!(role, Some(Role::Member));

    // When Alice (as a relay) anchors the root of three message ids
    let messages: Vec<MessageId> = (1..=3u8).map(|n| MessageId([n; 32])).collect();
    let tree = MerkleTree::build(&messages)?;
    client
        .call(&ink_e2e::alice(), &anchors.anchor(1, tree.root(), 3))
        .submit()
        .await
        .expect("anchor");
    // Then the root read back from the chain verifies every inclusion proof
    let anchor = client
        .call(&ink_e2e::bob(), &anchors.lookup(tree.root()))
        .dry_run()
        .await?
        .return_value()
        .expect("anchored");
    assert_eq!(
        (anchor.submitter, anchor.seq, anchor.leaf_count),
        (address(&alice), Some(1), 3)
    );
    let batch = client
        .call(&ink_e2e::bob(), &anchors.batch(address(&alice), 1))
        .dry_run()
        .await?
        .return_value()
        .expect("batch 1");
    for (index, id) in messages.iter().enumerate() {
        tree.proof(index as u64)?.verify(&batch.root, id)?;
    }

    // When Alice opens a channel to Bob with 10 tokens
    let escrow_account = contract_account(escrow_contract.addr);
    let channel = client
        .call(
            &ink_e2e::alice(),
            &escrow.open(address(&bob), alice.account_id().0, 1_000_000),
        )
        .value(10 * TOKEN)
        .submit()
        .await
        .expect("open")
        .return_value()
        .expect("channel id");
    let funded = client.free_balance(escrow_account).await?;

    // And Bob claims 3 tokens with a voucher the protocol library signed
    let signature = voucher(&alice, escrow_contract.addr, DOMAIN, channel, 3 * TOKEN);
    let paid = client
        .call(
            &ink_e2e::bob(),
            &escrow.claim(channel, 3 * TOKEN, signature),
        )
        .submit()
        .await
        .expect("claim")
        .return_value()
        .expect("paid");
    // Then the escrow paid exactly the voucher
    assert_eq!(paid, 3 * TOKEN);
    assert_eq!(
        funded - client.free_balance(escrow_account).await?,
        3 * TOKEN
    );

    // When Alice starts closing, Bob claims once more inside the dispute
    // window, and Alice finalizes after it
    client
        .call(&ink_e2e::alice(), &escrow.start_close(channel))
        .submit()
        .await
        .expect("start close");
    let signature = voucher(&alice, escrow_contract.addr, DOMAIN, channel, 4 * TOKEN);
    client
        .call(
            &ink_e2e::bob(),
            &escrow.claim(channel, 4 * TOKEN, signature),
        )
        .submit()
        .await
        .expect("claim in the dispute window");
    next_block!(client, escrow);
    let refund = client
        .call(&ink_e2e::alice(), &escrow.finalize(channel))
        .submit()
        .await
        .expect("finalize")
        .return_value()
        .expect("refund");
    // Then Alice got the unpaid 6 tokens back and the channel is gone
    assert_eq!(refund, 6 * TOKEN);
    assert_eq!(
        funded - client.free_balance(escrow_account).await?,
        10 * TOKEN
    );
    let gone = client
        .call(&ink_e2e::alice(), &escrow.channel(channel))
        .dry_run()
        .await?
        .return_value();
    assert_eq!(gone, None);
    Ok(())
}

#[ink_e2e::test]
async fn escrow_attacks_fail_and_move_nothing<Client: E2EBackend>(
    mut client: Client,
) -> E2EResult<()> {
    use inkpost_escrow::Error;
    let (alice, bob) = (identity("//Alice"), identity("//Bob"));

    // Given two escrow deployments with the same domain, and a channel from
    // Alice to Bob on the first
    let mut constructor = EscrowRef::new(DOMAIN, U256::from(UNIT), DISPUTE_WINDOW);
    let first = client
        .instantiate("inkpost_escrow", &ink_e2e::alice(), &mut constructor)
        .submit()
        .await
        .expect("instantiate escrow");
    let mut constructor = EscrowRef::new(DOMAIN, U256::from(UNIT), DISPUTE_WINDOW);
    let second = client
        .instantiate("inkpost_escrow", &ink_e2e::alice(), &mut constructor)
        .submit()
        .await
        .expect("instantiate second escrow");
    let mut escrow = first.call_builder::<Escrow>();
    let mut other = second.call_builder::<Escrow>();
    let open = escrow.open(address(&bob), alice.account_id().0, 1_000_000);
    client
        .call(&ink_e2e::alice(), &open)
        .value(10 * TOKEN)
        .submit()
        .await
        .expect("open channel 0");
    client
        .call(&ink_e2e::alice(), &open)
        .value(10 * TOKEN)
        .submit()
        .await
        .expect("open channel 1");
    client
        .call(
            &ink_e2e::alice(),
            &other.open(address(&bob), alice.account_id().0, 1_000_000),
        )
        .value(10 * TOKEN)
        .submit()
        .await
        .expect("open channel 0 on the second escrow");
    let account = contract_account(first.addr);
    let funded = client.free_balance(account).await?;

    // A voucher signed by the payee instead of the payer
    let by_bob = voucher(&bob, first.addr, DOMAIN, 0, TOKEN);
    assert_rejected!(
        client,
        &ink_e2e::bob(),
        escrow.claim(0, TOKEN, by_bob),
        Error::InvalidSignature
    );
    // A voucher of another channel
    let for_channel_1 = voucher(&alice, first.addr, DOMAIN, 1, TOKEN);
    assert_rejected!(
        client,
        &ink_e2e::bob(),
        escrow.claim(0, TOKEN, for_channel_1),
        Error::InvalidSignature
    );
    // A voucher of another deployment (same channel id, other address) ...
    let for_second = voucher(&alice, second.addr, DOMAIN, 0, TOKEN);
    assert_rejected!(
        client,
        &ink_e2e::bob(),
        escrow.claim(0, TOKEN, for_second),
        Error::InvalidSignature
    );
    // ... or of another domain value
    let other_domain = voucher(&alice, first.addr, [0x12; 32], 0, TOKEN);
    assert_rejected!(
        client,
        &ink_e2e::bob(),
        escrow.claim(0, TOKEN, other_domain),
        Error::InvalidSignature
    );
    // A voucher above the deposit, up to u128::MAX
    let huge = voucher(&alice, first.addr, DOMAIN, 0, u128::MAX);
    assert_rejected!(
        client,
        &ink_e2e::bob(),
        escrow.claim(0, u128::MAX, huge),
        Error::VoucherExceedsDeposit
    );
    // The payer claiming its own channel
    let good = voucher(&alice, first.addr, DOMAIN, 0, TOKEN);
    assert_rejected!(
        client,
        &ink_e2e::alice(),
        escrow.claim(0, TOKEN, good),
        Error::NotPayee
    );
    // Nothing moved
    assert_eq!(client.free_balance(account).await?, funded);

    // A replayed voucher and a lower one after a claim
    client
        .call(
            &ink_e2e::bob(),
            &escrow.claim(
                0,
                2 * TOKEN,
                voucher(&alice, first.addr, DOMAIN, 0, 2 * TOKEN),
            ),
        )
        .submit()
        .await
        .expect("valid claim");
    let after_claim = client.free_balance(account).await?;
    assert_eq!(funded - after_claim, 2 * TOKEN);
    let replay = voucher(&alice, first.addr, DOMAIN, 0, 2 * TOKEN);
    assert_rejected!(
        client,
        &ink_e2e::bob(),
        escrow.claim(0, 2 * TOKEN, replay),
        Error::VoucherNotIncreasing
    );
    let lower = voucher(&alice, first.addr, DOMAIN, 0, TOKEN);
    assert_rejected!(
        client,
        &ink_e2e::bob(),
        escrow.claim(0, TOKEN, lower),
        Error::VoucherNotIncreasing
    );

    // A claim after the channel was closed and settled
    client
        .call(&ink_e2e::alice(), &escrow.start_close(0))
        .submit()
        .await
        .expect("start close");
    assert_rejected!(
        client,
        &ink_e2e::alice(),
        escrow.finalize(0),
        Error::DisputeWindowOpen
    );
    next_block!(client, escrow);
    client
        .call(&ink_e2e::alice(), &escrow.finalize(0))
        .submit()
        .await
        .expect("finalize");
    let late = voucher(&alice, first.addr, DOMAIN, 0, 3 * TOKEN);
    assert_rejected!(
        client,
        &ink_e2e::bob(),
        escrow.claim(0, 3 * TOKEN, late),
        Error::NoSuchChannel
    );

    // A tip with zero value
    assert_rejected!(
        client,
        &ink_e2e::alice(),
        escrow.tip(address(&bob), [7; 32]),
        Error::ZeroValue
    );

    // Channel 1 is untouched by all of it: 10 tokens remain for it
    assert_eq!(client.free_balance(account).await?, after_claim - 8 * TOKEN);
    let channel_1 = client
        .call(&ink_e2e::alice(), &escrow.channel(1))
        .dry_run()
        .await?
        .return_value();
    assert_eq!(
        channel_1.map(|c| (c.deposit, c.paid)),
        Some((10 * TOKEN, 0))
    );
    Ok(())
}

#[ink_e2e::test]
async fn group_and_anchor_attacks_fail<Client: E2EBackend>(mut client: Client) -> E2EResult<()> {
    let (alice, bob, charlie) = (
        identity("//Alice"),
        identity("//Bob"),
        identity("//Charlie"),
    );
    let mut constructor = IdentityRef::new(value(DEPOSIT));
    let identity_contract = client
        .instantiate("inkpost_identity", &ink_e2e::alice(), &mut constructor)
        .submit()
        .await
        .expect("instantiate identity");
    let mut ids = identity_contract.call_builder::<Identity>();
    let mut constructor = GroupsRef::new(identity_contract.addr, 16);
    let groups_contract = client
        .instantiate("inkpost_groups", &ink_e2e::alice(), &mut constructor)
        .submit()
        .await
        .expect("instantiate groups");
    let mut groups = groups_contract.call_builder::<Groups>();
    for (who, signer, handle) in [
        (&alice, ink_e2e::alice(), "alice"),
        (&bob, ink_e2e::bob(), "bob"),
        (&charlie, ink_e2e::charlie(), "charlie"),
    ] {
        let register = ids.register(
            handle.into(),
            who.account_id().0,
            who.encryption_key(KeyVersion(1)).0,
        );
        client
            .call(&signer, &register)
            .value(DEPOSIT)
            .submit()
            .await
            .expect("register");
    }
    let group = client
        .call(&ink_e2e::alice(), &groups.create_group())
        .submit()
        .await
        .expect("create")
        .return_value()
        .expect("group");
    client
        .call(
            &ink_e2e::alice(),
            &groups.add_member(group, address(&bob), Role::Admin),
        )
        .submit()
        .await
        .expect("add bob as admin");
    client
        .call(
            &ink_e2e::alice(),
            &groups.add_member(group, address(&charlie), Role::Reader),
        )
        .submit()
        .await
        .expect("add charlie as reader");
    {
        use inkpost_groups::Error;
        // A non-admin (the reader) adds someone
        assert_rejected!(
            client,
            &ink_e2e::charlie(),
            groups.add_member(group, address(&identity("//Dave")), Role::Member),
            Error::NotAuthorized
        );
        // An admin removes the owner
        assert_rejected!(
            client,
            &ink_e2e::bob(),
            groups.remove_member(group, address(&alice)),
            Error::CannotRemoveOwner
        );
        // An admin promotes the reader to admin
        assert_rejected!(
            client,
            &ink_e2e::bob(),
            groups.set_role(group, address(&charlie), Role::Admin),
            Error::NotAuthorized
        );
        // An unregistered account is added
        assert_rejected!(
            client,
            &ink_e2e::alice(),
            groups.add_member(group, address(&identity("//Eve")), Role::Member),
            Error::NotRegistered
        );
    }
    // The reader may not write; the epoch did not move
    let can_write = client
        .call(
            &ink_e2e::alice(),
            &groups.can_write(group, address(&charlie)),
        )
        .dry_run()
        .await?
        .return_value();
    assert!(!can_write);
    let epoch = client
        .call(&ink_e2e::alice(), &groups.epoch(group))
        .dry_run()
        .await?
        .return_value();
    assert_eq!(epoch, Some(3));

    // Anchors: a sequence gap and a replayed sequence number
    let mut constructor = AnchorsRef::new();
    let anchors_contract = client
        .instantiate("inkpost_anchors", &ink_e2e::alice(), &mut constructor)
        .submit()
        .await
        .expect("instantiate anchors");
    let mut anchors = anchors_contract.call_builder::<Anchors>();
    {
        use inkpost_anchors::Error;
        assert_rejected!(
            client,
            &ink_e2e::alice(),
            anchors.anchor(2, [2; 32], 1),
            Error::UnexpectedSequence { expected: 1 }
        );
        client
            .call(&ink_e2e::alice(), &anchors.anchor(1, [1; 32], 1))
            .submit()
            .await
            .expect("anchor 1");
        assert_rejected!(
            client,
            &ink_e2e::alice(),
            anchors.anchor(1, [9; 32], 1),
            Error::UnexpectedSequence { expected: 2 }
        );
    }
    let batch = client
        .call(&ink_e2e::alice(), &anchors.batch(address(&alice), 1))
        .dry_run()
        .await?
        .return_value();
    assert_eq!(batch.map(|b| b.root), Some([1; 32]));
    Ok(())
}
