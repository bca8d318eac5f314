//! The CLI's part of the test kit: a relay of the test's own on the shared
//! world, and `inkpost` run as a user types it (`inkpost_cli::run_args`).
// Helpers outside #[test] functions unwrap too: a failure is the test failing.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;
use std::time::Duration;

use inkpost_cli::CliError;
use inkpost_tests::db::{Kind, TestDatabase};
use inkpost_tests::liar::{Lie, LyingRelay};
use inkpost_tests::relay::{TestRelay, relay_args};
use inkpost_tests::world::{World, account_suri};
use inkpost_tests::{temp_dir, within};
use serde_json::Value;

/// A relay of the test's own and a home for keystores.
pub struct System {
    /// The shared world.
    pub world: &'static World,
    /// The relay (stopped with [`System::stop`]).
    pub relay: Option<TestRelay>,
    /// Its URL, which the CLI is pointed at.
    pub relay_url: String,
    /// The relay's account (it anchors with it and is paid postage).
    pub relay_suri: String,
    /// The test's directory (keystore home, files).
    pub dir: PathBuf,
    /// The relay's database.
    pub database: TestDatabase,
}

impl System {
    /// A relay on SQLite anchoring as a funded account named `name`, with
    /// more relay settings in `extra`.
    pub async fn start(name: &str, extra: &[&str]) -> Self {
        let world = tokio::task::spawn_blocking(World::shared).await.unwrap();
        Self::start_in(world, name, extra).await
    }

    /// [`System::start`] on `world` instead of the shared one.
    pub async fn start_in(world: &'static World, name: &str, extra: &[&str]) -> Self {
        let chain = world.chain().await;
        world.funded(&chain, name).await;
        let database = TestDatabase::sqlite();
        let mut system = Self {
            world,
            relay: None,
            relay_url: String::new(),
            relay_suri: account_suri(name),
            dir: temp_dir(name),
            database,
        };
        system.start_relay(extra).await;
        system
    }

    /// Starts this system's relay (again) with `extra` settings.
    pub async fn start_relay(&mut self, extra: &[&str]) {
        let args = relay_args(self.world, &self.relay_suri, &self.database.url, extra);
        let relay = TestRelay::start(args).await;
        self.relay_url = relay.url.clone();
        self.relay = Some(relay);
    }

    /// Stops the relay gracefully.
    pub async fn stop_relay(&mut self) {
        if let Some(relay) = self.relay.take() {
            relay.stop().await;
        }
    }

    /// Puts a liar telling `lie` in front of this system's relay and points
    /// the CLI at it (until [`System::honest`]).
    pub async fn behind(&mut self, lie: impl Lie) -> LyingRelay {
        let relay = self.relay.as_ref().expect("a running relay");
        let liar = LyingRelay::start(&relay.url, lie).await;
        self.relay_url = liar.url.clone();
        liar
    }

    /// Points the CLI at this system's relay itself again.
    pub fn honest(&mut self) {
        self.relay_url = self.relay.as_ref().expect("a running relay").url.clone();
    }

    /// Sends `args` (after `send`) as `who`; returns the message id.
    pub async fn sent(&self, who: &str, args: &[&str]) -> String {
        let mut send = vec!["send"];
        send.extend_from_slice(args);
        let sent = self.json(who, &send).await;
        sent["receipt"]["message_id"].as_str().unwrap().to_owned()
    }

    /// The SQLite file of the relay.
    pub fn database_path(&self) -> PathBuf {
        PathBuf::from(self.database.url.trim_start_matches("sqlite://"))
    }

    /// Runs `inkpost --as WHO ARGS…` against this system; returns stdout.
    pub async fn cli(&self, who: &str, args: &[&str]) -> Result<String, CliError> {
        let mut out = Vec::new();
        self.cli_to(who, args, &mut out).await?;
        Ok(String::from_utf8(out).unwrap())
    }

