//! The chat app (web/app) in headless Chromium, used as a person would —
//! its forms and buttons — and people on the CLI, in one conversation on
//! the dev node through a relay that allows the app's origin. The app
//! reads the contracts itself (dedot, through the shipped metadata) and
//! seals, signs and checks with the SDK in WebAssembly.
// Helpers outside #[test] functions unwrap too: a failure is the test failing.
#![allow(clippy::unwrap_used)]

use inkpost_tests::browser::{self, App};
use inkpost_tests::within;
use inkpost_tests::world::{account_suri, identity};
use serde_json::{Value, json};

use crate::kit::{Lines, System, texts};

const PASSPHRASE: &str = "correct horse battery";

/// The app, served on a free port that `system`'s relay allows, going
/// through `steps`.
fn app(system: &System, port: u16, steps: &Value) -> App {
    let deployment: Value =
        serde_json::from_str(&std::fs::read_to_string(&system.world.deployment_file).unwrap())
            .unwrap();
    App::start(
        system.world.node.url(),
        &system.relay_url,
        &deployment,
        steps,
        port,
    )
}

/// A relay of the test's own that allows the app on a free port.
async fn system_for_app(name: &str) -> (System, u16) {
    let port = browser::free_port();
    let origin = format!("http://127.0.0.1:{port}");
    let system = System::start(name, &["--cors-origin", &origin]).await;
    (system, port)
}

