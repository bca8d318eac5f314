//! The relay against a real node with the four contracts deployed, on
//! SQLite and on PostgreSQL: access decisions follow on-chain identities
//! and group roles, a removal reaches the relay's decisions once its block
//! is finalized, anchoring yields proofs that verify against the root read
//! back from the anchors contract, and postage vouchers are claimed on
//! chain. Every test makes its own group (and, where it anchors or claims,
//! its own relay account) on the binary's shared world.
// Helpers outside #[test] functions unwrap too: a failure is the test failing.
#![allow(clippy::unwrap_used)]

use http::Method;
use inkpost_relay::anchor::{AnchorSettings, Anchorer};
use inkpost_relay::directory::ChainView;
use inkpost_relay::postage::{ClaimPass, Claimer, Postage};
use inkpost_sdk::chain::{Chain, Sr25519Signer};
use inkpost_sdk::contracts::{Anchor, Channel, anchors, escrow, groups};
use inkpost_sdk::ids::{ChannelId, ConversationId, DirectId, GroupId, MessageId};
use inkpost_sdk::keys::Identity;
use inkpost_sdk::relay::StreamEvent;
use inkpost_sdk::relay::api::ProofView;
use inkpost_sdk::units::TOKEN;
use inkpost_sdk::voucher::Voucher;
use inkpost_tests::db::Kind;
use inkpost_tests::relay::RouterRelay;
use inkpost_tests::within;
use inkpost_tests::world::{World, call_ok, identity, message, signer};

inkpost_tests::on_both!(
    a_member_s_message_is_stored_and_a_retry_gets_its_receipt,
    a_reader_reads_the_group_but_may_not_write,
    outsiders_may_neither_read_nor_write,
    strangers_cannot_grow_the_relay_s_cache,
    a_stale_epoch_and_an_unknown_group_are_refused,
    direct_messages_need_both_parties_registered,
    a_live_stream_delivers_messages_stored_after_it_opened,
    a_finalized_removal_ends_writes_reads_and_the_stream,
    anchored_proofs_verify_against_the_root_on_chain,
    the_claimer_redeems_the_best_voucher_once,
    a_channel_closing_on_chain_stops_paying,
);

const MEMBERS: [&str; 3] = ["//Alice", "//Bob", "//Charlie"];

/// What each test starts from: its own client of the chain, its own group
/// (Alice owner, Bob member, Charlie reader) and a relay on `kind`.
struct Given {
    world: &'static World,
    chain: Chain,
    group: GroupId,
    epoch: u64,
    relay: RouterRelay<ChainView>,
}

impl Given {
    /// With the relay acting as //Ferdie.
    async fn new(kind: Kind) -> Self {
        Self::as_relay(kind, identity("//Ferdie"), None).await
    }

    /// With the relay acting as `relay` (a funded account of the test's
    /// own, where the test anchors or claims), charging `postage`.
    async fn as_relay(kind: Kind, relay: Identity, postage: Option<Postage>) -> Self {
        let world = World::shared();
        let chain = world.chain().await;
        let group = world.team(&chain).await;
        let epoch = world.epoch_of(&chain, group).await;
        let relay = RouterRelay::on_chain(world, &chain, kind, relay, postage).await;
        relay.applied(&chain, "the group").await;
        Self {
            world,
            chain,
            group,
            epoch,
            relay,
        }
    }

    fn conversation(&self) -> ConversationId {
        ConversationId::Group(self.group)
    }

    /// Message `n` from `from` to the group's members at its epoch.
    fn message(&self, from: &str, n: u8) -> inkpost_sdk::envelope::Envelope {
        message(from, self.conversation(), self.epoch, &MEMBERS, n)
    }

    /// Submits message `n` as `from`; the error code if refused.
    async fn submit(&self, from: &str, n: u8) -> Result<u64, String> {
        let envelope = self.message(from, n);
        self.relay
            .client
            .submit(&identity(from), &envelope, None)
            .await
            .map(|answer| answer.receipt.seq)
            .map_err(|error| error.code().unwrap_or("no code").to_owned())
    }

    /// The error code of `who` listing the group.
    async fn list_refusal(&self, who: &str) -> Option<String> {
        let listed = self
            .relay
            .client
            .list(&identity(who), &self.conversation(), 0, None)
            .await;
        listed
            .err()
            .map(|error| error.code().unwrap_or("no code").to_owned())
    }
}

