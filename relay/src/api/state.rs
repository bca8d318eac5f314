//! What every route shares.

use std::net::IpAddr;
use std::sync::Arc;

use inkpost_sdk::auth::Audience;
use inkpost_sdk::ids::{AccountId, ConversationId};
use inkpost_sdk::keys::Identity;

use super::cors::Origins;
use super::streams::StreamSlots;
use crate::directory::Directory;
use crate::metrics::Metrics;
use crate::postage::Postage;
use crate::rate_limit::RateLimiter;
use crate::store::Store;
use tokio::sync::broadcast;

/// Limits the API enforces (the relay's `Limits` settings).
#[derive(Debug, Clone, Copy, PartialEq, clap::Args)]
pub struct Limits {
    /// Largest accepted envelope (a request body), in bytes.
    #[arg(long, env = "INKPOST_RELAY_MAX_ENVELOPE_BYTES", default_value_t = DEFAULT_LIMITS.max_envelope_bytes)]
    pub max_envelope_bytes: usize,
    /// How far a request's timestamp may be from the relay's clock, in
    /// seconds; older requests are refused as stale.
    #[arg(long, env = "INKPOST_RELAY_MAX_CLOCK_SKEW_SECS", default_value_t = DEFAULT_LIMITS.max_clock_skew_secs)]
    pub max_clock_skew_secs: u64,
    /// Most envelopes or batches in one page.
    #[arg(long, env = "INKPOST_RELAY_MAX_PAGE", default_value_t = DEFAULT_LIMITS.max_page)]
    pub max_page: u32,
    /// Signed requests per second each identity may sustain.
    #[arg(long, env = "INKPOST_RELAY_RATE_PER_IDENTITY", default_value_t = DEFAULT_LIMITS.rate_per_identity)]
    pub rate_per_identity: f64,
    /// Requests per second each client IP address may sustain.
    #[arg(long, env = "INKPOST_RELAY_RATE_PER_IP", default_value_t = DEFAULT_LIMITS.rate_per_ip)]
    pub rate_per_ip: f64,
    /// Requests allowed at once above the sustained rates (bucket size).
    #[arg(long, env = "INKPOST_RELAY_RATE_BURST", default_value_t = DEFAULT_LIMITS.rate_burst)]
    pub rate_burst: f64,
    /// How long one live stream lasts, in seconds: then it ends with
    /// `event: expired` and the client signs a new request to go on.
    #[arg(long, env = "INKPOST_RELAY_STREAM_LIFETIME_SECS", default_value_t = DEFAULT_LIMITS.stream_lifetime_secs)]
    pub stream_lifetime_secs: u64,
    /// Live streams one identity may hold open at once.
    #[arg(long, env = "INKPOST_RELAY_MAX_STREAMS_PER_IDENTITY", default_value_t = DEFAULT_LIMITS.max_streams_per_identity)]
    pub max_streams_per_identity: usize,
    /// Live streams the relay holds open at once, in all.
    #[arg(long, env = "INKPOST_RELAY_MAX_STREAMS", default_value_t = DEFAULT_LIMITS.max_streams)]
    pub max_streams: usize,
}

/// The limits a relay has unless configured otherwise.
pub const DEFAULT_LIMITS: Limits = Limits {
    max_envelope_bytes: 64 * 1024,
    max_clock_skew_secs: 120,
    max_page: 500,
    rate_per_identity: 50.0,
    rate_per_ip: 200.0,
    rate_burst: 100.0,
    stream_lifetime_secs: 300,
    max_streams_per_identity: 8,
    max_streams: 1024,
};

impl Limits {
    /// The page size for a requested `limit`: the maximum when none is
    /// given, and never below 1 or above the maximum.
    pub fn page(&self, requested: Option<u32>) -> u32 {
        requested.unwrap_or(self.max_page).clamp(1, self.max_page)
    }

    /// The clock-skew window in milliseconds.
    pub fn max_clock_skew_ms(&self) -> u64 {
        self.max_clock_skew_secs.saturating_mul(1000)
    }
}

impl Default for Limits {
    fn default() -> Self {
        DEFAULT_LIMITS
    }
}

/// The routes' shared state: cheap to clone.
#[derive(Clone)]
pub struct AppState {
    /// The database.
    pub store: Store,
    /// The chain state that authorizes requests.
    pub view: Arc<dyn Directory>,
    /// The relay's own keys: it signs receipts.
    pub relay: Arc<Identity>,
    /// The limits.
    pub limits: Limits,
    /// Token buckets per identity and per client IP address.
    pub rate_limits: Arc<RateLimits>,
    /// Counters for `GET /metrics`.
    pub metrics: Arc<Metrics>,
    /// Announces each newly stored envelope's conversation to live streams.
    pub stored: broadcast::Sender<ConversationId>,
    /// The postage terms, on a relay that charges for storing messages.
    pub postage: Option<Postage>,
    /// The bearer token `GET /metrics` needs from other machines.
    pub metrics_token: Option<Arc<str>>,
    /// The live streams open.
    pub streams: Arc<StreamSlots>,
    /// The web origins that may call the API from a browser (none: no CORS).
    pub cors: Option<Origins>,
    /// The account whose batches hold this relay's messages (its own, or
    /// that of the relay sharing its database that anchors).
    pub anchorer: AccountId,
}

/// The API's rate limiters.
#[derive(Debug)]
pub struct RateLimits {
    /// Per signing identity (checked once the signature is verified).
    pub per_identity: RateLimiter<AccountId>,
    /// Per client IP address (checked first, for every request).
    pub per_ip: RateLimiter<IpAddr>,
}

impl AppState {
    /// The state of a relay with these parts and limits.
    pub fn new(store: Store, view: impl Directory, relay: Identity, limits: Limits) -> Self {
        let anchorer = relay.account_id();
        Self {
            store,
            view: Arc::new(view),
            relay: Arc::new(relay),
            limits,
            rate_limits: Arc::new(RateLimits {
                per_identity: RateLimiter::new(limits.rate_per_identity, limits.rate_burst),
                per_ip: RateLimiter::new(limits.rate_per_ip, limits.rate_burst),
            }),
            metrics: Arc::default(),
            stored: broadcast::channel(1024).0,
            postage: None,
            metrics_token: None,
            streams: Arc::default(),
            cors: None,
            anchorer,
        }
    }

    /// This state, its batches anchored by `anchorer`.
    pub fn with_anchorer(mut self, anchorer: AccountId) -> Self {
        self.anchorer = anchorer;
        self
    }

    /// This state, open to web pages from `origins`.
    pub fn with_cors(mut self, origins: Origins) -> Self {
        self.cors = Some(origins);
        self
    }

    /// This state, serving metrics to other machines with `token`.
    pub fn with_metrics_token(mut self, token: &str) -> Self {
        self.metrics_token = Some(Arc::from(token));
        self
    }

    /// Who signed requests to this relay must be for: its account, on its
    /// chain.
    pub fn audience(&self) -> Audience {
        Audience {
            relay: self.relay.account_id(),
            genesis: self.view.genesis(),
        }
    }

    /// This state, charging postage on new messages.
    pub fn with_postage(mut self, postage: Postage) -> Self {
        self.postage = Some(postage);
        self
    }

    /// Where a submit goes.
    pub fn submit(&self) -> crate::submit::Submit<'_> {
        crate::submit::Submit {
            store: &self.store,
            view: self.view.as_ref(),
            postage: self.postage.as_ref(),
        }
    }
}
