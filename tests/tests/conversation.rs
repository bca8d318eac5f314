//! The whole system the way a user drives it: a real ink-node, the four
//! contracts deployed by `inkpost deploy`, a relay on SQLite running
//! in-process, and every step through the CLI's argument parser and
//! commands (`inkpost_cli::run_args`), as the README's conversation does.
// Helpers outside #[test] functions unwrap too: a failure is the test failing.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;

use inkpost_cli::CliError;
use inkpost_cli::relay::RelayClient;
use inkpost_relay::config::RelayConfig;
use inkpost_sdk::keys::Identity;
use inkpost_tests::db::{Kind, TestDatabase};
use inkpost_tests::deploy::artifacts_dir;
use inkpost_tests::node::{NodeError, TestNode};
use inkpost_tests::within;
use serde_json::Value;
use tokio::sync::oneshot;

/// Waits until the relay at `url` is ready: its database answers and it
/// follows the chain (after a start, or again after a node outage).
async fn relay_follows(url: &str) {
    let relay = RelayClient::new(url);
    within(120, "the relay follows the chain", async {
        loop {
            if matches!(relay.ready().await, Ok(ready) if ready.chain && ready.database) {
                return;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
    })
    .await;
}

/// A relay running in-process on a free port.
struct Relay {
    url: String,
    stop: Option<oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<()>,
}

impl Relay {
    /// Starts a relay of `deployment` as `suri` on `database_url` (200 ms
    /// batches, more settings in `extra`) and waits until it is ready.
    async fn start(
        node: &TestNode,
        deployment: &std::path::Path,
        database_url: &str,
        suri: &str,
        anchoring: bool,
        extra: &[&str],
    ) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let anchoring = anchoring.to_string();
        let mut args = vec![
            "inkpost-relay",
            "--suri",
            suri,
            "--deployment",
            deployment.to_str().unwrap(),
            "--node-url",
            node.url(),
            "--database-url",
            database_url,
            "--batch-interval-ms",
            "200",
            "--anchoring",
            &anchoring,
        ];
        args.extend_from_slice(extra);
        let config = RelayConfig::load_from(args.into_iter().map(String::from).collect()).unwrap();
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            inkpost_relay::server::serve(config, listener, async {
                let _ = stopped.await;
            })
            .await
            .unwrap();
        });
        relay_follows(&url).await;
        Self {
            url,
            stop: Some(stop),
            task,
        }
    }

    async fn stop(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        let _ = within(30, "the relay stops", &mut self.task).await;
    }
}

/// A node, a deployment, a relay on SQLite, and a keystore home.
struct System {
    node: TestNode,
    dir: PathBuf,
    relay_url: String,
    relay: Option<Relay>,
}

impl System {
    /// A node with the contracts deployed by `inkpost deploy` and a relay
    /// on SQLite (anchoring as //Ferdie).
    async fn start(tag: &str) -> Self {
        let mut system = Self::deployed(tag).await;
        system.start_relay().await;
        system
    }

    /// Starts this system's relay on SQLite, anchoring as //Ferdie.
    async fn start_relay(&mut self) {
        self.start_relay_with(true, &[]).await;
    }

    /// Starts this system's relay on SQLite as //Ferdie, with more settings.
    async fn start_relay_with(&mut self, anchoring: bool, extra: &[&str]) {
        let database = format!("sqlite://{}", self.database().display());
        let relay = Relay::start(
            &self.node,
            &self.deployment(),
            &database,
            "//Ferdie",
            anchoring,
            extra,
        )
        .await;
        self.relay_url = relay.url.clone();
        self.relay = Some(relay);
    }

    /// A node with the contracts deployed by `inkpost deploy`, no relay.
    async fn deployed(tag: &str) -> Self {
        Self::deployed_on(tag, |_| TestNode::start()).await
    }

