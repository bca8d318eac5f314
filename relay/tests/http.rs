//! The HTTP boundary, black-box through the router, on SQLite and on
//! PostgreSQL, with a fixed snapshot of chain state (no node): every bad
//! request answers its documented status and error body and writes
//! nothing. Access decisions as the chain changes are tested on a real node
//! in `chain.rs`.
// Helpers outside #[test] functions unwrap too: a failure is the test failing.
#![allow(clippy::unwrap_used)]

use std::net::SocketAddr;

use http::{Method, Request, StatusCode, header};
use inkpost_relay::api::cors::Origins;
use inkpost_relay::api::{AppState, ErrorBody, Limits, app};
use inkpost_relay::clock::now_ms;
use inkpost_relay::directory::Snapshot;
use inkpost_sdk::auth::{Audience, RequestAuth};
use inkpost_sdk::contracts::Role;
use inkpost_sdk::envelope::Envelope;
use inkpost_sdk::ids::{ConversationId, DirectId, GroupId, KeyVersion};
use inkpost_sdk::keys::Identity;
use inkpost_sdk::relay::{RelayClient, StreamEvent, Transport};
use inkpost_tests::client::{RouterTransport, copy};
use inkpost_tests::db::Kind;
use inkpost_tests::relay::RouterRelay;
use inkpost_tests::world::{identity, message};

inkpost_tests::on_both!(
    a_request_without_a_valid_signature_is_unauthenticated,
    a_stale_or_future_request_is_refused,
    an_oversized_body_is_too_large,
    a_body_that_is_not_a_valid_envelope_is_a_bad_request,
    an_envelope_submitted_by_another_account_is_forbidden,
    writes_are_unavailable_while_the_relay_does_not_follow_the_chain,
    malformed_ids_in_paths_and_queries_are_bad_requests,
    a_replayed_request_is_refused,
    a_request_signed_for_another_relay_or_chain_is_refused,
    a_replayed_submit_stores_nothing_more,
    a_stranger_cannot_read_a_direct_conversation,
    a_message_one_may_not_read_looks_like_no_message,
    access_follows_the_snapshot_s_roles,
    service_routes_answer,
    rate_limits_answer_429_with_retry_after,
    a_stream_ends_when_its_lifetime_is_over,
    metrics_are_for_this_machine_or_the_token_holder,
    live_streams_are_capped_per_identity,
    a_get_may_carry_its_signature_in_the_query_and_nothing_else_may,
    only_the_named_origins_get_cors_answers,
);

/// Alice, Bob and Charlie registered; group 1 of Alice (owner), Bob
/// (member) and Charlie (reader) at epoch 3.
fn snapshot() -> Snapshot {
    let snapshot = Snapshot::new();
    for (uri, handle) in [
        ("//Alice", "alice"),
        ("//Bob", "bob"),
        ("//Charlie", "charlie"),
    ] {
        let who = identity(uri);
        snapshot.register(handle, who.account_id(), who.encryption_key(KeyVersion(1)));
    }
    snapshot.set_group(
        GroupId(1),
        3,
        &[
            (identity("//Alice").account_id(), Role::Owner),
            (identity("//Bob").account_id(), Role::Member),
            (identity("//Charlie").account_id(), Role::Reader),
        ],
    );
    snapshot
}

/// Limits with a small body size and a one-minute clock window.
fn limits() -> Limits {
    Limits {
        max_envelope_bytes: 4 * 1024,
        max_clock_skew_secs: 60,
        ..Limits::default()
    }
}

async fn relay(kind: Kind) -> RouterRelay<Snapshot> {
    RouterRelay::on_snapshot(kind, snapshot(), limits()).await
}

fn alice() -> Identity {
    identity("//Alice")
}

fn bob() -> Identity {
    identity("//Bob")
}

fn alice_and_bob() -> ConversationId {
    ConversationId::Direct(DirectId::between(
        &alice().account_id(),
        &bob().account_id(),
    ))
}

/// A direct message from Alice to Bob.
fn direct_envelope() -> Envelope {
    message("//Alice", alice_and_bob(), 0, &["//Bob"], 9)
}

