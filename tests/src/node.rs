//! A real dev chain for tests: `inkpost-node` (our node on pallet-revive,
//! built from `node/`).
//!
//! [`TestNode::start`] runs the binary named by `$CONTRACTS_NODE` (the
//! variable ink_e2e uses), `$INKPOST_NODE_BIN`, or `inkpost-node` on `PATH`, with
//! temporary state and an OS-chosen RPC port, which it reads from the node's
//! log. Set `$CONTRACTS_NODE_URL` to use an already running node instead.
//! The node is killed (SIGKILL) when the handle drops, and also when the
//! test process ends without dropping it (a node shared by a whole test
//! binary lives in a `static`): it runs under a small shell that kills it
//! as soon as its stdin, a pipe from this process, closes.

use std::collections::VecDeque;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use subxt::{OnlineClient, PolkadotConfig};

/// How long a node may take to open its RPC port.
const START_TIMEOUT: Duration = Duration::from_secs(90);

/// How many log lines to keep for error reports.
const LOG_TAIL: usize = 40;

/// Returned when a test node cannot be started.
#[derive(Debug, thiserror::Error)]
pub enum NodeError {
    /// No binary was found.
    #[error(
        "inkpost-node not found: set CONTRACTS_NODE or INKPOST_NODE_BIN to its path, put it on PATH, \
         or run scripts/install-deps.sh (builds it from node/)"
    )]
    NotFound,
    /// Only a node started with a base path can be restarted.
    #[error("this node keeps no state to restart from (use TestNode::start_persistent)")]
    NotRestartable,
    /// The binary could not be spawned.
    #[error("could not start {path}: {source}")]
    Spawn {
        /// The binary.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The node exited or did not open its RPC port in time.
    #[error("the node did not open its RPC port within {seconds} s; last log lines:\n{log}")]
    NoRpc {
        /// The time waited.
        seconds: u64,
        /// The end of its log.
        log: String,
    },
}

/// A running dev chain (or a reference to an external one).
#[derive(Debug)]
pub struct TestNode {
    /// The process, replaced by [`TestNode::restart`].
    process: Mutex<Option<Process>>,
    url: String,
    log: Arc<Mutex<VecDeque<String>>>,
    base_path: Option<PathBuf>,
    /// Flags beyond the harness's own (kept for restarts).
    extra: &'static [&'static str],
}

/// The watchdog shell and, through its stdin, the node's life.
#[derive(Debug)]
struct Process {
    child: Child,
    /// Closing it makes the watchdog kill the node.
    lifeline: Option<ChildStdin>,
}

impl Process {
    /// SIGKILLs the node (through the watchdog) and waits for both to exit.
    fn kill(mut self) {
        drop(self.lifeline.take());
        let _ = self.child.wait();
    }
}

impl TestNode {
    /// The node binary this harness would run.
    pub fn binary() -> Result<PathBuf, NodeError> {
        for variable in ["CONTRACTS_NODE", "INKPOST_NODE_BIN"] {
            if let Some(path) = std::env::var_os(variable).filter(|path| !path.is_empty()) {
                return Ok(PathBuf::from(path));
            }
        }
        let path = std::env::var_os("PATH").ok_or(NodeError::NotFound)?;
        std::env::split_paths(&path)
            .map(|dir| dir.join("inkpost-node"))
            .find(|candidate| candidate.is_file())
            .ok_or(NodeError::NotFound)
    }

    /// Starts a fresh dev chain, or connects to `$CONTRACTS_NODE_URL`.
    pub fn start() -> Result<Self, NodeError> {
        if let Ok(url) = std::env::var("CONTRACTS_NODE_URL") {
            return Ok(Self {
                process: Mutex::new(None),
                url,
                log: Arc::default(),
                base_path: None,
                extra: &[],
            });
        }
        Self::spawn(None, &[])
    }

    /// Starts a fresh dev chain on which nothing becomes final by itself
    /// (finality a day after import): a [`crate::finality::Finalizer`]
    /// finalizes blocks, and holds finality when a test asks.
    pub fn start_with_test_finality() -> Result<Self, NodeError> {
        Self::spawn(None, &["--finalize-delay-sec", "86400"])
    }

    /// Starts a dev chain that keeps its state in `base_path`, so that
    /// [`TestNode::restart`] brings the same chain back.
    pub fn start_persistent(base_path: &Path) -> Result<Self, NodeError> {
        Self::spawn(Some(base_path.to_owned()), &[])
    }

    /// Kills the node (SIGKILL) and starts it again on the same state and
    /// RPC port. Only for nodes from [`TestNode::start_persistent`].
    pub fn restart(&self) -> Result<(), NodeError> {
        let port = self
            .url
            .rsplit(':')
            .next()
            .and_then(|port| port.parse().ok());
        let (Some(port), Some(base_path)) = (port, &self.base_path) else {
            return Err(NodeError::NotRestartable);
        };
        self.kill();
        let (process, _) = launch(Some(base_path), port, self.extra, &self.log)?;
        *self.lock() = Some(process);
        Ok(())
    }

