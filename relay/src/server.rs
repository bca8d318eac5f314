//! Runs a whole relay from its configuration: the database, the chain view
//! following finalized blocks, the anchoring worker, the postage claimer,
//! housekeeping, and the HTTP API, until shutdown. On shutdown the API
//! finishes in-flight requests first, then the anchoring worker flushes
//! what was accepted and the claimer claims what was paid.

use std::future::Future;
use std::time::Duration;

use inkpost_sdk::chain::{Chain, ChainError, Sr25519Signer};
use inkpost_sdk::contracts::escrow;
use tokio::net::TcpListener;
use tokio::sync::watch;

use crate::anchor::Anchorer;
use crate::api::cors::Origins;
use crate::api::{AppState, app};
use crate::clock::now_ms;
use crate::config::{RelayConfig, RetentionSettings};
use crate::directory::ChainView;
use crate::postage::{Claimer, Postage};
use crate::store::{Store, StoreError};

/// Returned when the relay cannot start or stops on a failure.
#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    /// The database cannot be opened or migrated.
    #[error("database {url}: {source}")]
    Database {
        /// The configured URL.
        url: String,
        /// Why.
        source: StoreError,
    },
    /// The node does not answer.
    #[error("{source}; start one (scripts/dev-node.sh start) or set --node-url")]
    Chain {
        /// The configured URL.
        url: String,
        /// Why.
        source: ChainError,
    },
    /// The listen address cannot be bound.
    #[error("cannot listen on {address}: {source}")]
    Listen {
        /// The configured address.
        address: std::net::SocketAddr,
        /// Why.
        source: std::io::Error,
    },
    /// The escrow's dispute window leaves no time to claim postage.
    #[error(transparent)]
    PostageWindow(#[from] crate::postage::WindowTooShort),
    /// The TLS certificate or key cannot be used.
    #[error("TLS certificate {cert} / key {key}: {source}")]
    Tls {
        /// The certificate file.
        cert: String,
        /// The key file.
        key: String,
        /// Why.
        source: std::io::Error,
    },
    /// Serving failed.
    #[error("serving HTTP failed: {0}")]
    Serve(std::io::Error),
}

/// How long to wait before following the chain again after the
/// subscription broke.
const FOLLOW_RETRY: Duration = Duration::from_secs(2);
/// How often expired nonces and, with retention, old envelopes are pruned
/// (more often with a retention period shorter than four times this).
const HOUSEKEEPING_EVERY: Duration = Duration::from_secs(60);

/// Binds the listen address and runs the relay until `shutdown` resolves.
pub async fn run(
    config: RelayConfig,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), ServerError> {
    let address = config.http.listen;
    let listener = TcpListener::bind(address)
        .await
        .map_err(|source| ServerError::Listen { address, source })?;
    serve(config, listener, shutdown).await
}

