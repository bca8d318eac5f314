//! What every command shares: where the node, relay, deployment and keys
//! are, who the caller is, and how to talk to the chain.

use std::path::PathBuf;
use std::sync::OnceLock;

use inkpost_sdk::chain::{CallOutcome, Chain, Finality, Sr25519Signer};
use inkpost_sdk::deployment::Deployment;
use inkpost_sdk::ids::Address;
use inkpost_sdk::keys::Identity;
use parity_scale_codec::Decode;
use tokio::sync::OnceCell;
use zeroize::Zeroizing;

use inkpost_sdk::contracts::{Contract, Event};
use inkpost_sdk::relay::{HyperTransport, RelayClient};

use crate::error::{CliError, chain_error};
use crate::keystore::Keystore;
use crate::pins::{Pin, Pinned, RelayPins};

/// Whether `--as` names a secret URI (or where to read one) rather than a
/// keystore key.
pub fn is_secret_uri(given: &str) -> bool {
    given.starts_with("//")
        || given.starts_with("0x")
        || given.contains(' ')
        || given.starts_with('@')
        || given == "-"
}

/// Whether the host of `authority` (what follows `http://`) is this
/// machine: `localhost`, 127.0.0.0/8 or `[::1]`.
fn is_loopback_authority(authority: &str) -> bool {
    let host_port = authority.split(['/', '?', '#']).next().unwrap_or_default();
    let host = match host_port.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or_default(),
        None => host_port.split(':').next().unwrap_or_default(),
    };
    host.eq_ignore_ascii_case("localhost")
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// Global options, shared by every subcommand.
#[derive(Debug, Clone, clap::Args)]
pub struct GlobalOpts {
    /// Print machine-readable JSON instead of text.
    #[arg(long, global = true)]
    pub json: bool,
    /// Print no progress lines on stderr.
    #[arg(long, short, global = true)]
    pub quiet: bool,
    /// Who acts: a key name from the keystore, or a secret URI (a dev URI
    /// such as //Alice, a mnemonic, a 0x seed) — best from a file (`@FILE`),
    /// stdin (`-`) or INKPOST_AS: typed here it shows in `ps` and history.
    #[arg(long = "as", env = "INKPOST_AS", global = true, hide_env_values = true)]
    pub who: Option<String>,
    /// Say that this is a development chain: dev URIs (//Alice…, derived
    /// from the public development phrase) are used without a warning.
    #[arg(long, global = true)]
    pub dev: bool,
    /// The node's WebSocket RPC URL.
    #[arg(
        long,
        env = "INKPOST_NODE",
        global = true,
        default_value = "ws://127.0.0.1:9944"
    )]
    pub node: String,
    /// The relay's base URL: `https://…`, or `http://` to this machine
    /// (plain HTTP to another machine needs --insecure).
    #[arg(
        long,
        env = "INKPOST_RELAY",
        global = true,
        default_value = "http://127.0.0.1:8080"
    )]
    pub relay: String,
    /// A PEM file of CA certificates to trust for the relay's TLS
    /// certificate, besides the usual public roots (for a self-signed one).
    #[arg(long, env = "INKPOST_RELAY_CA", global = true)]
    pub relay_ca: Option<PathBuf>,
    /// Allow plain HTTP to a relay on another machine (anyone on the way
    /// can then read and change what you exchange with it).
    #[arg(long, global = true)]
    pub insecure: bool,
    /// The deployment file (`inkpost deploy` writes it).
    #[arg(
        long,
        env = "INKPOST_DEPLOYMENT",
        global = true,
        default_value = "inkpost-deployment.json"
    )]
    pub deployment: PathBuf,
    /// Where the keystore lives (keys in `<home>/keys`); default ~/.inkpost.
    #[arg(long, env = "INKPOST_HOME", global = true)]
    pub home: Option<PathBuf>,
    /// A file holding the keystore passphrase (else INKPOST_PASSPHRASE).
    #[arg(long, global = true)]
    pub passphrase_file: Option<PathBuf>,
}

/// Which block a read of the chain looks at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum At {
    /// The latest finalized block: what relays act on.
    Finalized,
    /// The best block: changes not final yet.
    Best,
}

/// The options, resolved; the caller's key, the deployment file and the
/// chain client, each loaded once on first use.
#[derive(Debug)]
pub struct Context {
    /// The options.
    pub opts: GlobalOpts,
    /// The keystore.
    pub keystore: Keystore,
    /// The home directory (keystore, postage ledgers).
    home: PathBuf,
    chain: OnceCell<Chain>,
    relay: OnceCell<(RelayClient, Pin)>,
    me: OnceLock<Identity>,
    deployment: OnceLock<Deployment>,
}

impl Context {
    /// A context for these options.
    pub fn new(opts: GlobalOpts) -> Self {
        let home = opts.home.clone().unwrap_or_else(|| {
            std::env::var_os("HOME")
                .map_or_else(|| PathBuf::from("."), PathBuf::from)
                .join(".inkpost")
        });
        Self {
            keystore: Keystore::new(&home),
            home,
            opts,
            chain: OnceCell::new(),
            relay: OnceCell::new(),
            me: OnceLock::new(),
            deployment: OnceLock::new(),
        }
    }

