//! Relays for tests, each reached through the SDK's [`RelayClient`]:
//!
//! - [`RouterRelay`]: the relay's parts wired in process and driven through
//!   its router (no socket), on a fixed [`Snapshot`] of chain state (no
//!   node) or on a [`ChainView`] following a real node; the test can reach
//!   into the store and the view.
//! - [`TestRelay`]: the whole server (`server::serve`) on a free port, as
//!   the binary runs it.
//! - [`RelayProcess`]: the `inkpost-relay` binary, for SIGKILL tests.
// Setup failures are test failures.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use axum::Router;
use inkpost_relay::api::{AppState, Limits, app};
use inkpost_relay::config::RelayConfig;
use inkpost_relay::directory::{ChainView, Contracts, Directory, Snapshot};
use inkpost_relay::postage::Postage;
use inkpost_relay::store::Store;
use inkpost_sdk::chain::Chain;
use inkpost_sdk::keys::Identity;
use inkpost_sdk::relay::{HyperTransport, RelayClient};
use tokio::sync::{oneshot, watch};

use crate::client::router_client;
use crate::db::{Kind, TestDatabase};
use crate::within;
use crate::world::World;

/// A relay's parts driven through its router.
pub struct RouterRelay<D> {
    /// A client of the router.
    pub client: RelayClient,
    /// The router itself (for layers a test adds).
    pub router: Router,
    /// The database.
    pub store: Store,
    /// The chain state that authorizes requests.
    pub view: D,
    /// The relay's identity (signs receipts).
    pub identity: Identity,
    stop_following: Option<watch::Sender<bool>>,
    _database: TestDatabase,
}

impl<D: Directory + Clone> RouterRelay<D> {
    /// The relay on `view` and a fresh database of `kind`, as //Ferdie,
    /// with `limits`, charging `postage` if given.
    pub async fn new(kind: Kind, view: D, limits: Limits, postage: Option<Postage>) -> Self {
        Self::as_identity(
            kind,
            view,
            Identity::from_suri("//Ferdie").unwrap(),
            limits,
            postage,
        )
        .await
    }

    /// [`RouterRelay::new`] as `identity`.
    pub async fn as_identity(
        kind: Kind,
        view: D,
        identity: Identity,
        limits: Limits,
        postage: Option<Postage>,
    ) -> Self {
        let database = TestDatabase::new(kind).await;
        let store = Store::connect(&database.url, 4).await.unwrap();
        let mut state = AppState::new(store.clone(), view.clone(), identity.clone(), limits);
        if let Some(postage) = postage {
            state = state.with_postage(postage);
        }
        let router = app(state);
        Self {
            client: router_client(router.clone()),
            router,
            store,
            view,
            identity,
            stop_following: None,
            _database: database,
        }
    }
}

impl RouterRelay<Snapshot> {
    /// A relay on a fixed snapshot of chain state (no node).
    pub async fn on_snapshot(kind: Kind, snapshot: Snapshot, limits: Limits) -> Self {
        Self::new(kind, snapshot, limits, None).await
    }
}