/// A submit of `body` signed by `signer` at `timestamp_ms` for the relay
/// `client` talks to.
async fn submit_at(
    client: &RelayClient,
    signer: &Identity,
    body: Vec<u8>,
    timestamp_ms: u64,
) -> Request<Vec<u8>> {
    let audience = client.audience().await.unwrap();
    let auth = RequestAuth::sign(
        signer,
        &audience,
        "POST",
        "/v1/envelopes",
        &body,
        timestamp_ms,
    );
    Request::post("/v1/envelopes")
        .header(header::AUTHORIZATION, auth.to_header())
        .body(body)
        .unwrap()
}

/// Sends `request` and checks the status and error code it answers.
async fn expect_error(
    client: &RelayClient,
    request: Request<Vec<u8>>,
    status: StatusCode,
    code: &str,
) {
    let response = client.exchange(request).await.unwrap();
    let body = response.body();
    let error: ErrorBody = serde_json::from_slice(body)
        .unwrap_or_else(|_| panic!("not an error body: {}", String::from_utf8_lossy(body)));
    assert_eq!(
        (response.status(), error.error.as_str()),
        (status, code),
        "{}",
        error.message
    );
    assert!(!error.message.is_empty());
}

/// Nothing was stored in Alice and Bob's conversation or group 1.
async fn nothing_written(relay: &RouterRelay<Snapshot>) {
    for conversation in [alice_and_bob(), ConversationId::Group(GroupId(1))] {
        assert!(
            relay
                .store
                .list(&conversation, 0, 10)
                .await
                .unwrap()
                .is_empty()
        );
    }
}

async fn a_request_without_a_valid_signature_is_unauthenticated(kind: Kind) {
    let relay = relay(kind).await;
    let envelope = direct_envelope().to_bytes();
    let path = "/v1/envelopes";
    // No Authorization header, or one that does not parse.
    let request = Request::post(path).body(envelope.clone()).unwrap();
    expect_error(
        &relay.client,
        request,
        StatusCode::UNAUTHORIZED,
        "unauthenticated",
    )
    .await;
    let request = Request::post(path)
        .header(header::AUTHORIZATION, "Bearer abc")
        .body(envelope.clone())
        .unwrap();
    expect_error(
        &relay.client,
        request,
        StatusCode::UNAUTHORIZED,
        "unauthenticated",
    )
    .await;
    // Signed over another body: the signature binds the body.
    let mut request = submit_at(&relay.client, &alice(), b"other".to_vec(), now_ms()).await;
    *request.body_mut() = envelope.clone();
    expect_error(
        &relay.client,
        request,
        StatusCode::UNAUTHORIZED,
        "unauthenticated",
    )
    .await;
    // Signed for another path: the signature binds the path.
    let mut request = relay
        .client
        .signed(&alice(), Method::POST, "/v1/other", envelope)
        .await
        .unwrap();
    *request.uri_mut() = path.parse().unwrap();
    expect_error(
        &relay.client,
        request,
        StatusCode::UNAUTHORIZED,
        "unauthenticated",
    )
    .await;
    nothing_written(&relay).await;
}

async fn a_stale_or_future_request_is_refused(kind: Kind) {
    let relay = relay(kind).await;
    // Signed two minutes ago (the window is one minute), or in the future.
    for timestamp in [now_ms() - 120_000, now_ms() + 120_000] {
        let request = submit_at(
            &relay.client,
            &alice(),
            direct_envelope().to_bytes(),
            timestamp,
        )
        .await;
        expect_error(
            &relay.client,
            request,
            StatusCode::UNAUTHORIZED,
            "stale_request",
        )
        .await;
    }
    nothing_written(&relay).await;
}

async fn an_oversized_body_is_too_large(kind: Kind) {
    let relay = relay(kind).await;
    let request = submit_at(&relay.client, &alice(), vec![0; 4 * 1024 + 1], now_ms()).await;
    expect_error(
        &relay.client,
        request,
        StatusCode::PAYLOAD_TOO_LARGE,
        "too_large",
    )
    .await;
    nothing_written(&relay).await;
}

