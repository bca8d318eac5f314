//! The relay's configuration: command-line flags, each also settable by an
//! `INKPOST_RELAY_*` environment variable or by a key of the TOML file given
//! with `--config` (flags win over the environment, which wins over the
//! file). Validated once at start; `inkpost-relay --help` lists everything.
//!
//! The settings come in sections, each the settings of one part: the API's
//! [`Limits`], the store's [`DatabaseSettings`], the anchorer's
//! [`AnchorSettings`], postage's [`PostageSettings`]; the server hands each
//! part its own.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use clap::parser::ValueSource;
use clap::{CommandFactory, Parser};
use inkpost_sdk::deployment::Deployment;
use inkpost_sdk::ids::Address;
use inkpost_sdk::keys::Identity;

use crate::anchor::AnchorSettings;
use crate::api::Limits;
use crate::api::cors::Origins;
use crate::directory::Contracts;
use crate::postage::PostageSettings;
use crate::store::DatabaseSettings;

/// Returned when the configuration is unusable.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The config file cannot be read or parsed.
    #[error("config file {path}: {reason}")]
    File {
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },
    /// The command line or environment does not parse (clap's own message,
    /// which names the setting and shows the usage).
    #[error("{0}")]
    Arguments(String),
    /// A setting has an unusable value.
    #[error("invalid setting `{setting}`: {reason}")]
    Invalid {
        /// The setting (its flag name).
        setting: &'static str,
        /// What is wrong and what to do.
        reason: String,
    },
}

/// The Inkpost relay: stores end-to-end-encrypted envelopes, enforces the
/// on-chain access rules, and anchors Merkle roots of message ids on chain.
#[derive(Debug, Clone, Parser)]
#[command(name = "inkpost-relay", version, about, long_about = None, args_override_self = true)]
pub struct RelayConfig {
    /// A TOML file whose keys are these settings' long names with `_` for
    /// `-` (for example `database_url = "sqlite://relay.db"`).
    #[arg(long, env = "INKPOST_RELAY_CONFIG")]
    pub config: Option<PathBuf>,

    /// Where the API listens.
    #[command(flatten, next_help_heading = "HTTP")]
    pub http: HttpSettings,

    /// What the API accepts.
    #[command(flatten, next_help_heading = "Limits")]
    pub limits: Limits,

    /// The database.
    #[command(flatten, next_help_heading = "Database")]
    pub database: DatabaseSettings,

    /// The chain, the relay's account and the contracts.
    #[command(flatten, next_help_heading = "Chain")]
    pub chain: ChainSettings,

    /// Batching and anchoring.
    #[command(flatten, next_help_heading = "Anchoring")]
    pub anchoring: AnchorSettings,

    /// Postage.
    #[command(flatten, next_help_heading = "Postage")]
    pub postage: PostageSettings,

    /// Retention.
    #[command(flatten, next_help_heading = "Retention")]
    pub retention: RetentionSettings,
}

/// Where the HTTP API listens.
#[derive(Debug, Clone, clap::Args)]
pub struct HttpSettings {
    /// Address and port to serve HTTP on.
    #[arg(long, env = "INKPOST_RELAY_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,
    /// Serve HTTPS with this certificate chain (PEM), with --tls-key;
    /// without both, plain HTTP (put a TLS proxy in front of a relay that
    /// others reach over a network).
    #[arg(long, env = "INKPOST_RELAY_TLS_CERT", requires = "tls_key")]
    pub tls_cert: Option<PathBuf>,
    /// The private key (PEM) of --tls-cert.
    #[arg(long, env = "INKPOST_RELAY_TLS_KEY", requires = "tls_cert")]
    pub tls_key: Option<PathBuf>,
    /// Serve `GET /metrics` to other machines that present this token as
    /// `Authorization: Bearer …` (without it, to this machine only).
    #[arg(long, env = "INKPOST_RELAY_METRICS_TOKEN", hide_env_values = true)]
    pub metrics_token: Option<String>,
    /// Let web pages from this origin call the API (`https://chat.example`,
    /// `http://127.0.0.1:5173`; repeat the flag or separate with commas;
    /// `*` for any page). None by default: browsers then refuse other
    /// sites' pages the relay's answers.
    #[arg(
        long = "cors-origin",
        env = "INKPOST_RELAY_CORS_ORIGINS",
        value_delimiter = ',',
        value_parser = Origins::parse_setting
    )]
    pub cors_origins: Vec<Origins>,
}