/// The median of `values` (sorted here).
fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_app_and_the_cli_converse_in_a_group_until_the_app_s_user_is_removed() {
    const ROUNDS: usize = 20;
    let (system, port) = system_for_app("web-group").await;
    let group = system.group(&["bob", "charlie"]).await;

    // Bob uses the app: his key imported (kept encrypted in the browser).
    let mut app = app(
        &system,
        port,
        &json!([
            {"do": "import", "secret": "//Bob", "passphrase": PASSPHRASE},
            {"do": "profile"},
            {"do": "open-group", "group": group},
            {"do": "send", "text": "hello from the web app"},
            {"do": "send", "text": "and again"},
            {"do": "expect", "text": "hello from the CLI"},
            {"do": "wait", "for": "anchored"},
            {"do": "verify", "text": "hello from the web app"},
            {"do": "ping", "ask": "ping", "answer": "pong", "count": ROUNDS},
            {"do": "wait", "for": "removed"},
            {"do": "expect-status", "contains": "can no longer read"},
        ]),
    );
    let bob = identity("//Bob");
    assert_eq!(
        app.next("import").await["address"],
        bob.address().to_string()
    );
    assert_eq!(app.next("profile").await["profile"], "You are @bob.");
    app.next("open-group").await;
    app.next("send").await;
    app.next("send").await;

    // Alice and Charlie, on the CLI, read Bob's messages as his, in order
    // (the CLI checks his chain and that he could write at their epoch).
    for reader in ["//Alice", "//Charlie"] {
        let read = system.json(reader, &["read", "--group", &group]).await;
        assert_eq!(
            texts(&read),
            [
                Some("hello from the web app".to_owned()),
                Some("and again".to_owned())
            ],
            "{reader}"
        );
        for message in read.as_array().unwrap() {
            assert_eq!(message["sender_handle"], "bob", "{message}");
            assert_eq!(message["continuity"]["status"], "in_order", "{message}");
        }
    }
    let first = system.json("//Alice", &["read", "--group", &group]).await[0]["id"]
        .as_str()
        .unwrap()
        .to_owned();

    // Alice answers; the app shows it on its live stream, as hers.
    system
        .ok(
            "//Alice",
            &["send", "--group", &group, "hello from the CLI"],
        )
        .await;
    let shown = app.next("expect").await;
    assert_eq!(shown["sender"], "@alice", "{shown}");
    assert_eq!(shown["flag"], Value::Null, "{shown}");

    // Once the relay has anchored Bob's first message, the app verifies it
    // against the root the anchors contract holds: the CLI's root.
    let verified = system.verified("//Alice", &first, 90).await;
    app.signal("anchored").await;
    let verdict = app.next("verify").await;
    let root = verified["root"].as_str().unwrap();
    assert!(
        verdict["verdict"]
            .as_str()
            .unwrap()
            .contains(&format!("root {root}")),
        "{verdict} vs {verified}"
    );

    // Round trips: the app sends, Alice's CLI (following the group) answers
    // each, the app shows the answer.
    let (mut writer, mut seen) = Lines::new();
    let follow_args = [
        "--json", "read", "--group", &group, "--after", "3", "--follow",
    ];
    let follow = system.cli_to("//Alice", &follow_args, &mut writer);
    let answer = async {
        let mut answered = 0;
        while answered < ROUNDS {
            let line = within(60, "Alice's stream delivers", seen.recv())
                .await
                .unwrap();
            let message: Value = serde_json::from_str(&line).unwrap();
            let text = message["body"]["text"].as_str().unwrap_or_default();
            if let Some(n) = text.strip_prefix("ping ") {
                system
                    .ok(
                        "//Alice",
                        &["send", "--group", &group, &format!("pong {n}")],
                    )
                    .await;
                answered += 1;
            }
        }
        app.next("ping").await
    };
    let pinged = tokio::select! {
        ended = follow => panic!("Alice's follow ended: {ended:?}"),
        pinged = answer => pinged,
    };
    let mut rounds: Vec<f64> = pinged["rounds"]
        .as_array()
        .unwrap()
        .iter()
        .map(|ms| ms.as_f64().unwrap())
        .collect();
    assert_eq!(rounds.len(), ROUNDS);
    let p50 = median(&mut rounds);
    println!(
        "web → CLI → web over {ROUNDS} messages: p50 {p50:.0} ms, min {:.0} ms, max {:.0} ms",
        rounds[0],
        rounds[ROUNDS - 1]
    );

    // Alice removes Bob: the app's stream ends, and it says so.
    system
        .ok("//Alice", &["group", "remove", &group, "bob"])
        .await;
    app.signal("removed").await;
    let status = app.next("expect-status").await;
    assert!(
        status["status"].as_str().unwrap().contains("revoked"),
        "{status}"
    );
    app.finish().await;
    system.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_user_of_the_app_registers_makes_a_group_talks_directly_and_tips() {
    let (system, port) = system_for_app("web-newcomer").await;
    let chain = system.world.chain().await;
    // Two accounts of this test's own, funded: the newcomer in the app and
    // a friend on the CLI (whose balance nothing else moves).
    let newcomer = system.world.funded(&chain, "web-newcomer-user").await;
    let friend_suri = account_suri("web-newcomer-friend");
    system.world.funded(&chain, "web-newcomer-friend").await;
    system
        .ok(&friend_suri, &["id", "register", "appfriend"])
        .await;

    let mut app = app(
        &system,
        port,
        &json!([
            {"do": "import", "secret": account_suri("web-newcomer-user"), "passphrase": PASSPHRASE},
            {"do": "register", "handle": "appuser"},
            {"do": "create-group"},
            {"do": "add-member", "handle": "appfriend", "role": "Member"},
            {"do": "wait", "for": "members checked"},
            {"do": "set-role", "handle": "appfriend", "role": "Reader"},
            {"do": "send", "text": "welcome to my group"},
            {"do": "open-dm", "handle": "appfriend"},
            {"do": "send", "text": "hi friend, just us"},
            {"do": "expect", "text": "hello newcomer"},
            {"do": "tip", "text": "hello newcomer", "amount": "0.5"},
            {"do": "open-group", "group": "created"},
            {"do": "remove-member", "handle": "appfriend"},
            {"do": "reload"},
            {"do": "unlock", "passphrase": PASSPHRASE},
            {"do": "profile"},
        ]),
    );
    app.next("import").await;

    // Registered through the app: the identity contract has the app's
    // account and encryption key under the handle.
    app.next("register").await;
    let shown = system.json(&friend_suri, &["id", "show", "appuser"]).await;
    assert_eq!(shown["account_id"], newcomer.account_id().to_string());
    assert_eq!(
        shown["encryption_key"],
        newcomer
            .encryption_key(inkpost_sdk::ids::KeyVersion(1))
            .to_string()
    );

    // A group made and filled in the app, read on the CLI.
    let group = app.next("create-group").await["group"]
        .as_str()
        .unwrap()
        .to_owned();
    let added = app.next("add-member").await;
    assert!(
        added["shown"].as_str().unwrap().contains("member"),
        "{added}"
    );
    let members = system
        .json(&friend_suri, &["group", "members", &group])
        .await;
    let roles: Vec<(&str, &str)> = members["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| (m["handle"].as_str().unwrap(), m["role"].as_str().unwrap()))
        .collect();
    assert_eq!(roles, [("appuser", "Owner"), ("appfriend", "Member")]);
    app.signal("members checked").await;
    let changed = app.next("set-role").await;
    assert!(
        changed["shown"].as_str().unwrap().contains("— reader"),
        "{changed}"
    );
    let members = system
        .json(&friend_suri, &["group", "members", &group])
        .await;
    assert_eq!(members["members"][1]["role"], "Reader", "{members}");
    app.next("send").await;
    let read = system
        .json(&friend_suri, &["read", "--group", &group])
        .await;
    assert_eq!(texts(&read), [Some("welcome to my group".to_owned())]);
    assert_eq!(read[0]["sender_handle"], "appuser");

    // A direct conversation, both ways.
    app.next("open-dm").await;
    app.next("send").await;
    let read = system
        .json(&friend_suri, &["read", "--to", "appuser"])
        .await;
    assert_eq!(texts(&read), [Some("hi friend, just us".to_owned())]);
    let friend = identity(&friend_suri);
    let before = chain.balance(&friend.account_id()).await.unwrap();
    system
        .ok(&friend_suri, &["send", "--to", "appuser", "hello newcomer"])
        .await;
    let shown = app.next("expect").await;
    assert_eq!(shown["sender"], "@appfriend", "{shown}");

    // The tip moves exactly its value from the app's user to the friend.
    let after_send = chain.balance(&friend.account_id()).await.unwrap();
    assert_eq!(
        after_send, before,
        "sending through a relay costs nothing on chain"
    );
    let tipped = app.next("tip").await;
    assert_eq!(tipped["verdict"], "tipped 0.5 tokens");
    let after_tip = chain.balance(&friend.account_id()).await.unwrap();
    assert_eq!(after_tip - before, inkpost_sdk::units::TOKEN / 2);

    // Removed in the app, the friend can no longer read the group.
    app.next("open-group").await;
    app.next("remove-member").await;
    let refused = system
        .cli(&friend_suri, &["read", "--group", &group])
        .await
        .unwrap_err();
    assert_eq!(refused.exit_code(), 4, "{refused}");

    // The key stays in the browser, encrypted: after a reload, the
    // passphrase opens it.
    app.next("reload").await;
    app.next("unlock").await;
    assert_eq!(app.next("profile").await["profile"], "You are @appuser.");
    app.finish().await;
    system.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_dapp_snippet_in_the_docs_reads_by_handle_and_registers() {
    let snippet = include_str!("../../../web/examples/register.mjs");
    assert!(
        include_str!("../../../docs/dapp.md").contains(snippet),
        "docs/dapp.md must show web/examples/register.mjs as it is"
    );
    let system = System::start("web-snippet", &["--anchoring", "false"]).await;
    let chain = system.world.chain().await;
    let suri = account_suri("web-snippet-user");
    let user = system.world.funded(&chain, "web-snippet-user").await;
    let root = inkpost_tests::repo_root();
    let run = || {
        tokio::process::Command::new("node")
            .arg(root.join("web/examples/register.mjs"))
            .arg(system.world.node.url())
            .arg(&system.world.deployment_file)
            .arg(&suri)
            .arg("snippet")
            .kill_on_drop(true)
            .output()
    };

    let output = within(120, "the snippet registers", run()).await.unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    let printed: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(printed["handle"], "snippet");
    assert_eq!(printed["address"], user.address().to_string());
    let shown = system.json("//Alice", &["id", "show", "snippet"]).await;
    assert_eq!(shown["account_id"], user.account_id().to_string());

    // Its read sees the handle taken now, and it stops before signing.
    let again = within(120, "the snippet runs again", run()).await.unwrap();
    assert!(!again.status.success());
    let stderr = String::from_utf8_lossy(&again.stderr);
    assert!(stderr.contains("@snippet is taken"), "{stderr}");
    system.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_app_pays_a_relay_s_postage_from_a_channel_it_opens() {
    const PRICE: u128 = inkpost_sdk::units::TOKEN / 1_000;
    let port = browser::free_port();
    let origin = format!("http://127.0.0.1:{port}");
    let price = PRICE.to_string();
    let system = System::start(
        "web-postage",
        &[
            "--cors-origin",
            &origin,
            "--anchoring",
            "false",
            "--postage-price",
            &price,
            "--postage-claim-interval-secs",
            "1",
        ],
    )
    .await;
    let mut app = app(
        &system,
        port,
        &json!([
            {"do": "import", "secret": "//Bob", "passphrase": PASSPHRASE},
            {"do": "postage"},
            {"do": "open-dm", "handle": "alice"},
            {"do": "send", "text": "for free?", "refused": "open a payment channel"},
            {"do": "open-channel", "deposit": "0.01"},
            {"do": "send", "text": "paid from the browser"},
            {"do": "send", "text": "paid again"},
            {"do": "reload"},
            {"do": "unlock", "passphrase": PASSPHRASE},
            {"do": "open-dm", "handle": "alice"},
            {"do": "send", "text": "paid after a reload"},
        ]),
    );
    app.next("import").await;
    let terms = app.next("postage").await;
    assert!(
        terms["terms"]
            .as_str()
            .unwrap()
            .contains("charges 0.001 tokens per message"),
        "{terms}"
    );
    app.next("open-dm").await;
    app.next("send").await;
    let opened = app.next("open-channel").await;
    let channel = opened["channel"].as_str().unwrap().to_owned();
    let shown = system.json("//Bob", &["channel", "show", &channel]).await;
    assert_eq!(shown["deposit"], (10 * PRICE).to_string(), "{shown}");
    for _ in 0..2 {
        app.next("send").await;
    }
    // The relay claims each message's price on chain by itself.
    let paid = |amount: u128| {
        let channel = channel.clone();
        let system = &system;
        move || {
            let channel = channel.clone();
            async move {
                let shown = system.json("//Bob", &["channel", "show", &channel]).await;
                shown["paid"] == amount.to_string()
            }
        }
    };
    crate::kit::eventually(
        60,
        "the relay claims two messages' postage",
        paid(2 * PRICE),
    )
    .await;

    // After a reload the ledger in the browser goes on where it was.
    app.next("reload").await;
    app.next("unlock").await;
    app.next("open-dm").await;
    app.next("send").await;
    crate::kit::eventually(60, "the relay claims the third", paid(3 * PRICE)).await;
    let read = system.json("//Alice", &["read", "--with", "bob"]).await;
    let texts = texts(&read);
    for text in ["paid from the browser", "paid again", "paid after a reload"] {
        assert!(texts.contains(&Some(text.to_owned())), "{text}: {texts:?}");
    }
    assert!(!texts.contains(&Some("for free?".to_owned())), "{texts:?}");
    app.finish().await;
    system.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_app_flags_a_group_message_from_who_could_not_write_at_its_epoch() {
    use crate::lies::writers_who_could_not_write;

    // The liar answers browsers itself: the relay behind it allows no origin.
    let port = browser::free_port();
    let mut system = System::start("web-lie-writer", &["--anchoring", "false"]).await;
    // Given envelopes of who could not write at their epoch, added by the
    // relay to the group Alice reads in the app
    let (group, _liar) = writers_who_could_not_write(&mut system).await;
    let mut app = app(
        &system,
        port,
        &json!([
            {"do": "import", "secret": "//Alice", "passphrase": PASSPHRASE},
            {"do": "open-group", "group": group},
            {"do": "messages"},
        ]),
    );
    app.next("import").await;
    app.next("open-group").await;
    // Then Bob's message of when he was a member reads, and both injected
    // ones are shown as such, never as their texts
    let shown = app.next("messages").await;
    let messages = shown["messages"].as_array().unwrap();
    assert_eq!(messages.len(), 3, "{shown}");
    assert_eq!(messages[0]["text"], "before I left", "{shown}");
    assert_eq!(messages[0]["invalid"], false, "{shown}");
    for injected in &messages[1..] {
        assert_eq!(injected["invalid"], true, "{shown}");
        let text = injected["text"].as_str().unwrap();
        assert!(
            text.contains("could not write in this group at epoch 4"),
            "{shown}"
        );
    }
    app.finish().await;
    system.stop().await;
}
