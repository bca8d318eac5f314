//! The `inkpost-relay` binary killed with SIGKILL: acknowledged messages
//! survive, client retries do not duplicate them, and anchoring resumes
//! without skipping or repeating a sequence number, whatever moment the
//! kill hit (the test kills it while a batch is formed but not finalized).
// Helpers outside #[test] functions unwrap too: a failure is the test failing.
#![allow(clippy::unwrap_used)]

use std::path::Path;
use std::time::Duration;

use inkpost_relay::store::{ProofState, Store};
use inkpost_sdk::envelope::Envelope;
use inkpost_sdk::ids::{ConversationId, GroupId};
use inkpost_sdk::merkle::Proof;
use inkpost_sdk::relay::api::SubmitResponse;
use inkpost_tests::db::TestDatabase;
use inkpost_tests::relay::{RelayProcess, ready, relay_args};
use inkpost_tests::within;
use inkpost_tests::world::{World, account_suri, identity, message};

fn binary() -> &'static Path {
    Path::new(env!("CARGO_BIN_EXE_inkpost-relay"))
}

/// The relay binary as `suri` on `database_url` (batches of at most 5).
async fn spawn(world: &World, suri: &str, database_url: &str, anchoring: bool) -> RelayProcess {
    let anchoring = anchoring.to_string();
    let args = relay_args(
        world,
        suri,
        database_url,
        &[
            "--anchoring",
            &anchoring,
            "--batch-interval-ms",
            "100",
            "--batch-max-leaves",
            "5",
        ],
    );
    let process = RelayProcess::spawn(binary(), &args);
    ready(&process.client).await;
    process
}

async fn submit(relay: &RelayProcess, envelope: &Envelope) -> SubmitResponse {
    relay
        .client
        .submit(&identity("//Alice"), envelope, None)
        .await
        .unwrap()
}

fn messages(group: GroupId, epoch: u64, count: u8) -> Vec<Envelope> {
    let conversation = ConversationId::Group(group);
    (1..=count)
        .map(|n| {
            message(
                "//Alice",
                conversation,
                epoch,
                &["//Alice", "//Bob", "//Charlie"],
                n,
            )
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acknowledged_messages_survive_kill_9_and_retries_do_not_duplicate() {
    let world = World::shared();
    let chain = world.chain().await;
    let group = world.team(&chain).await;
    let database = TestDatabase::sqlite();
    let relay = spawn(world, "//Ferdie", &database.url, false).await;

    // Given 20 acknowledged messages
    let envelopes = messages(group, world.epoch_of(&chain, group).await, 20);
    let mut receipts = Vec::new();
    for envelope in &envelopes {
        let answer = submit(&relay, envelope).await;
        assert!(!answer.duplicate);
        receipts.push(answer.receipt);
    }

    // When the relay is killed with SIGKILL and started again
    relay.kill_9();
    let relay = spawn(world, "//Ferdie", &database.url, false).await;

    // Then every acknowledged message is there, in order
    let conversation = ConversationId::Group(group);
    let charlie = identity("//Charlie");
    let page = relay
        .client
        .list(&charlie, &conversation, 0, None)
        .await
        .unwrap();
    let stored: Vec<_> = page.envelopes.iter().map(|e| (e.id, e.seq)).collect();
    let acknowledged: Vec<_> = receipts.iter().map(|r| (r.message_id, r.seq)).collect();
    assert_eq!(stored, acknowledged);

    // And the client's retries get the original receipts and store nothing
    for (envelope, receipt) in envelopes.iter().zip(&receipts) {
        let answer = submit(&relay, envelope).await;
        assert!(answer.duplicate);
        assert_eq!(answer.receipt.seq, receipt.seq);
    }
    let page = relay
        .client
        .list(&charlie, &conversation, 0, None)
        .await
        .unwrap();
    assert_eq!(page.envelopes.len(), 20);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn anchoring_resumes_after_kill_9_without_gaps_or_repeats() {
    let world = World::shared();
    let chain = world.chain().await;
    let group = world.team(&chain).await;
    let anchorer = world.funded(&chain, "kill-9-anchoring").await;
    let suri = account_suri("kill-9-anchoring");
    let database = TestDatabase::sqlite();
    let store = Store::connect(&database.url, 2).await.unwrap();
    let relay = spawn(world, &suri, &database.url, true).await;

    // Given 12 acknowledged messages (batches of at most 5)
    let envelopes = messages(group, world.epoch_of(&chain, group).await, 12);
    for envelope in &envelopes {
        assert!(!submit(&relay, envelope).await.duplicate);
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
    let relay = spawn(world, &suri, &database.url, true).await;
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
    let submitter = anchorer.address();
    let latest = world.latest_anchored_seq(&chain, &submitter).await;
    assert_eq!(latest, batches.len() as u64);
    for envelope in &envelopes {
        let Some(ProofState::Anchored { batch, proof }) =
            store.proof(&envelope.id()).await.unwrap()
        else {
            panic!("{} has no proof", envelope.id());
        };
        let on_chain = world
            .anchored_batch(&chain, &submitter, batch.seq.0)
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