/// The chain the relay follows and acts on.
#[derive(Debug, Clone, clap::Args)]
pub struct ChainSettings {
    /// WebSocket RPC URL of a node of the chain.
    #[arg(
        long,
        env = "INKPOST_RELAY_NODE_URL",
        default_value = "ws://127.0.0.1:9944"
    )]
    pub node_url: String,

    /// The relay's account secret (mnemonic, 0x seed or dev URI): it signs
    /// receipts and anchors roots, so it needs funds for fees.
    #[arg(long, env = "INKPOST_RELAY_SURI", hide_env_values = true)]
    pub suri: String,

    /// A deployment file (`inkpost deploy` writes it) giving the identity,
    /// groups, anchors and escrow contracts; the flags below override it.
    #[arg(long, env = "INKPOST_RELAY_DEPLOYMENT")]
    pub deployment: Option<PathBuf>,

    /// Address of the identity contract.
    #[arg(long, env = "INKPOST_RELAY_IDENTITY_CONTRACT")]
    pub identity_contract: Address,

    /// Address of the groups contract.
    #[arg(long, env = "INKPOST_RELAY_GROUPS_CONTRACT")]
    pub groups_contract: Address,

    /// Address of the anchors contract.
    #[arg(long, env = "INKPOST_RELAY_ANCHORS_CONTRACT")]
    pub anchors_contract: Address,

    /// Address of the escrow contract (needed with `--postage-price`).
    #[arg(long, env = "INKPOST_RELAY_ESCROW_CONTRACT")]
    pub escrow_contract: Option<Address>,
}

impl ChainSettings {
    /// The relay's identity.
    pub fn identity(&self) -> Identity {
        Identity::from_suri(&self.suri).unwrap_or_else(|_| unreachable!("validated at load"))
    }

    /// The contracts the chain view consults.
    pub fn contracts(&self) -> Contracts {
        Contracts {
            identity: self.identity_contract,
            groups: self.groups_contract,
            escrow: self.escrow_contract,
        }
    }
}

/// How long stored envelopes are kept.
#[derive(Debug, Clone, Copy, clap::Args)]
pub struct RetentionSettings {
    /// Delete anchored envelopes older than this many days (fractions too:
    /// 0.5 is 12 hours; keep forever if unset). Envelopes whose batch is not
    /// anchored are never deleted.
    #[arg(long, env = "INKPOST_RELAY_RETENTION_DAYS")]
    pub retention_days: Option<f64>,
}

impl RetentionSettings {
    /// How long envelopes are kept once anchored, if not forever.
    pub fn retention(&self) -> Option<Duration> {
        self.retention_days
            .map(|days| Duration::from_secs_f64(days * 86_400.0))
    }
}

impl RelayConfig {
    /// Parses flags and environment, fills settings given by neither from
    /// the `--config` file, then validates.
    pub fn load() -> Result<Self, ConfigError> {
        Self::load_from(std::env::args().collect())
    }

    /// [`RelayConfig::load`] with explicit arguments (the first is the
    /// program name).
    pub fn load_from(args: Vec<String>) -> Result<Self, ConfigError> {
        // First pass, tolerant of missing settings: where do values come
        // from, and is there a file?
        let first = Self::command().ignore_errors(true).get_matches_from(&args);
        let mut merged = vec![args.first().cloned().unwrap_or_default()];
        let given = |key: &str| {
            matches!(
                first.value_source(key),
                Some(ValueSource::CommandLine | ValueSource::EnvVariable)
            )
        };
        if let Some(path) = first.get_one::<PathBuf>("deployment") {
            let deployment = Deployment::load(path).map_err(|error| ConfigError::File {
                path: path.clone(),
                reason: error.to_string(),
            })?;
            for (key, address) in [
                ("identity_contract", deployment.identity),
                ("groups_contract", deployment.groups),
                ("anchors_contract", deployment.anchors),
                ("escrow_contract", deployment.escrow),
            ] {
                if !given(key) {
                    merged.push(format!("--{}={address}", key.replace('_', "-")));
                }
            }
        }
        if let Some(path) = first.get_one::<PathBuf>("config") {
            for (key, value) in read_file(path)? {
                if !given(&key) {
                    merged.push(format!("--{}={value}", key.replace('_', "-")));
                }
            }
        }
        merged.extend(args.into_iter().skip(1));
        let config = Self::try_parse_from(merged)
            .map_err(|error| ConfigError::Arguments(error.render().to_string()))?;
        config.validate()?;
        Ok(config)
    }

