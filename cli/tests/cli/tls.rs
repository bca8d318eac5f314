//! TLS between the CLI and a relay: the relay serves HTTPS itself with a
//! certificate made here (self-signed, so the CLI is told to trust it), and
//! the CLI refuses plain HTTP to another machine unless told `--insecure`.

use inkpost_tests::relay::self_signed_certificate;
use inkpost_tests::temp_dir;

use crate::kit::{System, owned, texts};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_conversation_runs_over_https_with_the_relay_s_own_certificate() {
    let certs = temp_dir("tls-certs");
    let (cert, key) = self_signed_certificate(&certs);
    let (cert, key) = (cert.to_str().unwrap(), key.to_str().unwrap());
    let system = System::start(
        "cli-tls",
        &["--anchoring", "false", "--tls-cert", cert, "--tls-key", key],
    )
    .await;
    assert!(
        system.relay_url.starts_with("https://"),
        "{}",
        system.relay_url
    );
    // Trusting the relay's certificate, Bob sends and Alice reads
    system
        .ok(
            "//Bob",
            &["--relay-ca", cert, "send", "--to", "alice", "over TLS"],
        )
        .await;
    let read = system
        .json("//Alice", &["--relay-ca", cert, "read", "--with", "bob"])
        .await;
    assert_eq!(texts(&read), owned(&["over TLS"]));
    // Without being told to trust it, the CLI refuses the certificate
    let refused = system
        .cli("//Alice", &["read", "--with", "bob"])
        .await
        .unwrap_err();
    assert_eq!(refused.exit_code(), 5, "{refused}");
    assert!(refused.to_string().contains("certificate"), "{refused}");
    system.stop().await;
    let _ = std::fs::remove_dir_all(certs);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plain_http_to_another_machine_needs_insecure() {
    let mut system = System::start("cli-plain", &["--anchoring", "false"]).await;
    // A relay URL on another machine (TEST-NET-1: nothing answers there)
    system.relay_url = "http://192.0.2.1:8080".into();
    let refused = system
        .cli("//Alice", &["read", "--with", "bob"])
        .await
        .unwrap_err();
    assert_eq!(refused.exit_code(), 2, "{refused}");
    assert!(refused.to_string().contains("--insecure"), "{refused}");
    system.honest();
    system.stop().await;
}
