//! The relay against a real ink-node with the four contracts deployed, on
//! SQLite and on PostgreSQL: access decisions follow on-chain identities
//! and group roles, a removal on chain reaches the relay's decisions once
//! its block is finalized, anchoring yields proofs that verify against
//! the root read back from the anchors contract, and a relay charging
//! postage takes only vouchers that pay and claims them on chain.
// Helpers outside #[test] functions unwrap too: a failure is the test failing.
#![allow(clippy::unwrap_used)]

use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use http_body_util::BodyExt;
use inkpost_relay::anchor::{AnchorSettings, Anchorer};
use inkpost_relay::api::envelopes::{EnvelopePage, EnvelopeView, ProofView, SubmitResponse};
use inkpost_relay::api::postage::Postage;
use inkpost_relay::api::{AppState, ErrorBody, Limits, app};
use inkpost_relay::chain_view::{ChainView, Contracts};
use inkpost_relay::claim::{ClaimPass, Claimer};
use inkpost_relay::clock::now_ms;
use inkpost_relay::store::Store;
use inkpost_sdk::auth::RequestAuth;
use inkpost_sdk::contracts::{Anchor, Channel, anchors, escrow, groups};
use inkpost_sdk::envelope::Envelope;
use inkpost_sdk::ids::{ChannelId, ConversationId, DirectId, GroupId, MessageId};
use inkpost_sdk::keys::Identity;
use inkpost_sdk::merkle::Proof;
use inkpost_sdk::relay_api::{POSTAGE_HEADER, PostageAccount, PostageTerms, postage_header};
use inkpost_sdk::voucher::{SignedVoucher, Voucher};
use inkpost_tests::db::{Kind, TestDatabase};
use inkpost_tests::deploy::TOKEN;
use inkpost_tests::within;
use inkpost_tests::world::{World, call_ok, epoch_of, message, signer, world};
use tower::ServiceExt;

async fn request(
    router: &Router,
    who: &str,
    method: &str,
    path: &str,
    body: Vec<u8>,
) -> (StatusCode, Vec<u8>) {
    request_with(router, who, method, path, body, None).await
}

/// A signed request, with a postage header if given.
async fn request_with(
    router: &Router,
    who: &str,
    method: &str,
    path: &str,
    body: Vec<u8>,
    postage: Option<String>,
) -> (StatusCode, Vec<u8>) {
    let identity = Identity::from_suri(who).unwrap();
    let auth = RequestAuth::sign(&identity, method, path, &body, now_ms());
    let mut request = Request::builder()
        .method(method)
        .uri(path)
        .header(header::AUTHORIZATION, auth.to_header());
    if let Some(postage) = postage {
        request = request.header(POSTAGE_HEADER, postage);
    }
    let request = request.body(Body::from(body)).unwrap();
    let response = router.clone().oneshot(request).await.unwrap();
    let status = response.status();
    (
        status,
        response
            .into_body()
            .collect()
            .await
            .unwrap()
            .to_bytes()
            .to_vec(),
    )
}

async fn submit(router: &Router, who: &str, envelope: &Envelope) -> (StatusCode, Vec<u8>) {
    request(router, who, "POST", "/v1/envelopes", envelope.to_bytes()).await
}

/// Reads Server-Sent Events from a response body.
struct Events {
    body: Body,
    buffer: String,
}

impl Events {
    async fn open(router: &Router, who: &str, path: &str) -> Self {
        let identity = Identity::from_suri(who).unwrap();
        let auth = RequestAuth::sign(&identity, "GET", path, &[], now_ms());
        let request = Request::get(path)
            .header(header::AUTHORIZATION, auth.to_header())
            .body(Body::empty())
            .unwrap();
        let response = router.clone().oneshot(request).await.unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        Self {
            body: response.into_body(),
            buffer: String::new(),
        }
    }