async fn a_body_that_is_not_a_valid_envelope_is_a_bad_request(kind: Kind) {
    let relay = relay(kind).await;
    let request = submit_at(&relay.client, &alice(), b"not scale".to_vec(), now_ms()).await;
    expect_error(
        &relay.client,
        request,
        StatusCode::BAD_REQUEST,
        "bad_request",
    )
    .await;
    // One flipped ciphertext bit: the sender's signature fails.
    let mut tampered = direct_envelope();
    tampered.payload.ciphertext[0] ^= 1;
    let request = submit_at(&relay.client, &alice(), tampered.to_bytes(), now_ms()).await;
    expect_error(
        &relay.client,
        request,
        StatusCode::BAD_REQUEST,
        "bad_request",
    )
    .await;
    nothing_written(&relay).await;
}

async fn an_envelope_submitted_by_another_account_is_forbidden(kind: Kind) {
    let relay = relay(kind).await;
    let request = submit_at(
        &relay.client,
        &bob(),
        direct_envelope().to_bytes(),
        now_ms(),
    )
    .await;
    expect_error(&relay.client, request, StatusCode::FORBIDDEN, "forbidden").await;
    nothing_written(&relay).await;
}

async fn writes_are_unavailable_while_the_relay_does_not_follow_the_chain(kind: Kind) {
    let relay = relay(kind).await;
    relay.view.set_following(false);
    let request = submit_at(
        &relay.client,
        &alice(),
        direct_envelope().to_bytes(),
        now_ms(),
    )
    .await;
    expect_error(
        &relay.client,
        request,
        StatusCode::SERVICE_UNAVAILABLE,
        "unavailable",
    )
    .await;
    nothing_written(&relay).await;
}

async fn malformed_ids_in_paths_and_queries_are_bad_requests(kind: Kind) {
    let relay = relay(kind).await;
    for path in [
        "/v1/envelopes/0x1234",
        "/v1/conversations/room:1/envelopes",
        "/v1/conversations/group:1/envelopes?after=minus-one",
    ] {
        let request = relay
            .client
            .signed(&alice(), Method::GET, path, Vec::new())
            .await
            .unwrap();
        expect_error(
            &relay.client,
            request,
            StatusCode::BAD_REQUEST,
            "bad_request",
        )
        .await;
    }
}

async fn a_replayed_request_is_refused(kind: Kind) {
    let relay = relay(kind).await;
    // Reading an unknown message answers 404 the first time...
    let path = format!("/v1/envelopes/{}", direct_envelope().id());
    let request = relay
        .client
        .signed(&alice(), Method::GET, &path, Vec::new())
        .await
        .unwrap();
    let replay = copy(&request);
    expect_error(&relay.client, request, StatusCode::NOT_FOUND, "not_found").await;
    // ...and the very same signed request again is a replay.
    expect_error(
        &relay.client,
        replay,
        StatusCode::UNAUTHORIZED,
        "replayed_nonce",
    )
    .await;
}

/// A request signed for one relay cannot be replayed at another, nor one
/// signed for another chain: the signature names both.
async fn a_request_signed_for_another_relay_or_chain_is_refused(kind: Kind) {
    let relay = relay(kind).await;
    let here = relay.client.audience().await.unwrap();
    let path = format!("/v1/envelopes/{}", direct_envelope().id());
    let elsewhere = [
        Audience {
            relay: inkpost_sdk::ids::AccountId([9; 32]),
            ..here
        },
        Audience {
            genesis: [1; 32],
            ..here
        },
    ];
    for audience in elsewhere {
        let other = relay.client.clone().with_audience(audience);
        let request = other
            .signed(&alice(), Method::GET, &path, Vec::new())
            .await
            .unwrap();
        expect_error(
            &relay.client,
            request,
            StatusCode::UNAUTHORIZED,
            "unauthenticated",
        )
        .await;
    }
    // Signed for this relay, the same request is answered (a 404 here).
    let request = relay
        .client
        .signed(&alice(), Method::GET, &path, Vec::new())
        .await
        .unwrap();
    expect_error(&relay.client, request, StatusCode::NOT_FOUND, "not_found").await;
}

