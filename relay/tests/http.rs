//! The HTTP boundary, black-box through the router, on SQLite and on
//! PostgreSQL, with a chain view connected to a real ink-node: every bad
//! request answers its documented status and error body and writes nothing.
//!
//! The chain view here does not follow the chain and points at no deployed
//! contracts, so it exercises what the relay decides before asking the
//! chain (authentication, size, decoding) and what it answers when it
//! cannot authorize a write. Access decisions on deployed contracts are
//! tested in the relay's chain tests.
// Helpers outside #[test] functions unwrap too: a failure is the test failing.
#![allow(clippy::unwrap_used)]

use std::net::SocketAddr;

use axum::Router;
use axum::body::Body;
use axum::extract::connect_info::MockConnectInfo;
use axum::http::{Request, StatusCode, header};
use http_body_util::BodyExt;
use inkpost_relay::api::{AppState, ErrorBody, Limits, app};
use inkpost_relay::chain_view::{ChainView, Contracts};
use inkpost_relay::clock::now_ms;
use inkpost_relay::store::Store;
use inkpost_sdk::auth::RequestAuth;
use inkpost_sdk::chain::Chain;
use inkpost_sdk::envelope::{Draft, Envelope, Recipient};
use inkpost_sdk::ids::{Address, ClientMsgId, ConversationId, DirectId, Epoch, KeyVersion};
use inkpost_sdk::keys::Identity;
use inkpost_tests::db::{Kind, TestDatabase};
use inkpost_tests::node::TestNode;
use inkpost_tests::within;
use tower::ServiceExt;

struct Relay {
    router: Router,
    store: Store,
    _database: TestDatabase,
}

async fn relay(kind: Kind, chain: &Chain) -> Relay {
    let limits = Limits {
        max_envelope_bytes: 4 * 1024,
        ..Limits::default()
    };
    relay_with(kind, chain, limits).await
}

async fn relay_with(kind: Kind, chain: &Chain, limits: Limits) -> Relay {
    let database = TestDatabase::new(kind).await;
    let store = Store::connect(&database.url, 4).await.unwrap();
    let relay = Identity::from_suri("//Ferdie").unwrap();
    let contracts = Contracts {
        identity: Address([1; 20]),
        groups: Address([2; 20]),
        escrow: None,
    };
    let view = ChainView::new(chain.clone(), contracts, relay.account_id());
    Relay {
        router: app(AppState::new(store.clone(), view, relay, limits)),
        store,
        _database: database,
    }
}

fn alice() -> Identity {
    Identity::from_suri("//Alice").unwrap()
}

fn bob() -> Identity {
    Identity::from_suri("//Bob").unwrap()
}

/// A direct message from Alice to Bob.
fn direct_envelope() -> Envelope {
    let (alice, bob) = (alice(), bob());
    let draft = Draft {
        conversation: ConversationId::Direct(DirectId::between(
            &alice.account_id(),
            &bob.account_id(),
        )),
        epoch: Epoch(0),
        sent_at_ms: now_ms(),
        client_msg_id: ClientMsgId([9; 16]),
    };
    let recipient = Recipient {
        account: bob.account_id(),
        key: bob.encryption_key(KeyVersion(1)),
        key_version: KeyVersion(1),
    };
    Envelope::seal(&alice, draft, &[recipient], b"hello Bob").unwrap()
}

/// A request signed by `signer` at `timestamp_ms`.
fn signed_at(
    signer: &Identity,
    method: &str,
    path: &str,
    body: Vec<u8>,
    timestamp_ms: u64,
) -> (Request<Body>, RequestAuth) {
    let auth = RequestAuth::sign(signer, method, path, &body, timestamp_ms);
    let request = Request::builder()
        .method(method)
        .uri(path)
        .header(header::AUTHORIZATION, auth.to_header())
        .header(header::CONTENT_TYPE, "application/octet-stream")
        .body(Body::from(body))
        .unwrap();
    (request, auth)
}

fn signed(signer: &Identity, method: &str, path: &str, body: Vec<u8>) -> Request<Body> {
    signed_at(signer, method, path, body, now_ms()).0
}

async fn send(relay: &Relay, request: Request<Body>) -> (StatusCode, Vec<u8>) {
    let response = relay.router.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let body = response.into_body().collect().await.unwrap().to_bytes();
    (status, body.to_vec())
}

/// Sends `request` and checks the status and error code it answers.
async fn expect_error(relay: &Relay, request: Request<Body>, status: StatusCode, code: &str) {
    let (got, body) = send(relay, request).await;
    let error: ErrorBody = serde_json::from_slice(&body)
        .unwrap_or_else(|_| panic!("not an error body: {}", String::from_utf8_lossy(&body)));
    assert_eq!(
        (got, error.error.as_str()),
        (status, code),
        "{}",
        error.message
    );
    assert!(!error.message.is_empty());
}