    /// The home directory: `--home`, or ~/.inkpost.
    pub fn home(&self) -> &std::path::Path {
        &self.home
    }

    /// The HTTP transport to the relay: TLS trusting `--relay-ca` too, and
    /// plain HTTP only to this machine unless `--insecure`.
    fn transport(&self) -> Result<HyperTransport, CliError> {
        let url = &self.opts.relay;
        let plain_to_elsewhere = url
            .strip_prefix("http://")
            .is_some_and(|rest| !is_loopback_authority(rest));
        if !url.starts_with("https://") && !url.starts_with("http://") {
            return Err(CliError::BadInput(format!(
                "--relay {url:?} is not an http:// or https:// URL"
            )));
        }
        if plain_to_elsewhere && !self.opts.insecure {
            return Err(CliError::BadInput(format!(
                "refusing plain HTTP to {url}: anyone on the way could read and change it; use \
                 https:// (the relay's --tls-cert, or a TLS proxy in front of it) or pass \
                 --insecure"
            )));
        }
        match &self.opts.relay_ca {
            None => Ok(HyperTransport::new()),
            Some(path) => {
                let pem = std::fs::read(path).map_err(|error| {
                    CliError::BadInput(format!("--relay-ca {}: {error}", path.display()))
                })?;
                HyperTransport::with_ca_pem(&pem).map_err(|error| {
                    CliError::BadInput(format!("--relay-ca {}: {error}", path.display()))
                })
            }
        }
    }

    /// Prints a progress line on stderr (unless `--quiet`).
    pub fn progress(&self, line: &str) {
        if !self.opts.quiet {
            eprintln!("… {line}");
        }
    }

    /// The keystore passphrase, if one is given.
    pub fn passphrase(&self) -> Result<Option<String>, CliError> {
        if let Some(path) = &self.opts.passphrase_file {
            let text = std::fs::read_to_string(path).map_err(|error| {
                CliError::BadInput(format!("passphrase file {}: {error}", path.display()))
            })?;
            return Ok(Some(text.trim_end_matches(['\r', '\n']).to_owned()));
        }
        Ok(std::env::var("INKPOST_PASSPHRASE").ok())
    }

    /// The identity `--as` names: a secret URI, or else a keystore key
    /// (read, and decrypted, once).
    pub fn me(&self) -> Result<Identity, CliError> {
        if let Some(me) = self.me.get() {
            return Ok(me.clone());
        }
        let me = self.load_me()?;
        Ok(self.me.get_or_init(|| me).clone())
    }

    fn load_me(&self) -> Result<Identity, CliError> {
        let who = self.opts.who.as_deref().ok_or_else(|| {
            CliError::BadInput(
                "say who acts: --as <key name or secret URI> (or set INKPOST_AS)".into(),
            )
        })?;
        if is_secret_uri(who) {
            let suri = self.secret_uri(who, "INKPOST_AS")?;
            Identity::from_suri(&suri).map_err(|error| {
                CliError::BadInput(format!(
                    "--as: {error}; give a key name, a mnemonic, a 0x seed or a dev URI like //Alice"
                ))
            })
        } else {
            self.keystore.load(who, self.passphrase()?.as_deref())
        }
    }

    /// A secret URI as given: `-` reads it from stdin, `@FILE` from a file,
    /// anything else is the secret itself — with a warning unless it came
    /// from the environment variable `env`. A dev URI (`//name`) is public:
    /// a loud warning unless `--dev` says this is a development chain.
    pub fn secret_uri(&self, given: &str, env: &str) -> Result<Zeroizing<String>, CliError> {
        let suri = if given == "-" {
            let mut line = Zeroizing::new(String::new());
            std::io::stdin().read_line(&mut line).map_err(|error| {
                CliError::BadInput(format!("reading the secret from stdin: {error}"))
            })?;
            Zeroizing::new(line.trim_end_matches(['\r', '\n']).to_owned())
        } else if let Some(path) = given.strip_prefix('@') {
            let text = Zeroizing::new(
                std::fs::read_to_string(path)
                    .map_err(|error| CliError::BadInput(format!("secret file {path}: {error}")))?,
            );
            Zeroizing::new(text.trim_end_matches(['\r', '\n']).to_owned())
        } else {
            let from_env = std::env::var(env).is_ok_and(|value| value == given);
            if !from_env && !given.starts_with("//") {
                eprintln!(
                    "warning: a secret typed on the command line shows in `ps` and in shell \
                     history; pass @FILE, - (stdin) or set {env} instead"
                );
            }
            Zeroizing::new(given.to_owned())
        };
        if suri.starts_with("//") && !self.opts.dev {
            eprintln!(
                "warning: {} comes from the public development phrase: anyone can sign as it. \
                 Use it only on a development chain (pass --dev to say so).",
                suri.split("///").next().unwrap_or_default()
            );
        }
        Ok(suri)
    }