/// Runs the relay on an already bound listener (tests bind port 0).
pub async fn serve(
    config: RelayConfig,
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), ServerError> {
    let database_error = |source| ServerError::Database {
        url: config.database.redacted_url(),
        source,
    };
    let chain_error = |source| ServerError::Chain {
        url: config.chain.node_url.clone(),
        source,
    };
    let store = Store::open(&config.database)
        .await
        .map_err(database_error)?;
    let chain = Chain::connect(&config.chain.node_url)
        .await
        .map_err(chain_error)?;
    let identity = config.chain.identity();
    let signer = Sr25519Signer::new(identity.clone());
    // Its dry-run queries and anchor transactions need a mapped account.
    chain.map_account(&signer).await.map_err(chain_error)?;
    let view = ChainView::new(
        chain.clone(),
        config.chain.contracts(),
        identity.account_id(),
    );
    let (stop_tx, stop_rx) = watch::channel(false);

    let follower = tokio::spawn({
        let view = view.clone();
        let stop = stop_rx.clone();
        async move { view.keep_following(FOLLOW_RETRY, stop).await }
    });
    let housekeeping = tokio::spawn(housekeeping(
        store.clone(),
        config.retention,
        stop_rx.clone(),
    ));
    // Claimed before anything is served: a second anchoring relay on a
    // shared database refuses to start.
    let lease = match config.anchoring.anchoring {
        true => Some(store.claim_anchoring().await.map_err(database_error)?),
        false => None,
    };
    let anchorer = config.anchoring.anchoring.then(|| {
        let anchorer = Anchorer::new(
            store.clone(),
            chain.clone(),
            signer.clone(),
            config.chain.anchors_contract,
            config.anchoring,
        );
        tokio::spawn(anchorer.run(stop_rx.clone()))
    });

    let postage = match (config.postage.postage_price, config.chain.escrow_contract) {
        (Some(price), Some(escrow)) => Some(Postage {
            price,
            escrow,
            payee: identity.address(),
            domain: chain.genesis_hash(),
        }),
        _ => None,
    };
    if let Some(postage) = &postage {
        let origin = identity.account_id();
        let window: u32 = chain
            .query(&origin, postage.escrow, &escrow::dispute_window())
            .await
            .map_err(chain_error)?;
        let best = chain.best_number().await.map_err(chain_error)?;
        let finalized = chain.finalized_number().await.map_err(chain_error)?;
        crate::postage::claim_fits(window, best.saturating_sub(finalized))?;
    }
    let claimer = postage.map(|postage| {
        let claimer = Claimer::new(store.clone(), chain.clone(), signer.clone(), postage.escrow);
        let closes = view.closes_started();
        tokio::spawn(claimer.run(config.postage.claim_interval(), closes, stop_rx.clone()))
    });

    let mut state = AppState::new(store, view, identity, config.limits);
    if let Some(token) = &config.http.metrics_token {
        state = state.with_metrics_token(token);
    }
    if let Some(origins) = Origins::merge(&config.http.cors_origins) {
        state = state.with_cors(origins);
    }
    if let Some(anchorer) = config.anchoring.anchored_by {
        state = state.with_anchorer(anchorer);
    }
    if let Some(postage) = postage {
        tracing::info!(price = %postage.price, escrow = %postage.escrow, "charging postage");
        state = state.with_postage(postage);
    }
    tracing::info!(
        listen = %listener.local_addr().map_err(ServerError::Serve)?,
        database = %config.database.redacted_url(),
        node = %config.chain.node_url,
        "relay serving"
    );
    let service = app(state).into_make_service_with_connect_info::<std::net::SocketAddr>();
    let served = match (&config.http.tls_cert, &config.http.tls_key) {
        (Some(cert), Some(key)) => serve_tls(listener, cert, key, service, shutdown).await,
        _ => axum::serve(listener, service)
            .with_graceful_shutdown(shutdown)
            .await
            .map_err(ServerError::Serve),
    };

    // The API has drained; let the anchorer flush what it accepted.
    let _ = stop_tx.send(true);
    if let Some(anchorer) = anchorer {
        let _ = anchorer.await;
    }
    if let Some(claimer) = claimer {
        let _ = claimer.await;
    }
    // Only now may another relay take over anchoring.
    if let Some(lease) = lease
        && let Err(error) = lease.release().await
    {
        tracing::warn!(%error, "releasing the anchoring lock failed; it goes with the connection");
    }
    follower.abort();
    housekeeping.abort();
    tracing::info!("relay stopped");
    served
}

/// Serves `service` over TLS on `listener` until `shutdown` resolves, then
/// lets open requests finish (streams end with the connection).
async fn serve_tls(
    listener: TcpListener,
    cert: &std::path::Path,
    key: &std::path::Path,
    service: axum::extract::connect_info::IntoMakeServiceWithConnectInfo<
        axum::Router,
        std::net::SocketAddr,
    >,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), ServerError> {
    let tls_error = |source| ServerError::Tls {
        cert: cert.display().to_string(),
        key: key.display().to_string(),
        source,
    };
    let tls = axum_server::tls_rustls::RustlsConfig::from_pem_file(cert, key)
        .await
        .map_err(tls_error)?;
    let listener = listener.into_std().map_err(ServerError::Serve)?;
    let handle = axum_server::Handle::new();
    let stopping = handle.clone();
    tokio::spawn(async move {
        shutdown.await;
        stopping.graceful_shutdown(Some(Duration::from_secs(10)));
    });
    axum_server::from_tcp_rustls(listener, tls)
        .map_err(ServerError::Serve)?
        .handle(handle)
        .serve(service)
        .await
        .map_err(ServerError::Serve)
}

/// Prunes expired nonces and, with a retention period, old anchored envelopes.
async fn housekeeping(store: Store, retention: RetentionSettings, mut stop: watch::Receiver<bool>) {
    let every = retention
        .retention()
        .map_or(HOUSEKEEPING_EVERY, |retention| {
            (retention / 4).clamp(Duration::from_millis(100), HOUSEKEEPING_EVERY)
        });
    let mut ticker = tokio::time::interval(every);
    loop {
        tokio::select! {
            _ = ticker.tick() => {}
            _ = stop.changed() => return,
        }
        let now = now_ms();
        if let Err(error) = store.prune_nonces(now).await {
            tracing::warn!(%error, "pruning nonces failed");
        }
        if let Some(retention) = retention.retention() {
            let cutoff = now.saturating_sub(retention.as_millis() as u64);
            match store.prune_envelopes(cutoff).await {
                Ok(0) => {}
                Ok(pruned) => tracing::info!(pruned, "pruned anchored envelopes past retention"),
                Err(error) => tracing::warn!(%error, "pruning envelopes failed"),
            }
        }
    }
}