    /// [`System::deployed`] on the node `start` gives (it gets a directory
    /// for chain state).
    async fn deployed_on(
        tag: &str,
        start: impl FnOnce(&std::path::Path) -> Result<TestNode, NodeError>,
    ) -> Self {
        let dir = std::env::temp_dir().join(format!("inkpost-e2e-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let node = start(&dir.join("chain")).unwrap_or_else(|error| panic!("{error}"));
        let system = Self {
            node,
            dir,
            relay_url: String::new(),
            relay: None,
        };
        let artifacts = artifacts_dir();
        within(
            300,
            "inkpost deploy",
            system.cli(
                "//Alice",
                &[
                    "deploy",
                    "--artifacts",
                    artifacts.to_str().unwrap(),
                    "--dispute-window",
                    "2",
                ],
            ),
        )
        .await
        .unwrap();
        system
    }

    fn deployment(&self) -> PathBuf {
        self.dir.join("deployment.json")
    }

    fn database(&self) -> PathBuf {
        self.dir.join("relay.db")
    }

    /// Runs `inkpost --as WHO ARGS…` against this system; returns stdout.
    async fn cli(&self, who: &str, args: &[&str]) -> Result<String, CliError> {
        let mut out = Vec::new();
        self.cli_to(who, args, &mut out).await?;
        Ok(String::from_utf8(out).unwrap())
    }

    /// `cli` writing its output to `out` as it goes.
    async fn cli_to(
        &self,
        who: &str,
        args: &[&str],
        out: &mut impl std::io::Write,
    ) -> Result<(), CliError> {
        let deployment = self.deployment();
        let home = self.dir.join("home");
        let mut argv = vec![
            "inkpost",
            "--quiet",
            "--as",
            who,
            "--node",
            self.node.url(),
            "--relay",
            &self.relay_url,
            "--deployment",
            deployment.to_str().unwrap(),
            "--home",
            home.to_str().unwrap(),
        ];
        argv.extend_from_slice(args);
        inkpost_cli::run_args(argv, out).await
    }

    /// `cli` with `--json`, parsed.
    async fn json(&self, who: &str, args: &[&str]) -> Value {
        let mut with_json = vec!["--json"];
        with_json.extend_from_slice(args);
        let text = self
            .cli(who, &with_json)
            .await
            .unwrap_or_else(|error| panic!("inkpost {args:?} as {who}: {error}"));
        serde_json::from_str(&text).unwrap_or_else(|_| panic!("not JSON: {text}"))
    }

    /// Sends `text` to `group` as `who`; returns the message id.
    async fn send_as(&self, who: &str, group: &str, text: &str) -> String {
        let sent = self.json(who, &["send", "--group", group, text]).await;
        sent["receipt"]["message_id"].as_str().unwrap().to_owned()
    }

    /// `inkpost verify` as `who`, waiting up to `seconds` for the anchor;
    /// checks it names the message and the relay's account (//Ferdie).
    async fn verified(&self, who: &str, message: &str, seconds: u64) -> Value {
        let wait = (seconds - 15).to_string();
        let verified = within(
            seconds,
            "the message is anchored",
            self.json(who, &["verify", message, "--wait", &wait]),
        )
        .await;
        assert_eq!(verified["id"], message);
        let ferdie = Identity::from_suri("//Ferdie").unwrap().address();
        assert_eq!(verified["submitter"], ferdie.to_string());
        verified
    }

    async fn ok(&self, who: &str, args: &[&str]) -> String {
        self.cli(who, args)
            .await
            .unwrap_or_else(|error| panic!("inkpost {args:?} as {who}: {error}"))
    }

    async fn stop(mut self) {
        if let Some(relay) = self.relay.take() {
            relay.stop().await;
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// A writer that hands each complete line to a channel, so a test can
/// react to a command's output while it runs.
struct Lines {
    partial: Vec<u8>,
    lines: tokio::sync::mpsc::UnboundedSender<String>,
}

impl std::io::Write for Lines {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.partial.extend_from_slice(bytes);
        while let Some(end) = self.partial.iter().position(|byte| *byte == b'\n') {
            let line: Vec<u8> = self.partial.drain(..=end).collect();
            let _ = self
                .lines
                .send(String::from_utf8_lossy(&line).trim_end().to_owned());
        }
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Texts of a `read --json` answer: `Some(text)` or `None` for a message
/// not encrypted to the reader; panics on an invalid one.
fn texts(read: &Value) -> Vec<Option<String>> {
    read.as_array()
        .unwrap()
        .iter()
        .map(
            |message| match message["body"]["status"].as_str().unwrap() {
                "text" => Some(message["body"]["text"].as_str().unwrap().to_owned()),
                "not_for_me" => None,
                other => panic!("message {message}: {other}"),
            },
        )
        .collect()
}

fn owned(texts: &[&str]) -> Vec<Option<String>> {
    texts.iter().map(|text| Some((*text).to_owned())).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_readme_conversation_through_the_cli() {
    let system = System::start("readme").await;
    for (who, handle) in [
        ("//Alice", "alice"),
        ("//Bob", "bob"),
        ("//Charlie", "charlie"),
    ] {
        system.ok(who, &["id", "register", handle]).await;
    }
    let shown = system.json("//Bob", &["id", "show", "alice"]).await;
    assert_eq!(
        shown["account_id"],
        Identity::from_suri("//Alice")
            .unwrap()
            .account_id()
            .to_string()
    );

    let created = system.json("//Alice", &["group", "create"]).await;
    let group = created["group"].as_u64().unwrap().to_string();
    let first = system
        .json("//Alice", &["group", "add", &group, "bob"])
        .await;
    let added = system
        .json("//Alice", &["group", "add", &group, "charlie"])
        .await;
    // Every membership change moves the epoch on.
    assert_eq!(
        added["epoch"].as_u64().unwrap(),
        first["epoch"].as_u64().unwrap() + 1
    );
    let members = system.json("//Bob", &["group", "members", &group]).await;
    assert_eq!(members["members"].as_array().unwrap().len(), 3);

    system
        .ok("//Alice", &["send", "--group", &group, "Hi both"])
        .await;
    let sent = system
        .json("//Bob", &["send", "--group", &group, "Friday works"])
        .await;
    assert_eq!(sent["recipients"], 3);
    let bob_message = sent["receipt"]["message_id"].as_str().unwrap().to_owned();
    system
        .ok("//Charlie", &["send", "--group", &group, "Count me in"])
        .await;
    system
        .ok("//Bob", &["send", "--to", "alice", "just for you"])
        .await;

    for reader in ["//Alice", "//Bob", "//Charlie"] {
        let read = system.json(reader, &["read", "--group", &group]).await;
        assert_eq!(
            texts(&read),
            owned(&["Hi both", "Friday works", "Count me in"]),
            "{reader}"
        );
    }
    let direct = system.json("//Alice", &["read", "--with", "bob"]).await;
    assert_eq!(texts(&direct), owned(&["just for you"]));
    // Charlie's direct conversation with Bob is another one: empty. (The
    // relay's own tests show a third party cannot read Alice and Bob's.)
    let others = system.json("//Charlie", &["read", "--with", "bob"]).await;
    assert_eq!(texts(&others), Vec::<Option<String>>::new());

    // Bob verifies his message's anchor on chain.
    let verified = system.verified("//Bob", &bob_message, 60).await;
    assert!(verified["block"].as_u64().unwrap() > 0);

    // Charlie follows the group live; Alice writes, and once Charlie has
    // seen it she removes him: his stream ends with the revocation.
    let (lines, mut seen) = tokio::sync::mpsc::unbounded_channel();
    let mut writer = Lines {
        partial: Vec::new(),
        lines,
    };
    let follow_args = [
        "--json", "read", "--group", &group, "--after", "3", "--follow",
    ];
    let follow = system.cli_to("//Charlie", &follow_args, &mut writer);
    let alice_acts = async {
        system
            .ok("//Alice", &["send", "--group", &group, "still for Charlie"])
            .await;
        let line = within(60, "Charlie's stream delivers", seen.recv())
            .await
            .unwrap();
        let message: Value = serde_json::from_str(&line).unwrap();
        assert_eq!(message["body"]["text"], "still for Charlie");
        assert_eq!(message["sender_handle"], "alice");
        // Charlie is removed: the relay refuses him, and what is sent after
        // the removal is not encrypted to him either.
        system
            .ok("//Alice", &["group", "remove", &group, "charlie"])
            .await;
    };
    let (followed, ()) = tokio::join!(within(120, "the stream ends", follow), alice_acts);
    let revoked = followed.unwrap_err();
    assert_eq!(revoked.exit_code(), 4, "{revoked}");
    assert!(revoked.to_string().contains("revoked"), "{revoked}");
    system
        .ok("//Alice", &["send", "--group", &group, "only for Bob"])
        .await;
    let refused = system
        .cli("//Charlie", &["read", "--group", &group])
        .await
        .unwrap_err();
    assert_eq!(refused.exit_code(), 4, "{refused}");
    let bob_reads = system.json("//Bob", &["read", "--group", &group]).await;
    assert_eq!(
        texts(&bob_reads).last().unwrap().as_deref(),
        Some("only for Bob")
    );
    let last = bob_reads.as_array().unwrap().last().unwrap();
    let envelope = RelayClient::new(&system.relay_url)
        .envelope(
            &Identity::from_suri("//Bob").unwrap(),
            &last["id"].as_str().unwrap().parse().unwrap(),
        )
        .await
        .unwrap()
        .envelope()
        .unwrap();
    let charlie = Identity::from_suri("//Charlie").unwrap().account_id();
    assert!(!envelope.recipients().any(|account| *account == charlie));

    // Alice tips Bob for his message; Bob's balance grows by the tip.
    let tipped = system
        .json("//Alice", &["tip", &bob_message, "--amount", "0.5"])
        .await;
    assert_eq!(
        tipped["to"],
        Identity::from_suri("//Bob").unwrap().address().to_string()
    );
    assert_eq!(tipped["amount"], "500000000000");

    // Postage: Alice opens a channel to the relay's account, signs a
    // voucher, and the relay operator claims it.
    let relay_address = Identity::from_suri("//Ferdie")
        .unwrap()
        .address()
        .to_string();
    let opened = system
        .json(
            "//Alice",
            &[
                "channel",
                "open",
                &relay_address,
                "--deposit",
                "1",
                "--blocks",
                "500",
            ],
        )
        .await;
    let channel = opened["channel"].as_u64().unwrap().to_string();
    let voucher = system.dir.join("voucher.json");
    system
        .ok(
            "//Alice",
            &[
                "channel",
                "pay",
                &channel,
                "--total",
                "0.01",
                "--out",
                voucher.to_str().unwrap(),
            ],
        )
        .await;
    let claimed = system
        .json("//Ferdie", &["channel", "claim", voucher.to_str().unwrap()])
        .await;
    assert_eq!(claimed["paid"], "10000000000");
    // The same voucher again pays nothing: refused, and nothing moves.
    let replay = system
        .cli("//Ferdie", &["channel", "claim", voucher.to_str().unwrap()])
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

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn rotation_tampering_and_bad_input() {
    let system = System::start("rotation").await;
    for (who, handle) in [("//Alice", "alice"), ("//Bob", "bob")] {
        system.ok(who, &["id", "register", handle]).await;
    }
    system
        .ok("//Alice", &["send", "--to", "bob", "before"])
        .await;
    let rotated = system.json("//Bob", &["id", "rotate-key"]).await;
    assert_eq!(rotated["key_version"], 2);
    system
        .ok("//Alice", &["send", "--to", "bob", "after"])
        .await;

    // Both messages open for Bob: the first with key version 1, the second
    // with version 2, which is what it was encrypted to.
    let read = system.json("//Bob", &["read", "--with", "alice"]).await;
    assert_eq!(texts(&read), owned(&["before", "after"]));
    let relay = RelayClient::new(&system.relay_url);
    let bob = Identity::from_suri("//Bob").unwrap();
    let versions: Vec<u32> = {
        let mut versions = Vec::new();
        for message in read.as_array().unwrap() {
            let id = message["id"].as_str().unwrap().parse().unwrap();
            let envelope = relay.envelope(&bob, &id).await.unwrap().envelope().unwrap();
            let wrapped = envelope
                .payload
                .recipients
                .iter()
                .find(|wrapped| wrapped.recipient == bob.account_id())
                .unwrap();
            versions.push(wrapped.key_version.0);
        }
        versions
    };
    assert_eq!(versions, vec![1, 2]);

    // A relay that alters a stored body is caught by the reader.
    let pool = sqlx::SqlitePool::connect(&format!("sqlite://{}", system.database().display()))
        .await
        .unwrap();
    let body: Vec<u8> =
        sqlx::query_scalar("SELECT body FROM envelopes ORDER BY row_id DESC LIMIT 1")
            .fetch_one(&pool)
            .await
            .unwrap();
    let mut altered = body.clone();
    let last = altered.len() - 1;
    altered[last] ^= 1;
    sqlx::query("UPDATE envelopes SET body = ? WHERE body = ?")
        .bind(&altered)
        .bind(&body)
        .execute(&pool)
        .await
        .unwrap();
    pool.close().await;
    let read = system.json("//Bob", &["read", "--with", "alice"]).await;
    let statuses: Vec<&str> = read
        .as_array()
        .unwrap()
        .iter()
        .map(|message| message["body"]["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, vec!["text", "invalid"]);

    // Bad input: one clear error each, with its exit code.
    for (who, args, code, says) in [
        (
            "//Alice",
            vec!["send", "--to", "nobody_here", "hi"],
            3,
            "nobody is registered",
        ),
        (
            "//Alice",
            vec!["group", "add", "999", "bob"],
            3,
            "NoSuchGroup",
        ),
        (
            "//Bob",
            vec!["id", "register", "bob2"],
            6,
            "AlreadyRegistered",
        ),
        (
            "//Dave",
            vec!["send", "--to", "bob", "hi"],
            4,
            "register one",
        ),
        ("//Alice", vec!["verify", "0x1234"], 2, "not a message id"),
        ("no-such-key", vec!["id", "show"], 2, "inkpost keys create"),
        (
            "//Alice",
            vec!["tip", "0x1234", "--amount", "0"],
            2,
            "not a message id",
        ),
    ] {
        let error = system.cli(who, &args).await.unwrap_err();
        assert_eq!(error.exit_code(), code, "{args:?}: {error}");
        assert!(error.to_string().contains(says), "{args:?}: {error}");
    }
    // The relay and the node, unreachable.
    let mut argv = vec![
        "inkpost",
        "--as",
        "//Alice",
        "--relay",
        "http://127.0.0.1:9",
    ];
    let deployment = system.deployment();
    argv.extend([
        "--deployment",
        deployment.to_str().unwrap(),
        "--node",
        system.node.url(),
    ]);
    argv.extend(["send", "--to", "bob", "hi"]);
    let error = inkpost_cli::run_args(argv, &mut Vec::new())
        .await
        .unwrap_err();
    assert_eq!(error.exit_code(), 5, "{error}");
    let argv = [
        "inkpost",
        "--as",
        "//Alice",
        "--node",
        "ws://127.0.0.1:9",
        "--deployment",
        deployment.to_str().unwrap(),
        "id",
        "show",
        "bob",
    ];
    let error = inkpost_cli::run_args(argv, &mut Vec::new())
        .await
        .unwrap_err();
    assert_eq!(error.exit_code(), 5, "{error}");
    system.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_relays_sharing_postgres_serve_one_conversation() {
    let mut system = System::deployed("postgres").await;
    let database = TestDatabase::new(Kind::Postgres).await;
    // One anchors (as //Ferdie); the other only serves (as //Eve).
    let anchoring = Relay::start(
        &system.node,
        &system.deployment(),
        &database.url,
        "//Ferdie",
        true,
        &[],
    )
    .await;
    let serving = Relay::start(
        &system.node,
        &system.deployment(),
        &database.url,
        "//Eve",
        false,
        &[],
    )
    .await;
    for (who, handle) in [("//Alice", "alice"), ("//Bob", "bob")] {
        system.ok(who, &["id", "register", handle]).await;
    }

    system.relay_url = anchoring.url.clone();
    let first = system
        .json("//Alice", &["send", "--to", "bob", "via the first relay"])
        .await;
    system.relay_url = serving.url.clone();
    let second = system
        .json("//Bob", &["send", "--to", "alice", "via the second relay"])
        .await;
    // One conversation, one sequence, whichever relay took the message.
    assert_eq!(first["receipt"]["seq"], 1);
    assert_eq!(second["receipt"]["seq"], 2);
    assert_eq!(
        first["receipt"]["conversation"],
        second["receipt"]["conversation"]
    );

    for relay in [&anchoring, &serving] {
        system.relay_url = relay.url.clone();
        let read = system.json("//Alice", &["read", "--with", "bob"]).await;
        assert_eq!(
            texts(&read),
            owned(&["via the first relay", "via the second relay"]),
            "{}",
            relay.url
        );
    }
    // The serving relay hands out the proof the anchoring one recorded,
    // for a message it took itself.
    let message = second["receipt"]["message_id"].as_str().unwrap().to_owned();
    system.verified("//Bob", &message, 60).await;
    serving.stop().await;
    anchoring.stop().await;
    system.stop().await;
    drop(database);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_node_restarts_in_the_middle_of_anchoring() {
    let mut system = System::deployed_on("restart", TestNode::start_persistent).await;
    system.start_relay().await;
    let database = format!("sqlite://{}", system.database().display());
    for (who, handle) in [
        ("//Alice", "alice"),
        ("//Bob", "bob"),
        ("//Charlie", "charlie"),
    ] {
        system.ok(who, &["id", "register", handle]).await;
    }
    let group = system.json("//Alice", &["group", "create"]).await["group"]
        .as_u64()
        .unwrap()
        .to_string();
    for member in ["bob", "charlie"] {
        system
            .ok("//Alice", &["group", "add", &group, member])
            .await;
    }
    let mut sent = Vec::new();
    for n in 0..4 {
        let text = format!("before the restart {n}");
        sent.push(system.send_as("//Alice", &group, &text).await);
    }
    // Charlie reads: the relay now holds his membership in its cache.
    system.ok("//Charlie", &["read", "--group", &group]).await;

    // Batches of 200 ms are being formed and anchored: kill the node now,
    // and bring the same chain back on the same port.
    tokio::task::block_in_place(|| system.node.restart()).unwrap();
    // Charlie is removed right away, perhaps before the relay follows the
    // chain again: it must not keep his old membership.
    system
        .ok("//Alice", &["group", "remove", &group, "charlie"])
        .await;
    relay_follows(&system.relay_url).await;
    let refused = system
        .cli("//Charlie", &["read", "--group", &group])
        .await
        .unwrap_err();
    assert_eq!(refused.exit_code(), 4, "{refused}");
    for n in 0..2 {
        let text = format!("after the restart {n}");
        sent.push(system.send_as("//Alice", &group, &text).await);
    }

    // Every message gets anchored and verifies against the chain.
    for message in &sent {
        system.verified("//Bob", message, 90).await;
    }
    // The relay's batches run 1..=n without a gap or a repeat, and the
    // chain holds exactly those roots.
    let pool = sqlx::SqlitePool::connect(&database).await.unwrap();
    let batches: Vec<(i64, Vec<u8>, Option<i64>)> =
        sqlx::query_as("SELECT seq, root, block_number FROM batches ORDER BY seq")
            .fetch_all(&pool)
            .await
            .unwrap();
    pool.close().await;
    let seqs: Vec<i64> = batches.iter().map(|(seq, _, _)| *seq).collect();
    assert_eq!(seqs, (1..=seqs.len() as i64).collect::<Vec<_>>());
    let chain = inkpost_sdk::chain::Chain::connect(system.node.url())
        .await
        .unwrap();
    let ferdie = Identity::from_suri("//Ferdie").unwrap();
    let anchors = inkpost_sdk::deployment::Deployment::load(&system.deployment())
        .unwrap()
        .anchors;
    for (seq, root, block) in &batches {
        assert!(block.is_some(), "batch {seq} is not recorded as anchored");
        let on_chain: Option<inkpost_sdk::contracts::AnchoredBatch> = chain
            .query(
                &ferdie.account_id(),
                anchors,
                &inkpost_sdk::contracts::anchors::batch(&ferdie.address(), *seq as u64),
            )
            .await
            .unwrap();
        assert_eq!(
            on_chain.map(|batch| batch.root.to_vec()),
            Some(root.clone())
        );
    }
    let latest: u64 = chain
        .query(
            &ferdie.account_id(),
            anchors,
            &inkpost_sdk::contracts::anchors::latest_seq(&ferdie.address()),
        )
        .await
        .unwrap();
    assert_eq!(latest, batches.len() as u64);
    system.stop().await;
}

/// Postage and retention through the CLI. A relay charging postage refuses
/// an unpaid message (exit 6, saying how to pay); `send --postage` pays
/// from a channel to the relay's account, and the relay claims what was
/// paid on chain by itself. Then the same database under a relay keeping
/// messages for 0.0001 days (8.6 s) that does not anchor: the old,
/// anchored messages are pruned, the new one, never anchored, is kept.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn postage_and_retention_through_the_cli() {
    const PRICE: u128 = inkpost_tests::deploy::TOKEN / 1_000;
    let mut system = System::deployed("postage").await;
    let price = PRICE.to_string();
    system
        .start_relay_with(
            true,
            &[
                "--postage-price",
                &price,
                "--postage-claim-interval-secs",
                "1",
            ],
        )
        .await;
    for (who, handle) in [("//Alice", "alice"), ("//Bob", "bob")] {
        system.ok(who, &["id", "register", handle]).await;
    }
    let unpaid = system
        .cli("//Alice", &["send", "--to", "bob", "for free?"])
        .await
        .unwrap_err();
    assert_eq!(unpaid.exit_code(), 6, "{unpaid}");
    assert!(unpaid.to_string().contains("--postage"), "{unpaid}");

    let terms = RelayClient::new(&system.relay_url)
        .postage_terms()
        .await
        .unwrap()
        .expect("the relay charges postage");
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
    // The relay claims both messages' postage on chain by itself.
    within(60, "the relay claims its postage", async {
        loop {
            let shown = system.json("//Alice", &["channel", "show", &channel]).await;
            if shown["paid"] == (2 * PRICE).to_string() {
                return;
            }
            tokio::time::sleep(std::time::Duration::from_millis(500)).await;
        }
    })
    .await;
    system.verified("//Bob", &sent[1], 60).await;

    // The same database under a relay that keeps messages 8.6 s and does
    // not anchor (so what it stores now is never anchored).
    if let Some(relay) = system.relay.take() {
        relay.stop().await;
    }
    system
        .start_relay_with(false, &["--retention-days", "0.0001"])
        .await;
    system
        .ok("//Alice", &["send", "--to", "bob", "never anchored"])
        .await;
    let sent_at = std::time::Instant::now();
    within(60, "the anchored messages are pruned", async {
        loop {
            let read = system.json("//Bob", &["read", "--with", "alice"]).await;
            if texts(&read) == owned(&["never anchored"]) {
                return;
            }
            tokio::time::sleep(std::time::Duration::from_millis(500)).await;
        }
    })
    .await;
    // Past its own retention period, the unanchored message stays.
    let retention = std::time::Duration::from_secs_f64(0.0001 * 86_400.0);
    tokio::time::sleep((retention * 2).saturating_sub(sent_at.elapsed())).await;
    let read = system.json("//Bob", &["read", "--with", "alice"]).await;
    assert_eq!(texts(&read), owned(&["never anchored"]));
    system.stop().await;
}