    /// Checks every setting; the error says which and what to do.
    pub fn validate(&self) -> Result<(), ConfigError> {
        let invalid = |setting, reason: &str| {
            Err(ConfigError::Invalid {
                setting,
                reason: reason.to_owned(),
            })
        };
        if let Err(error) = Identity::from_suri(&self.chain.suri) {
            return invalid("suri", &format!("{error}"));
        }
        if !(self.database.database_url.starts_with("sqlite:")
            || self.database.database_url.starts_with("postgres"))
        {
            return invalid(
                "database-url",
                "use sqlite://FILE or postgres://USER@HOST/DB",
            );
        }
        if !(self.chain.node_url.starts_with("ws://") || self.chain.node_url.starts_with("wss://"))
        {
            return invalid(
                "node-url",
                "use a WebSocket URL such as ws://127.0.0.1:9944",
            );
        }
        if self.database.db_max_connections == 0 {
            return invalid("db-max-connections", "must be at least 1");
        }
        if self.anchoring.batch_interval_ms == 0 {
            return invalid("batch-interval-ms", "must be at least 1");
        }
        if self.anchoring.batch_max_leaves == 0
            || u64::from(self.anchoring.batch_max_leaves) > inkpost_sdk::merkle::MAX_LEAVES
        {
            return invalid("batch-max-leaves", "must be between 1 and 2^32");
        }
        if self.limits.max_envelope_bytes < 256
            || self.limits.max_envelope_bytes > inkpost_sdk::envelope::MAX_ENVELOPE_BYTES
        {
            return invalid("max-envelope-bytes", "must be between 256 bytes and 4 MiB");
        }
        for (setting, rate) in [
            ("rate-per-identity", self.limits.rate_per_identity),
            ("rate-per-ip", self.limits.rate_per_ip),
            ("rate-burst", self.limits.rate_burst),
        ] {
            if !(rate.is_finite() && rate > 0.0) {
                return invalid(setting, "must be a positive number");
            }
        }
        if self
            .retention
            .retention_days
            .is_some_and(|days| !(days.is_finite() && days > 0.0 && days < 1e6))
        {
            return invalid(
                "retention-days",
                "must be a positive number of days (or unset to keep forever)",
            );
        }
        if self.postage.postage_price == Some(0) {
            return invalid(
                "postage-price",
                "must be above zero (or unset for free messages)",
            );
        }
        if self.postage.postage_price.is_some() && self.chain.escrow_contract.is_none() {
            return invalid(
                "escrow-contract",
                "postage needs the escrow contract (--escrow-contract or --deployment)",
            );
        }
        if self.postage.postage_claim_interval_secs == 0 {
            return invalid("postage-claim-interval-secs", "must be at least 1");
        }
        if self.limits.max_page == 0 {
            return invalid("max-page", "must be at least 1");
        }
        Ok(())
    }
}

