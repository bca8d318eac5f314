//! A person in the browser (the SDK's WebAssembly build in headless
//! Chromium, over `fetch` to a relay that allows the page's origin) and
//! people on the CLI in one conversation, both ways.
//!
//! The page is given the conversation's recipients as the CLI reads them
//! from the identity and groups contracts (`id show`, `group members`); the
//! web app reads them itself (issue 13, in progress).
// Helpers outside #[test] functions unwrap too: a failure is the test failing.
#![allow(clippy::unwrap_used)]

use inkpost_tests::browser;
use inkpost_tests::world::identity;
use serde_json::{Value, json};

use crate::kit::{System, eventually, texts};

/// The recipients of a group as the CLI reads them from chain.
async fn recipients(system: &System, group: &str) -> (u64, Vec<Value>) {
    let members = system.json("//Alice", &["group", "members", group]).await;
    let mut recipients = Vec::new();
    for member in members["members"].as_array().unwrap() {
        let handle = member["handle"].as_str().unwrap();
        let shown = system.json("//Alice", &["id", "show", handle]).await;
        recipients.push(json!({
            "account": shown["account_id"],
            "key": shown["encryption_key"],
            "keyVersion": shown["key_version"],
        }));
    }
    (members["epoch"].as_u64().unwrap(), recipients)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_page_and_the_cli_converse_in_a_group_through_a_relay() {
    let port = browser::free_port();
    let origin = format!("http://127.0.0.1:{port}");
    let system = System::start(
        "web-group",
        &["--anchoring", "false", "--cors-origin", &origin],
    )
    .await;
    let group = system.group(&["bob", "charlie"]).await;
    let (epoch, recipients) = recipients(&system, &group).await;

    // Bob is in the browser: he sends two messages and waits for Alice's.
    let args = json!({
        "relay": system.relay_url,
        "suri": "//Bob",
        "conversation": format!("group:{group}"),
        "epoch": epoch,
        "recipients": recipients,
        "send": ["hello from the browser", "and again"],
        "expect": ["hello from the CLI"],
    });
    let page = tokio::spawn(async move { browser::page("chat", &args, port).await });

    // Alice and Charlie, on the CLI, read Bob's messages as his.
    let read_bob = || async {
        let read = system.json("//Alice", &["read", "--group", &group]).await;
        read.as_array().unwrap().len() == 2
    };
    eventually(120, "the page's two messages reach the relay", read_bob).await;
    for reader in ["//Alice", "//Charlie"] {
        let read = system.json(reader, &["read", "--group", &group]).await;
        assert_eq!(
            texts(&read),
            [
                Some("hello from the browser".to_owned()),
                Some("and again".to_owned())
            ],
            "{reader}"
        );
        for message in read.as_array().unwrap() {
            assert_eq!(message["sender_handle"], "bob", "{message}");
        }
    }
    system
        .ok(
            "//Alice",
            &["send", "--group", &group, "hello from the CLI"],
        )
        .await;

    let report = page.await.unwrap();
    let alice = identity("//Alice").account_id().to_string();
    let received = report["received"].as_array().unwrap();
    let from_alice: Vec<_> = received
        .iter()
        .filter(|message| message["sender"] == json!(alice))
        .map(|message| message["text"].as_str().unwrap())
        .collect();
    assert_eq!(from_alice, ["hello from the CLI"]);
    // The page read its own messages too, in the relay's order.
    let seqs: Vec<u64> = received
        .iter()
        .map(|m| m["seq"].as_u64().unwrap())
        .collect();
    assert_eq!(seqs, [1, 2, 3], "{report}");
    system.stop().await;
}