impl RouterRelay<ChainView> {
    /// A relay following `world`'s chain as `identity` (mapped first),
    /// ready once its view follows finalized blocks.
    pub async fn on_chain(
        world: &World,
        chain: &Chain,
        kind: Kind,
        identity: Identity,
        postage: Option<Postage>,
    ) -> Self {
        let signer = inkpost_sdk::chain::Sr25519Signer::new(identity.clone());
        chain.map_account(&signer).await.unwrap();
        let contracts = Contracts {
            identity: world.deployment.identity,
            groups: world.deployment.groups,
            escrow: Some(world.deployment.escrow),
        };
        let view = ChainView::new(chain.clone(), contracts, identity.account_id());
        let (stop_following, stop) = watch::channel(false);
        tokio::spawn({
            let view = view.clone();
            async move { view.keep_following(Duration::from_millis(200), stop).await }
        });
        within(30, "the chain view follows finalized blocks", async {
            while !view.is_following() {
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        })
        .await;
        let mut relay = Self::as_identity(kind, view, identity, Limits::default(), postage).await;
        relay.stop_following = Some(stop_following);
        relay
    }

    /// Waits until the view has applied the events of the chain's latest
    /// finalized block (`what` happened in it or before).
    pub async fn applied(&self, chain: &Chain, what: &str) {
        let finalized = chain.finalized_number().await.unwrap();
        within(30, &format!("the relay applies {what}"), async {
            while self.view.applied_through() < finalized {
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        })
        .await;
    }
}

impl<D> Drop for RouterRelay<D> {
    fn drop(&mut self) {
        if let Some(stop) = self.stop_following.take() {
            let _ = stop.send(true);
        }
    }
}

/// The command line of a relay of `world` as `suri` on `database_url`
/// (200 ms batches), with `extra` settings.
pub fn relay_args(world: &World, suri: &str, database_url: &str, extra: &[&str]) -> Vec<String> {
    let mut args: Vec<String> = [
        "inkpost-relay",
        "--suri",
        suri,
        "--deployment",
        world.deployment_file.to_str().unwrap(),
        "--node-url",
        world.node.url(),
        "--database-url",
        database_url,
        "--batch-interval-ms",
        "200",
    ]
    .iter()
    .map(|arg| (*arg).to_owned())
    .collect();
    args.extend(extra.iter().map(|arg| (*arg).to_owned()));
    args
}

/// Waits until the relay behind `client` is ready: its database answers
/// and it follows the chain (after a start, or again after a node outage).
pub async fn ready(client: &RelayClient) {
    within(120, "the relay follows the chain", async {
        loop {
            if matches!(client.ready().await, Ok(ready) if ready.chain && ready.database) {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    })
    .await;
}

/// A whole relay server running in process on a free port.
pub struct TestRelay {
    /// Its base URL.
    pub url: String,
    /// A client of it over HTTP.
    pub client: RelayClient,
    stop: Option<oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<()>,
}

impl TestRelay {
    /// Starts a relay with the command line `args` (see [`relay_args`]) and
    /// waits until it is ready.
    /// With `--tls-cert`, it serves HTTPS as `localhost`, and its client
    /// trusts that certificate.
    pub async fn start(args: Vec<String>) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let config = RelayConfig::load_from(args).unwrap();
        let (url, client) = match &config.http.tls_cert {
            None => {
                let url = format!("http://127.0.0.1:{port}");
                (url.clone(), RelayClient::http(&url))
            }
            Some(cert) => {
                let url = format!("https://localhost:{port}");
                let pem = std::fs::read(cert).unwrap();
                let transport = HyperTransport::with_ca_pem(&pem).unwrap();
                (url.clone(), RelayClient::new(&url, transport))
            }
        };
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            inkpost_relay::server::serve(config, listener, async {
                let _ = stopped.await;
            })
            .await
            .unwrap();
        });
        ready(&client).await;
        Self {
            url,
            client,
            stop: Some(stop),
            task,
        }
    }

    /// Shuts the relay down gracefully (it flushes its batches).
    pub async fn stop(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        let _ = within(30, "the relay stops", &mut self.task).await;
    }
}

/// The `inkpost-relay` binary; killed with SIGKILL on drop.
pub struct RelayProcess {
    child: Child,
    /// Its base URL.
    pub url: String,
    /// A client of it over HTTP.
    pub client: RelayClient,
}

impl RelayProcess {
    /// Runs `binary` with the command line `args` (see [`relay_args`]; the
    /// first is ignored) on a free port.
    pub fn spawn(binary: &Path, args: &[String]) -> Self {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = Command::new(binary)
            .args(&args[1..])
            .args(["--listen", &format!("127.0.0.1:{port}")])
            .env("RUST_LOG", "warn")
            .stdout(Stdio::null())
            .spawn()
            .unwrap();
        let url = format!("http://127.0.0.1:{port}");
        Self {
            child,
            client: RelayClient::http(&url),
            url,
        }
    }

    /// SIGKILL: no graceful shutdown, no flush.
    pub fn kill_9(mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }
}

impl Drop for RelayProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A self-signed certificate for `localhost` and 127.0.0.1 written to
/// `dir`: the paths of the certificate and of its key (PEM).
pub fn self_signed_certificate(dir: &Path) -> (std::path::PathBuf, std::path::PathBuf) {
    let names = vec!["localhost".to_owned(), "127.0.0.1".to_owned()];
    let certified = rcgen::generate_simple_self_signed(names).unwrap();
    let (cert, key) = (dir.join("relay-cert.pem"), dir.join("relay-key.pem"));
    std::fs::write(&cert, certified.cert.pem()).unwrap();
    std::fs::write(&key, certified.signing_key.serialize_pem()).unwrap();
    (cert, key)
}
