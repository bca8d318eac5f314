//! What a relay request can end in: why it failed ([`RelayError`]) and the
//! events of a live stream ([`StreamEvent`]).

use http::StatusCode;
use serde::de::DeserializeOwned;

use super::api::{EnvelopeView, ErrorBody};
use super::transport::TransportError;

/// Why a relay request failed.
#[derive(Debug, thiserror::Error)]
pub enum RelayError {
    /// No answer: connection refused, reset or timed out.
    #[error(
        "cannot reach the relay at {url}: {reason}; start it (scripts/demo.sh does) or pass --relay"
    )]
    Unreachable {
        /// The relay's base URL.
        url: String,
        /// What the connection did.
        reason: String,
    },
    /// The relay answered with its documented error body.
    #[error("the relay refused ({status}, {code}): {message}")]
    Answer {
        /// The HTTP status.
        status: StatusCode,
        /// The stable error code (`forbidden`, `not_found`, …).
        code: String,
        /// The relay's explanation.
        message: String,
    },
    /// The answer contradicts what was asked or what can be checked: a
    /// lying relay, or something between it and us.
    #[error("the relay at {url} answered falsely: {reason}")]
    Dishonest {
        /// The relay's base URL.
        url: String,
        /// What did not hold.
        reason: String,
    },
    /// The answer is not what the API documents.
    #[error("unexpected answer from the relay at {url}: {reason}")]
    Malformed {
        /// The relay's base URL.
        url: String,
        /// What was wrong.
        reason: String,
    },
}

impl RelayError {
    /// The relay's error code, for an [`RelayError::Answer`].
    pub fn code(&self) -> Option<&str> {
        match self {
            Self::Answer { code, .. } => Some(code),
            _ => None,
        }
    }

    /// Whether trying again later may succeed (the relay was unreachable,
    /// rate-limited or temporarily unable to answer).
    pub fn is_retryable(&self) -> bool {
        match self {
            Self::Unreachable { .. } => true,
            Self::Answer { code, .. } => matches!(code.as_str(), "rate_limited" | "unavailable"),
            Self::Malformed { .. } | Self::Dishonest { .. } => false,
        }
    }
}

/// An event of a live conversation stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StreamEvent {
    /// A stored envelope (not yet checked: see [`EnvelopeView::envelope`]).
    Envelope(Box<EnvelopeView>),
    /// The relay ended the stream: the reader may no longer read.
    Revoked(String),
    /// The relay ended the stream for now (its lifetime is over, or access
    /// cannot be checked): subscribe again after the last envelope.
    Expired(String),
}

/// The relay a request or stream went to: what turns its failures into
/// [`RelayError`]s that name it (shared by the client and its streams).
#[derive(Debug, Clone)]
pub(super) struct At {
    url: String,
}

impl At {
    pub(super) fn new(url: &str) -> Self {
        Self {
            url: url.to_owned(),
        }
    }

    pub(super) fn url(&self) -> &str {
        &self.url
    }

    /// A successful answer's JSON, or why it is not what the API documents.
    pub(super) fn json<T: DeserializeOwned>(&self, body: &[u8]) -> Result<T, RelayError> {
        serde_json::from_slice(body).map_err(|error| self.malformed(error))
    }

    /// A refusal with its documented error body.
    pub(super) fn refusal(&self, status: StatusCode, body: &[u8]) -> RelayError {
        match serde_json::from_slice::<ErrorBody>(body) {
            Ok(error) => RelayError::Answer {
                status,
                code: error.error,
                message: error.message,
            },
            Err(_) => self.malformed(format!("{status} without an error body")),
        }
    }

    pub(super) fn malformed(&self, reason: impl std::fmt::Display) -> RelayError {
        RelayError::Malformed {
            url: self.url.clone(),
            reason: reason.to_string(),
        }
    }

    pub(super) fn dishonest(&self, reason: impl std::fmt::Display) -> RelayError {
        RelayError::Dishonest {
            url: self.url.clone(),
            reason: reason.to_string(),
        }
    }

    pub(super) fn unreachable(&self, error: TransportError) -> RelayError {
        match error {
            TransportError::Failed(reason) => RelayError::Unreachable {
                url: self.url.clone(),
                reason,
            },
            TransportError::TooLarge { .. } => self.dishonest(error),
        }
    }
}
