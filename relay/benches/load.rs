//! Load benchmark of the relay: signed submits of 1 KiB envelopes from
//! concurrent clients over loopback HTTP against a relay on a real ink-node,
//! on SQLite and on PostgreSQL; then anchoring: batch sizes, proof sizes and
//! the time from acknowledgement to finalized anchor.
//!
//! ```sh
//! scripts/bench.sh relay                  # or:
//! cargo bench -p inkpost-relay --bench load -- [MESSAGES] [CLIENTS] [postage]
//! ```
//!
//! With `postage`, the relay charges postage and every submit carries a
//! voucher of its sender's escrow channel to the relay (checked and charged
//! per message), to show what postage costs.
//!
//! Envelopes and request signatures are made before the clock starts, so
//! the figures are the relay's (the clients share the machine's 2 cores).
// A benchmark binary: a failure aborts it with the reason.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::http::{Request, StatusCode, header};
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use inkpost_relay::clock::now_ms;
use inkpost_relay::config::RelayConfig;
use inkpost_relay::server;
use inkpost_relay::store::{ProofState, Store};
use inkpost_sdk::auth::RequestAuth;
use inkpost_sdk::envelope::{Draft, Envelope};
use inkpost_sdk::ids::{ChannelId, ClientMsgId, ConversationId, Epoch};
use inkpost_sdk::keys::Identity;
use inkpost_sdk::relay_api::{POSTAGE_HEADER, postage_header};
use inkpost_sdk::voucher::Voucher;
use inkpost_tests::db::{Kind, TestDatabase};
use inkpost_tests::deploy::TOKEN;
use inkpost_tests::world::{World, epoch_of, recipient, world};
use tokio::net::TcpListener;

struct Prepared {
    envelope: Envelope,
    body: Bytes,
    authorization: String,
    postage: Option<String>,
}

/// The price per message with `postage`: 0.001 token.
const PRICE: u128 = TOKEN / 1_000;

/// Each writer's channel to the relay, with postage.
type Channels = Option<[ChannelId; 2]>;

/// Opens a channel from each writer to `relay` covering `messages`.
async fn open_channels(world: &World, relay: &Identity, messages: usize) -> [ChannelId; 2] {
    let deposit = PRICE * messages as u128;
    [
        world
            .open_channel(WRITERS[0], &relay.address(), deposit)
            .await,
        world
            .open_channel(WRITERS[1], &relay.address(), deposit)
            .await,
    ]
}

const WRITERS: [&str; 2] = ["//Alice", "//Bob"];

fn prepare(world: &World, epoch: u64, count: usize, channels: Channels) -> Vec<Prepared> {
    let writers = WRITERS.map(|uri| Identity::from_suri(uri).unwrap());
    let mut sent = [0u128; 2];
    let recipients: Vec<_> = ["//Alice", "//Bob", "//Charlie"]
        .iter()
        .map(|uri| recipient(&Identity::from_suri(uri).unwrap()))
        .collect();
    let plaintext = vec![0x42u8; 1024];
    (0..count)
        .map(|n| {
            let writer = n % writers.len();
            let sender = &writers[writer];
            sent[writer] += 1;
            let postage = channels.map(|channels| {
                let voucher = Voucher {
                    domain: world.chain.genesis_hash(),
                    contract: world.deployment.escrow,
                    channel: channels[writer],
                    cumulative: PRICE * sent[writer],
                };
                postage_header(&voucher.sign(sender))
            });
            let mut client_msg_id = [0u8; 16];
            client_msg_id[..8].copy_from_slice(&(n as u64).to_le_bytes());
            let draft = Draft {
                conversation: ConversationId::Group(world.group),
                epoch: Epoch(epoch),
                sent_at_ms: now_ms(),
                client_msg_id: ClientMsgId(client_msg_id),
            };
            let envelope = Envelope::seal(sender, draft, &recipients, &plaintext).unwrap();
            let body = envelope.to_bytes();
            let auth = RequestAuth::sign(sender, "POST", "/v1/envelopes", &body, now_ms());
            Prepared {
                envelope,
                body: Bytes::from(body),
                authorization: auth.to_header(),
                postage,
            }
        })
        .collect()
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[index]
}

fn ms(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1000.0
}