/// A submit's nonce is recorded with its envelope (one commit), and a
/// replay of the very same signed submit is still refused.
async fn a_replayed_submit_stores_nothing_more(kind: Kind) {
    let relay = relay(kind).await;
    // Given Alice's signed submit, stored once
    let sent = direct_envelope();
    let request = submit_at(&relay.client, &alice(), sent.to_bytes(), now_ms()).await;
    let replay = copy(&request);
    let first = relay.client.exchange(request).await.unwrap();
    assert_eq!(first.status(), StatusCode::CREATED);
    // When the same request is sent again
    // Then it is a replay, not a retry answered with a receipt
    expect_error(
        &relay.client,
        replay,
        StatusCode::UNAUTHORIZED,
        "replayed_nonce",
    )
    .await;
    // And the conversation holds the message once
    let page = relay
        .client
        .list(&bob(), &alice_and_bob(), 0, Some(&alice().account_id()))
        .await
        .unwrap();
    assert_eq!(page.envelopes.len(), 1);
}

async fn a_stranger_cannot_read_a_direct_conversation(kind: Kind) {
    let relay = relay(kind).await;
    let conversation = alice_and_bob();
    // Charlie names Bob as the peer, but Alice–Bob is not Charlie–Bob.
    let charlie = identity("//Charlie");
    let error = relay
        .client
        .list(&charlie, &conversation, 0, Some(&bob().account_id()))
        .await
        .unwrap_err();
    assert_eq!(error.code(), Some("forbidden"), "{error}");
    // Bob naming Alice is a party, and reads an empty page.
    let page = relay
        .client
        .list(&bob(), &conversation, 0, Some(&alice().account_id()))
        .await
        .unwrap();
    assert!(page.envelopes.is_empty());
    assert_eq!(page.next_after, None);
}

/// Asking for a message of a conversation one may not read is answered as
/// if there were none: the refusal would say which conversation it is in.
async fn a_message_one_may_not_read_looks_like_no_message(kind: Kind) {
    let relay = relay(kind).await;
    let stored = direct_envelope();
    relay.client.submit(&alice(), &stored, None).await.unwrap();
    let unknown = message("//Alice", alice_and_bob(), 0, &["//Bob"], 77);
    let charlie = identity("//Charlie");
    let mut answers = Vec::new();
    for id in [stored.id(), unknown.id()] {
        for route in ["", "/proof"] {
            let path = format!("/v1/envelopes/{id}{route}");
            let request = relay
                .client
                .signed(&charlie, Method::GET, &path, Vec::new())
                .await
                .unwrap();
            let response = relay.client.exchange(request).await.unwrap();
            let body: ErrorBody = serde_json::from_slice(response.body()).unwrap();
            answers.push((
                response.status(),
                body.error,
                body.message.replace(&id.to_string(), "ID"),
            ));
        }
    }
    assert_eq!(answers[0].0, StatusCode::NOT_FOUND, "{answers:?}");
    assert!(
        answers.iter().all(|answer| *answer == answers[0]),
        "{answers:?}"
    );
    // Bob, its other party, reads it.
    let (view, _) = relay.client.envelope(&bob(), &stored.id()).await.unwrap();
    assert_eq!(view.id, stored.id());
}

async fn access_follows_the_snapshot_s_roles(kind: Kind) {
    let relay = relay(kind).await;
    let group = ConversationId::Group(GroupId(1));
    let members = ["//Alice", "//Bob", "//Charlie"];
    // A member posts at the current epoch and is answered with a receipt.
    let sent = message("//Bob", group, 3, &members, 1);
    let answer = relay.client.submit(&bob(), &sent, None).await.unwrap();
    answer.receipt.verify().unwrap();
    assert_eq!(
        (answer.receipt.message_id, answer.receipt.seq),
        (sent.id(), 1)
    );
    // A reader may not post; an old epoch is stale; no group is not found.
    let refusals = [
        (
            "//Charlie",
            message("//Charlie", group, 3, &members, 2),
            "forbidden",
        ),
        (
            "//Alice",
            message("//Alice", group, 2, &members, 3),
            "stale_epoch",
        ),
        (
            "//Alice",
            message("//Alice", ConversationId::Group(GroupId(2)), 0, &members, 4),
            "not_found",
        ),
        // Dave is not registered at all.
        (
            "//Dave",
            message("//Dave", group, 3, &members, 5),
            "forbidden",
        ),
    ];
    for (who, envelope, code) in refusals {
        let error = relay
            .client
            .submit(&identity(who), &envelope, None)
            .await
            .unwrap_err();
        assert_eq!(error.code(), Some(code), "{who}: {error}");
    }
    // The reader reads the one message.
    let page = relay
        .client
        .list(&identity("//Charlie"), &group, 0, None)
        .await
        .unwrap();
    assert_eq!(page.envelopes.len(), 1);
}