/// The settings of a TOML file as `(setting, value)` text pairs.
fn read_file(path: &PathBuf) -> Result<Vec<(String, String)>, ConfigError> {
    let error = |reason: String| ConfigError::File {
        path: path.clone(),
        reason,
    };
    let text = std::fs::read_to_string(path).map_err(|e| error(e.to_string()))?;
    let table: toml::Table = text
        .parse()
        .map_err(|e: toml::de::Error| error(e.to_string()))?;
    let known: Vec<String> = RelayConfig::command()
        .get_arguments()
        .map(|arg| arg.get_id().to_string())
        .collect();
    table
        .into_iter()
        .map(|(key, value)| {
            if !known.contains(&key) || key == "config" {
                return Err(error(format!("unknown setting `{key}`")));
            }
            let value = match value {
                toml::Value::String(text) => text,
                toml::Value::Integer(number) => number.to_string(),
                toml::Value::Float(number) => number.to_string(),
                toml::Value::Boolean(flag) => flag.to_string(),
                other => {
                    return Err(error(format!(
                        "`{key}` must be a string, number or boolean, not {other}"
                    )));
                }
            };
            Ok((key, value))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const CONTRACT: &str = "0x0101010101010101010101010101010101010101";

    fn args(extra: &[&str]) -> Vec<String> {
        let mut args: Vec<String> = [
            "inkpost-relay",
            "--suri",
            "//Ferdie",
            "--identity-contract",
            CONTRACT,
            "--groups-contract",
            CONTRACT,
            "--anchors-contract",
            CONTRACT,
        ]
        .iter()
        .map(|arg| (*arg).to_owned())
        .collect();
        args.extend(extra.iter().map(|arg| (*arg).to_owned()));
        args
    }

    fn file(text: &str) -> (std::path::PathBuf, String) {
        let path = std::env::temp_dir().join(format!(
            "inkpost-relay-config-{}-{}.toml",
            std::process::id(),
            text.len()
        ));
        std::fs::write(&path, text).unwrap();
        let flag = format!("--config={}", path.display());
        (path, flag)
    }

    #[test]
    fn defaults_are_valid() {
        let config = RelayConfig::load_from(args(&[])).unwrap();
        assert_eq!(config.limits.max_envelope_bytes, 64 * 1024);
        assert_eq!(config.anchoring.interval(), Duration::from_secs(1));
        assert!(config.anchoring.anchoring);
    }

    #[test]
    fn the_file_fills_what_flags_leave_out_and_flags_win() {
        let (path, flag) = file("batch_interval_ms = 250\nmax_envelope_bytes = 1024\n");
        let config =
            RelayConfig::load_from(args(&[&flag, "--max-envelope-bytes", "2048"])).unwrap();
        std::fs::remove_file(path).unwrap();
        assert_eq!(config.anchoring.batch_interval_ms, 250);
        assert_eq!(config.limits.max_envelope_bytes, 2048);
    }

    #[test]
    fn unknown_keys_and_bad_values_are_named() {
        let (path, flag) = file("batch_interval = 250\n");
        let error = RelayConfig::load_from(args(&[&flag])).unwrap_err();
        std::fs::remove_file(path).unwrap();
        assert!(
            error
                .to_string()
                .contains("unknown setting `batch_interval`"),
            "{error}"
        );

        for (flag, setting) in [
            ("--batch-interval-ms=0", "batch-interval-ms"),
            ("--max-envelope-bytes=10", "max-envelope-bytes"),
            ("--node-url=http://x", "node-url"),
            ("--database-url=mysql://x", "database-url"),
            ("--rate-per-ip=-1", "rate-per-ip"),
            ("--retention-days=0", "retention-days"),
            ("--retention-days=-1", "retention-days"),
            ("--postage-price=0", "postage-price"),
            ("--postage-price=5", "escrow-contract"),
            ("--max-page=0", "max-page"),
            (
                "--postage-claim-interval-secs=0",
                "postage-claim-interval-secs",
            ),
            ("--suri=not a key", "suri"),
        ] {
            match RelayConfig::load_from(args(&[flag])) {
                Err(ConfigError::Invalid { setting: named, .. }) => assert_eq!(named, setting),
                other => panic!("{flag}: {other:?}"),
            }
        }
        assert!(matches!(
            RelayConfig::load_from(args(&["--listen=nowhere"])),
            Err(ConfigError::Arguments(_))
        ));
    }

    #[test]
    fn a_deployment_file_gives_the_contracts_and_flags_override_it() {
        let path = std::env::temp_dir().join(format!(
            "inkpost-relay-deployment-{}.json",
            std::process::id()
        ));
        let deployment = Deployment {
            identity: Address([1; 20]),
            groups: Address([2; 20]),
            anchors: Address([3; 20]),
            escrow: Address([4; 20]),
            deployer: inkpost_sdk::ids::AccountId([5; 32]),
        };
        deployment.save(&path).unwrap();
        let flag = format!("--deployment={}", path.display());
        let base = ["inkpost-relay", "--suri", "//Ferdie", &flag];
        let owned = |extra: &[&str]| -> Vec<String> {
            base.iter()
                .chain(extra)
                .map(|arg| (*arg).to_owned())
                .collect()
        };
        let config = RelayConfig::load_from(owned(&[])).unwrap();
        assert_eq!(
            (
                config.chain.identity_contract,
                config.chain.groups_contract,
                config.chain.anchors_contract
            ),
            (deployment.identity, deployment.groups, deployment.anchors)
        );
        assert_eq!(config.chain.escrow_contract, Some(deployment.escrow));
        let config = RelayConfig::load_from(owned(&["--groups-contract", CONTRACT])).unwrap();
        assert_eq!(config.chain.groups_contract.to_string(), CONTRACT);
        assert_eq!(config.chain.identity_contract, deployment.identity);
        std::fs::remove_file(&path).unwrap();
        assert!(matches!(
            RelayConfig::load_from(owned(&[])),
            Err(ConfigError::File { .. })
        ));
    }
}