    /// The next event's name and data (keep-alive comments skipped), or
    /// `None` when the stream ended.
    async fn next(&mut self) -> Option<(String, String)> {
        loop {
            if let Some(end) = self.buffer.find("\n\n") {
                let raw: String = self.buffer.drain(..end + 2).collect();
                let field = |name: &str| {
                    raw.lines()
                        .find_map(|line| line.strip_prefix(name))
                        .map(|value| value.trim_start().to_owned())
                };
                if let Some(event) = field("event:") {
                    return Some((event, field("data:").unwrap_or_default()));
                }
                continue;
            }
            let frame = within(30, "the next event", self.body.frame())
                .await?
                .unwrap();
            if let Ok(data) = frame.into_data() {
                self.buffer.push_str(std::str::from_utf8(&data).unwrap());
            }
        }
    }

    async fn next_envelope(&mut self) -> EnvelopeView {
        let (event, data) = self.next().await.expect("an event");
        assert_eq!(event, "envelope", "{data}");
        serde_json::from_str(&data).unwrap()
    }
}

fn error_code(body: &[u8]) -> String {
    serde_json::from_slice::<ErrorBody>(body)
        .unwrap_or_else(|_| panic!("not an error body: {}", String::from_utf8_lossy(body)))
        .error
}

fn expect(answer: (StatusCode, Vec<u8>), status: StatusCode, code: &str) {
    assert_eq!(
        (answer.0, error_code(&answer.1).as_str()),
        (status, code),
        "{}",
        String::from_utf8_lossy(&answer.1)
    );
}