async fn service_routes_answer(kind: Kind) {
    let relay = relay(kind).await;
    let client = &relay.client;
    client.health().await.unwrap();
    // Not following the chain: not ready, and it says which part is missing.
    relay.view.set_following(false);
    let readiness = client.ready().await.unwrap();
    assert!(readiness.database && !readiness.chain, "{readiness:?}");

    assert_eq!(client.batches(0).await.unwrap(), Vec::new());
    let request = client.request(Method::GET, "/v1/batches?limit=x");
    expect_error(client, request, StatusCode::BAD_REQUEST, "bad_request").await;
    // A relay without a price charges no postage.
    assert_eq!(client.postage_terms().await.unwrap(), None);

    // The OpenAPI document names every route and every error code.
    let response = client
        .exchange(client.request(Method::GET, "/openapi.yaml"))
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let document = String::from_utf8(response.body().to_vec()).unwrap();
    for route in [
        "/v1/envelopes:",
        "/v1/envelopes/{id}:",
        "/v1/envelopes/{id}/proof:",
        "/v1/conversations/{conversation}/envelopes:",
        "/v1/conversations/{conversation}/stream:",
        "/v1/batches:",
        "/v1/postage:",
        "/v1/postage/channels/{channel}:",
        "/health:",
        "/ready:",
        "/metrics:",
    ] {
        assert!(document.contains(route), "{route} is not documented");
    }
    for code in [
        "bad_request",
        "too_large",
        "unauthenticated",
        "stale_request",
        "replayed_nonce",
        "forbidden",
        "stale_epoch",
        "postage_required",
        "not_found",
        "rate_limited",
        "unavailable",
    ] {
        assert!(document.contains(code), "{code} is not documented");
    }
    let response = client
        .exchange(client.request(Method::GET, "/v2/nothing"))
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
}

async fn rate_limits_answer_429_with_retry_after(kind: Kind) {
    let limits = Limits {
        rate_per_identity: 0.01,
        rate_per_ip: 0.01,
        rate_burst: 2.0,
        ..limits()
    };
    let relay = RouterRelay::on_snapshot(kind, snapshot(), limits).await;
    let path = format!("/v1/envelopes/{}", direct_envelope().id());

    // Alice's burst of two passes (to a 404), her third request is refused
    for _ in 0..2 {
        let request = relay
            .client
            .signed(&alice(), Method::GET, &path, Vec::new())
            .await
            .unwrap();
        expect_error(&relay.client, request, StatusCode::NOT_FOUND, "not_found").await;
    }
    let request = relay
        .client
        .signed(&alice(), Method::GET, &path, Vec::new())
        .await
        .unwrap();
    let response = relay.client.exchange(request).await.unwrap();
    assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
    let retry_after: u64 = response.headers()[header::RETRY_AFTER]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    // One token per 100 s at 0.01/s.
    assert!((99..=100).contains(&retry_after), "{retry_after}");
    // Bob has a bucket of his own
    let request = relay
        .client
        .signed(&bob(), Method::GET, &path, Vec::new())
        .await
        .unwrap();
    expect_error(&relay.client, request, StatusCode::NOT_FOUND, "not_found").await;

    // Per client address, when the server knows it
    let peer = SocketAddr::from(([10, 0, 0, 7], 4000));
    let client = RelayClient::new(
        "http://relay.test",
        RouterTransport::from_peer(relay.router.clone(), peer),
    );
    for expected in [
        StatusCode::OK,
        StatusCode::OK,
        StatusCode::TOO_MANY_REQUESTS,
    ] {
        let response = client
            .exchange(client.request(Method::GET, "/health"))
            .await
            .unwrap();
        assert_eq!(response.status(), expected);
    }
}