/// Nothing was stored in Alice and Bob's conversation.
async fn nothing_written(relay: &Relay) {
    let conversation = direct_envelope().header.conversation;
    assert!(
        relay
            .store
            .list(&conversation, 0, 10)
            .await
            .unwrap()
            .is_empty()
    );
}

async fn bad_requests_answer_their_status_and_write_nothing(relay: &Relay) {
    let envelope = direct_envelope().to_bytes();
    let path = "/v1/envelopes";

    // No Authorization header.
    let request = Request::post(path)
        .body(Body::from(envelope.clone()))
        .unwrap();
    expect_error(relay, request, StatusCode::UNAUTHORIZED, "unauthenticated").await;

    // A header that does not parse.
    let request = Request::post(path)
        .header(header::AUTHORIZATION, "Bearer abc")
        .body(Body::from(envelope.clone()))
        .unwrap();
    expect_error(relay, request, StatusCode::UNAUTHORIZED, "unauthenticated").await;

    // Signed over another body: the signature binds the body.
    let (mut request, _) = signed_at(&alice(), "POST", path, b"other".to_vec(), now_ms());
    *request.body_mut() = Body::from(envelope.clone());
    expect_error(relay, request, StatusCode::UNAUTHORIZED, "unauthenticated").await;

    // Signed for another path: the signature binds the path.
    let (request, _) = signed_at(&alice(), "POST", "/v1/other", envelope.clone(), now_ms());
    let (parts, body) = request.into_parts();
    let mut request = Request::from_parts(parts, body);
    *request.uri_mut() = path.parse().unwrap();
    expect_error(relay, request, StatusCode::UNAUTHORIZED, "unauthenticated").await;

    // Signed two minutes ago (the window is one minute), or in the future.
    for timestamp in [now_ms() - 120_000, now_ms() + 120_000] {
        let (request, _) = signed_at(&alice(), "POST", path, envelope.clone(), timestamp);
        expect_error(relay, request, StatusCode::UNAUTHORIZED, "stale_request").await;
    }

    // Larger than the relay accepts.
    let request = signed(&alice(), "POST", path, vec![0; 4 * 1024 + 1]);
    expect_error(relay, request, StatusCode::PAYLOAD_TOO_LARGE, "too_large").await;

    // Not an envelope.
    let request = signed(&alice(), "POST", path, b"not scale".to_vec());
    expect_error(relay, request, StatusCode::BAD_REQUEST, "bad_request").await;

    // An envelope with one flipped ciphertext bit: its signature fails.
    let mut tampered = direct_envelope();
    tampered.payload.ciphertext[0] ^= 1;
    let request = signed(&alice(), "POST", path, tampered.to_bytes());
    expect_error(relay, request, StatusCode::BAD_REQUEST, "bad_request").await;

    // Alice's envelope submitted by Bob.
    let request = signed(&bob(), "POST", path, envelope.clone());
    expect_error(relay, request, StatusCode::FORBIDDEN, "forbidden").await;

    // A valid submit while the relay does not follow the chain: it cannot
    // authorize the write, says so, and stores nothing.
    let request = signed(&alice(), "POST", path, envelope.clone());
    expect_error(
        relay,
        request,
        StatusCode::SERVICE_UNAVAILABLE,
        "unavailable",
    )
    .await;

    // Malformed ids in paths and queries.
    let request = signed(&alice(), "GET", "/v1/envelopes/0x1234", Vec::new());
    expect_error(relay, request, StatusCode::BAD_REQUEST, "bad_request").await;
    let request = signed(
        &alice(),
        "GET",
        "/v1/conversations/room:1/envelopes",
        Vec::new(),
    );
    expect_error(relay, request, StatusCode::BAD_REQUEST, "bad_request").await;
    let request = signed(
        &alice(),
        "GET",
        "/v1/conversations/group:1/envelopes?after=minus-one",
        Vec::new(),
    );
    expect_error(relay, request, StatusCode::BAD_REQUEST, "bad_request").await;

    nothing_written(relay).await;
}

async fn a_replayed_request_is_refused(relay: &Relay) {
    // Reading an unknown message answers 404 the first time...
    let path = format!("/v1/envelopes/{}", direct_envelope().id());
    let (request, auth) = signed_at(&alice(), "GET", &path, Vec::new(), now_ms());
    expect_error(relay, request, StatusCode::NOT_FOUND, "not_found").await;

    // ...and the very same signed request again is a replay.
    let replay = Request::get(&path)
        .header(header::AUTHORIZATION, auth.to_header())
        .body(Body::empty())
        .unwrap();
    expect_error(relay, replay, StatusCode::UNAUTHORIZED, "replayed_nonce").await;
}

