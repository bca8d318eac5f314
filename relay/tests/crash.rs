//! The `inkpost-relay` binary killed with SIGKILL: acknowledged messages
//! survive, client retries do not duplicate them, and anchoring resumes
//! without skipping or repeating a sequence number, whatever moment the
//! kill hit (the test kills it while a batch is formed but not finalized).
// Helpers outside #[test] functions unwrap too: a failure is the test failing.
#![allow(clippy::unwrap_used)]

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use axum::body::Bytes;
use axum::http::{Request, StatusCode, header};
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use inkpost_relay::api::envelopes::{EnvelopePage, SubmitResponse};
use inkpost_relay::clock::now_ms;
use inkpost_relay::store::Store;
use inkpost_sdk::auth::RequestAuth;
use inkpost_sdk::envelope::Envelope;
use inkpost_sdk::ids::ConversationId;
use inkpost_sdk::keys::Identity;
use inkpost_sdk::merkle::Proof;
use inkpost_tests::db::TestDatabase;
use inkpost_tests::within;
use inkpost_tests::world::{World, epoch_of, message, world};

/// A relay process; killed with SIGKILL on drop.
struct RelayProcess {
    child: Child,
    url: String,
}

impl RelayProcess {
    fn spawn(world: &World, database_url: &str, anchoring: bool) -> Self {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = Command::new(env!("CARGO_BIN_EXE_inkpost-relay"))
            .args(["--suri", "//Ferdie"])
            .args(["--listen", &format!("127.0.0.1:{port}")])
            .args(["--database-url", database_url])
            .args(["--node-url", world.node.url()])
            .args([
                "--identity-contract",
                &world.deployment.identity.to_string(),
            ])
            .args(["--groups-contract", &world.deployment.groups.to_string()])
            .args(["--anchors-contract", &world.deployment.anchors.to_string()])
            .args(["--anchoring", &anchoring.to_string()])
            .args(["--batch-interval-ms", "100", "--batch-max-leaves", "5"])
            .env("RUST_LOG", "warn")
            .stdout(Stdio::null())
            .spawn()
            .unwrap();
        Self {
            child,
            url: format!("http://127.0.0.1:{port}"),
        }
    }

    /// SIGKILL: no graceful shutdown, no flush.
    fn kill_9(mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }
}

impl Drop for RelayProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

type Http = Client<HttpConnector, Full<Bytes>>;

fn http() -> Http {
    Client::builder(TokioExecutor::new()).build_http()
}

async fn send(
    http: &Http,
    relay: &RelayProcess,
    who: Option<&str>,
    method: &str,
    path: &str,
    body: Vec<u8>,
) -> Result<(StatusCode, Vec<u8>), hyper_util::client::legacy::Error> {
    let mut request = Request::builder()
        .method(method)
        .uri(format!("{}{path}", relay.url));
    if let Some(who) = who {
        let identity = Identity::from_suri(who).unwrap();
        let auth = RequestAuth::sign(&identity, method, path, &body, now_ms());
        request = request.header(header::AUTHORIZATION, auth.to_header());
    }
    let response = http
        .request(request.body(Full::new(Bytes::from(body))).unwrap())
        .await?;
    let status = response.status();
    let body = response.into_body().collect().await.unwrap().to_bytes();
    Ok((status, body.to_vec()))
}