/// A live stream lasts the relay's stream lifetime, then ends with
/// `expired` (the client signs a new request, checked afresh, to go on).
async fn a_stream_ends_when_its_lifetime_is_over(kind: Kind) {
    let limits = Limits {
        stream_lifetime_secs: 1,
        ..limits()
    };
    let relay = RouterRelay::on_snapshot(kind, snapshot(), limits).await;
    let mut stream = relay
        .client
        .subscribe(&alice(), &alice_and_bob(), 0, Some(&bob().account_id()))
        .await
        .unwrap();
    let event = inkpost_tests::within(10, "the stream expires", stream.next()).await;
    assert!(
        matches!(event, Some(Ok(StreamEvent::Expired(_)))),
        "{event:?}"
    );
    assert!(stream.next().await.is_none());
}

/// `/metrics` counts and scans tables: only this machine, or a caller with
/// the relay's metrics token, gets it.
async fn metrics_are_for_this_machine_or_the_token_holder(kind: Kind) {
    let relay = relay(kind).await;
    let status = |router: axum::Router, peer: [u8; 4], token: Option<&'static str>| async move {
        let client = RelayClient::new(
            "http://relay.test",
            RouterTransport::from_peer(router, SocketAddr::from((peer, 4000))),
        );
        let mut request = client.request(Method::GET, "/metrics");
        if let Some(token) = token {
            request.headers_mut().insert(
                header::AUTHORIZATION,
                format!("Bearer {token}").parse().unwrap(),
            );
        }
        client.exchange(request).await.unwrap().status()
    };
    // Without a token: this machine only
    let router = relay.router.clone();
    assert_eq!(
        status(router.clone(), [127, 0, 0, 1], None).await,
        StatusCode::OK
    );
    assert_eq!(
        status(router, [10, 0, 0, 7], None).await,
        StatusCode::FORBIDDEN
    );
    // With one: whoever presents it, and nobody else
    let state = AppState::new(
        relay.store.clone(),
        relay.view.clone(),
        relay.identity.clone(),
        limits(),
    )
    .with_metrics_token("s3cret");
    let router = app(state);
    for (peer, token, expected) in [
        ([10, 0, 0, 7], Some("s3cret"), StatusCode::OK),
        ([10, 0, 0, 7], Some("guess"), StatusCode::FORBIDDEN),
        ([10, 0, 0, 7], None, StatusCode::FORBIDDEN),
        ([127, 0, 0, 1], None, StatusCode::FORBIDDEN),
    ] {
        assert_eq!(
            status(router.clone(), peer, token).await,
            expected,
            "{peer:?} {token:?}"
        );
    }
}

/// Nobody holds more than their share of live streams.
async fn live_streams_are_capped_per_identity(kind: Kind) {
    let limits = Limits {
        max_streams_per_identity: 2,
        ..limits()
    };
    let relay = RouterRelay::on_snapshot(kind, snapshot(), limits).await;
    let open = |who: Identity, peer: Identity| {
        let client = relay.client.clone();
        async move {
            client
                .subscribe(&who, &alice_and_bob(), 0, Some(&peer.account_id()))
                .await
        }
    };
    let first = open(alice(), bob()).await.unwrap();
    let _second = open(alice(), bob()).await.unwrap();
    let third = open(alice(), bob()).await.unwrap_err();
    assert_eq!(third.code(), Some("rate_limited"), "{third}");
    // Bob has his own share; a closed stream frees Alice's place
    let _bobs = open(bob(), alice()).await.unwrap();
    drop(first);
    open(alice(), bob()).await.unwrap();
}

