//! The relay's storage on a real SQLite file and a real PostgreSQL database:
//! every test runs on both.
// Helpers outside #[test] functions unwrap too: a failure is the test failing.
#![allow(clippy::unwrap_used)]

use std::collections::HashSet;

use inkpost_relay::store::{
    AnchoredAt, Insert, NewEnvelope, PostageCharge, ProofState, RequestNonce, Store, StoreError,
    StoredEnvelope, Unpaid,
};
use inkpost_sdk::ids::{
    AccountId, Address, BatchSeq, ChannelId, ClientMsgId, ConversationId, GroupId, MessageId,
};
use inkpost_sdk::merkle::{MerkleTree, Proof};
use inkpost_tests::db::{Kind, TestDatabase};

inkpost_tests::on_both!(
    worker_threads = 4;
    sequence_numbers_are_per_conversation_and_dense,
    a_retry_returns_the_original_and_writes_nothing,
    concurrent_retries_store_once,
    two_stores_racing_keep_sequences_dense,
    batches_take_every_id_once_in_arrival_order,
    proofs_are_pending_until_the_batch_is_anchored,
    a_nonce_is_accepted_once,
    concurrent_nonces_are_fresh_once_each,
    a_signed_insert_with_a_used_nonce_stores_nothing,
    one_group_with_repeats_stores_each_message_once,
    a_group_spanning_conversations_keeps_each_dense,
    pruning_never_deletes_unanchored_envelopes,
    postage_pays_for_each_message_once,
);

async fn open(kind: Kind) -> (TestDatabase, Store) {
    let database = TestDatabase::new(kind).await;
    let store = Store::connect(&database.url, 8)
        .await
        .expect("connect and migrate");
    (database, store)
}

fn group(id: u64) -> ConversationId {
    ConversationId::Group(GroupId(id))
}

/// An envelope with an id and a client id of its own, derived from `n`.
fn envelope(conversation: ConversationId, sender: u8, n: u32) -> NewEnvelope {
    let mut client_msg_id = [0u8; 16];
    client_msg_id[..4].copy_from_slice(&n.to_le_bytes());
    let body = format!("envelope {sender}/{n}").into_bytes();
    NewEnvelope {
        id: MessageId::of_bytes(&body),
        conversation,
        sender: AccountId([sender; 32]),
        client_msg_id: ClientMsgId(client_msg_id),
        epoch: 1,
        body,
        received_at_ms: 1_000 + u64::from(n),
        postage: None,
    }
}

async fn store_new(store: &Store, new: NewEnvelope) -> StoredEnvelope {
    match store.insert(new).await.expect("insert") {
        Insert::Stored(envelope) => envelope,
        other => panic!("not stored: {other:?}"),
    }
}

fn root_of(leaves: &[MessageId]) -> [u8; 32] {
    MerkleTree::build(leaves).expect("a tree").root()
}

fn proofs_of(leaves: &[MessageId]) -> Vec<(MessageId, Vec<u8>)> {
    let tree = MerkleTree::build(leaves).expect("a tree");
    leaves
        .iter()
        .enumerate()
        .map(|(index, id)| (*id, tree.proof(index as u64).expect("a proof").to_bytes()))
        .collect()
}

const AT: AnchoredAt = AnchoredAt {
    block_number: 42,
    block_hash: [4; 32],
    anchored_at_ms: 99,
};

async fn sequence_numbers_are_per_conversation_and_dense(kind: Kind) {
    let (_database, store) = open(kind).await;
    for n in 0..5 {
        let a = store_new(&store, envelope(group(1), 1, n)).await;
        let b = store_new(&store, envelope(group(2), 2, n)).await;
        assert_eq!((a.seq, b.seq), (u64::from(n) + 1, u64::from(n) + 1));
    }
    let page = store.list(&group(1), 2, 2).await.unwrap();
    assert_eq!(page.iter().map(|e| e.seq).collect::<Vec<_>>(), vec![3, 4]);
    assert!(page.iter().all(|e| e.conversation == group(1)));
    assert!(store.list(&group(1), 5, 10).await.unwrap().is_empty());
    assert!(store.list(&group(3), 0, 10).await.unwrap().is_empty());
}

