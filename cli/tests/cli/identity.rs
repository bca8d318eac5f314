//! Identities through the CLI: registering a handle, looking it up, and
//! rotating the encryption key.

use inkpost_sdk::relay::RelayClient;
use inkpost_tests::world::{account_suri, identity};

use crate::kit::{System, owned, texts};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_registered_handle_names_its_account_and_key() {
    let system = System::start("cli-register", &["--anchoring", "false"]).await;
    // A fresh, funded account registers
    let newcomer = account_suri("cli-register");
    system.ok(&newcomer, &["id", "register", "newcomer"]).await;
    let shown = system.json("//Bob", &["id", "show", "newcomer"]).await;
    let who = identity(&newcomer);
    assert_eq!(shown["account_id"], who.account_id().to_string());
    assert_eq!(shown["address"], who.address().to_string());
    assert_eq!(shown["key_version"], 1);
    // The handle is taken now, for anyone else
    let taken = system
        .cli("//Dave", &["id", "register", "newcomer"])
        .await
        .unwrap_err();
    assert!(taken.to_string().contains("HandleTaken"), "{taken}");
    system.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn messages_before_and_after_a_key_rotation_both_open() {
    let system = System::start("cli-rotate", &["--anchoring", "false"]).await;
    let rotating = account_suri("cli-rotate");
    system.ok(&rotating, &["id", "register", "rotating"]).await;
    system
        .ok("//Alice", &["send", "--to", "rotating", "before"])
        .await;
    let rotated = system.json(&rotating, &["id", "rotate-key"]).await;
    assert_eq!(rotated["key_version"], 2);
    system
        .ok("//Alice", &["send", "--to", "rotating", "after"])
        .await;

    // Both open: the first with key version 1, the second with version 2,
    // which is what it was encrypted to
    let read = system.json(&rotating, &["read", "--with", "alice"]).await;
    assert_eq!(texts(&read), owned(&["before", "after"]));
    let relay = RelayClient::http(&system.relay_url);
    let reader = identity(&rotating);
    let mut versions = Vec::new();
    for message in read.as_array().unwrap() {
        let id = message["id"].as_str().unwrap().parse().unwrap();
        let envelope = relay.envelope(&reader, &id).await.unwrap().1;
        let wrapped = envelope
            .payload
            .recipients
            .iter()
            .find(|wrapped| wrapped.recipient == reader.account_id())
            .unwrap();
        versions.push(wrapped.key_version.0);
    }
    assert_eq!(versions, vec![1, 2]);
    system.stop().await;
}
