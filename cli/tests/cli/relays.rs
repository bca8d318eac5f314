//! Relays as users meet them: a message's anchor verified on chain, two
//! relays serving one conversation from one PostgreSQL database, a node
//! that restarts while a relay anchors, and retention.

use inkpost_sdk::chain::Chain;
use inkpost_sdk::contracts::{AnchoredBatch, anchors};
use inkpost_tests::node::TestNode;
use inkpost_tests::relay::{TestRelay, ready, relay_args};
use inkpost_tests::world::{World, account_suri, identity};

use crate::kit::{System, eventually, owned, postgres, texts};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_message_s_anchor_is_verified_on_chain() {
    let system = System::start("cli-verify", &[]).await;
    let group = system.group(&["bob"]).await;
    let message = system.send_as("//Bob", &group, "anchor me").await;
    let verified = system.verified("//Bob", &message, 60).await;
    assert!(verified["block"].as_u64().unwrap() > 0);
    assert_eq!(verified["batch_seq"], 1);
    system.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_relays_sharing_postgres_serve_one_conversation() {
    let mut system = System::start("cli-shared-a", &["--anchoring", "false"]).await;
    system.stop_relay().await;
    let database = postgres().await;
    let chain = system.world.chain().await;
    system.world.funded(&chain, "cli-shared-b").await;
    // One anchors; the other only serves
    let anchoring = TestRelay::start(relay_args(
        system.world,
        &system.relay_suri,
        &database.url,
        &["--anchoring", "true"],
    ))
    .await;
    let anchorer = identity(&system.relay_suri).account_id().to_string();
    let serving = TestRelay::start(relay_args(
        system.world,
        &account_suri("cli-shared-b"),
        &database.url,
        &["--anchoring", "false", "--anchored-by", &anchorer],
    ))
    .await;

    system.relay_url = anchoring.url.clone();
    let first = system
        .json("//Alice", &["send", "--to", "eve", "via the first relay"])
        .await;
    system.relay_url = serving.url.clone();
    let second = system
        .json("//Eve", &["send", "--to", "alice", "via the second relay"])
        .await;
    // One conversation, one sequence, whichever relay took the message
    assert_eq!(first["receipt"]["seq"], 1);
    assert_eq!(second["receipt"]["seq"], 2);
    assert_eq!(
        first["receipt"]["conversation"],
        second["receipt"]["conversation"]
    );
    for relay in [&anchoring, &serving] {
        system.relay_url = relay.url.clone();
        let read = system.json("//Alice", &["read", "--with", "eve"]).await;
        assert_eq!(
            texts(&read),
            owned(&["via the first relay", "via the second relay"]),
            "{}",
            relay.url
        );
    }
    // The serving relay hands out the proof the anchoring one recorded,
    // for a message it took itself
    let message = second["receipt"]["message_id"].as_str().unwrap().to_owned();
    system.verified("//Eve", &message, 60).await;
    serving.stop().await;
    anchoring.stop().await;
    system.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn anchoring_survives_a_node_restart_without_gaps() {
    // A world of its own: its node is killed and brought back.
    let dir = inkpost_tests::temp_dir("restart-chain");
    let node = TestNode::start_persistent(&dir).unwrap_or_else(|error| panic!("{error}"));
    let world: &'static World = Box::leak(Box::new(World::start(node).await));
    let database = inkpost_tests::db::TestDatabase::sqlite();
    let database_url = database.url.clone();
    let relay = TestRelay::start(relay_args(world, "//Ferdie", &database_url, &[])).await;
    let system = System {
        world,
        relay: None,
        relay_url: relay.url.clone(),
        relay_suri: "//Ferdie".into(),
        dir: inkpost_tests::temp_dir("restart-home"),
        database,
    };
    let group = system.group(&["bob", "charlie"]).await;
    let mut sent = Vec::new();
    for n in 0..4 {
        sent.push(
            system
                .send_as("//Alice", &group, &format!("before the restart {n}"))
                .await,
        );
    }
    // Charlie reads: the relay now holds his membership in its cache
    system.ok("//Charlie", &["read", "--group", &group]).await;

    // When the node is killed while batches are formed and anchored, and
    // the same chain comes back on the same port
    tokio::task::block_in_place(|| world.node.restart()).unwrap();
    // Then Charlie's removal right after is not hidden by the old cache
    system
        .ok("//Alice", &["group", "remove", &group, "charlie"])
        .await;
    ready(&relay.client).await;
    let refused = system
        .cli("//Charlie", &["read", "--group", &group])
        .await
        .unwrap_err();
    assert_eq!(refused.exit_code(), 4, "{refused}");
    for n in 0..2 {
        sent.push(
            system
                .send_as("//Alice", &group, &format!("after the restart {n}"))
                .await,
        );
    }
    // And every message gets anchored and verifies against the chain
    for message in &sent {
        system.verified("//Bob", message, 90).await;
    }
    // The relay's batches run 1..=n without a gap or a repeat, and the
    // chain holds exactly those roots
    let pool = sqlx::SqlitePool::connect(&database_url).await.unwrap();
    let batches: Vec<(i64, Vec<u8>, Option<i64>)> =
        sqlx::query_as("SELECT seq, root, block_number FROM batches ORDER BY seq")
            .fetch_all(&pool)
            .await
            .unwrap();
    pool.close().await;
    let seqs: Vec<i64> = batches.iter().map(|(seq, _, _)| *seq).collect();
    assert_eq!(seqs, (1..=seqs.len() as i64).collect::<Vec<_>>());
    let chain = Chain::connect(world.node.url()).await.unwrap();
    let ferdie = identity("//Ferdie");
    for (seq, root, block) in &batches {
        assert!(block.is_some(), "batch {seq} is not recorded as anchored");
        let on_chain: Option<AnchoredBatch> = chain
            .query(
                &ferdie.account_id(),
                world.deployment.anchors,
                &anchors::batch(&ferdie.address(), *seq as u64),
            )
            .await
            .unwrap();
        assert_eq!(
            on_chain.map(|batch| batch.root.to_vec()),
            Some(root.clone())
        );
    }
    relay.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retention_prunes_anchored_messages_and_keeps_unanchored_ones() {
    let mut system = System::start("cli-retention", &[]).await;
    let sent = system
        .json("//Alice", &["send", "--to", "bob", "old"])
        .await;
    let old = sent["receipt"]["message_id"].as_str().unwrap().to_owned();
    system.verified("//Bob", &old, 60).await;
    // The same database under a relay that keeps messages 8.6 s and does
    // not anchor (so what it stores now is never anchored)
    system.stop_relay().await;
    system
        .start_relay(&["--anchoring", "false", "--retention-days", "0.0001"])
        .await;
    system
        .ok("//Alice", &["send", "--to", "bob", "never anchored"])
        .await;
    let sent_at = std::time::Instant::now();
    eventually(60, "the anchored message is pruned", || async {
        let read = system.json("//Bob", &["read", "--with", "alice"]).await;
        texts(&read) == owned(&["never anchored"])
    })
    .await;
    // Past its own retention period, the unanchored message stays
    let retention = std::time::Duration::from_secs_f64(0.0001 * 86_400.0);
    tokio::time::sleep((retention * 2).saturating_sub(sent_at.elapsed())).await;
    let read = system.json("//Bob", &["read", "--with", "alice"]).await;
    assert_eq!(texts(&read), owned(&["never anchored"]));
    system.stop().await;
}
