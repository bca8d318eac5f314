//! `inkpost-relay`: see `inkpost-relay --help` and the crate docs.

use std::process::ExitCode;

use inkpost_relay::config::{ConfigError, RelayConfig};
use inkpost_relay::server;
use tracing_subscriber::EnvFilter;

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")),
        )
        .init();
    let config = match RelayConfig::load() {
        Ok(config) => config,
        // clap's message already starts with "error:" and ends with a hint.
        Err(error @ ConfigError::Arguments(_)) => {
            eprint!("{error}");
            return ExitCode::from(2);
        }
        Err(error) => {
            eprintln!("error: {error}");
            eprintln!("       run `inkpost-relay --help` for every setting");
            return ExitCode::from(2);
        }
    };
    match server::run(config, shutdown_signal()).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}

/// Resolves on Ctrl-C or SIGTERM.
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {}
        _ = terminate => {}
    }
    tracing::info!("shutting down: finishing in-flight requests, then flushing the batcher");
}
