//! Signed relay requests: the caller's sr25519 account key signs the
//! request's audience (the relay's account and the chain's genesis hash),
//! the method, path, body hash, a timestamp and a random nonce, so a relay
//! knows who asks, and that the request was neither altered, nor replayed,
//! nor meant for another relay or chain (each relay refuses stale
//! timestamps and nonces it has seen, and verifies with its own audience).
//!
//! ```text
//! Authorization: Inkpost account=0x…(32 B), ts=<unix ms>, nonce=0x…(16 B), sig=0x…(64 B)
//! signed bytes = SCALE("inkpost/request/v2", relay account: [u8; 32],
//!                      genesis: [u8; 32], method, path-and-query,
//!                      BLAKE2b-256(body), ts: u64, nonce: [u8; 16])
//! signing context = "inkpost/request/v2"
//! ```
//!
//! A browser's `EventSource` cannot send headers, so a `GET` may carry the
//! same four values as its last query parameter instead, outside what is
//! signed (the signed path is the URL without it):
//!
//! ```text
//! GET /v1/conversations/…/stream?after=3&auth=0x…(account).<ts>.0x…(nonce).0x…(sig)
//! ```

use parity_scale_codec::Encode;
use rand_core::{OsRng, RngCore};

use crate::hash::blake2_256;
use crate::ids::AccountId;
use crate::keys::Identity;
use crate::signature::{REQUEST_CONTEXT, Signature, SignatureError};

/// The authorization scheme name.
pub const SCHEME: &str = "Inkpost";

/// The query parameter that carries a `GET`'s authorization where a header
/// cannot (a browser's `EventSource`).
pub const QUERY_PARAM: &str = "auth";

/// Returned when a request's authorization is missing, malformed or invalid.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AuthError {
    /// The header is not `Inkpost account=…, ts=…, nonce=…, sig=…`.
    #[error("malformed authorization: {0}")]
    Malformed(&'static str),
    /// The signature does not cover this request by this account.
    #[error("request signature invalid: {0}")]
    BadSignature(#[from] SignatureError),
}

/// Who a request is for: one relay (the account it signs receipts and
/// anchors with) on one chain (its genesis hash). `GET /v1/info` tells a
/// client; the client checks it against what it pinned and its own chain.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Audience {
    /// The relay's account.
    pub relay: AccountId,
    /// The chain's genesis hash.
    pub genesis: [u8; 32],
}

/// The authorization of one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RequestAuth {
    /// Who signs.
    pub account: AccountId,
    /// When, in milliseconds since the Unix epoch.
    pub timestamp_ms: u64,
    /// A random value the relay remembers to refuse replays.
    pub nonce: [u8; 16],
    /// The account's signature.
    pub signature: Signature,
}

fn signed_bytes(
    audience: &Audience,
    method: &str,
    path: &str,
    body: &[u8],
    timestamp_ms: u64,
    nonce: &[u8; 16],
) -> Vec<u8> {
    (
        REQUEST_CONTEXT,
        audience.relay,
        audience.genesis,
        method.to_ascii_uppercase(),
        path,
        blake2_256(&[body]),
        timestamp_ms,
        nonce,
    )
        .encode()
}

impl RequestAuth {
    /// Signs a request to `audience` as `identity` at `timestamp_ms` with a
    /// fresh nonce.
    pub fn sign(
        identity: &Identity,
        audience: &Audience,
        method: &str,
        path: &str,
        body: &[u8],
        timestamp_ms: u64,
    ) -> Self {
        let mut nonce = [0u8; 16];
        OsRng.fill_bytes(&mut nonce);
        let signature = identity.sign(
            REQUEST_CONTEXT,
            &signed_bytes(audience, method, path, body, timestamp_ms, &nonce),
        );
        Self {
            account: identity.account_id(),
            timestamp_ms,
            nonce,
            signature,
        }
    }

    /// Checks the signature over this audience, method, path (with query)
    /// and body.
    pub fn verify(
        &self,
        audience: &Audience,
        method: &str,
        path: &str,
        body: &[u8],
    ) -> Result<(), AuthError> {
        let bytes = signed_bytes(audience, method, path, body, self.timestamp_ms, &self.nonce);
        self.signature
            .verify(REQUEST_CONTEXT, &bytes, &self.account)?;
        Ok(())
    }

