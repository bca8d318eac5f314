//! What every route shares.

use std::sync::Arc;

use inkpost_sdk::keys::Identity;

use crate::chain_view::ChainView;
use crate::store::Store;

/// Limits the API enforces.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Largest accepted request body (an envelope), in bytes.
    pub max_envelope_bytes: usize,
    /// How far a request's timestamp may be from the relay's clock.
    pub max_clock_skew_ms: u64,
    /// Most envelopes or batches in one page.
    pub max_page: u32,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_envelope_bytes: 64 * 1024,
            max_clock_skew_ms: 60_000,
            max_page: 500,
        }
    }
}

/// The routes' shared state: cheap to clone.
#[derive(Clone)]
pub struct AppState {
    /// The database.
    pub store: Store,
    /// The chain view that authorizes requests.
    pub view: ChainView,
    /// The relay's own keys: it signs receipts.
    pub relay: Arc<Identity>,
    /// The limits.
    pub limits: Limits,
}