async fn a_member_s_message_is_stored_and_a_retry_gets_its_receipt(kind: Kind) {
    let given = Given::new(kind).await;
    // When Alice, the owner, posts at the group's current epoch
    let first = given.message("//Alice", 1);
    let answer = given
        .relay
        .client
        .submit(&identity("//Alice"), &first, None)
        .await
        .unwrap();
    // Then the relay signs a receipt for sequence 1
    answer.receipt.verify().unwrap();
    assert_eq!(
        (answer.receipt.message_id, answer.receipt.seq),
        (first.id(), 1)
    );
    assert_eq!(answer.receipt.relay, given.relay.identity.account_id());
    assert!(!answer.duplicate);
    // And a retry answers the original receipt, storing nothing new
    let retry = given
        .relay
        .client
        .submit(&identity("//Alice"), &first, None)
        .await
        .unwrap();
    assert!(retry.duplicate);
    assert_eq!(retry.receipt.seq, 1);
    assert_eq!(given.submit("//Bob", 2).await, Ok(2));
}

async fn a_reader_reads_the_group_but_may_not_write(kind: Kind) {
    let given = Given::new(kind).await;
    assert_eq!(given.submit("//Alice", 1).await, Ok(1));
    // Charlie is a reader: refused to post
    assert_eq!(given.submit("//Charlie", 3).await, Err("forbidden".into()));
    // but reads and opens what the group wrote
    let page = given
        .relay
        .client
        .list(&identity("//Charlie"), &given.conversation(), 0, None)
        .await
        .unwrap();
    assert_eq!(
        page.envelopes.iter().map(|e| e.seq).collect::<Vec<_>>(),
        [1]
    );
    let opened = page.envelopes[0]
        .envelope()
        .unwrap()
        .open(&identity("//Charlie"))
        .unwrap();
    assert_eq!(opened, b"message 1");
}

async fn outsiders_may_neither_read_nor_write(kind: Kind) {
    let given = Given::new(kind).await;
    // Eve is registered but no member; Dave is not registered at all
    assert_eq!(
        given.list_refusal("//Eve").await.as_deref(),
        Some("forbidden")
    );
    assert_eq!(given.submit("//Eve", 4).await, Err("forbidden".into()));
    assert_eq!(given.submit("//Dave", 5).await, Err("forbidden".into()));
}

/// Fresh keypairs with no identity or role cost the relay a lookup each,
/// and are not remembered: its caches do not grow with them.
async fn strangers_cannot_grow_the_relay_s_cache(kind: Kind) {
    let given = Given::new(kind).await;
    assert_eq!(given.list_refusal("//Alice").await, None);
    let before = given.relay.view.cached_entries().await;
    for n in 0..30u8 {
        let stranger = format!("//stranger-{n}");
        assert_eq!(
            given.list_refusal(&stranger).await.as_deref(),
            Some("forbidden")
        );
        assert_eq!(given.submit(&stranger, n).await, Err("forbidden".into()));
    }
    assert_eq!(given.relay.view.cached_entries().await, before);
    // A member is remembered (and answered from the cache next time).
    assert_eq!(given.list_refusal("//Bob").await, None);
    assert!(given.relay.view.cached_entries().await > before);
}

async fn a_stale_epoch_and_an_unknown_group_are_refused(kind: Kind) {
    let given = Given::new(kind).await;
    let stale = message(
        "//Alice",
        given.conversation(),
        given.epoch + 1,
        &MEMBERS,
        6,
    );
    let error = given
        .relay
        .client
        .submit(&identity("//Alice"), &stale, None)
        .await
        .unwrap_err();
    assert_eq!(error.code(), Some("stale_epoch"), "{error}");
    let nowhere = ConversationId::Group(GroupId(given.group.0 + 1_000));
    let lost = message("//Alice", nowhere, 0, &MEMBERS, 7);
    let error = given
        .relay
        .client
        .submit(&identity("//Alice"), &lost, None)
        .await
        .unwrap_err();
    assert_eq!(error.code(), Some("not_found"), "{error}");
}

async fn direct_messages_need_both_parties_registered(kind: Kind) {
    let given = Given::new(kind).await;
    let [alice, bob, dave] = ["//Alice", "//Bob", "//Dave"].map(|uri| identity(uri).account_id());
    let to_bob = ConversationId::Direct(DirectId::between(&alice, &bob));
    let sent = message("//Alice", to_bob, 0, &["//Bob"], 8);
    given
        .relay
        .client
        .submit(&identity("//Alice"), &sent, None)
        .await
        .unwrap();
    let to_dave = ConversationId::Direct(DirectId::between(&alice, &dave));
    let refused = message("//Alice", to_dave, 0, &["//Dave"], 9);
    let error = given
        .relay
        .client
        .submit(&identity("//Alice"), &refused, None)
        .await
        .unwrap_err();
    assert_eq!(error.code(), Some("forbidden"), "{error}");
}

