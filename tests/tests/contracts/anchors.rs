//! Anchors: a relay's batches in sequence, each root kept with its first anchoring.

use inkpost_sdk::contracts::{Anchor, AnchorsError, Contract, ContractError, anchors};
use inkpost_tests::world::{World, call_ok};

use crate::{account, refused};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn anchors_refuse_gaps_replays_and_empty_batches_and_keep_a_root_s_first_anchoring() {
    let world = World::shared();
    let chain = world.chain().await;
    let contract = world.deployment.anchors;
    let relay = account(world, &chain, "anchors-relay").await;
    let mallory = account(world, &chain, "anchors-mallory").await;
    let relay_address = relay.identity().address();
    let root = [0xA1; 32];

    // Given the relay's first batch
    call_ok(&chain, &relay, contract, 0, anchors::anchor(1, &root, 3)).await;

    // When it skips a number, replays batch 1 with another root, or sends
    // an empty batch, each is refused
    let unexpected = ContractError::Anchors(AnchorsError::UnexpectedSequence { expected: 2 });
    let tries = [
        (anchors::anchor(3, &[0xB2; 32], 1), unexpected),
        (anchors::anchor(1, &[0xB3; 32], 1), unexpected),
        (anchors::anchor(0, &[0xB4; 32], 1), unexpected),
        (
            anchors::anchor(2, &[0xB5; 32], 0),
            ContractError::Anchors(AnchorsError::EmptyBatch),
        ),
    ];
    for (input, error) in tries {
        assert_eq!(
            refused(&chain, &relay, Contract::Anchors, contract, &input).await,
            error
        );
    }
    // and Mallory anchoring the same root later does not take it over
    call_ok(&chain, &mallory, contract, 0, anchors::anchor(1, &root, 9)).await;

    // Then batch 1 is what the relay anchored, nothing after it exists, and
    // the root names the relay
    let batch = world.anchored_batch(&chain, &relay_address, 1).await;
    assert_eq!(
        batch.map(|batch| (batch.root, batch.leaf_count)),
        Some((root, 3))
    );
    assert_eq!(world.anchored_batch(&chain, &relay_address, 2).await, None);
    assert_eq!(world.latest_anchored_seq(&chain, &relay_address).await, 1);
    let me = relay.identity().account_id();
    let first: Option<Anchor> = chain
        .query(&me, contract, &anchors::lookup(&root))
        .await
        .unwrap();
    let first = first.expect("the root is anchored");
    assert_eq!(
        (first.submitter, first.seq, first.leaf_count),
        (relay_address, Some(1), 3)
    );
}