    /// `cli` writing its output to `out` as it goes.
    pub async fn cli_to(
        &self,
        who: &str,
        args: &[&str],
        out: &mut impl std::io::Write,
    ) -> Result<(), CliError> {
        self.cli_on(&self.world.deployment_file, who, args, out)
            .await
    }

    /// `cli_to` with another deployment file.
    pub async fn cli_on(
        &self,
        deployment: &std::path::Path,
        who: &str,
        args: &[&str],
        out: &mut impl std::io::Write,
    ) -> Result<(), CliError> {
        let home = self.dir.join("home");
        let mut argv = vec![
            "inkpost",
            "--quiet",
            "--dev",
            "--as",
            who,
            "--node",
            self.world.node.url(),
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

    /// `cli` with `--json`, parsed; panics on failure.
    pub async fn json(&self, who: &str, args: &[&str]) -> Value {
        let mut with_json = vec!["--json"];
        with_json.extend_from_slice(args);
        let text = self
            .cli(who, &with_json)
            .await
            .unwrap_or_else(|error| panic!("inkpost {args:?} as {who}: {error}"));
        serde_json::from_str(&text).unwrap_or_else(|_| panic!("not JSON: {text}"))
    }

    /// `cli`, which must succeed.
    pub async fn ok(&self, who: &str, args: &[&str]) -> String {
        self.cli(who, args)
            .await
            .unwrap_or_else(|error| panic!("inkpost {args:?} as {who}: {error}"))
    }

    /// A new group of Alice's with `members` (handles); its id.
    pub async fn group(&self, members: &[&str]) -> String {
        let created = self.json("//Alice", &["group", "create"]).await;
        let group = created["group"].as_u64().unwrap().to_string();
        for member in members {
            self.ok("//Alice", &["group", "add", &group, member]).await;
        }
        group
    }

    /// Sends `text` to `group` as `who`; returns the message id.
    pub async fn send_as(&self, who: &str, group: &str, text: &str) -> String {
        let sent = self.json(who, &["send", "--group", group, text]).await;
        sent["receipt"]["message_id"].as_str().unwrap().to_owned()
    }

    /// `inkpost verify` as `who`, waiting up to `seconds` for the anchor;
    /// checks it names the message and this system's relay account.
    pub async fn verified(&self, who: &str, message: &str, seconds: u64) -> Value {
        let wait = (seconds - 15).to_string();
        let verified = within(
            seconds,
            "the message is anchored",
            self.json(who, &["verify", message, "--wait", &wait]),
        )
        .await;
        assert_eq!(verified["id"], message);
        let relay = inkpost_tests::world::identity(&self.relay_suri).address();
        assert_eq!(verified["submitter"], relay.to_string());
        verified
    }

    /// Stops the relay and removes the test's directory.
    pub async fn stop(mut self) {
        self.stop_relay().await;
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// A new PostgreSQL database for relays sharing one.
pub async fn postgres() -> TestDatabase {
    TestDatabase::new(Kind::Postgres).await
}

/// A writer that hands each complete line to a channel, so a test can
/// react to a command's output while it runs.
pub struct Lines {
    partial: Vec<u8>,
    lines: tokio::sync::mpsc::UnboundedSender<String>,
}

impl Lines {
    /// A writer and the receiving end of its lines.
    pub fn new() -> (Self, tokio::sync::mpsc::UnboundedReceiver<String>) {
        let (lines, seen) = tokio::sync::mpsc::unbounded_channel();
        (
            Self {
                partial: Vec::new(),
                lines,
            },
            seen,
        )
    }
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
pub fn texts(read: &Value) -> Vec<Option<String>> {
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

/// `texts` as they should read.
pub fn owned(texts: &[&str]) -> Vec<Option<String>> {
    texts.iter().map(|text| Some((*text).to_owned())).collect()
}

/// Polls `check` every half second until it holds, for at most `seconds`.
pub async fn eventually<F: std::future::Future<Output = bool>>(
    seconds: u64,
    what: &str,
    mut check: impl FnMut() -> F,
) {
    within(seconds, what, async {
        while !check().await {
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
    })
    .await;
}
