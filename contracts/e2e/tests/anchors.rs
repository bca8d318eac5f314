//! End-to-end tests of anchors on inkpost-node (see the crate docs): a root
//! anchored on chain verifies the protocol library's inclusion proofs, and
//! a submitter's sequence numbers allow neither gaps nor replays.

use ink_e2e::ContractsBackend;
use inkpost_anchors::Error;
use inkpost_contracts_e2e::{assert_rejected, deploy_anchors, query, Dev, E2EResult};
use inkpost_sdk::ids::MessageId;
use inkpost_sdk::merkle::MerkleTree;

#[ink_e2e::test]
async fn anchored_root_verifies_every_inclusion_proof<Client: E2EBackend>(
    mut client: Client,
) -> E2EResult<()> {
    let alice = Dev::new("alice");
    let mut anchors = deploy_anchors(&mut client).await?;

    // When Alice (as a relay) anchors the root of three message ids
    let messages: Vec<MessageId> = (1..=3u8).map(|n| MessageId([n; 32])).collect();
    let tree = MerkleTree::build(&messages)?;
    client
        .call(&alice.signer, &anchors.call.anchor(1, tree.root(), 3))
        .submit()
        .await
        .expect("anchor");

    // Then the root read back from the chain names her batch 1 of 3 leaves
    let anchor = query!(client, anchors.call.lookup(tree.root())).expect("anchored");
    assert_eq!(
        (anchor.submitter, anchor.seq, anchor.leaf_count),
        (alice.address(), Some(1), 3)
    );
    // And the batch's root verifies every inclusion proof
    let batch = query!(client, anchors.call.batch(alice.address(), 1)).expect("batch 1");
    for (index, id) in messages.iter().enumerate() {
        tree.proof(index as u64)?.verify(&batch.root, id)?;
    }
    Ok(())
}

#[ink_e2e::test]
async fn sequence_gap_is_rejected<Client: E2EBackend>(mut client: Client) -> E2EResult<()> {
    let alice = Dev::new("alice");
    let mut anchors = deploy_anchors(&mut client).await?;

    // A first batch numbered 2 instead of 1
    assert_rejected!(
        client,
        &alice.signer,
        anchors.call.anchor(2, [2; 32], 1),
        Error::UnexpectedSequence { expected: 1 }
    );
    assert_eq!(query!(client, anchors.call.latest_seq(alice.address())), 0);
    assert_eq!(query!(client, anchors.call.lookup([2; 32])), None);
    Ok(())
}

#[ink_e2e::test]
async fn replayed_sequence_number_is_rejected<Client: E2EBackend>(
    mut client: Client,
) -> E2EResult<()> {
    let alice = Dev::new("alice");
    let mut anchors = deploy_anchors(&mut client).await?;
    client
        .call(&alice.signer, &anchors.call.anchor(1, [1; 32], 1))
        .submit()
        .await
        .expect("anchor 1");

    // Batch 1 again, with another root
    assert_rejected!(
        client,
        &alice.signer,
        anchors.call.anchor(1, [9; 32], 1),
        Error::UnexpectedSequence { expected: 2 }
    );
    // Batch 1 keeps its root
    let batch = query!(client, anchors.call.batch(alice.address(), 1));
    assert_eq!(batch.map(|b| b.root), Some([1; 32]));
    Ok(())
}
