//! The contracts' attacks tried on a real chain, against the committed
//! release builds (the artifacts a dApp deploys), through the SDK's chain
//! client. This is where the on-chain part of `contracts/e2e` moves: ink_e2e
//! 6.0.0-beta.2 cannot run on pallet-revive 0.20.2 (see contracts/README.md).
//! Each test works as accounts of its own on the shared world's contracts.

#![allow(clippy::unwrap_used)]

use inkpost_sdk::chain::{Chain, ChainError, Finality, Sr25519Signer};
use inkpost_sdk::contracts::{
    Anchor, AnchorsError, Contract, ContractError, IdentityError, IdentityRecord, anchors, identity,
};
use inkpost_sdk::ids::{AccountId, Address, KeyVersion};
use inkpost_tests::world::{DEPOSIT, World, call_ok};

/// A fresh funded account of this test, mapped and ready to call.
async fn account(world: &World, chain: &Chain, name: &str) -> Sr25519Signer {
    let signer = Sr25519Signer::new(world.funded(chain, name).await);
    chain.map_account(&signer).await.unwrap();
    signer
}

/// Sends `input` to `contract` as `signer`, which must be refused with an
/// error of `kind`'s contract; returns that error.
async fn refused(
    chain: &Chain,
    signer: &Sr25519Signer,
    kind: Contract,
    contract: Address,
    input: &[u8],
) -> ContractError {
    refused_paying(chain, signer, kind, contract, 0, input).await
}

/// `refused`, sending `value` (native units) with the call.
async fn refused_paying(
    chain: &Chain,
    signer: &Sr25519Signer,
    kind: Contract,
    contract: Address,
    value: u128,
    input: &[u8],
) -> ContractError {
    match chain
        .call(signer, contract, value, input, Finality::InBlock)
        .await
    {
        Err(ChainError::Reverted { data }) => kind
            .decode_revert(&data)
            .unwrap_or_else(|| panic!("undecodable revert {data:?}")),
        other => panic!("expected a revert, got {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn anchors_refuse_gaps_replays_and_empty_batches_and_keep_a_root_s_first_anchoring() {
    let world = World::shared();
    let chain = world.chain().await;
    let contract = world.deployment.anchors;
    let relay = account(world, &chain, "anchors-relay").await;
    let mallory = account(world, &chain, "anchors-mallory").await;
    let relay_address = relay.identity().address();
    let root = [0xA1; 32];

    // Given the relay's first batch
    call_ok(&chain, &relay, contract, 0, anchors::anchor(1, &root, 3)).await;

    // When it skips a number, replays batch 1 with another root, or sends
    // an empty batch, each is refused
    let unexpected = ContractError::Anchors(AnchorsError::UnexpectedSequence { expected: 2 });
    let tries = [
        (anchors::anchor(3, &[0xB2; 32], 1), unexpected),
        (anchors::anchor(1, &[0xB3; 32], 1), unexpected),
        (anchors::anchor(0, &[0xB4; 32], 1), unexpected),
        (
            anchors::anchor(2, &[0xB5; 32], 0),
            ContractError::Anchors(AnchorsError::EmptyBatch),
        ),
    ];
    for (input, error) in tries {
        assert_eq!(
            refused(&chain, &relay, Contract::Anchors, contract, &input).await,
            error
        );
    }
    // and Mallory anchoring the same root later does not take it over
    call_ok(&chain, &mallory, contract, 0, anchors::anchor(1, &root, 9)).await;

    // Then batch 1 is what the relay anchored, nothing after it exists, and
    // the root names the relay
    let batch = world.anchored_batch(&chain, &relay_address, 1).await;
    assert_eq!(
        batch.map(|batch| (batch.root, batch.leaf_count)),
        Some((root, 3))
    );
    assert_eq!(world.anchored_batch(&chain, &relay_address, 2).await, None);
    assert_eq!(world.latest_anchored_seq(&chain, &relay_address).await, 1);
    let me = relay.identity().account_id();
    let first: Option<Anchor> = chain
        .query(&me, contract, &anchors::lookup(&root))
        .await
        .unwrap();
    let first = first.expect("the root is anchored");
    assert_eq!(
        (first.submitter, first.seq, first.leaf_count),
        (relay_address, Some(1), 3)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn identity_refuses_wrong_deposits_bad_handles_foreign_keys_and_taken_names() {
    let world = World::shared();
    let chain = world.chain().await;
    let contract = world.deployment.identity;
    let mallory = account(world, &chain, "identity-mallory").await;
    let me = mallory.identity();
    let key = me.encryption_key(KeyVersion(1));
    let bob = inkpost_tests::world::identity("//Bob");
    let error = |error| ContractError::Identity(error);

    // When Mallory registers without the exact deposit, with a bad handle,
    // with Bob's account id, or as "bob", each is refused
    let register = |handle: &str, account: AccountId| identity::register(handle, &account, &key);
    for value in [DEPOSIT - 1, DEPOSIT + 1, 0] {
        let refusal = refused_paying(
            &chain,
            &mallory,
            Contract::Identity,
            contract,
            value,
            &register("mallory", me.account_id()),
        )
        .await;
        assert!(
            matches!(
                refusal,
                ContractError::Identity(IdentityError::WrongDeposit { .. })
            ),
            "{value}: {refusal:?}"
        );
    }
    let tries = [
        (
            register("Mallory", me.account_id()),
            IdentityError::InvalidHandle,
        ),
        (
            register("mallory", bob.account_id()),
            IdentityError::AccountMismatch,
        ),
        (register("bob", me.account_id()), IdentityError::HandleTaken),
    ];
    for (input, expected) in tries {
        let refusal = refused_paying(
            &chain,
            &mallory,
            Contract::Identity,
            contract,
            DEPOSIT,
            &input,
        )
        .await;
        assert_eq!(refusal, error(expected));
    }
    // and a second handle after a first one is refused too
    let input = register("mallory", me.account_id());
    call_ok(&chain, &mallory, contract, DEPOSIT, input).await;
    let refusal = refused_paying(
        &chain,
        &mallory,
        Contract::Identity,
        contract,
        DEPOSIT,
        &register("mallory2", me.account_id()),
    )
    .await;
    assert_eq!(refusal, error(IdentityError::AlreadyRegistered));

    // Then "bob" is still Bob's, and Mallory holds exactly one handle
    let alice = inkpost_tests::world::identity("//Alice").account_id();
    let holder = async |handle: &str| {
        let found: Option<(Address, IdentityRecord)> = chain
            .query(&alice, contract, &identity::by_handle(handle))
            .await
            .unwrap();
        found.map(|(address, _)| address)
    };
    assert_eq!(holder("bob").await, Some(bob.address()));
    assert!(holder("mallory2").await.is_none());
    assert_eq!(holder("mallory").await, Some(me.address()));
}