/// A browser's `EventSource` sends no headers: a `GET` may carry its
/// signature as its last query parameter, over the URL before it. A `POST`
/// may not (nothing stored), an altered query does not verify, a used one
/// is a replay.
async fn a_get_may_carry_its_signature_in_the_query_and_nothing_else_may(kind: Kind) {
    let relay = relay(kind).await;
    let audience = relay.client.audience().await.unwrap();
    let conversation = alice_and_bob();
    let peer = bob().account_id();
    let signed_url = |route: &str, query: &str| {
        let path = format!("/v1/conversations/{conversation}/{route}?{query}");
        RequestAuth::sign(&alice(), &audience, "GET", &path, b"", now_ms()).append_to(&path)
    };
    let get = |url: &str| relay.client.request(Method::GET, url);

    let list = signed_url("envelopes", &format!("after=0&peer={peer}"));
    let response = relay.client.exchange(get(&list)).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    expect_error(
        &relay.client,
        get(&list),
        StatusCode::UNAUTHORIZED,
        "replayed_nonce",
    )
    .await;

    // The signature covers the query before it: another `after` fails.
    let altered =
        signed_url("envelopes", &format!("after=0&peer={peer}")).replacen("after=0", "after=5", 1);
    expect_error(
        &relay.client,
        get(&altered),
        StatusCode::UNAUTHORIZED,
        "unauthenticated",
    )
    .await;

    // The live stream, as an `EventSource` opens it.
    let stream = signed_url("stream", &format!("after=0&peer={peer}"));
    let transport = RouterTransport::from_peer(
        relay.router.clone(),
        SocketAddr::from(([127, 0, 0, 1], 4000)),
    );
    let response = transport.open(get(&stream)).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        response.headers()[header::CONTENT_TYPE],
        "text/event-stream"
    );

    // A POST signed in its query is refused and stores nothing.
    let envelope = direct_envelope().to_bytes();
    let auth = RequestAuth::sign(
        &alice(),
        &audience,
        "POST",
        "/v1/envelopes",
        &envelope,
        now_ms(),
    );
    let mut request = relay
        .client
        .request(Method::POST, &auth.append_to("/v1/envelopes"));
    *request.body_mut() = envelope;
    expect_error(
        &relay.client,
        request,
        StatusCode::UNAUTHORIZED,
        "unauthenticated",
    )
    .await;
    nothing_written(&relay).await;
}

/// CORS is off by default; with `--cors-origin` the named origins, and only
/// they, get a preflight's permission and a readable answer.
async fn only_the_named_origins_get_cors_answers(kind: Kind) {
    let relay = relay(kind).await;
    let web = "http://web.test:5173";
    let client_of = |router: axum::Router| {
        RelayClient::new(
            "http://relay.test",
            RouterTransport::from_peer(router, SocketAddr::from(([127, 0, 0, 1], 4000))),
        )
    };
    let ask = |client: RelayClient, method: Method, origin: &'static str| async move {
        let mut request = client.request(method.clone(), "/v1/envelopes");
        let headers = request.headers_mut();
        headers.insert(header::ORIGIN, origin.parse().unwrap());
        if method == Method::OPTIONS {
            headers.insert(
                header::ACCESS_CONTROL_REQUEST_METHOD,
                "POST".parse().unwrap(),
            );
            headers.insert(
                header::ACCESS_CONTROL_REQUEST_HEADERS,
                "authorization,content-type,inkpost-postage"
                    .parse()
                    .unwrap(),
            );
        }
        client.exchange(request).await.unwrap()
    };
    let allowed = |response: &http::Response<axum::body::Bytes>| {
        response
            .headers()
            .get(header::ACCESS_CONTROL_ALLOW_ORIGIN)
            .map(|value| value.to_str().unwrap().to_owned())
    };

    // Default: no CORS answer for anyone.
    let plain = client_of(relay.router.clone());
    assert_eq!(
        allowed(&ask(plain.clone(), Method::OPTIONS, web).await),
        None
    );
    assert_eq!(allowed(&ask(plain, Method::GET, web).await), None);

    let state = AppState::new(
        relay.store.clone(),
        relay.view.clone(),
        relay.identity.clone(),
        limits(),
    )
    .with_cors(Origins::parse(web).unwrap());
    let open = client_of(app(state));
    let preflight = ask(open.clone(), Method::OPTIONS, web).await;
    assert!(preflight.status().is_success(), "{:?}", preflight.status());
    assert_eq!(allowed(&preflight).as_deref(), Some(web));
    let headers = preflight.headers()[header::ACCESS_CONTROL_ALLOW_HEADERS]
        .to_str()
        .unwrap()
        .to_ascii_lowercase();
    for needed in ["authorization", "content-type", "inkpost-postage"] {
        assert!(headers.contains(needed), "{needed} in {headers}");
    }
    // An answer (here a refusal) is readable by the page, Retry-After too.
    let refused = ask(open.clone(), Method::GET, web).await;
    assert_eq!(allowed(&refused).as_deref(), Some(web));
    // Another origin gets nothing it could use.
    let other = "http://evil.test";
    assert_eq!(
        allowed(&ask(open.clone(), Method::OPTIONS, other).await),
        None
    );
    assert_eq!(allowed(&ask(open, Method::GET, other).await), None);
}