async fn a_retry_returns_the_original_and_writes_nothing(kind: Kind) {
    let (_database, store) = open(kind).await;
    let first = store_new(&store, envelope(group(1), 1, 7)).await;

    // The same envelope again.
    let retry = store.insert(envelope(group(1), 1, 7)).await.unwrap();
    assert_eq!(retry, Insert::Duplicate(first.clone()));

    // The same sender and client message id with other bytes (re-encrypted).
    let mut reencrypted = envelope(group(1), 1, 7);
    reencrypted.body = b"other ciphertext".to_vec();
    reencrypted.id = MessageId::of_bytes(&reencrypted.body);
    assert_eq!(
        store.insert(reencrypted.clone()).await.unwrap(),
        Insert::Duplicate(first.clone())
    );
    assert_eq!(store.envelope(&reencrypted.id).await.unwrap(), None);

    // The retries consumed no sequence number.
    let next = store_new(&store, envelope(group(1), 1, 8)).await;
    assert_eq!(next.seq, 2);
    assert_eq!(store.list(&group(1), 0, 10).await.unwrap().len(), 2);
}

async fn concurrent_retries_store_once(kind: Kind) {
    let (_database, store) = open(kind).await;
    let tasks: Vec<_> = (0..16)
        .map(|_| {
            let store = store.clone();
            tokio::spawn(async move { store.insert(envelope(group(9), 3, 1)).await })
        })
        .collect();
    let mut fresh = 0;
    let mut seqs = HashSet::new();
    for task in tasks {
        let envelope = match task.await.unwrap().unwrap() {
            Insert::Stored(envelope) => {
                fresh += 1;
                envelope
            }
            Insert::Duplicate(envelope) => envelope,
            unpaid => panic!("{unpaid:?} without postage"),
        };
        seqs.insert(envelope.seq);
    }
    assert_eq!(fresh, 1, "exactly one submit stores the envelope");
    assert_eq!(seqs, HashSet::from([1]), "every retry sees the original");
    assert_eq!(store.list(&group(9), 0, 100).await.unwrap().len(), 1);
}

/// Two relays on one database (two stores, two writer tasks) take the same
/// messages at once, interleaved with messages only one of them takes:
/// each message is stored once, and the conversation's sequence numbers
/// still run 1..=n without a gap (a lost race gives its number back).
async fn two_stores_racing_keep_sequences_dense(kind: Kind) {
    let (database, first) = open(kind).await;
    let second = Store::connect(&database.url, 8).await.unwrap();
    let mut tasks = Vec::new();
    for n in 0..40u32 {
        for (store, shared) in [(&first, true), (&second, n % 2 == 0)] {
            let store = store.clone();
            // Shared messages go to both stores; the others to one.
            let sender = if shared { 1 } else { 2 };
            tasks.push(tokio::spawn(async move {
                store.insert(envelope(group(5), sender, n)).await
            }));
        }
    }
    let mut stored = 0;
    for task in tasks {
        if let Insert::Stored(_) = task.await.unwrap().unwrap() {
            stored += 1;
        }
    }
    let listed = first.list(&group(5), 0, 1000).await.unwrap();
    assert_eq!(stored, listed.len(), "each stored insert is one row");
    // 40 shared messages once each, plus the 20 sent only to the second.
    assert_eq!(listed.len(), 60);
    let seqs: Vec<u64> = listed.iter().map(|envelope| envelope.seq).collect();
    assert_eq!(seqs, (1..=60).collect::<Vec<_>>());
    let ids: HashSet<MessageId> = listed.iter().map(|envelope| envelope.id).collect();
    assert_eq!(ids.len(), 60);
}

async fn batches_take_every_id_once_in_arrival_order(kind: Kind) {
    let (_database, store) = open(kind).await;
    let mut ids = Vec::new();
    for n in 0..7 {
        ids.push(
            store_new(&store, envelope(group(u64::from(n % 2)), 1, n))
                .await
                .id,
        );
    }
    let (first, first_ids) = store.form_batch(4, 10).await.unwrap().unwrap();
    let (second, second_ids) = store.form_batch(4, 20).await.unwrap().unwrap();
    assert!(store.form_batch(4, 30).await.unwrap().is_none());

    assert_eq!((first.seq, second.seq), (BatchSeq(1), BatchSeq(2)));
    assert_eq!((first.leaf_count, second.leaf_count), (4, 3));
    assert_eq!(first_ids, ids[..4]);
    assert_eq!(second_ids, ids[4..]);
    assert_eq!(first.root, root_of(&ids[..4]));
    assert_eq!(store.batch_leaves(BatchSeq(2)).await.unwrap(), ids[4..]);
    assert_eq!(
        store.unanchored_batches().await.unwrap(),
        vec![first, second]
    );
}

