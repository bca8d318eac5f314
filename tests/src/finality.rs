//! Finality a test controls, on a node from
//! [`TestNode::start_with_test_finality`](crate::node::TestNode::start_with_test_finality):
//! a [`Finalizer`] finalizes each new best block within a tenth of a second
//! (through the node's `engine_finalizeBlock`), except while a test holds
//! it — then blocks are made and imported but none becomes final, which is
//! how a test shows what clients do with a change that is not final yet.

use std::sync::Arc;
use std::time::Duration;

use serde_json::Value;
use subxt::ext::subxt_rpcs::{RpcClient, rpc_params};
use tokio::sync::Mutex;

/// How often the finalizer looks for a new best block.
const EVERY: Duration = Duration::from_millis(100);

/// Finalizes the node's best blocks, unless held.
#[derive(Debug, Clone)]
pub struct Finalizer {
    /// Whether finality is held; locked for each whole round, so that once
    /// [`Finalizer::hold`] returns no round can finalize a later block.
    held: Arc<Mutex<bool>>,
}

impl Finalizer {
    /// Starts finalizing the best blocks of the node at `url`, on a thread
    /// of its own for the rest of the process.
    pub fn start(url: &str) -> Self {
        let held = Arc::new(Mutex::new(false));
        let (url, state) = (url.to_owned(), held.clone());
        std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap_or_else(|error| panic!("finalizer runtime: {error}"));
            runtime.block_on(finalize_best_blocks(url, state));
        });
        Self { held }
    }

    /// Stops finality: from now on no block becomes final.
    pub async fn hold(&self) {
        *self.held.lock().await = true;
    }

    /// Lets finality go on (the best block becomes final at once).
    pub async fn release(&self) {
        *self.held.lock().await = false;
    }
}

async fn finalize_best_blocks(url: String, held: Arc<Mutex<bool>>) {
    let mut last = Value::Null;
    loop {
        let rpc = match RpcClient::from_insecure_url(&url).await {
            Ok(rpc) => rpc,
            Err(_) => {
                tokio::time::sleep(EVERY).await;
                continue;
            }
        };
        loop {
            tokio::time::sleep(EVERY).await;
            let held = held.lock().await;
            if *held {
                continue;
            }
            let best: Value = match rpc.request("chain_getBlockHash", rpc_params![]).await {
                Ok(best) => best,
                Err(_) => break,
            };
            if best == last {
                continue;
            }
            let finalized = rpc
                .request::<bool>("engine_finalizeBlock", rpc_params![&best, Value::Null])
                .await;
            match finalized {
                Ok(_) => last = best,
                Err(_) => break,
            }
        }
    }
}