    /// SIGKILLs the node and waits for it to exit.
    pub fn kill(&self) {
        if let Some(process) = self.lock().take() {
            process.kill();
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Option<Process>> {
        self.process
            .lock()
            .unwrap_or_else(|poison| poison.into_inner())
    }

    fn spawn(
        base_path: Option<PathBuf>,
        extra: &'static [&'static str],
    ) -> Result<Self, NodeError> {
        let log = Arc::new(Mutex::new(VecDeque::new()));
        let (process, port) = launch(base_path.as_deref(), 0, extra, &log)?;
        Ok(Self {
            process: Mutex::new(Some(process)),
            url: format!("ws://127.0.0.1:{port}"),
            log,
            base_path,
            extra,
        })
    }

    /// The WebSocket RPC URL.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// A subxt client connected to the node.
    pub async fn client(&self) -> Result<OnlineClient<PolkadotConfig>, subxt::Error> {
        OnlineClient::from_insecure_url(&self.url).await
    }

    /// The last lines the node logged.
    pub fn log_tail(&self) -> String {
        let tail = self.log.lock().unwrap_or_else(|poison| poison.into_inner());
        tail.iter().cloned().collect::<Vec<_>>().join("\n")
    }
}

impl Drop for TestNode {
    fn drop(&mut self) {
        self.kill();
    }
}

/// Runs the node on `port` (0: any) with `extra` flags under the watchdog;
/// its process and RPC port once it listens.
fn launch(
    base_path: Option<&Path>,
    port: u16,
    extra: &[&str],
    log: &Arc<Mutex<VecDeque<String>>>,
) -> Result<(Process, u16), NodeError> {
    let path = TestNode::binary()?;
    let storage = match base_path {
        Some(dir) => vec!["--base-path".into(), dir.display().to_string()],
        None => vec!["--tmp".to_owned()],
    };
    // `sh -c SCRIPT NODE ARGS…`: the node in the background, killed when
    // stdin reaches its end (this process closed it, or died).
    const WATCHDOG: &str = r#""$0" "$@" & node=$!; read _; kill -9 $node; wait $node"#;
    let mut child = Command::new("sh")
        .args(["-c", WATCHDOG])
        .arg(&path)
        .args(storage)
        .args(["--rpc-port", &port.to_string()])
        .args(["--no-prometheus", "--no-telemetry"])
        .args(["--port", "0", "-lruntime::revive=debug"])
        // Alone: dev chains of one genesis on one machine find each other
        // (mDNS) and one would import the other's blocks, stalling both.
        .args(["--no-mdns", "--reserved-only"])
        .args(extra)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|source| NodeError::Spawn {
            path: path.clone(),
            source,
        })?;
    let lifeline = child.stdin.take();
    let stderr = child.stderr.take().ok_or_else(|| NodeError::NoRpc {
        seconds: 0,
        log: "stderr not captured".into(),
    })?;

    // Drain the log on a thread for the node's whole life (a full pipe
    // would stall it), reporting the RPC port once it appears.
    let (port_tx, port_rx) = mpsc::channel();
    let tail = Arc::clone(log);
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if let Some(port) = rpc_port(&line) {
                let _ = port_tx.send(port);
            }
            let mut tail = tail.lock().unwrap_or_else(|poison| poison.into_inner());
            if tail.len() == LOG_TAIL {
                tail.pop_front();
            }
            tail.push_back(line);
        }
    });
    let process = Process { child, lifeline };
    match port_rx.recv_timeout(START_TIMEOUT) {
        Ok(port) => Ok((process, port)),
        Err(_) => {
            process.kill();
            let tail = log.lock().unwrap_or_else(|poison| poison.into_inner());
            Err(NodeError::NoRpc {
                seconds: START_TIMEOUT.as_secs(),
                log: tail.iter().cloned().collect::<Vec<_>>().join("\n"),
            })
        }
    }
}

/// The port in a line like `Running JSON-RPC server: addr=127.0.0.1:34293,[::1]:37965`.
fn rpc_port(line: &str) -> Option<u16> {
    let (_, rest) = line.split_once("Running JSON-RPC server: addr=")?;
    let first = rest.split(',').next()?;
    first.rsplit_once(':')?.1.trim().parse().ok()
}

#[cfg(test)]
mod tests {
    use super::rpc_port;

    #[test]
    fn reads_the_rpc_port_from_the_log_line() {
        let line = "2026-11-23 INFO main sc_rpc_server: Running JSON-RPC server: addr=127.0.0.1:34293,[::1]:37965";
        assert_eq!(rpc_port(line), Some(34293));
        assert_eq!(rpc_port("Running JSON-RPC server: addr=garbage"), None);
        assert_eq!(rpc_port("unrelated"), None);
    }
}