async fn proofs_are_pending_until_the_batch_is_anchored(kind: Kind) {
    let (_database, store) = open(kind).await;
    let mut ids = Vec::new();
    for n in 0..5 {
        ids.push(store_new(&store, envelope(group(1), 1, n)).await.id);
    }
    let (batch, leaves) = store.form_batch(100, 10).await.unwrap().unwrap();
    assert_eq!(
        store.proof(&ids[2]).await.unwrap(),
        Some(ProofState::Pending)
    );
    assert_eq!(store.proof(&MessageId([7; 32])).await.unwrap(), None);

    store
        .mark_anchored(batch.seq, AT, &proofs_of(&leaves))
        .await
        .unwrap();

    for id in &ids {
        let Some(ProofState::Anchored { batch, proof }) = store.proof(id).await.unwrap() else {
            panic!("{id} has no proof");
        };
        assert_eq!(batch.anchored, Some(AT));
        Proof::from_bytes(&proof)
            .unwrap()
            .verify(&batch.root, id)
            .unwrap();
    }
    assert!(store.unanchored_batches().await.unwrap().is_empty());
    assert_eq!(store.batches(0, 10).await.unwrap()[0].anchored, Some(AT));
}

fn request_nonce(account: AccountId, nonce: [u8; 16], expires_at_ms: u64) -> RequestNonce {
    RequestNonce {
        account,
        nonce,
        expires_at_ms,
    }
}

/// A submit's nonce is recorded with its envelope: a replayed request
/// stores nothing, alone or in the same group as the original.
async fn a_signed_insert_with_a_used_nonce_stores_nothing(kind: Kind) {
    let (_database, store) = open(kind).await;
    let sender = AccountId([1; 32]);
    // Given a nonce used by a request
    assert!(
        store
            .use_nonce(request_nonce(sender, [7; 16], 1_000))
            .await
            .unwrap()
    );
    // When an envelope arrives with the same nonce
    let replayed = store
        .insert_signed(
            envelope(group(1), 1, 1),
            request_nonce(sender, [7; 16], 1_000),
        )
        .await
        .unwrap();
    // Then it is refused and nothing is stored
    assert_eq!(replayed, Insert::Replayed);
    assert_eq!(
        store.envelope(&envelope(group(1), 1, 1).id).await.unwrap(),
        None
    );

    // When two envelopes carry one fresh nonce at once
    let (first, second) = tokio::join!(
        store.insert_signed(
            envelope(group(1), 1, 2),
            request_nonce(sender, [8; 16], 1_000)
        ),
        store.insert_signed(
            envelope(group(1), 1, 3),
            request_nonce(sender, [8; 16], 1_000)
        ),
    );
    // Then exactly one is stored, as the conversation's first message
    let outcomes = [first.unwrap(), second.unwrap()];
    let stored: Vec<_> = outcomes
        .iter()
        .filter_map(|outcome| match outcome {
            Insert::Stored(stored) => Some(stored.seq),
            _ => None,
        })
        .collect();
    assert_eq!(stored, vec![1]);
    assert!(outcomes.contains(&Insert::Replayed));
}

async fn a_nonce_is_accepted_once(kind: Kind) {
    let (_database, store) = open(kind).await;
    let alice = AccountId([1; 32]);
    let bob = AccountId([2; 32]);
    assert!(
        store
            .use_nonce(request_nonce(alice, [5; 16], 1_000))
            .await
            .unwrap()
    );
    assert!(
        !store
            .use_nonce(request_nonce(alice, [5; 16], 1_000))
            .await
            .unwrap()
    );
    assert!(
        store
            .use_nonce(request_nonce(bob, [5; 16], 1_000))
            .await
            .unwrap()
    );
    assert_eq!(store.prune_nonces(2_000).await.unwrap(), 2);
    assert!(
        store
            .use_nonce(request_nonce(alice, [5; 16], 3_000))
            .await
            .unwrap()
    );
}

/// The same nonces submitted concurrently (so that the writer takes them
/// in one group): each is fresh exactly once.
async fn concurrent_nonces_are_fresh_once_each(kind: Kind) {
    let (_database, store) = open(kind).await;
    let tasks: Vec<_> = (0..64u8)
        .map(|n| {
            let store = store.clone();
            tokio::spawn(async move {
                let (account, nonce) = (AccountId([n % 2; 32]), [n % 8; 16]);
                (
                    account,
                    nonce,
                    store
                        .use_nonce(request_nonce(account, nonce, 1_000))
                        .await
                        .unwrap(),
                )
            })
        })
        .collect();
    let mut fresh = HashSet::new();
    for task in tasks {
        let (account, nonce, is_fresh) = task.await.unwrap();
        if is_fresh {
            assert!(fresh.insert((account, nonce)), "{nonce:?} fresh twice");
        }
    }
    // Accounts 0 and 1 each with the four nonces of their parity.
    assert_eq!(fresh.len(), 8);
}

