//! Pages of `web/` in headless Chromium: runs `web/tests/browser.mjs`
//! (Node.js + playwright-core) on one page and hands back the JSON the page
//! reports, for the test to check against the native build, relays and the
//! chain.

use std::path::PathBuf;
use std::process::Command;

/// The repository's root.
fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

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