async fn a_stranger_cannot_read_a_direct_conversation(relay: &Relay) {
    let charlie = Identity::from_suri("//Charlie").unwrap();
    let conversation = direct_envelope().header.conversation;
    // Charlie names Bob as the peer, but Alice–Bob is not Charlie–Bob.
    let path = format!(
        "/v1/conversations/{conversation}/envelopes?peer={}",
        bob().account_id()
    );
    let request = signed(&charlie, "GET", &path, Vec::new());
    expect_error(relay, request, StatusCode::FORBIDDEN, "forbidden").await;

    // Bob naming Alice is a party, and reads an empty page.
    let path = format!(
        "/v1/conversations/{conversation}/envelopes?peer={}",
        alice().account_id()
    );
    let (status, body) = send(relay, signed(&bob(), "GET", &path, Vec::new())).await;
    assert_eq!(status, StatusCode::OK, "{}", String::from_utf8_lossy(&body));
    let page: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(page["envelopes"], serde_json::json!([]));
    assert_eq!(page["next_after"], serde_json::Value::Null);
}

async fn service_routes_answer(relay: &Relay) {
    let (status, body) = send(relay, Request::get("/health").body(Body::empty()).unwrap()).await;
    assert_eq!((status, body.as_slice()), (StatusCode::OK, &b"ok"[..]));

    // Not following the chain: not ready, and it says which part is missing.
    let (status, body) = send(relay, Request::get("/ready").body(Body::empty()).unwrap()).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    let readiness: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(
        readiness,
        serde_json::json!({"database": true, "chain": false})
    );

    let (status, body) = send(
        relay,
        Request::get("/v1/batches").body(Body::empty()).unwrap(),
    )
    .await;
    assert_eq!((status, body.as_slice()), (StatusCode::OK, &b"[]"[..]));
    let request = Request::get("/v1/batches?limit=x")
        .body(Body::empty())
        .unwrap();
    expect_error(relay, request, StatusCode::BAD_REQUEST, "bad_request").await;
    // A relay without a price charges no postage.
    let request = Request::get("/v1/postage").body(Body::empty()).unwrap();
    expect_error(relay, request, StatusCode::NOT_FOUND, "not_found").await;

    // The OpenAPI document names every route and every error code.
    let request = Request::get("/openapi.yaml").body(Body::empty()).unwrap();
    let (status, body) = send(relay, request).await;
    assert_eq!(status, StatusCode::OK);
    let document = String::from_utf8(body).unwrap();
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

    let (status, _) = send(
        relay,
        Request::get("/v2/nothing").body(Body::empty()).unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

async fn rate_limits_answer_429_with_retry_after(kind: Kind, chain: &Chain) {
    let limits = Limits {
        rate_per_identity: 0.01,
        rate_per_ip: 0.01,
        rate_burst: 2.0,
        ..Limits::default()
    };
    let relay = relay_with(kind, chain, limits).await;
    let path = format!("/v1/envelopes/{}", direct_envelope().id());

    // Alice's burst of two passes (to a 404), her third request is refused
    for _ in 0..2 {
        let request = signed(&alice(), "GET", &path, Vec::new());
        expect_error(&relay, request, StatusCode::NOT_FOUND, "not_found").await;
    }
    let response = relay
        .router
        .clone()
        .oneshot(signed(&alice(), "GET", &path, Vec::new()))
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
    let retry_after: u64 = response.headers()[header::RETRY_AFTER]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    // One token per 100 s at 0.01/s.
    assert!((99..=100).contains(&retry_after), "{retry_after}");
    // Bob has a bucket of his own
    let request = signed(&bob(), "GET", &path, Vec::new());
    expect_error(&relay, request, StatusCode::NOT_FOUND, "not_found").await;

    // Per client address, when the server knows it
    let router = relay
        .router
        .clone()
        .layer(MockConnectInfo(SocketAddr::from(([10, 0, 0, 7], 4000))));
    for expected in [
        StatusCode::OK,
        StatusCode::OK,
        StatusCode::TOO_MANY_REQUESTS,
    ] {
        let request = Request::get("/health").body(Body::empty()).unwrap();
        let status = router.clone().oneshot(request).await.unwrap().status();
        assert_eq!(status, expected);
    }
}

async fn run_all(kind: Kind) {
    let node = TestNode::start().unwrap_or_else(|error| panic!("{error}"));
    let chain = within(60, "connect to ink-node", Chain::connect(node.url()))
        .await
        .unwrap();
    let relay = relay(kind, &chain).await;
    bad_requests_answer_their_status_and_write_nothing(&relay).await;
    a_replayed_request_is_refused(&relay).await;
    a_stranger_cannot_read_a_direct_conversation(&relay).await;
    service_routes_answer(&relay).await;
    rate_limits_answer_429_with_retry_after(kind, &chain).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn http_boundary_on_sqlite() {
    run_all(Kind::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn http_boundary_on_postgres() {
    run_all(Kind::Postgres).await;
}