/// `relay` is the relay's dev account: each run anchors under an account of
/// its own, since each starts a fresh database and so a fresh sequence.
async fn run(
    world: &World,
    kind: Kind,
    relay: &str,
    messages: usize,
    clients: usize,
    postage: bool,
) {
    let database = TestDatabase::new(kind).await;
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let channels = if postage {
        Some(open_channels(world, &Identity::from_suri(relay).unwrap(), messages).await)
    } else {
        None
    };
    let mut args = vec![
        "inkpost-relay".to_owned(),
        format!("--suri={relay}"),
        format!("--database-url={}", database.url),
        format!("--node-url={}", world.node.url()),
        format!("--identity-contract={}", world.deployment.identity),
        format!("--groups-contract={}", world.deployment.groups),
        format!("--anchors-contract={}", world.deployment.anchors),
        "--rate-per-identity=1000000".to_owned(),
        "--rate-per-ip=1000000".to_owned(),
        "--rate-burst=1000000".to_owned(),
        "--db-max-connections=16".to_owned(),
    ];
    if postage {
        args.push(format!("--escrow-contract={}", world.deployment.escrow));
        args.push(format!("--postage-price={PRICE}"));
    }
    let config = RelayConfig::load_from(args).unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let relay = tokio::spawn(server::serve(config, listener, async {
        let _ = stopped.await;
    }));
    let http = Client::builder(TokioExecutor::new()).build_http::<Full<Bytes>>();
    loop {
        let request = Request::get(format!("{url}/ready"))
            .body(Full::default())
            .unwrap();
        if let Ok(response) = http.request(request).await
            && response.status() == StatusCode::OK
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    let prepared = Arc::new(prepare(world, epoch_of(world).await, messages, channels));
    let next = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let tasks: Vec<_> = (0..clients)
        .map(|_| {
            let (prepared, next, http, url) =
                (prepared.clone(), next.clone(), http.clone(), url.clone());
            tokio::spawn(async move {
                let mut latencies = Vec::new();
                loop {
                    let index = next.fetch_add(1, Ordering::Relaxed);
                    let Some(message) = prepared.get(index) else {
                        return latencies;
                    };
                    let mut request = Request::post(format!("{url}/v1/envelopes"))
                        .header(header::AUTHORIZATION, &message.authorization);
                    if let Some(postage) = &message.postage {
                        request = request.header(POSTAGE_HEADER, postage);
                    }
                    let request = request.body(Full::new(message.body.clone())).unwrap();
                    let sent = Instant::now();
                    let response = http.request(request).await.unwrap();
                    let status = response.status();
                    let body = response.into_body().collect().await.unwrap().to_bytes();
                    assert_eq!(status, StatusCode::CREATED, "{body:?}");
                    latencies.push(sent.elapsed());
                }
            })
        })
        .collect();
    let mut latencies = Vec::with_capacity(messages);
    for task in tasks {
        latencies.extend(task.await.unwrap());
    }
    let elapsed = started.elapsed();
    latencies.sort();

    // Anchoring: wait until every message is in a finalized batch.
    let store = Store::connect(&database.url, 2).await.unwrap();
    loop {
        let stats = store.stats().await.unwrap();
        if stats.unbatched == 0 && stats.batches == stats.anchored_batches {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let batches = store.batches(0, 10_000).await.unwrap();
    let mut anchor_latencies = Vec::new();
    let mut worst_proof = (0usize, 0u64);
    for message in prepared.iter() {
        let id = message.envelope.id();
        let stored = store.envelope(&id).await.unwrap().unwrap();
        let Some(ProofState::Anchored { batch, proof }) = store.proof(&id).await.unwrap() else {
            panic!("{id} not anchored");
        };
        let anchored_at = batch.anchored.unwrap().anchored_at_ms;
        anchor_latencies.push(Duration::from_millis(
            anchored_at.saturating_sub(stored.received_at_ms),
        ));
        if proof.len() > worst_proof.0 {
            worst_proof = (proof.len(), batch.leaf_count);
        }
    }
    anchor_latencies.sort();
    let _ = stop.send(());
    relay.await.unwrap().unwrap();

    let sizes: Vec<u64> = batches.iter().map(|batch| batch.leaf_count).collect();
    let depth = (worst_proof.1 as f64).log2().ceil() as usize;
    println!(
        "| {:?}{} | {messages} | {clients} | {:.0} | {:.2} | {:.2} | {} (max {}) | {} B (budget {} B at {} leaves) | {:.0} / {:.0} |",
        kind,
        if postage { " + postage" } else { "" },
        messages as f64 / elapsed.as_secs_f64(),
        ms(percentile(&latencies, 0.50)),
        ms(percentile(&latencies, 0.99)),
        sizes.len(),
        sizes.iter().max().unwrap_or(&0),
        worst_proof.0,
        33 * depth + 48,
        worst_proof.1,
        ms(percentile(&anchor_latencies, 0.50)),
        ms(percentile(&anchor_latencies, 0.95)),
    );
}

#[tokio::main]
async fn main() {
    let mut args = std::env::args()
        .skip(1)
        .filter(|arg| !arg.starts_with("--"));
    let messages = args.next().map_or(4_000, |n| n.parse().expect("MESSAGES"));
    let clients = args.next().map_or(32, |n| n.parse().expect("CLIENTS"));
    let postage = match args.next().as_deref() {
        None => false,
        Some("postage") => true,
        Some(other) => panic!("unknown argument {other:?}; the third may be `postage`"),
    };
    eprintln!("setting up ink-node, the contracts and the identities…");
    let world = world().await;
    println!(
        "| database | messages | clients | acks/s | p50 ack (ms) | p99 ack (ms) | batches | largest proof | ack → finalized anchor p50 / p95 (ms) |"
    );
    println!("|---|---:|---:|---:|---:|---:|---|---|---|");
    for (kind, relay) in [(Kind::Sqlite, "//Ferdie"), (Kind::Postgres, "//Dave")] {
        run(&world, kind, relay, messages, clients, postage).await;
    }
}
