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

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use http::{HeaderValue, Method, StatusCode};
use inkpost_relay::clock::now_ms;
use inkpost_relay::store::{ProofState, Store};
use inkpost_sdk::auth::Audience;
use inkpost_sdk::chain::Chain;
use inkpost_sdk::envelope::{Draft, Envelope, SenderChain};
use inkpost_sdk::ids::{ChannelId, ClientMsgId, ConversationId, Epoch, GroupId};
use inkpost_sdk::keys::Identity;
use inkpost_sdk::relay::RelayClient;
use inkpost_sdk::relay::api::{POSTAGE_HEADER, postage_header};
use inkpost_sdk::units::TOKEN;
use inkpost_sdk::voucher::Voucher;
use inkpost_tests::db::{Kind, TestDatabase};
use inkpost_tests::relay::{TestRelay, relay_args};
use inkpost_tests::world::{World, account_suri, identity, recipient};

/// A submit signed before the clock starts.
struct Prepared {
    envelope: Envelope,
    request: http::Request<Vec<u8>>,
}

/// The price per message with `postage`: 0.001 token.
const PRICE: u128 = TOKEN / 1_000;

/// Each writer's channel to the relay, with postage.
type Channels = Option<[ChannelId; 2]>;

const WRITERS: [&str; 2] = ["//Alice", "//Bob"];

/// Opens a channel from each writer to `relay` covering `messages`.
async fn open_channels(
    world: &World,
    chain: &Chain,
    relay: &Identity,
    messages: usize,
) -> [ChannelId; 2] {
    let deposit = PRICE * messages as u128;
    let mut channels = [ChannelId(0); 2];
    for (channel, writer) in channels.iter_mut().zip(WRITERS) {
        *channel = world
            .open_channel(chain, writer, &relay.address(), deposit, 100_000)
            .await;
    }
    channels
}

/// The submits of `count` 1 KiB messages to `group`, alternating writers.
fn prepare(
    client: &RelayClient,
    audience: &Audience,
    world: &World,
    group: GroupId,
    epoch: u64,
    count: usize,
    channels: Channels,
) -> Vec<Prepared> {
    let writers = WRITERS.map(identity);
    let mut sent = [0u128; 2];
    let recipients: Vec<_> = ["//Alice", "//Bob", "//Charlie"]
        .iter()
        .map(|uri| recipient(&identity(uri)))
        .collect();
    let plaintext = vec![0x42u8; 1024];
    (0..count)
        .map(|n| {
            let writer = n % writers.len();
            let sender = &writers[writer];
            sent[writer] += 1;
            let mut client_msg_id = [0u8; 16];
            client_msg_id[..8].copy_from_slice(&(n as u64).to_le_bytes());
            let draft = Draft {
                conversation: ConversationId::Group(group),
                epoch: Epoch(epoch),
                sent_at_ms: now_ms(),
                client_msg_id: ClientMsgId(client_msg_id),
                chain: SenderChain::FIRST,
            };
            let envelope = Envelope::seal(sender, draft, &recipients, &plaintext).unwrap();
            let mut request = client.signed_for(
                audience,
                sender,
                Method::POST,
                "/v1/envelopes",
                envelope.to_bytes(),
            );
            if let Some(channels) = channels {
                let voucher = Voucher {
                    domain: audience.genesis,
                    contract: world.deployment.escrow,
                    channel: channels[writer],
                    cumulative: PRICE * sent[writer],
                };
                let header = HeaderValue::from_str(&postage_header(&voucher.sign(sender))).unwrap();
                request.headers_mut().insert(POSTAGE_HEADER, header);
            }
            Prepared { envelope, request }
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

/// One run on a fresh database of `kind`, the relay anchoring as a funded
/// account of its own (a fresh database starts a fresh sequence).
async fn run(world: &World, kind: Kind, messages: usize, clients: usize, postage: bool) {
    let chain = world.chain().await;
    let group = world.team(&chain).await;
    let name = format!("bench-{kind:?}-{}", now_ms());
    let relay_account = world.funded(&chain, &name).await;
    let database = TestDatabase::new(kind).await;
    let channels = if postage {
        Some(open_channels(world, &chain, &relay_account, messages).await)
    } else {
        None
    };
    let mut extra = vec![
        "--rate-per-identity=1000000".to_owned(),
        "--rate-per-ip=1000000".to_owned(),
        "--rate-burst=1000000".to_owned(),
        "--db-max-connections=16".to_owned(),
        "--batch-interval-ms=1000".to_owned(),
    ];
    if postage {
        extra.push(format!("--postage-price={PRICE}"));
    }
    let extra: Vec<&str> = extra.iter().map(String::as_str).collect();
    let relay = TestRelay::start(relay_args(
        world,
        &account_suri(&name),
        &database.url,
        &extra,
    ))
    .await;

    let epoch = world.epoch_of(&chain, group).await;
    let audience = relay.client.audience().await.unwrap();
    let prepared = prepare(
        &relay.client,
        &audience,
        world,
        group,
        epoch,
        messages,
        channels,
    );
    let ids: Vec<_> = prepared
        .iter()
        .map(|message| message.envelope.id())
        .collect();
    let queue: VecDeque<_> = prepared.into_iter().map(|p| p.request).collect();
    let queue = Arc::new(Mutex::new(queue));
    let started = Instant::now();
    let tasks: Vec<_> = (0..clients)
        .map(|_| {
            let (queue, client) = (queue.clone(), relay.client.clone());
            tokio::spawn(async move {
                let mut latencies = Vec::new();
                loop {
                    let Some(request) = queue.lock().unwrap().pop_front() else {
                        return latencies;
                    };
                    let sent = Instant::now();
                    let response = client.exchange(request).await.unwrap();
                    assert_eq!(
                        response.status(),
                        StatusCode::CREATED,
                        "{:?}",
                        response.body()
                    );
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
    for id in &ids {
        let stored = store.envelope(id).await.unwrap().unwrap();
        let Some(ProofState::Anchored { batch, proof }) = store.proof(id).await.unwrap() else {
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
    relay.stop().await;

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
    let only =
        std::env::var("INKPOST_BENCH_DATABASES").unwrap_or_else(|_| "sqlite,postgres".into());
    eprintln!("setting up the node, the contracts and the identities…");
    let world = tokio::task::spawn_blocking(World::shared).await.unwrap();
    println!(
        "| database | messages | clients | acks/s | p50 ack (ms) | p99 ack (ms) | batches | largest proof | ack → finalized anchor p50 / p95 (ms) |"
    );
    println!("|---|---:|---:|---:|---:|---:|---|---|---|");
    for kind in [Kind::Sqlite, Kind::Postgres] {
        if only.contains(&format!("{kind:?}").to_lowercase()) {
            run(world, kind, messages, clients, postage).await;
        }
    }
}