/// Waits until `view` has applied the events of the chain's latest
/// finalized block (`what` happened in it or before).
async fn applied(world: &World, view: &ChainView, what: &str) {
    let finalized = world.chain.finalized_number().await.unwrap();
    within(30, &format!("the relay applies {what}"), async {
        while view.applied_through() < finalized {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    })
    .await;
}

async fn run(kind: Kind) {
    let world = within(600, "set up the chain", world()).await;
    let database = TestDatabase::new(kind).await;
    let store = Store::connect(&database.url, 4).await.unwrap();
    let view = ChainView::new(
        world.chain.clone(),
        Contracts {
            identity: world.deployment.identity,
            groups: world.deployment.groups,
            escrow: Some(world.deployment.escrow),
        },
        world.relay.identity().account_id(),
    );
    let (stop_following, stop) = tokio::sync::watch::channel(false);
    let follower = {
        let view = view.clone();
        tokio::spawn(async move { view.keep_following(Duration::from_millis(200), stop).await })
    };
    within(30, "follow finalized blocks", async {
        while !view.is_following() {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    })
    .await;
    let router = app(AppState::new(
        store.clone(),
        view.clone(),
        world.relay.identity().clone(),
        Limits::default(),
    ));
    let group = ConversationId::Group(world.group);
    let epoch = epoch_of(&world).await;
    let members = ["//Alice", "//Bob", "//Charlie"];

    // Given Alice, the owner, posts to the group at its current epoch
    let first = message("//Alice", group, epoch, &members, 1);
    let (status, body) = submit(&router, "//Alice", &first).await;
    // Then the relay stores it and signs a receipt for sequence 1
    assert_eq!(
        status,
        StatusCode::CREATED,
        "{}",
        String::from_utf8_lossy(&body)
    );
    let receipt = serde_json::from_slice::<SubmitResponse>(&body)
        .unwrap()
        .receipt;
    receipt.verify().unwrap();
    assert_eq!((receipt.message_id, receipt.seq), (first.id(), 1));
    assert_eq!(receipt.relay, world.relay.identity().account_id());
    // And a retry answers the original receipt, storing nothing new
    let (status, body) = submit(&router, "//Alice", &first).await;
    assert_eq!(status, StatusCode::OK);
    let retry = serde_json::from_slice::<SubmitResponse>(&body).unwrap();
    assert!(retry.duplicate);
    assert_eq!(retry.receipt.seq, 1);

    // A member writes; a reader may not, but reads both messages
    let (status, _) = submit(
        &router,
        "//Bob",
        &message("//Bob", group, epoch, &members, 2),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    let answer = submit(
        &router,
        "//Charlie",
        &message("//Charlie", group, epoch, &members, 3),
    )
    .await;
    expect(answer, StatusCode::FORBIDDEN, "forbidden");
    let list = format!("/v1/conversations/{group}/envelopes");
    let (status, body) = request(&router, "//Charlie", "GET", &list, Vec::new()).await;
    assert_eq!(status, StatusCode::OK);
    let page: EnvelopePage = serde_json::from_slice(&body).unwrap();
    assert_eq!(
        page.envelopes.iter().map(|e| e.seq).collect::<Vec<_>>(),
        vec![1, 2]
    );
    let stored = BASE64.decode(&page.envelopes[0].envelope).unwrap();
    let opened = Envelope::from_bytes(&stored)
        .unwrap()
        .open(&Identity::from_suri("//Charlie").unwrap())
        .unwrap();
    assert_eq!(opened, b"message 1");

    // Outsiders: Eve is registered but not a member, Dave is not registered
    let answer = request(&router, "//Eve", "GET", &list, Vec::new()).await;
    expect(answer, StatusCode::FORBIDDEN, "forbidden");
    let answer = submit(
        &router,
        "//Eve",
        &message("//Eve", group, epoch, &members, 4),
    )
    .await;
    expect(answer, StatusCode::FORBIDDEN, "forbidden");
    let answer = submit(
        &router,
        "//Dave",
        &message("//Dave", group, epoch, &members, 5),
    )
    .await;
    expect(answer, StatusCode::FORBIDDEN, "forbidden");

    // A stale epoch and an unknown group
    let answer = submit(
        &router,
        "//Alice",
        &message("//Alice", group, epoch + 1, &members, 6),
    )
    .await;
    expect(answer, StatusCode::CONFLICT, "stale_epoch");
    let nowhere = ConversationId::Group(GroupId(world.group.0 + 1_000));
    let answer = submit(
        &router,
        "//Alice",
        &message("//Alice", nowhere, 0, &members, 7),
    )
    .await;
    expect(answer, StatusCode::NOT_FOUND, "not_found");

    // Direct messages need both parties registered
    let [alice, bob, dave] =
        ["//Alice", "//Bob", "//Dave"].map(|uri| Identity::from_suri(uri).unwrap().account_id());
    let to_bob = ConversationId::Direct(DirectId::between(&alice, &bob));
    let (status, _) = submit(
        &router,
        "//Alice",
        &message("//Alice", to_bob, 0, &["//Bob"], 8),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    let to_dave = ConversationId::Direct(DirectId::between(&alice, &dave));
    let answer = submit(
        &router,
        "//Alice",
        &message("//Alice", to_dave, 0, &["//Dave"], 9),
    )
    .await;
    expect(answer, StatusCode::FORBIDDEN, "forbidden");

    // Bob follows the group live: a message stored after he connected
    // reaches him
    let mut bob_stream = Events::open(
        &router,
        "//Bob",
        &format!("/v1/conversations/{group}/stream?after=2"),
    )
    .await;
    let live = message("//Alice", group, epoch, &members, 12);
    let (status, _) = submit(&router, "//Alice", &live).await;
    assert_eq!(status, StatusCode::CREATED);
    let streamed = bob_stream.next_envelope().await;
    assert_eq!((streamed.id, streamed.seq), (live.id(), 3));

    // When Alice removes Bob on chain and the removal's block is finalized
    let bob_address = Identity::from_suri("//Bob").unwrap().address();
    call_ok(
        &world.chain,
        &signer("//Alice"),
        world.deployment.groups,
        0,
        groups::remove_member(world.group, &bob_address),
    )
    .await;
    applied(&world, &view, "the finalized removal").await;
    // Then Bob can neither write nor read, and the old epoch is stale
    let new_epoch = epoch_of(&world).await;
    assert!(new_epoch > epoch);
    let answer = submit(
        &router,
        "//Bob",
        &message("//Bob", group, new_epoch, &["//Alice", "//Charlie"], 10),
    )
    .await;
    expect(answer, StatusCode::FORBIDDEN, "forbidden");
    let answer = request(&router, "//Bob", "GET", &list, Vec::new()).await;
    expect(answer, StatusCode::FORBIDDEN, "forbidden");
    let answer = submit(
        &router,
        "//Alice",
        &message("//Alice", group, epoch, &members, 11),
    )
    .await;
    expect(answer, StatusCode::CONFLICT, "stale_epoch");
    // And his live stream is revoked and ends
    let (event, _) = bob_stream.next().await.expect("an event");
    assert_eq!(event, "revoked");
    assert!(bob_stream.next().await.is_none());

    // When the relay anchors what it stored
    let proof_path = format!("/v1/envelopes/{}/proof", first.id());
    let (_, body) = request(&router, "//Alice", "GET", &proof_path, Vec::new()).await;
    assert_eq!(
        serde_json::from_slice::<ProofView>(&body).unwrap(),
        ProofView::Pending
    );
    let anchorer = Anchorer::new(
        store.clone(),
        world.chain.clone(),
        world.relay.clone(),
        world.deployment.anchors,
        AnchorSettings {
            interval: Duration::from_secs(1),
            max_leaves: 1_000,
        },
    );
    within(120, "anchor a batch", anchorer.tick())
        .await
        .unwrap();

    // Then each message's proof verifies against the root the chain holds
    let (status, body) = request(&router, "//Alice", "GET", &proof_path, Vec::new()).await;
    assert_eq!(status, StatusCode::OK, "{}", String::from_utf8_lossy(&body));
    let ProofView::Anchored {
        root, proof, batch, ..
    } = serde_json::from_slice(&body).unwrap()
    else {
        panic!("still pending: {}", String::from_utf8_lossy(&body));
    };
    let me = world.relay.identity().account_id();
    let relay_address = world.relay.identity().address();
    let on_chain = world
        .anchored_batch(&relay_address, batch.seq.0)
        .await
        .expect("the batch is on chain");
    assert_eq!(format!("0x{}", hex::encode(on_chain.root)), root);
    assert_eq!(on_chain.leaf_count, 4);
    assert_eq!(u64::from(on_chain.block), batch.block_number.unwrap());
    let proof = Proof::from_bytes(&BASE64.decode(proof).unwrap()).unwrap();
    proof.verify(&on_chain.root, &first.id()).unwrap();
    // (and it is bound to that message id)
    assert!(proof.verify(&on_chain.root, &MessageId([0; 32])).is_err());
    let lookup: Option<Anchor> = world
        .chain
        .query(
            &me,
            world.deployment.anchors,
            &anchors::lookup(&on_chain.root),
        )
        .await
        .unwrap();
    assert_eq!(
        lookup.map(|anchor| (anchor.submitter, anchor.seq)),
        Some((relay_address, Some(batch.seq.0)))
    );
    // And the metrics tell what happened
    let response = router
        .clone()
        .oneshot(Request::get("/metrics").body(Body::empty()).unwrap())
        .await
        .unwrap();
    let text = String::from_utf8(
        response
            .into_body()
            .collect()
            .await
            .unwrap()
            .to_bytes()
            .to_vec(),
    )
    .unwrap();
    for line in [
        "inkpost_relay_envelopes_stored_total 4",
        "inkpost_relay_envelopes_duplicate_total 1",
        "inkpost_relay_envelopes 4",
        "inkpost_relay_envelopes_unbatched 0",
        "inkpost_relay_batches{state=\"anchored\"} 1",
        "inkpost_relay_chain_following 1",
        "inkpost_relay_http_responses_total{status=\"201\"} 4",
    ] {
        assert!(
            text.lines().any(|l| l == line),
            "missing `{line}` in\n{text}"
        );
    }

    postage(&world, &store, &view).await;
    let _ = stop_following.send(true);
    follower.await.unwrap();
}

const PRICE: u128 = TOKEN / 1_000;

async fn channel_on_chain(world: &World, channel: ChannelId) -> Channel {
    let me = world.relay.identity().account_id();
    let state: Option<Channel> = world
        .chain
        .query(&me, world.deployment.escrow, &escrow::channel(channel))
        .await
        .unwrap();
    state.unwrap()
}

/// A relay charging postage: every way a voucher can fail to pay is
/// refused with 402 and stores nothing; a paying voucher pays once; the
/// claimer redeems the best voucher on chain; a channel that starts
/// closing on chain stops being accepted.
async fn postage(world: &World, store: &Store, view: &ChainView) {
    let relay = world.relay.identity().address();
    let terms = Postage {
        price: PRICE,
        escrow: world.deployment.escrow,
        payee: relay,
        domain: world.chain.genesis_hash(),
    };
    let router = app(AppState::new(
        store.clone(),
        view.clone(),
        world.relay.identity().clone(),
        Limits::default(),
    )
    .with_postage(terms));
    let (status, body) = request(&router, "//Dave", "GET", "/v1/postage", Vec::new()).await;
    assert_eq!(status, StatusCode::OK);
    let published: PostageTerms = serde_json::from_slice(&body).unwrap();
    assert_eq!((published.price, published.payee), (PRICE, relay));

    let deposit = 10 * PRICE;
    let alices = world.open_channel("//Alice", &relay, deposit).await;
    let to_bob = world
        .open_channel("//Alice", &signer("//Bob").identity().address(), deposit)
        .await;
    let bobs = world.open_channel("//Bob", &relay, deposit).await;
    let voucher = |who: &str, channel, cumulative| {
        Voucher {
            domain: world.chain.genesis_hash(),
            contract: world.deployment.escrow,
            channel,
            cumulative,
        }
        .sign(&Identity::from_suri(who).unwrap())
    };
    let [alice, bob] =
        ["//Alice", "//Bob"].map(|uri| Identity::from_suri(uri).unwrap().account_id());
    let direct = ConversationId::Direct(DirectId::between(&alice, &bob));
    let send = |n: u8, postage: Option<SignedVoucher>| {
        let envelope = message("//Alice", direct, 0, &["//Bob"], n);
        let router = router.clone();
        async move {
            let header = postage.as_ref().map(postage_header);
            request_with(
                &router,
                "//Alice",
                "POST",
                "/v1/envelopes",
                envelope.to_bytes(),
                header,
            )
            .await
        }
    };
    let stored_before = store.stats().await.unwrap().envelopes;

    // Every voucher that does not pay is refused, and nothing is stored
    let mut other_chain = voucher("//Alice", alices, PRICE);
    other_chain.voucher.domain = [7; 32];
    let mut other_escrow = voucher("//Alice", alices, PRICE);
    other_escrow.voucher.contract = world.deployment.groups;
    let other_escrow = other_escrow
        .voucher
        .sign(&Identity::from_suri("//Alice").unwrap());
    for (what, postage) in [
        ("no voucher", None),
        (
            "signed by another key",
            Some(voucher("//Bob", alices, PRICE)),
        ),
        (
            "another chain",
            Some(
                other_chain
                    .voucher
                    .sign(&Identity::from_suri("//Alice").unwrap()),
            ),
        ),
        ("another escrow contract", Some(other_escrow)),
        (
            "a channel paying someone else",
            Some(voucher("//Alice", to_bob, PRICE)),
        ),
        (
            "someone else's channel",
            Some(voucher("//Bob", bobs, PRICE)),
        ),
        (
            "no such channel",
            Some(voucher("//Alice", ChannelId(9_999), PRICE)),
        ),
        (
            "more than the deposit",
            Some(voucher("//Alice", alices, deposit + 1)),
        ),
        (
            "less than the price",
            Some(voucher("//Alice", alices, PRICE - 1)),
        ),
    ] {
        let (status, body) = send(31, postage).await;
        assert_eq!(
            (status, error_code(&body).as_str()),
            (StatusCode::PAYMENT_REQUIRED, "postage_required"),
            "{what}: {}",
            String::from_utf8_lossy(&body)
        );
    }
    let identity = Identity::from_suri("//Alice").unwrap();
    let envelope = message("//Alice", direct, 0, &["//Bob"], 31).to_bytes();
    let auth = RequestAuth::sign(&identity, "POST", "/v1/envelopes", &envelope, now_ms());
    let garbled = Request::post("/v1/envelopes")
        .header(header::AUTHORIZATION, auth.to_header())
        .header(POSTAGE_HEADER, "not a voucher")
        .body(Body::from(envelope))
        .unwrap();
    let response = router.clone().oneshot(garbled).await.unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert_eq!(store.stats().await.unwrap().envelopes, stored_before);

    // A voucher for the price pays for one message; a retry, with or
    // without it, is answered with the original receipt and not charged
    let (status, _) = send(31, Some(voucher("//Alice", alices, PRICE))).await;
    assert_eq!(status, StatusCode::CREATED);
    for retry in [Some(voucher("//Alice", alices, PRICE)), None] {
        let (status, body) = send(31, retry).await;
        assert_eq!(status, StatusCode::OK, "{}", String::from_utf8_lossy(&body));
        assert!(
            serde_json::from_slice::<SubmitResponse>(&body)
                .unwrap()
                .duplicate
        );
    }
    // The same voucher does not pay for a second message; a higher one does
    let answer = send(32, Some(voucher("//Alice", alices, PRICE))).await;
    expect(answer, StatusCode::PAYMENT_REQUIRED, "postage_required");
    let (status, _) = send(32, Some(voucher("//Alice", alices, 2 * PRICE))).await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(store.stats().await.unwrap().envelopes, stored_before + 2);

    // Alice sees what her channel paid for; Bob may not
    let account_path = format!("/v1/postage/channels/{}", alices.0);
    let (status, body) = request(&router, "//Alice", "GET", &account_path, Vec::new()).await;
    assert_eq!(status, StatusCode::OK);
    let account: PostageAccount = serde_json::from_slice(&body).unwrap();
    assert_eq!(
        (
            account.messages,
            account.cumulative,
            account.claimed,
            account.next_cumulative
        ),
        (2, 2 * PRICE, 0, 3 * PRICE)
    );
    let answer = request(&router, "//Bob", "GET", &account_path, Vec::new()).await;
    expect(answer, StatusCode::FORBIDDEN, "forbidden");

    // The claimer redeems the best voucher on chain, once
    let claimer = Claimer::new(
        store.clone(),
        world.chain.clone(),
        world.relay.clone(),
        world.deployment.escrow,
    );
    let pass = within(120, "claim postage", claimer.tick()).await.unwrap();
    assert_eq!((pass.claims, pass.received), (1, 2 * PRICE));
    assert_eq!(channel_on_chain(world, alices).await.paid, 2 * PRICE);
    let pass = within(60, "claim nothing new", claimer.tick())
        .await
        .unwrap();
    assert_eq!(pass, ClaimPass::default());
    assert_eq!(
        store.postage(alices).await.unwrap().unwrap().claimed,
        2 * PRICE
    );

    // When Alice starts closing the channel on chain, the relay stops
    // accepting its vouchers once that block is final
    call_ok(
        &world.chain,
        &signer("//Alice"),
        world.deployment.escrow,
        0,
        escrow::start_close(alices),
    )
    .await;
    applied(world, view, "the closing").await;
    let answer = send(33, Some(voucher("//Alice", alices, 3 * PRICE))).await;
    expect(answer, StatusCode::PAYMENT_REQUIRED, "postage_required");
    // (while a retry of a stored message still gets its receipt)
    let (status, _) = send(31, Some(voucher("//Alice", alices, PRICE))).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(store.stats().await.unwrap().envelopes, stored_before + 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn relay_on_chain_with_sqlite() {
    run(Kind::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn relay_on_chain_with_postgres() {
    run(Kind::Postgres).await;
}
