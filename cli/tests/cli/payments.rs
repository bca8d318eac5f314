//! Value through the CLI: tips bound to messages, payment channels, and a
//! relay's postage.

use inkpost_sdk::relay::RelayClient;
use inkpost_sdk::units::TOKEN;
use inkpost_tests::world::identity;

use crate::kit::{System, eventually, owned, texts};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tip_pays_the_sender_of_the_message() {
    let system = System::start("cli-tip", &["--anchoring", "false"]).await;
    let sent = system
        .json("//Bob", &["send", "--to", "alice", "worth a tip"])
        .await;
    let message = sent["receipt"]["message_id"].as_str().unwrap().to_owned();
    let tipped = system
        .json("//Alice", &["tip", &message, "--amount", "0.5"])
        .await;
    assert_eq!(tipped["to"], identity("//Bob").address().to_string());
    assert_eq!(tipped["amount"], "500000000000");
    system.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_voucher_is_claimed_once() {
    let system = System::start("cli-channel", &["--anchoring", "false"]).await;
    // Alice opens a channel to Bob and signs a voucher
    let opened = system
        .json(
            "//Alice",
            &[
                "channel",
                "open",
                "bob",
                "--deposit",
                "1",
                "--blocks",
                "500",
            ],
        )
        .await;
    let channel = opened["channel"].as_u64().unwrap().to_string();
    let voucher = system.dir.join("voucher.json");
    let voucher = voucher.to_str().unwrap();
    system
        .ok(
            "//Alice",
            &[
                "channel", "pay", &channel, "--total", "0.01", "--out", voucher,
            ],
        )
        .await;
    // Bob claims it
    let claimed = system.json("//Bob", &["channel", "claim", voucher]).await;
    assert_eq!(claimed["paid"], "10000000000");
    // The same voucher again pays nothing: refused, and nothing moves
    let replay = system
        .cli("//Bob", &["channel", "claim", voucher])
        .await
        .unwrap_err();
    assert!(
        replay.to_string().contains("VoucherNotIncreasing"),
        "{replay}"
    );
    let state = system.json("//Alice", &["channel", "show", &channel]).await;
    assert_eq!(state["paid"], "10000000000");
    system.stop().await;
}

const PRICE: u128 = TOKEN / 1_000;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_relay_charging_postage_takes_paid_messages_and_claims_them() {
    let price = PRICE.to_string();
    let system = System::start(
        "cli-postage",
        &[
            "--postage-price",
            &price,
            "--postage-claim-interval-secs",
            "1",
        ],
    )
    .await;
    // An unpaid message is refused, saying how to pay
    let unpaid = system
        .cli("//Alice", &["send", "--to", "bob", "for free?"])
        .await
        .unwrap_err();
    assert_eq!(unpaid.exit_code(), 6, "{unpaid}");
    assert!(unpaid.to_string().contains("--postage"), "{unpaid}");
    // Alice opens a channel to the relay's account and pays per message
    let terms = RelayClient::http(&system.relay_url)
        .postage_terms()
        .await
        .unwrap()
        .unwrap();
    assert_eq!(terms.price, PRICE);
    let payee = terms.payee.to_string();
    let opened = system
        .json("//Alice", &["channel", "open", &payee, "--deposit", "0.01"])
        .await;
    let channel = opened["channel"].as_u64().unwrap().to_string();
    let mut sent = Vec::new();
    for (n, text) in [(1, "paid one"), (2, "paid two")] {
        let paid = system
            .json(
                "//Alice",
                &["send", "--to", "bob", "--postage", &channel, text],
            )
            .await;
        assert_eq!(paid["postage"]["cumulative"], (n * PRICE).to_string());
        sent.push(paid["receipt"]["message_id"].as_str().unwrap().to_owned());
    }
    let read = system.json("//Bob", &["read", "--with", "alice"]).await;
    assert_eq!(texts(&read), owned(&["paid one", "paid two"]));
    // The relay claims both messages' postage on chain by itself
    eventually(60, "the relay claims its postage", || async {
        let shown = system.json("//Alice", &["channel", "show", &channel]).await;
        shown["paid"] == (2 * PRICE).to_string()
    })
    .await;
    system.verified("//Bob", &sent[1], 60).await;
    system.stop().await;
}

/// A payer who starts closing a channel cannot take back what the relay's
/// vouchers promise: the relay claims as soon as the close is final, not
/// at its next claim round (an hour away here).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_relay_claims_at_once_when_a_payer_starts_closing() {
    use inkpost_sdk::chain::Finality;
    use inkpost_sdk::chain::deploy::code;
    use inkpost_sdk::contracts::{Contract, escrow};
    use inkpost_tests::world::{artifacts_dir, signer};

    // An escrow of the test's own, with a dispute window of 30 blocks
    let world = tokio::task::spawn_blocking(inkpost_tests::world::World::shared)
        .await
        .unwrap();
    let chain = world.chain().await;
    let input = escrow::new(&chain.genesis_hash(), chain.native_to_eth_ratio(), 30);
    let deployed = chain
        .instantiate(
            &signer("//Alice"),
            &code(&artifacts_dir(), Contract::Escrow).unwrap(),
            &input,
            0,
            [0x3c; 32],
            Finality::Finalized,
        )
        .await
        .unwrap();
    let escrow_address = deployed.address.to_string();
    let price = PRICE.to_string();
    let system = System::start(
        "cli-close-claim",
        &[
            "--anchoring",
            "false",
            "--postage-price",
            &price,
            "--escrow-contract",
            &escrow_address,
            "--postage-claim-interval-secs",
            "3600",
        ],
    )
    .await;
    let mut deployment = world.deployment;
    deployment.escrow = deployed.address;
    let file = system.dir.join("deployment.json");
    deployment.save(&file).unwrap();
    // Given a channel that paid for one message
    let payee = identity(&system.relay_suri).address().to_string();
    let run = |args: Vec<String>| {
        let system = &system;
        let file = file.clone();
        async move {
            let mut out = Vec::new();
            let mut argv = vec!["--json".to_owned()];
            argv.extend(args);
            let argv: Vec<&str> = argv.iter().map(String::as_str).collect();
            system
                .cli_on(&file, "//Alice", &argv, &mut out)
                .await
                .unwrap_or_else(|error| panic!("{argv:?}: {error}"));
            serde_json::from_slice::<serde_json::Value>(&out).unwrap()
        }
    };
    let words = |text: &str| text.split(' ').map(str::to_owned).collect::<Vec<_>>();
    let opened = run(words(&format!("channel open {payee} --deposit 0.01"))).await;
    let channel = opened["channel"].as_u64().unwrap();
    let mut send = words(&format!("send --to bob --postage {channel}"));
    send.push("paid before closing".into());
    let sent = run(send).await;
    assert_eq!(sent["postage"]["cumulative"], PRICE.to_string());
    // When Alice starts closing it
    run(words(&format!("channel close {channel}"))).await;
    // Then the relay claims its postage well within the window
    eventually(60, "the relay claims on the close", || {
        let run = &run;
        let show = words(&format!("channel show {channel}"));
        async move { run(show).await["paid"] == PRICE.to_string() }
    })
    .await;
    system.stop().await;
}