async fn a_live_stream_delivers_messages_stored_after_it_opened(kind: Kind) {
    let given = Given::new(kind).await;
    assert_eq!(given.submit("//Alice", 1).await, Ok(1));
    // Given Bob follows the group after what he has read
    let mut stream = given
        .relay
        .client
        .subscribe(&identity("//Bob"), &given.conversation(), 1, None)
        .await
        .unwrap();
    // When Alice posts
    let live = given.message("//Alice", 12);
    given
        .relay
        .client
        .submit(&identity("//Alice"), &live, None)
        .await
        .unwrap();
    // Then it reaches Bob
    let event = within(30, "the streamed message", stream.next()).await;
    let Some(Ok(StreamEvent::Envelope(view))) = event else {
        panic!("not an envelope: {event:?}");
    };
    assert_eq!((view.id, view.seq), (live.id(), 2));
}

async fn a_finalized_removal_ends_writes_reads_and_the_stream(kind: Kind) {
    let given = Given::new(kind).await;
    let mut stream = given
        .relay
        .client
        .subscribe(&identity("//Bob"), &given.conversation(), 0, None)
        .await
        .unwrap();
    // When Alice removes Bob on chain and the removal's block is finalized
    let bob = identity("//Bob").address();
    let remove = groups::remove_member(given.group, &bob);
    call_ok(
        &given.chain,
        &signer("//Alice"),
        given.world.deployment.groups,
        0,
        remove,
    )
    .await;
    given
        .relay
        .applied(&given.chain, "the finalized removal")
        .await;
    // Then Bob can neither write at the new epoch nor read
    let new_epoch = given.world.epoch_of(&given.chain, given.group).await;
    assert!(new_epoch > given.epoch);
    let late = message(
        "//Bob",
        given.conversation(),
        new_epoch,
        &["//Alice", "//Charlie"],
        10,
    );
    let error = given
        .relay
        .client
        .submit(&identity("//Bob"), &late, None)
        .await
        .unwrap_err();
    assert_eq!(error.code(), Some("forbidden"), "{error}");
    assert_eq!(
        given.list_refusal("//Bob").await.as_deref(),
        Some("forbidden")
    );
    // And the old epoch is stale for everyone
    assert_eq!(given.submit("//Alice", 11).await, Err("stale_epoch".into()));
    // And his live stream is revoked, then ends
    let event = within(30, "the revocation", stream.next()).await;
    assert!(
        matches!(event, Some(Ok(StreamEvent::Revoked(_)))),
        "{event:?}"
    );
    assert!(stream.next().await.is_none());
}

async fn anchored_proofs_verify_against_the_root_on_chain(kind: Kind) {
    let world = World::shared();
    let chain = world.chain().await;
    let relay_account = world.funded(&chain, &format!("anchor-{kind:?}")).await;
    let given = Given::as_relay(kind, relay_account.clone(), None).await;
    let alice = identity("//Alice");
    let mut ids = Vec::new();
    for n in 1..=3 {
        let envelope = given.message("//Alice", n);
        given
            .relay
            .client
            .submit(&alice, &envelope, None)
            .await
            .unwrap();
        ids.push(envelope.id());
    }
    assert_eq!(
        given.relay.client.proof(&alice, &ids[0]).await.unwrap(),
        ProofView::Pending
    );

    // When the relay anchors what it stored
    let anchorer = Anchorer::new(
        given.relay.store.clone(),
        given.chain.clone(),
        Sr25519Signer::new(relay_account.clone()),
        world.deployment.anchors,
        AnchorSettings {
            anchoring: true,
            batch_interval_ms: 1_000,
            batch_max_leaves: 1_000,
            anchored_by: None,
        },
    );
    within(120, "anchor a batch", anchorer.tick())
        .await
        .unwrap();

    // Then each message's proof verifies against the root the chain holds
    let submitter = relay_account.address();
    for id in &ids {
        let view = given.relay.client.proof(&alice, id).await.unwrap();
        let ProofView::Anchored { batch, .. } = &view else {
            panic!("still pending: {view:?}");
        };
        let (proof, root) = view.decode().unwrap().unwrap();
        let on_chain = world
            .anchored_batch(&given.chain, &submitter, batch.seq.0)
            .await
            .expect("the batch is on chain");
        assert_eq!(on_chain.root, root);
        assert_eq!(on_chain.leaf_count, 3);
        assert_eq!(u64::from(on_chain.block), batch.block_number.unwrap());
        proof.verify(&on_chain.root, id).unwrap();
        // (and it is bound to that message id)
        assert!(proof.verify(&on_chain.root, &MessageId([0; 32])).is_err());
    }
    let root = given
        .relay
        .client
        .proof(&alice, &ids[0])
        .await
        .unwrap()
        .decode()
        .unwrap()
        .unwrap()
        .1;
    let lookup: Option<Anchor> = given
        .chain
        .query(
            &alice.account_id(),
            world.deployment.anchors,
            &anchors::lookup(&root),
        )
        .await
        .unwrap();
    assert_eq!(
        lookup.map(|anchor| (anchor.submitter, anchor.seq)),
        Some((submitter, Some(1)))
    );

    // And the metrics tell what happened
    let metrics = given
        .relay
        .client
        .exchange(given.relay.client.request(Method::GET, "/metrics"))
        .await
        .unwrap();
    let text = String::from_utf8(metrics.body().to_vec()).unwrap();
    for line in [
        "inkpost_relay_envelopes_stored_total 3",
        "inkpost_relay_envelopes 3",
        "inkpost_relay_envelopes_unbatched 0",
        "inkpost_relay_batches{state=\"anchored\"} 1",
        "inkpost_relay_chain_following 1",
        "inkpost_relay_http_responses_total{status=\"201\"} 3",
    ] {
        assert!(
            text.lines().any(|l| l == line),
            "missing `{line}` in\n{text}"
        );
    }
}