    /// The `Authorization` header value.
    pub fn to_header(&self) -> String {
        format!(
            "{SCHEME} account={}, ts={}, nonce=0x{}, sig=0x{}",
            self.account,
            self.timestamp_ms,
            hex::encode(self.nonce),
            hex::encode(self.signature.0)
        )
    }

    /// Parses an `Authorization` header value.
    pub fn parse_header(value: &str) -> Result<Self, AuthError> {
        let params = value
            .strip_prefix(SCHEME)
            .and_then(|rest| rest.strip_prefix(' '))
            .ok_or(AuthError::Malformed("expected the Inkpost scheme"))?;
        let (mut account, mut timestamp, mut nonce, mut signature) = (None, None, None, None);
        for part in params.split(',') {
            let (key, value) = part
                .trim()
                .split_once('=')
                .ok_or(AuthError::Malformed("expected key=value pairs"))?;
            let slot = match key {
                "account" => &mut account,
                "ts" => &mut timestamp,
                "nonce" => &mut nonce,
                "sig" => &mut signature,
                _ => return Err(AuthError::Malformed("unknown parameter")),
            };
            if slot.replace(value).is_some() {
                return Err(AuthError::Malformed("repeated parameter"));
            }
        }
        let account = account
            .ok_or(AuthError::Malformed("missing account"))?
            .parse()
            .map_err(|_| AuthError::Malformed("account must be 32 bytes of 0x hex"))?;
        let timestamp_ms = timestamp
            .ok_or(AuthError::Malformed("missing ts"))?
            .parse()
            .map_err(|_| AuthError::Malformed("ts must be milliseconds since the epoch"))?;
        let nonce = hex_array(nonce.ok_or(AuthError::Malformed("missing nonce"))?)
            .ok_or(AuthError::Malformed("nonce must be 16 bytes of 0x hex"))?;
        let signature = hex_array(signature.ok_or(AuthError::Malformed("missing sig"))?)
            .ok_or(AuthError::Malformed("sig must be 64 bytes of 0x hex"))?;
        Ok(Self {
            account,
            timestamp_ms,
            nonce,
            signature: Signature(signature),
        })
    }
}

impl RequestAuth {
    /// The value of the [`QUERY_PARAM`] query parameter:
    /// `account.ts.nonce.sig`, each as in the header (URL-safe as it is).
    pub fn to_query_value(&self) -> String {
        format!(
            "{}.{}.0x{}.0x{}",
            self.account,
            self.timestamp_ms,
            hex::encode(self.nonce),
            hex::encode(self.signature.0)
        )
    }

    /// Parses a [`QUERY_PARAM`] value.
    pub fn parse_query_value(value: &str) -> Result<Self, AuthError> {
        let mut parts = value.split('.');
        let (Some(account), Some(ts), Some(nonce), Some(sig), None) = (
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
        ) else {
            return Err(AuthError::Malformed("expected account.ts.nonce.sig"));
        };
        Self::parse_header(&format!(
            "{SCHEME} account={account}, ts={ts}, nonce={nonce}, sig={sig}"
        ))
    }

    /// `path` (with its query, as signed) with this authorization appended
    /// as its last query parameter: a URL a browser can open without
    /// headers.
    pub fn append_to(&self, path: &str) -> String {
        let separator = if path.contains('?') { '&' } else { '?' };
        format!("{path}{separator}{QUERY_PARAM}={}", self.to_query_value())
    }
}

/// Splits a path and query that ends in an authorization parameter into
/// the signed path and the parameter's value; `None` when the last
/// parameter is not [`QUERY_PARAM`] (an `auth` anywhere else is not one).
pub fn split_query_auth(path_and_query: &str) -> Option<(&str, &str)> {
    let (signed, last) = path_and_query.rsplit_once(['?', '&'])?;
    let value = last.strip_prefix(QUERY_PARAM)?.strip_prefix('=')?;
    // `?auth=` ends a path without a query, `&auth=` one with a query: as
    // `append_to` writes them.
    let separator = path_and_query.as_bytes()[signed.len()];
    (signed.contains('?') == (separator == b'&')).then_some((signed, value))
}