/// Waits until the relay answers `/ready` with 200.
async fn ready(http: &Http, relay: &RelayProcess) {
    within(120, "the relay is ready", async {
        loop {
            if let Ok((StatusCode::OK, _)) =
                send(http, relay, None, "GET", "/ready", Vec::new()).await
            {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    })
    .await;
}

async fn submit(
    http: &Http,
    relay: &RelayProcess,
    envelope: &Envelope,
) -> (StatusCode, SubmitResponse) {
    let (status, body) = send(
        http,
        relay,
        Some("//Alice"),
        "POST",
        "/v1/envelopes",
        envelope.to_bytes(),
    )
    .await
    .unwrap();
    let response = serde_json::from_slice(&body)
        .unwrap_or_else(|_| panic!("{status}: {}", String::from_utf8_lossy(&body)));
    (status, response)
}

async fn listed(http: &Http, relay: &RelayProcess, conversation: ConversationId) -> EnvelopePage {
    let path = format!("/v1/conversations/{conversation}/envelopes");
    let (status, body) = send(http, relay, Some("//Charlie"), "GET", &path, Vec::new())
        .await
        .unwrap();
    assert_eq!(status, StatusCode::OK, "{}", String::from_utf8_lossy(&body));
    serde_json::from_slice(&body).unwrap()
}

fn messages(world: &World, epoch: u64, count: u8) -> Vec<Envelope> {
    let group = ConversationId::Group(world.group);
    (1..=count)
        .map(|n| {
            message(
                "//Alice",
                group,
                epoch,
                &["//Alice", "//Bob", "//Charlie"],
                n,
            )
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acknowledged_messages_survive_kill_9_and_retries_do_not_duplicate() {
    let world = within(600, "set up the chain", world()).await;
    let database = TestDatabase::sqlite();
    let http = http();
    let relay = RelayProcess::spawn(&world, &database.url, false);
    ready(&http, &relay).await;

    // Given 20 acknowledged messages
    let envelopes = messages(&world, epoch_of(&world).await, 20);
    let mut receipts = Vec::new();
    for envelope in &envelopes {
        let (status, response) = submit(&http, &relay, envelope).await;
        assert_eq!(status, StatusCode::CREATED);
        receipts.push(response.receipt);
    }

    // When the relay is killed with SIGKILL and started again
    relay.kill_9();
    let relay = RelayProcess::spawn(&world, &database.url, false);
    ready(&http, &relay).await;

    // Then every acknowledged message is there, in order
    let group = ConversationId::Group(world.group);
    let page = listed(&http, &relay, group).await;
    let stored: Vec<_> = page.envelopes.iter().map(|e| (e.id, e.seq)).collect();
    let acknowledged: Vec<_> = receipts.iter().map(|r| (r.message_id, r.seq)).collect();
    assert_eq!(stored, acknowledged);

    // And the client's retries get the original receipts and store nothing
    for (envelope, receipt) in envelopes.iter().zip(&receipts) {
        let (status, response) = submit(&http, &relay, envelope).await;
        assert_eq!(status, StatusCode::OK);
        assert!(response.duplicate);
        assert_eq!(response.receipt.seq, receipt.seq);
    }
    assert_eq!(listed(&http, &relay, group).await.envelopes.len(), 20);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn anchoring_resumes_after_kill_9_without_gaps_or_repeats() {
    let world = within(600, "set up the chain", world()).await;
    let database = TestDatabase::sqlite();
    let store = Store::connect(&database.url, 2).await.unwrap();
    let http = http();
    let relay = RelayProcess::spawn(&world, &database.url, true);
    ready(&http, &relay).await;

    // Given 12 acknowledged messages (batches of at most 5)
    let envelopes = messages(&world, epoch_of(&world).await, 12);
    for envelope in &envelopes {
        assert_eq!(submit(&http, &relay, envelope).await.0, StatusCode::CREATED);
    }

    // When the relay is killed while a batch is formed but not finalized
    within(120, "a batch formed and not yet finalized", async {
        loop {
            let stats = store.stats().await.unwrap();
            if stats.batches > stats.anchored_batches {
                return;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    })
    .await;
    relay.kill_9();

    // And started again
    let relay = RelayProcess::spawn(&world, &database.url, true);
    ready(&http, &relay).await;
    within(300, "every message anchored", async {
        loop {
            let stats = store.stats().await.unwrap();
            if stats.unbatched == 0 && stats.batches == stats.anchored_batches {
                return;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    })
    .await;

    // Then the batches are 1..=n with no gap or repeat, on chain as in the
    // database, and together hold every message exactly once
    let batches = store.batches(0, 100).await.unwrap();
    let seqs: Vec<u64> = batches.iter().map(|batch| batch.seq.0).collect();
    assert_eq!(seqs, (1..=batches.len() as u64).collect::<Vec<_>>());
    assert_eq!(
        batches.iter().map(|batch| batch.leaf_count).sum::<u64>(),
        12
    );
    let relay_address = world.relay.identity().address();
    let latest = world.latest_anchored_seq(&relay_address).await;
    assert_eq!(latest, batches.len() as u64);
    for envelope in &envelopes {
        let Some(inkpost_relay::store::ProofState::Anchored { batch, proof }) =
            store.proof(&envelope.id()).await.unwrap()
        else {
            panic!("{} has no proof", envelope.id());
        };
        let on_chain = world
            .anchored_batch(&relay_address, batch.seq.0)
            .await
            .unwrap();
        assert_eq!(on_chain.root, batch.root);
        Proof::from_bytes(&proof)
            .unwrap()
            .verify(&on_chain.root, &envelope.id())
            .unwrap();
    }
    drop(relay);
}
