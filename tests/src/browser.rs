//! `web/` in headless Chromium (Node.js + playwright-core): test pages
//! through `web/tests/browser.mjs`, which hands back the JSON a page
//! reports, and the chat app through `web/tests/app.mjs` ([`App`]), driven
//! step by step as a person would use it — for the tests to check against
//! the native build, relays, the CLI and the chain.

use std::process::Command;

use crate::repo_root as root;

/// Opens `web/tests/pages/{page}.html` with `args` and returns its report;
/// panics with the page's error (or with what to install) otherwise.
pub fn run_page(page: &str, args: &serde_json::Value) -> serde_json::Value {
    let output = harness(page, args, None)
        .output()
        .unwrap_or_else(|error| panic!("cannot run node (install Node.js): {error}"));
    report(page, &output)
}

/// [`run_page`] without blocking, its pages served on 127.0.0.1:`port`
/// (the origin a relay must allow: `--cors-origin http://127.0.0.1:PORT`).
pub async fn page(page: &str, args: &serde_json::Value, port: u16) -> serde_json::Value {
    let output = tokio::process::Command::from(harness(page, args, Some(port)))
        .kill_on_drop(true)
        .output()
        .await
        .unwrap_or_else(|error| panic!("cannot run node (install Node.js): {error}"));
    report(page, &output)
}

/// A free port for a page server.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .map(|address| address.port())
        .unwrap_or_else(|error| panic!("no free port: {error}"))
}

fn harness(page: &str, args: &serde_json::Value, port: Option<u16>) -> Command {
    let root = root();
    assert!(
        root.join("web/pkg/inkpost_web_bg.wasm").exists(),
        "web/pkg is missing: run scripts/build-web.sh (after scripts/install-deps.sh --web)"
    );
    assert!(
        root.join("web/node_modules/playwright-core").exists(),
        "web/node_modules is missing: run scripts/install-deps.sh --web"
    );
    let mut command = Command::new("node");
    command
        .arg(root.join("web/tests/browser.mjs"))
        .arg(page)
        .arg(args.to_string());
    if let Some(port) = port {
        command.env("INKPOST_PAGE_PORT", port.to_string());
    }
    command
}

fn report(page: &str, output: &std::process::Output) -> serde_json::Value {
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "page {page} failed ({}):\n{stderr}",
        output.status
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    let line = stdout.lines().last().unwrap_or_default();
    serde_json::from_str(line).unwrap_or_else(|error| {
        panic!("page {page} reported no JSON ({error}): {stdout}\n{stderr}")
    })
}

/// The `0x` hex string at `pointer` in a report, as bytes.
pub fn hex_at(report: &serde_json::Value, pointer: &str) -> Vec<u8> {
    let text = report
        .pointer(pointer)
        .and_then(serde_json::Value::as_str)
        .unwrap_or_else(|| panic!("no string at {pointer} in {report}"));
    hex::decode(text.trim_start_matches("0x"))
        .unwrap_or_else(|error| panic!("{pointer} is not hex ({error}): {text}"))
}

/// The chat app (`web/app/dist`) in headless Chromium, going through its
/// steps (see `web/tests/app.mjs`); each step's report is read in turn, so
/// a test acts between them (a `wait` step holds the app until
/// [`App::signal`]).
pub struct App {
    child: tokio::process::Child,
    stdin: tokio::process::ChildStdin,
    lines: tokio::io::Lines<tokio::io::BufReader<tokio::process::ChildStdout>>,
    log: std::sync::Arc<std::sync::Mutex<String>>,
}

impl App {
    /// Opens the app served on 127.0.0.1:`port`, connected to `node`, `relay`
    /// and the deployment file's JSON, and starts on `steps`.
    pub fn start(
        node: &str,
        relay: &str,
        deployment: &serde_json::Value,
        steps: &serde_json::Value,
        port: u16,
    ) -> Self {
        use std::process::Stdio;
        use tokio::io::{AsyncBufReadExt, AsyncReadExt};
        let root = root();
        assert!(
            root.join("web/app/dist/index.html").exists(),
            "web/app/dist is missing: run scripts/build-web.sh (after scripts/install-deps.sh --web)"
        );
        let script = serde_json::json!({
            "app": {"node": node, "relay": relay, "deployment": deployment.to_string()},
            "steps": steps,
        });
        let mut child = tokio::process::Command::new("node")
            .arg(root.join("web/tests/app.mjs"))
            .arg(script.to_string())
            .env("INKPOST_PAGE_PORT", port.to_string())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .unwrap_or_else(|error| panic!("cannot run node (install Node.js): {error}"));
        let stdin = child.stdin.take().unwrap_or_else(|| unreachable!("piped"));
        let stdout = child.stdout.take().unwrap_or_else(|| unreachable!("piped"));
        let mut stderr = child.stderr.take().unwrap_or_else(|| unreachable!("piped"));
        // The app's console, kept for a failure's message.
        let log = std::sync::Arc::new(std::sync::Mutex::new(String::new()));
        let kept = log.clone();
        tokio::spawn(async move {
            let mut buffer = [0u8; 4096];
            while let Ok(read @ 1..) = stderr.read(&mut buffer).await {
                if let Ok(mut log) = kept.lock() {
                    log.push_str(&String::from_utf8_lossy(&buffer[..read]));
                }
            }
        });
        Self {
            child,
            stdin,
            lines: tokio::io::BufReader::new(stdout).lines(),
            log,
        }
    }

    fn log(&self) -> String {
        self.log.lock().map(|log| log.clone()).unwrap_or_default()
    }

    /// The report of the next step, which must be `step`; panics with the
    /// app's failure and console otherwise.
    pub async fn next(&mut self, step: &str) -> serde_json::Value {
        let line = self.lines.next_line().await;
        let line = match line {
            Ok(Some(line)) => line,
            other => panic!(
                "the app ended before `{step}` ({other:?}); its console:\n{}",
                self.log()
            ),
        };
        let report: serde_json::Value = serde_json::from_str(&line)
            .unwrap_or_else(|error| panic!("the app said {line:?} ({error})"));
        if let Some(failure) = report.get("failure") {
            panic!(
                "the app failed at `{step}`: {failure}; its console:\n{}",
                self.log()
            );
        }
        assert_eq!(report["done"], step, "steps out of step: {report}");
        report
    }

    /// Lets the app's `wait` step for `name` go on (and takes its report).
    pub async fn signal(&mut self, name: &str) {
        use tokio::io::AsyncWriteExt;
        self.stdin
            .write_all(format!("{name}\n").as_bytes())
            .await
            .unwrap_or_else(|error| panic!("the app is gone ({error}): {}", self.log()));
        self.next("wait").await;
    }

    /// Waits for the app to close after its last step.
    pub async fn finish(mut self) {
        let status = self.child.wait().await;
        assert!(
            matches!(status, Ok(status) if status.success()),
            "the app ended with {status:?}; its console:\n{}",
            self.log()
        );
    }
}