/// Concurrent submits of a few messages, each several times, by id and by
/// client id: one is stored per message, every other answer is its
/// original, and the sequence stays dense.
async fn one_group_with_repeats_stores_each_message_once(kind: Kind) {
    let (_database, store) = open(kind).await;
    let tasks: Vec<_> = (0..60u32)
        .map(|i| {
            let store = store.clone();
            let mut new = envelope(group(3), 4, i % 5);
            if i % 3 == 0 {
                // A retry with another body (another id) but the same
                // client message id is still the same message.
                new.body.push(b'!');
                new.id = MessageId::of_bytes(&new.body);
            }
            tokio::spawn(async move { (i % 5, store.insert(new).await.unwrap()) })
        })
        .collect();
    let mut originals: std::collections::HashMap<u32, StoredEnvelope> = Default::default();
    let mut answers = Vec::new();
    for task in tasks {
        let (n, insert) = task.await.unwrap();
        match insert {
            Insert::Stored(stored) => {
                assert!(
                    originals.insert(n, stored).is_none(),
                    "message {n} stored twice"
                );
            }
            Insert::Duplicate(stored) => answers.push((n, stored)),
            unpaid => panic!("{unpaid:?} without postage"),
        }
    }
    assert_eq!(originals.len(), 5);
    for (n, answer) in answers {
        assert_eq!(
            answer, originals[&n],
            "a retry of message {n} got another answer"
        );
    }
    let seqs: Vec<u64> = store
        .list(&group(3), 0, 100)
        .await
        .unwrap()
        .iter()
        .map(|stored| stored.seq)
        .collect();
    assert_eq!(seqs, vec![1, 2, 3, 4, 5]);
}

/// Many senders in many conversations at once: every conversation's
/// sequence numbers run from 1 without a gap.
async fn a_group_spanning_conversations_keeps_each_dense(kind: Kind) {
    let (_database, store) = open(kind).await;
    let tasks: Vec<_> = (0..120u32)
        .map(|n| {
            let store = store.clone();
            let new = envelope(group(u64::from(n % 7)), (n % 3) as u8, n);
            tokio::spawn(async move { store.insert(new).await.unwrap() })
        })
        .collect();
    for task in tasks {
        assert!(matches!(task.await.unwrap(), Insert::Stored(_)));
    }
    for conversation in 0..7u64 {
        let listed = store.list(&group(conversation), 0, 100).await.unwrap();
        let seqs: Vec<u64> = listed.iter().map(|stored| stored.seq).collect();
        assert_eq!(seqs, (1..=listed.len() as u64).collect::<Vec<_>>());
    }
}

async fn pruning_never_deletes_unanchored_envelopes(kind: Kind) {
    let (_database, store) = open(kind).await;
    let old = store_new(&store, envelope(group(1), 1, 0)).await;
    let (batch, leaves) = store.form_batch(10, 10).await.unwrap().unwrap();
    let unanchored = store_new(&store, envelope(group(1), 1, 1)).await;
    store
        .mark_anchored(batch.seq, AT, &proofs_of(&leaves))
        .await
        .unwrap();

    // Both are older than the cut-off; only the anchored one goes.
    assert_eq!(store.prune_envelopes(1 << 40).await.unwrap(), 1);
    assert_eq!(store.envelope(&old.id).await.unwrap(), None);
    assert_eq!(
        store.envelope(&unanchored.id).await.unwrap(),
        Some(unanchored)
    );
}

const PRICE: u128 = 1_000_000_000;

/// Envelope `n` of sender 1 paying with a voucher of `cumulative` on channel 7.
fn paid(n: u32, cumulative: u128) -> NewEnvelope {
    paid_at(PRICE, ChannelId(7), n, cumulative)
}

/// [`paid`] at another price and channel.
fn paid_at(price: u128, channel: ChannelId, n: u32, cumulative: u128) -> NewEnvelope {
    NewEnvelope {
        postage: Some(PostageCharge {
            channel,
            payer: AccountId([1; 32]),
            payee: Address([9; 20]),
            cumulative,
            signature: [cumulative as u8; 64],
            price,
        }),
        ..envelope(group(1), 1, n)
    }
}