    /// The caller as a chain signer.
    pub fn signer(&self) -> Result<Sr25519Signer, CliError> {
        self.me().map(Sr25519Signer::new)
    }

    /// The deployment file's contracts (read once).
    pub fn deployment(&self) -> Result<Deployment, CliError> {
        if let Some(deployment) = self.deployment.get() {
            return Ok(*deployment);
        }
        let deployment = Deployment::load(&self.opts.deployment).map_err(|error| {
            CliError::BadInput(format!(
                "{error}; run `inkpost deploy` first or pass --deployment"
            ))
        })?;
        Ok(*self.deployment.get_or_init(|| deployment))
    }

    /// A client of the relay, checked once: the relay must be on the
    /// node's chain and be the account pinned for its URL (pinned on first
    /// use, see [`crate::pins`]); requests are signed for that relay alone.
    pub async fn relay(&self) -> Result<&RelayClient, CliError> {
        Ok(&self.checked_relay().await?.0)
    }

    /// The relay as pinned: its account and the account whose anchored
    /// batches hold its messages.
    pub async fn relay_pin(&self) -> Result<Pin, CliError> {
        Ok(self.checked_relay().await?.1)
    }

    async fn checked_relay(&self) -> Result<&(RelayClient, Pin), CliError> {
        self.relay
            .get_or_try_init(|| async {
                let url = &self.opts.relay;
                let client = RelayClient::new(url, self.transport()?);
                let info = client.info().await?;
                let audience = info.audience().ok_or_else(|| {
                    CliError::Untrusted(format!("the relay at {url} names no valid chain"))
                })?;
                let genesis = self.chain().await?.genesis_hash();
                if audience.genesis != genesis {
                    return Err(CliError::Untrusted(format!(
                        "the relay at {url} serves chain {}, not the node's {}; use a relay \
                         of this chain",
                        info.genesis,
                        format_args!("0x{}", hex::encode(genesis))
                    )));
                }
                let pin = Pin {
                    account: audience.relay,
                    anchorer: info.anchorer,
                };
                if RelayPins::new(&self.home).check(url, &pin)? == Pinned::New {
                    self.progress(&format!("pinned the relay at {url} as {}", audience.relay));
                }
                Ok((client.with_audience(audience), pin))
            })
            .await
    }

    /// The chain client, connected on first use.
    pub async fn chain(&self) -> Result<&Chain, CliError> {
        self.chain
            .get_or_try_init(|| async {
                Chain::connect(&self.opts.node)
                    .await
                    .map_err(|error| chain_error(error, Contract::Identity))
            })
            .await
    }

    /// Reads a message's result on the finalized state.
    pub async fn query<T: Decode>(
        &self,
        contract: Contract,
        address: Address,
        input: &[u8],
    ) -> Result<T, CliError> {
        self.query_at(At::Finalized, contract, address, input).await
    }

    /// Reads a message's result on the block `at`.
    pub async fn query_at<T: Decode>(
        &self,
        at: At,
        contract: Contract,
        address: Address,
        input: &[u8],
    ) -> Result<T, CliError> {
        // Reads need no key, but pallet-revive dry-runs only from mapped
        // accounts: the deployer's is.
        let origin = self.deployment()?.deployer;
        let chain = self.chain().await?;
        let answer = match at {
            At::Finalized => chain.query(&origin, address, input).await,
            At::Best => chain.query_best(&origin, address, input).await,
        };
        answer.map_err(|error| chain_error(error, contract))
    }

    /// Sends a contract call as the caller (`--as`) and waits until it is
    /// finalized (what relays act on). Returns the outcome; a refusal names
    /// the contract's error.
    pub async fn call(
        &self,
        contract: Contract,
        address: Address,
        value: u128,
        input: &[u8],
    ) -> Result<CallOutcome, CliError> {
        let signer = self.signer()?;
        let chain = self.chain().await?;
        self.progress(&format!("{contract} call sent, waiting for finality"));
        chain
            .call(&signer, address, value, input, Finality::Finalized)
            .await
            .map_err(|error| chain_error(error, contract))
    }

    /// What a call did, from the event `address` emitted in its block (a
    /// dry run's output can differ when another transaction came first).
    pub fn event<E: Event>(outcome: &CallOutcome, address: Address) -> Result<E, CliError> {
        outcome.event(address).ok_or_else(|| {
            CliError::Failed(format!(
                "the call landed but the {} contract emitted no {} event; are the deployment \
                 file and the contracts from the same build?",
                E::CONTRACT,
                E::NAME
            ))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::is_loopback_authority;

    #[test]
    fn only_this_machine_counts_as_loopback() {
        for here in [
            "127.0.0.1:8080",
            "localhost:1/v1",
            "[::1]:80",
            "127.9.9.9",
            "LOCALHOST",
        ] {
            assert!(is_loopback_authority(here), "{here}");
        }
        for there in [
            "10.0.0.1:8080",
            "relay.example",
            "localhost.evil.example",
            "[::2]:80",
        ] {
            assert!(!is_loopback_authority(there), "{there}");
        }
    }
}
