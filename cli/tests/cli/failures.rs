//! What goes wrong, through the CLI: a relay that alters what it stores is
//! caught by the reader, and bad input, unknown names and unreachable
//! services each give one clear error with its exit code.

use crate::kit::System;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_body_altered_by_the_relay_is_shown_as_invalid() {
    let system = System::start("cli-tamper", &["--anchoring", "false"]).await;
    system
        .ok("//Alice", &["send", "--to", "charlie", "kept"])
        .await;
    system
        .ok("//Alice", &["send", "--to", "charlie", "altered"])
        .await;
    // The relay's database is changed under it: the last byte of the last
    // body flips
    let url = format!("sqlite://{}", system.database_path().display());
    let pool = sqlx::SqlitePool::connect(&url).await.unwrap();
    let body: Vec<u8> =
        sqlx::query_scalar("SELECT body FROM envelopes ORDER BY row_id DESC LIMIT 1")
            .fetch_one(&pool)
            .await
            .unwrap();
    let mut altered = body.clone();
    let last = altered.len() - 1;
    altered[last] ^= 1;
    sqlx::query("UPDATE envelopes SET body = ? WHERE body = ?")
        .bind(&altered)
        .bind(&body)
        .execute(&pool)
        .await
        .unwrap();
    pool.close().await;
    let read = system.json("//Charlie", &["read", "--with", "alice"]).await;
    let statuses: Vec<&str> = read
        .as_array()
        .unwrap()
        .iter()
        .map(|message| message["body"]["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, vec!["text", "invalid"]);
    system.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_input_gets_one_clear_error_with_its_exit_code() {
    let system = System::start("cli-bad-input", &["--anchoring", "false"]).await;
    for (who, args, code, says) in [
        (
            "//Alice",
            vec!["send", "--to", "nobody_here", "hi"],
            3,
            "nobody is registered",
        ),
        (
            "//Alice",
            vec!["group", "add", "999999", "bob"],
            3,
            "NoSuchGroup",
        ),
        (
            "//Bob",
            vec!["id", "register", "bob2"],
            6,
            "AlreadyRegistered",
        ),
        (
            "//Dave",
            vec!["send", "--to", "bob", "hi"],
            4,
            "register one",
        ),
        ("//Alice", vec!["verify", "0x1234"], 2, "not a message id"),
        ("no-such-key", vec!["id", "show"], 2, "inkpost keys create"),
        (
            "//Alice",
            vec!["tip", "0x1234", "--amount", "0"],
            2,
            "not a message id",
        ),
        (
            "//Alice",
            vec!["channel", "open", "bob", "--deposit", "x"],
            2,
            "not an amount",
        ),
    ] {
        let error = system.cli(who, &args).await.unwrap_err();
        assert_eq!(error.exit_code(), code, "{args:?}: {error}");
        assert!(error.to_string().contains(says), "{args:?}: {error}");
    }
    system.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_relay_or_node_is_unavailable() {
    let system = System::start("cli-unreachable", &["--anchoring", "false"]).await;
    let deployment = system.world.deployment_file.to_str().unwrap();
    let to_relay = [
        "inkpost",
        "--as",
        "//Alice",
        "--relay",
        "http://127.0.0.1:9",
        "--deployment",
        deployment,
        "--node",
        system.world.node.url(),
        "send",
        "--to",
        "bob",
        "hi",
    ];
    let error = inkpost_cli::run_args(to_relay, &mut Vec::new())
        .await
        .unwrap_err();
    assert_eq!(error.exit_code(), 5, "{error}");
    let to_node = [
        "inkpost",
        "--as",
        "//Alice",
        "--node",
        "ws://127.0.0.1:9",
        "--deployment",
        deployment,
        "id",
        "show",
        "bob",
    ];
    let error = inkpost_cli::run_args(to_node, &mut Vec::new())
        .await
        .unwrap_err();
    assert_eq!(error.exit_code(), 5, "{error}");
    system.stop().await;
}
