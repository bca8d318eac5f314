//! Identity: one handle per account, paid for exactly, with a usable key.

use inkpost_sdk::contracts::{Contract, ContractError, IdentityError, IdentityRecord, identity};
use inkpost_sdk::ids::{AccountId, Address, KeyVersion};
use inkpost_tests::world::{DEPOSIT, World, call_ok};

use crate::{account, anyone, refused_paying};

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
    let refused = async |value: u128, input: Vec<u8>| {
        refused_paying(
            &chain,
            &mallory,
            Contract::Identity,
            contract,
            value,
            &input,
        )
        .await
    };
    for value in [DEPOSIT - 1, DEPOSIT + 1, 0] {
        let refusal = refused(value, register("mallory", me.account_id())).await;
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
        assert_eq!(refused(DEPOSIT, input).await, error(expected));
    }
    // and a second handle after a first one is refused too
    let input = register("mallory", me.account_id());
    call_ok(&chain, &mallory, contract, DEPOSIT, input).await;
    let refusal = refused(DEPOSIT, register("mallory2", me.account_id())).await;
    assert_eq!(refusal, error(IdentityError::AlreadyRegistered));

    // Then "bob" is still Bob's, and Mallory holds exactly one handle
    let alice = anyone();
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
