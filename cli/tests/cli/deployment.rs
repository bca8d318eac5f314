//! `inkpost deploy`: the four contracts and the deployment file that relays
//! and the CLI read.

use std::path::Path;

use inkpost_cli::CliError;
use inkpost_sdk::deployment::Deployment;
use inkpost_tests::world::artifacts_dir;
use serde_json::Value;

use crate::kit::System;

/// `inkpost --json ARGS…` as `who` on the deployment file `file`.
async fn on_file(
    system: &System,
    file: &Path,
    who: &str,
    args: &[&str],
) -> Result<Value, CliError> {
    let mut out = Vec::new();
    let mut argv = vec!["--json"];
    argv.extend_from_slice(args);
    system.cli_on(file, who, &argv, &mut out).await?;
    Ok(serde_json::from_slice(&out).unwrap_or_else(|_| panic!("not JSON: {out:?}")))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deploy_writes_a_deployment_file_of_four_live_contracts() {
    let system = System::start("cli-deploy", &["--anchoring", "false"]).await;
    let file = system.dir.join("second-deployment.json");
    let artifacts = artifacts_dir();
    let deploy = [
        "deploy",
        "--artifacts",
        artifacts.to_str().unwrap(),
        "--salt",
        "second",
        "--deposit",
        "2",
    ];
    // When Alice deploys a second time under another salt
    let written = on_file(&system, &file, "//Alice", &deploy).await.unwrap();
    // Then the file names four distinct new contracts, as printed
    let deployment = Deployment::load(&file).unwrap();
    assert_eq!(written["identity"], deployment.identity.to_string());
    let addresses = [
        deployment.identity,
        deployment.groups,
        deployment.anchors,
        deployment.escrow,
    ];
    for (i, a) in addresses.iter().enumerate() {
        assert!(addresses[i + 1..].iter().all(|b| a != b), "{addresses:?}");
        assert_ne!(*a, system.world.deployment.identity);
    }
    // And the new identity contract answers with its own deposit
    let shown = on_file(&system, &file, "//Bob", &["id", "show-deposit"])
        .await
        .unwrap();
    assert_eq!(shown["deposit"], "2000000000000");
    // And deploying over an existing file is refused without --force
    let again = on_file(&system, &file, "//Alice", &deploy)
        .await
        .unwrap_err();
    assert_eq!(again.exit_code(), 2, "{again}");
    system.stop().await;
}