fn hex_array<const N: usize>(text: &str) -> Option<[u8; N]> {
    let mut bytes = [0u8; N];
    hex::decode_to_slice(text.strip_prefix("0x")?, &mut bytes).ok()?;
    Some(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn alice() -> Identity {
        Identity::from_suri("//Alice").unwrap()
    }

    const TO: Audience = Audience {
        relay: AccountId([5; 32]),
        genesis: [6; 32],
    };

    #[test]
    fn a_signed_request_round_trips_through_the_header_and_verifies() {
        let auth = RequestAuth::sign(
            &alice(),
            &TO,
            "post",
            "/v1/messages",
            b"{}",
            1_700_000_000_000,
        );
        let parsed = RequestAuth::parse_header(&auth.to_header()).unwrap();
        assert_eq!(parsed, auth);
        parsed.verify(&TO, "POST", "/v1/messages", b"{}").unwrap();
    }

    #[test]
    fn the_signature_binds_audience_method_path_body_time_and_nonce() {
        let auth = RequestAuth::sign(&alice(), &TO, "POST", "/v1/messages?x=1", b"body", 5);
        assert!(
            auth.verify(&TO, "GET", "/v1/messages?x=1", b"body")
                .is_err()
        );
        assert!(
            auth.verify(&TO, "POST", "/v1/messages?x=2", b"body")
                .is_err()
        );
        assert!(
            auth.verify(&TO, "POST", "/v1/messages?x=1", b"bodY")
                .is_err()
        );
        assert!(
            RequestAuth {
                timestamp_ms: 6,
                ..auth
            }
            .verify(&TO, "POST", "/v1/messages?x=1", b"body")
            .is_err()
        );
        assert!(
            RequestAuth {
                nonce: [0; 16],
                ..auth
            }
            .verify(&TO, "POST", "/v1/messages?x=1", b"body")
            .is_err()
        );
        // Another relay, or the same relay on another chain, refuses it.
        for elsewhere in [
            Audience {
                relay: AccountId([7; 32]),
                ..TO
            },
            Audience {
                genesis: [7; 32],
                ..TO
            },
        ] {
            assert!(
                auth.verify(&elsewhere, "POST", "/v1/messages?x=1", b"body")
                    .is_err()
            );
        }
        let bob = Identity::from_suri("//Bob").unwrap().account_id();
        assert!(
            RequestAuth {
                account: bob,
                ..auth
            }
            .verify(&TO, "POST", "/v1/messages?x=1", b"body")
            .is_err()
        );
    }

    #[test]
    fn malformed_headers_are_rejected() {
        let good = RequestAuth::sign(&alice(), &TO, "GET", "/", b"", 1).to_header();
        for bad in [
            "",
            "Bearer abc",
            "Inkpost account=0x12",
            &good.replace("ts=1", "ts=x"),
            &good.replace(", sig=", ", sig=0x00, sig="),
            &good.replace("nonce=0x", "nonce="),
            &format!("{good}, extra=1"),
        ] {
            assert!(RequestAuth::parse_header(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn an_authorization_in_the_query_verifies_over_the_url_without_it() {
        for path in [
            "/v1/conversations/x/stream",
            "/v1/conversations/x/stream?after=3",
        ] {
            let auth = RequestAuth::sign(&alice(), &TO, "GET", path, b"", 1_700_000_000_000);
            let url = auth.append_to(path);
            let (signed, value) = split_query_auth(&url).unwrap();
            assert_eq!(signed, path);
            let parsed = RequestAuth::parse_query_value(value).unwrap();
            assert_eq!(parsed, auth);
            parsed.verify(&TO, "GET", signed, b"").unwrap();
        }
    }

    #[test]
    fn only_a_last_auth_parameter_with_the_right_separator_is_one() {
        for url in [
            "/v1/x",
            "/v1/x?after=3",
            "/v1/x?auth=1&after=3",
            "/v1/x?after=3?auth=1",
            "/v1/x&auth=1",
            "/v1/x?authz=1",
        ] {
            assert_eq!(split_query_auth(url), None, "{url}");
        }
        assert_eq!(
            split_query_auth("/v1/x?a=1&auth=v"),
            Some(("/v1/x?a=1", "v"))
        );
        for value in ["", "0x00.1.0x00", "a.b.c.d.e", "0x01.x.0x02.0x03"] {
            assert!(RequestAuth::parse_query_value(value).is_err(), "{value}");
        }
    }
}
