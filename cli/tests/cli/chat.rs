//! Groups and direct messages through the CLI: sending, reading, live
//! following, and what a removal changes.

use inkpost_sdk::keys::Identity;
use inkpost_sdk::relay::RelayClient;
use inkpost_tests::within;
use serde_json::Value;

use crate::kit::{Lines, System, owned, texts};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_group_is_created_and_every_membership_change_moves_its_epoch() {
    let system = System::start("cli-group", &["--anchoring", "false"]).await;
    let created = system.json("//Alice", &["group", "create"]).await;
    let group = created["group"].as_u64().unwrap().to_string();
    let first = system
        .json("//Alice", &["group", "add", &group, "bob"])
        .await;
    let added = system
        .json(
            "//Alice",
            &["group", "add", &group, "charlie", "--role", "reader"],
        )
        .await;
    assert_eq!(
        added["epoch"].as_u64().unwrap(),
        first["epoch"].as_u64().unwrap() + 1
    );
    let members = system.json("//Bob", &["group", "members", &group]).await;
    assert_eq!(members["members"].as_array().unwrap().len(), 3);
    assert_eq!(members["epoch"], added["epoch"]);
    system.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_member_reads_what_the_group_wrote_in_order() {
    let system = System::start("cli-group-chat", &["--anchoring", "false"]).await;
    let group = system.group(&["bob", "charlie"]).await;
    system
        .ok("//Alice", &["send", "--group", &group, "Hi both"])
        .await;
    let sent = system
        .json("//Bob", &["send", "--group", &group, "Friday works"])
        .await;
    assert_eq!(sent["recipients"], 3);
    system
        .ok("//Charlie", &["send", "--group", &group, "Count me in"])
        .await;
    for reader in ["//Alice", "//Bob", "//Charlie"] {
        let read = system.json(reader, &["read", "--group", &group]).await;
        assert_eq!(
            texts(&read),
            owned(&["Hi both", "Friday works", "Count me in"]),
            "{reader}"
        );
        assert_eq!(read[0]["sender_handle"], "alice");
    }
    system.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_direct_message_reaches_only_its_two_parties() {
    let system = System::start("cli-direct", &["--anchoring", "false"]).await;
    system
        .ok("//Bob", &["send", "--to", "eve", "just for you"])
        .await;
    let direct = system.json("//Eve", &["read", "--with", "bob"]).await;
    assert_eq!(texts(&direct), owned(&["just for you"]));
    let own = system.json("//Bob", &["read", "--with", "eve"]).await;
    assert_eq!(texts(&own), owned(&["just for you"]));
    // Charlie's direct conversation with Bob is another one: empty.
    let others = system.json("//Charlie", &["read", "--with", "eve"]).await;
    assert_eq!(texts(&others), Vec::<Option<String>>::new());
    system.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_follower_sees_new_messages_live_until_removed() {
    let system = System::start("cli-follow", &["--anchoring", "false"]).await;
    let group = system.group(&["bob", "charlie"]).await;
    system
        .ok("//Alice", &["send", "--group", &group, "before"])
        .await;
    // Given Charlie follows the group live after what he read
    let (mut writer, mut seen) = Lines::new();
    let follow_args = [
        "--json", "read", "--group", &group, "--after", "1", "--follow",
    ];
    let follow = system.cli_to("//Charlie", &follow_args, &mut writer);
    let alice_acts = async {
        // When Alice writes, Charlie sees it with her handle
        system
            .ok("//Alice", &["send", "--group", &group, "still for Charlie"])
            .await;
        let line = within(60, "Charlie's stream delivers", seen.recv())
            .await
            .unwrap();
        let message: Value = serde_json::from_str(&line).unwrap();
        assert_eq!(message["body"]["text"], "still for Charlie");
        assert_eq!(message["sender_handle"], "alice");
        // And when she removes him, his stream ends with the revocation
        system
            .ok("//Alice", &["group", "remove", &group, "charlie"])
            .await;
    };
    let (followed, ()) = tokio::join!(within(120, "the stream ends", follow), alice_acts);
    let revoked = followed.unwrap_err();
    assert_eq!(revoked.exit_code(), 4, "{revoked}");
    assert!(revoked.to_string().contains("revoked"), "{revoked}");
    system.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_removed_member_can_no_longer_read_and_is_no_longer_encrypted_to() {
    let system = System::start("cli-removal", &["--anchoring", "false"]).await;
    let group = system.group(&["bob", "charlie"]).await;
    system
        .ok("//Alice", &["group", "remove", &group, "charlie"])
        .await;
    system
        .ok("//Alice", &["send", "--group", &group, "only for Bob"])
        .await;
    let refused = system
        .cli("//Charlie", &["read", "--group", &group])
        .await
        .unwrap_err();
    assert_eq!(refused.exit_code(), 4, "{refused}");
    let bob_reads = system.json("//Bob", &["read", "--group", &group]).await;
    assert_eq!(texts(&bob_reads), owned(&["only for Bob"]));
    let id = bob_reads[0]["id"].as_str().unwrap().parse().unwrap();
    let bob = Identity::from_suri("//Bob").unwrap();
    let envelope = RelayClient::http(&system.relay_url)
        .envelope(&bob, &id)
        .await
        .unwrap()
        .1;
    let charlie = Identity::from_suri("//Charlie").unwrap().account_id();
    assert!(!envelope.recipients().any(|account| *account == charlie));
    system.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nobody_can_register_a_key_that_would_block_a_group() {
    use inkpost_sdk::chain::{ChainError, Finality, Sr25519Signer};
    use inkpost_sdk::contracts::identity::{self, IdentityError};
    use inkpost_sdk::contracts::{Contract, ContractError};
    use inkpost_tests::world::DEPOSIT;

    let system = System::start("cli-bad-key", &["--anchoring", "false"]).await;
    let chain = system.world.chain().await;
    let mallory = system.world.funded(&chain, "bad-key-mallory").await;
    let signer = Sr25519Signer::new(mallory.clone());
    chain.map_account(&signer).await.unwrap();
    // When Mallory registers a key of small order (u = 1: every sender's
    // shared secret with it is the same), or one out of range
    let mut small_order = [0u8; 32];
    small_order[0] = 1;
    for key in [small_order, [0xff; 32]] {
        let input = identity::register(
            "bad_key_mallory",
            &mallory.account_id(),
            &inkpost_sdk::ids::EncryptionKey(key),
        );
        let refused = chain
            .call(
                &signer,
                system.world.deployment.identity,
                DEPOSIT,
                &input,
                Finality::InBlock,
            )
            .await
            .unwrap_err();
        // Then the identity contract refuses it
        let ChainError::Reverted { data } = refused else {
            panic!("expected a revert, got {refused}");
        };
        assert_eq!(
            Contract::Identity.decode_revert(&data),
            Some(ContractError::Identity(IdentityError::InvalidEncryptionKey))
        );
    }
    // and no group can be given a member nobody can encrypt to
    let group = system.group(&["bob"]).await;
    let error = system
        .cli("//Alice", &["group", "add", &group, "bad_key_mallory"])
        .await
        .unwrap_err();
    assert!(error.to_string().contains("bad_key_mallory"), "{error}");
    let sent = system
        .json("//Alice", &["send", "--group", &group, "still works"])
        .await;
    assert_eq!(sent["skipped"], serde_json::json!([]));
    let read = system.json("//Bob", &["read", "--group", &group]).await;
    assert_eq!(texts(&read), owned(&["still works"]));
    system.stop().await;
}