const PRICE: u128 = TOKEN / 1_000;

/// A relay account of the test's own charging [`PRICE`], Alice's channel
/// to it, and a voucher maker.
struct Postal {
    given: Given,
    channel: ChannelId,
}

impl Postal {
    async fn new(kind: Kind, name: &str) -> Self {
        let world = World::shared();
        let chain = world.chain().await;
        let relay = world.funded(&chain, &format!("{name}-{kind:?}")).await;
        let terms = Postage {
            price: PRICE,
            escrow: world.deployment.escrow,
            payee: relay.address(),
            domain: chain.genesis_hash(),
        };
        let channel = world
            .open_channel(&chain, "//Alice", &relay.address(), 10 * PRICE, 100_000)
            .await;
        let given = Given::as_relay(kind, relay, Some(terms)).await;
        Self { given, channel }
    }

    /// Alice's direct message `n` to Bob paying `cumulative` in total.
    async fn send(&self, n: u8, cumulative: u128) -> Result<(), String> {
        let alice = identity("//Alice");
        let to_bob = ConversationId::Direct(DirectId::between(
            &alice.account_id(),
            &identity("//Bob").account_id(),
        ));
        let voucher = Voucher {
            domain: self.given.chain.genesis_hash(),
            contract: self.given.world.deployment.escrow,
            channel: self.channel,
            cumulative,
        }
        .sign(&alice);
        let envelope = message("//Alice", to_bob, 0, &["//Bob"], n);
        self.given
            .relay
            .client
            .submit(&alice, &envelope, Some(&voucher))
            .await
            .map(|_| ())
            .map_err(|error| error.code().unwrap_or("no code").to_owned())
    }

    async fn channel_on_chain(&self) -> Channel {
        let state: Option<Channel> = self
            .given
            .chain
            .query(
                &identity("//Alice").account_id(),
                self.given.world.deployment.escrow,
                &escrow::channel(self.channel),
            )
            .await
            .unwrap();
        state.unwrap()
    }
}

async fn the_claimer_redeems_the_best_voucher_once(kind: Kind) {
    let postal = Postal::new(kind, "claim").await;
    // Given two paid messages
    postal.send(31, PRICE).await.unwrap();
    postal.send(32, 2 * PRICE).await.unwrap();
    // When the claimer runs
    let claimer = Claimer::new(
        postal.given.relay.store.clone(),
        postal.given.chain.clone(),
        Sr25519Signer::new(postal.given.relay.identity.clone()),
        postal.given.world.deployment.escrow,
    );
    let pass = within(120, "claim postage", claimer.tick()).await.unwrap();
    // Then it claims the best voucher on chain, and nothing the next time
    assert_eq!((pass.claims, pass.received), (1, 2 * PRICE));
    assert_eq!(postal.channel_on_chain().await.paid, 2 * PRICE);
    let pass = within(60, "claim nothing new", claimer.tick())
        .await
        .unwrap();
    assert_eq!(pass, ClaimPass::default());
    let record = postal
        .given
        .relay
        .store
        .postage(postal.channel)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(record.claimed, 2 * PRICE);
}

async fn a_channel_closing_on_chain_stops_paying(kind: Kind) {
    let postal = Postal::new(kind, "closing").await;
    postal.send(31, PRICE).await.unwrap();
    // When Alice starts closing the channel and the block is final
    let close = escrow::start_close(postal.channel);
    call_ok(
        &postal.given.chain,
        &signer("//Alice"),
        postal.given.world.deployment.escrow,
        0,
        close,
    )
    .await;
    postal
        .given
        .relay
        .applied(&postal.given.chain, "the closing")
        .await;
    // Then its vouchers no longer pay
    assert_eq!(
        postal.send(33, 3 * PRICE).await,
        Err("postage_required".into())
    );
    // (while a retry of a stored message still gets its receipt)
    assert_eq!(postal.send(31, PRICE).await, Ok(()));
    let stats = postal.given.relay.store.stats().await.unwrap();
    assert_eq!(stats.envelopes, 1);
}