async fn postage_pays_for_each_message_once(kind: Kind) {
    let (_database, store) = open(kind).await;
    let unpaid = |required| {
        Insert::Unpaid(Unpaid {
            channel: ChannelId(7),
            required,
        })
    };
    // The first message costs the price
    assert_eq!(
        store.insert(paid(1, PRICE - 1)).await.unwrap(),
        unpaid(PRICE)
    );
    let first = store_new(&store, paid(1, PRICE)).await;
    // Its voucher again does not pay for a second; a refusal stores nothing
    assert_eq!(
        store.insert(paid(2, PRICE)).await.unwrap(),
        unpaid(2 * PRICE)
    );
    assert_eq!(store.stats().await.unwrap().envelopes, 1);
    // A retry is not charged again
    assert_eq!(
        store.insert(paid(1, 2 * PRICE)).await.unwrap(),
        Insert::Duplicate(first)
    );
    let record = store.postage(ChannelId(7)).await.unwrap().unwrap();
    assert_eq!((record.messages, record.cumulative), (1, PRICE));

    // Four messages race with a voucher that covers only one more: one wins
    let tasks: Vec<_> = (10..14)
        .map(|n| {
            let store = store.clone();
            tokio::spawn(async move { store.insert(paid(n, 2 * PRICE)).await })
        })
        .collect();
    let mut stored = 0;
    for task in tasks {
        match task.await.unwrap().unwrap() {
            Insert::Stored(_) => stored += 1,
            refused => assert_eq!(refused, unpaid(3 * PRICE)),
        }
    }
    assert_eq!(stored, 1);
    // A larger voucher prepays: the best one held covers later messages
    store_new(&store, paid(20, 10 * PRICE)).await;
    store_new(&store, paid(21, PRICE)).await;
    let record = store.postage(ChannelId(7)).await.unwrap().unwrap();
    assert_eq!(
        (record.messages, record.cumulative, record.signature),
        (4, 10 * PRICE, [(10 * PRICE) as u8; 64])
    );
    assert_eq!(store.stats().await.unwrap().envelopes, 4);

    // The claimer's view: unclaimed until the chain says it was paid
    let payee = Address([9; 20]);
    assert_eq!(store.unclaimed_postage(&payee).await.unwrap(), vec![record]);
    assert!(
        store
            .unclaimed_postage(&Address([8; 20]))
            .await
            .unwrap()
            .is_empty()
    );
    store
        .set_postage_claimed(ChannelId(7), 10 * PRICE, None)
        .await
        .unwrap();
    assert!(store.unclaimed_postage(&payee).await.unwrap().is_empty());
    store_new(&store, paid(22, 11 * PRICE)).await;
    assert_eq!(store.unclaimed_postage(&payee).await.unwrap().len(), 1);
    // A settled channel is not claimed from again
    store
        .set_postage_claimed(ChannelId(7), 10 * PRICE, Some(5))
        .await
        .unwrap();
    assert!(store.unclaimed_postage(&payee).await.unwrap().is_empty());

    // A price that overflows for the second message is never paid (not
    // even by the largest voucher there is)
    let huge = u128::MAX / 2 + 1;
    store_new(&store, paid_at(huge, ChannelId(8), 30, u128::MAX)).await;
    assert_eq!(
        store
            .insert(paid_at(huge, ChannelId(8), 31, u128::MAX))
            .await
            .unwrap(),
        Insert::Unpaid(Unpaid {
            channel: ChannelId(8),
            required: u128::MAX
        })
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn only_one_relay_of_a_postgres_database_anchors() {
    let (database, first) = open(Kind::Postgres).await;
    let second = Store::connect(&database.url, 8).await.unwrap();
    let lease = first.claim_anchoring().await.unwrap();
    assert!(matches!(
        second.claim_anchoring().await,
        Err(StoreError::AnchoringTaken)
    ));
    // The same store cannot take it twice either (a new session each time).
    assert!(matches!(
        first.claim_anchoring().await,
        Err(StoreError::AnchoringTaken)
    ));
    lease.release().await.unwrap();
    let taken_over = second.claim_anchoring().await.unwrap();
    taken_over.release().await.unwrap();
}

#[tokio::test]
async fn an_unknown_database_url_is_refused() {
    let error = Store::connect("mysql://localhost/db", 1).await.unwrap_err();
    assert!(matches!(error, StoreError::UnsupportedUrl(_)), "{error}");
}
