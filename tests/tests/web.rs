//! The SDK's WebAssembly build (`web/wasm`, pure-Rust cryptography) in
//! headless Chromium reads what the native build (aws-lc-rs) wrote and
//! writes what it reads: one wire format.
#![allow(clippy::unwrap_used)]

use inkpost_sdk::auth::{Audience, RequestAuth};
use inkpost_sdk::envelope::{Envelope, EnvelopeError};
use inkpost_sdk::ids::KeyVersion;
use inkpost_sdk::keys::Identity;
use inkpost_tests::browser::{hex_at, run_page};
use serde_json::json;

fn identity(uri: &str) -> Identity {
    Identity::from_suri(uri).unwrap()
}

#[test]
fn the_browser_build_and_the_native_build_read_each_other_s_envelopes() {
    let text = "sealed in Chromium, opened natively";
    let report = run_page("sdk", &json!({ "text": text }));

    // The native build's envelope, opened in the browser.
    let vector: serde_json::Value =
        serde_json::from_str(include_str!("../../sdk/tests/vectors/envelope-v2.json")).unwrap();
    assert_eq!(report["vector"]["id"], vector["id"]);
    assert_eq!(
        report["vector"]["sender"],
        json!(identity("//Alice").account_id().to_string())
    );
    assert_eq!(report["vector"]["conversation"], json!("group:7"));
    for uri in ["//Bob", "//Charlie"] {
        assert_eq!(report["vector"]["texts"][uri], vector["text"], "{uri}");
    }
    let eve = report["vector"]["eve"].as_str().unwrap();
    assert!(eve.contains("not a recipient"), "Eve: {eve}");

    // The browser's envelope, opened natively.
    let bytes = hex_at(&report, "/sealed/bytes");
    let envelope = Envelope::from_bytes(&bytes).unwrap();
    assert_eq!(envelope.to_bytes(), bytes, "canonical");
    assert_eq!(json!(envelope.id().to_string()), report["sealed"]["id"]);
    assert_eq!(envelope.header.sender, identity("//Alice").account_id());
    for uri in ["//Bob", "//Charlie"] {
        assert_eq!(
            envelope.open(&identity(uri)).unwrap(),
            text.as_bytes(),
            "{uri}"
        );
    }
    assert!(matches!(
        envelope.open(&identity("//Eve")),
        Err(EnvelopeError::NotARecipient(_))
    ));

    // The same keys, and a request signature the relay's check accepts.
    let alice = identity("//Alice");
    assert_eq!(
        report["keys"]["accountId"],
        json!(alice.account_id().to_string())
    );
    assert_eq!(
        report["keys"]["address"],
        json!(alice.address().to_string())
    );
    assert_eq!(
        report["keys"]["encryptionKey"],
        json!(alice.encryption_key(KeyVersion(1)).to_string())
    );
    let header = report["authorization"].as_str().unwrap();
    let auth = RequestAuth::parse_header(header).unwrap();
    let audience = Audience {
        relay: alice.account_id(),
        genesis: [0; 32],
    };
    auth.verify(&audience, "GET", "/v1/info", b"").unwrap();
    assert!(auth.verify(&audience, "GET", "/v1/other", b"").is_err());
}
