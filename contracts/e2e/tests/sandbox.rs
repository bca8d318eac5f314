//! End-to-end tests on the in-process pallet-revive runtime of ink_e2e
//! (`backend(runtime_only)`): cross-contract calls and payments with real
//! value transfers and real sr25519 checks, without a node.
//!
//! ink_e2e 6.0.0-alpha's `submit()` on this backend re-uses the dry run's
//! storage-deposit charge as a hard limit, and the in-process runtime charges
//! more, so every call that creates storage fails with
//! `StorageDepositLimitExhausted` (fixed upstream later). The work-around
//! here: dry-run the call, check it did not revert, then execute it through
//! the backend's `bare_call` with an unchecked deposit limit and the dry
//! run's gas plus a margin.

use ink::primitives::DepositLimit;
use ink::U256;
use ink_e2e::{BuilderClient, ChainBackend, ContractsBackend, Weight};
use inkpost_contracts_e2e::{address, identity, value, voucher, DEPOSIT, DOMAIN, TOKEN, UNIT};
use inkpost_escrow::{Escrow, EscrowRef};
use inkpost_groups::{Groups, GroupsRef, Role};
use inkpost_identity::{Identity, IdentityRef};
use inkpost_sdk::ids::KeyVersion;

type E2EResult<T> = Result<T, Box<dyn std::error::Error>>;

/// Executes a message: dry run (which must not revert), then the real call
/// with an unchecked storage-deposit limit. Evaluates to the dry run's
/// return value.
macro_rules! execute {
    ($client:expr, $signer:expr, $message:expr, $value:expr) => {{
        let message = $message;
        let dry_run = $client
            .bare_call_dry_run($signer, &message, $value, DepositLimit::Unchecked)
            .await?;
        assert!(
            !dry_run.did_revert(),
            "dry run reverted: {:?}",
            dry_run.return_data()
        );
        let gas = dry_run.exec_result.gas_required;
        let gas = Weight::from_parts(gas.ref_time() * 2, gas.proof_size() * 2);
        $client
            .bare_call($signer, &message, $value, gas, DepositLimit::Unchecked)
            .await?;
        dry_run.return_value()
    }};
}

/// Reads a message's return value without changing state.
macro_rules! query {
    ($client:expr, $message:expr) => {{
        $client
            .call(&ink_e2e::alice(), &$message)
            .dry_run()
            .await?
            .return_value()
    }};
}

#[ink_e2e::test(backend(runtime_only))]
async fn groups_check_registration_across_contracts<Client: E2EBackend>(
    mut client: Client,
) -> E2EResult<()> {
    let (alice, bob) = (identity("//Alice"), identity("//Bob"));
    // Given identity and groups contracts
    let mut constructor = IdentityRef::new(value(DEPOSIT));
    let identity_contract = client
        .instantiate("inkpost_identity", &ink_e2e::alice(), &mut constructor)
        .submit()
        .await
        .expect("instantiate identity");
    let mut ids = identity_contract.call_builder::<Identity>();
    let mut constructor = GroupsRef::new(identity_contract.addr, 8);
    let groups_contract = client
        .instantiate("inkpost_groups", &ink_e2e::alice(), &mut constructor)
        .submit()
        .await
        .expect("instantiate groups");
    let mut groups = groups_contract.call_builder::<Groups>();

    // When only Alice is registered
    let register = ids.register(
        "alice".into(),
        alice.account_id().0,
        alice.encryption_key(KeyVersion(1)).0,
    );
    execute!(client, &ink_e2e::alice(), register, DEPOSIT).expect("register alice");
    let group =
        execute!(client, &ink_e2e::alice(), groups.create_group(), 0).expect("create group");

    // Then adding unregistered Bob fails through the cross-contract check
    let add_bob = groups.add_member(group, address(&bob), Role::Member);
    let dry_run = client
        .bare_call_dry_run(&ink_e2e::alice(), &add_bob, 0, DepositLimit::Unchecked)
        .await?;
    assert_eq!(
        dry_run.return_value(),
        Err(inkpost_groups::Error::NotRegistered)
    );

    // And once Bob registers, adding him works and bumps the epoch
    let register = ids.register(
        "bob".into(),
        bob.account_id().0,
        bob.encryption_key(KeyVersion(1)).0,
    );
    execute!(client, &ink_e2e::bob(), register, DEPOSIT).expect("register bob");
    let epoch = execute!(client, &ink_e2e::alice(), add_bob, 0).expect("add bob");
    assert_eq!(epoch, 2);
    assert_eq!(
        query!(client, groups.role_of(group, address(&bob))),
        Some(Role::Member)
    );
    assert_eq!(query!(client, groups.member_count(group)), Some(2));
    Ok(())
}

#[ink_e2e::test(backend(runtime_only))]
async fn escrow_pays_vouchers_and_tips_with_real_transfers<Client: E2EBackend>(
    mut client: Client,
) -> E2EResult<()> {
    let (alice, bob) = (identity("//Alice"), identity("//Bob"));
    let mut constructor = EscrowRef::new(DOMAIN, U256::from(UNIT), 5);
    let escrow_contract = client
        .instantiate("inkpost_escrow", &ink_e2e::alice(), &mut constructor)
        .submit()
        .await
        .expect("instantiate escrow");
    let mut escrow = escrow_contract.call_builder::<Escrow>();
    let bob_account = ink::primitives::AccountId::from(bob.account_id().0);

    // Given a channel from Alice to Bob holding 10 tokens
    let open = escrow.open(address(&bob), alice.account_id().0, 1_000);
    let channel = execute!(client, &ink_e2e::alice(), open, 10 * TOKEN).expect("open");

    // When Bob claims 4 tokens with a voucher from the protocol library
    let before = client.free_balance(bob_account).await?;
    let signature = voucher(&alice, escrow_contract.addr, DOMAIN, channel, 4 * TOKEN);
    let paid = execute!(
        client,
        &ink_e2e::bob(),
        escrow.claim(channel, 4 * TOKEN, signature),
        0
    )
    .expect("claim");
    // Then he received them (less the call's fee, under one token here)
    assert_eq!(paid, 4 * TOKEN);
    let gained = client.free_balance(bob_account).await? - before;
    assert!(gained > 3 * TOKEN && gained <= 4 * TOKEN, "gained {gained}");

    // And a voucher signed by Bob himself is refused by the real sr25519 check
    let forged = voucher(&bob, escrow_contract.addr, DOMAIN, channel, 5 * TOKEN);
    let dry_run = client
        .bare_call_dry_run(
            &ink_e2e::bob(),
            &escrow.claim(channel, 5 * TOKEN, forged),
            0,
            DepositLimit::Unchecked,
        )
        .await?;
    assert_eq!(
        dry_run.return_value(),
        Err(inkpost_escrow::Error::InvalidSignature)
    );

    // When Alice tips Bob 2 tokens for a message
    let before = client.free_balance(bob_account).await?;
    execute!(
        client,
        &ink_e2e::alice(),
        escrow.tip(address(&bob), [0x42; 32]),
        2 * TOKEN
    )
    .expect("tip");
    // Then Bob's balance grew by exactly the tip
    assert_eq!(client.free_balance(bob_account).await? - before, 2 * TOKEN);
    let state = query!(client, escrow.channel(channel)).expect("channel");
    assert_eq!((state.deposit, state.paid), (10 * TOKEN, 4 * TOKEN));
    Ok(())
}
