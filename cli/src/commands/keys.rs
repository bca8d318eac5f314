//! `inkpost keys`: create, import, list and show keys.

use std::io::Write;

use inkpost_sdk::ids::KeyVersion;
use inkpost_sdk::keys::Identity;
use serde_json::json;

use super::emit;
use crate::context::Context;
use crate::error::CliError;

/// Key subcommands.
#[derive(Debug, clap::Subcommand)]
pub enum KeysCommand {
    /// Create a key from a fresh seed and store it under NAME; prints the
    /// 12-word mnemonic once (write it down: it restores the key). With
    /// INKPOST_PASSPHRASE or --passphrase-file set, the seed is encrypted.
    Create {
        /// The key's name in the keystore.
        name: String,
    },
    /// Import a key from a secret URI (a mnemonic, a 0x seed, or a dev URI
    /// such as //Alice) and store it under NAME.
    Import {
        /// The key's name in the keystore.
        name: String,
        /// The secret URI: `-` reads it from stdin, `@FILE` from a file
        /// (typed here, it shows in `ps` and history).
        #[arg(env = "INKPOST_SURI", hide_env_values = true)]
        suri: String,
    },
    /// List the stored keys.
    List,
    /// Show a key's account id, contract address and encryption key: a
    /// stored key's NAME, or a secret URI.
    Show {
        /// A key name or a secret URI.
        key: String,
        /// The encryption-key version to show.
        #[arg(long, default_value_t = 1)]
        key_version: u32,
    },
}

/// Runs a key subcommand.
pub fn run(ctx: &Context, command: KeysCommand, out: &mut impl Write) -> Result<(), CliError> {
    match command {
        KeysCommand::Create { name } => {
            let (identity, mnemonic) = Identity::generate();
            let path = ctx
                .keystore
                .save(&name, &identity, ctx.passphrase()?.as_deref())?;
            let value = json!({
                "name": name,
                "account_id": identity.account_id(),
                "address": identity.address(),
                "mnemonic": mnemonic,
                "file": path,
            });
            emit(ctx, out, &value, |out| {
                writeln!(out, "created key {name} in {}", path.display())?;
                writeln!(out, "account id  {}", identity.account_id())?;
                writeln!(out, "mnemonic    {mnemonic}")?;
                writeln!(
                    out,
                    "write the mnemonic down: it is shown once and restores the key"
                )
            })
        }
        KeysCommand::Import { name, suri } => {
            let identity = from_suri(&ctx.secret_uri(&suri, "INKPOST_SURI")?)?;
            let path = ctx
                .keystore
                .save(&name, &identity, ctx.passphrase()?.as_deref())?;
            let value = json!({"name": name, "account_id": identity.account_id(), "file": path});
            emit(ctx, out, &value, |out| {
                writeln!(
                    out,
                    "imported key {name} ({}) into {}",
                    identity.account_id(),
                    path.display()
                )
            })
        }
        KeysCommand::List => {
            let keys = ctx.keystore.list()?;
            emit(ctx, out, &keys, |out| {
                if keys.is_empty() {
                    writeln!(
                        out,
                        "no keys yet; create one with `inkpost keys create <name>`"
                    )?;
                }
                for key in &keys {
                    let at_rest = if key.encrypted {
                        "encrypted"
                    } else {
                        "unencrypted"
                    };
                    writeln!(out, "{:<16} {}  ({at_rest})", key.name, key.account_id)?;
                }
                Ok(())
            })
        }
        KeysCommand::Show { key, key_version } => {
            let identity = if crate::context::is_secret_uri(&key) {
                from_suri(&ctx.secret_uri(&key, "INKPOST_SURI")?)?
            } else {
                ctx.keystore.load(&key, ctx.passphrase()?.as_deref())?
            };
            show(ctx, &identity, KeyVersion(key_version), out)
        }
    }
}

fn from_suri(suri: &str) -> Result<Identity, CliError> {
    Identity::from_suri(suri).map_err(|error| {
        CliError::BadInput(format!(
            "{error}. Give a 12/24-word mnemonic, a 0x-prefixed 32-byte seed, or a dev URI like //Alice"
        ))
    })
}

fn show(
    ctx: &Context,
    identity: &Identity,
    version: KeyVersion,
    out: &mut impl Write,
) -> Result<(), CliError> {
    let account = identity.account_id();
    let address = identity.address();
    let encryption_key = identity.encryption_key(version);
    let value = json!({
        "account_id": account,
        "address": address,
        "encryption_key": encryption_key,
        "key_version": version,
    });
    emit(ctx, out, &value, |out| {
        writeln!(out, "account id      {account}")?;
        writeln!(out, "address (H160)  {address}")?;
        writeln!(out, "encryption key  {encryption_key} (version {version})")
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use clap::Parser;

    fn run_keys(args: &[&str]) -> Result<String, CliError> {
        let home = std::env::temp_dir().join(format!("inkpost-cli-keys-{}", std::process::id()));
        let mut argv = vec!["inkpost", "--home", home.to_str().unwrap()];
        argv.extend_from_slice(args);
        let cli = crate::Cli::try_parse_from(argv).unwrap();
        let ctx = Context::new(cli.global);
        let crate::commands::Command::Keys(command) = cli.command else {
            panic!("not a keys command")
        };
        let mut out = Vec::new();
        run(&ctx, command, &mut out)?;
        Ok(String::from_utf8(out).unwrap())
    }

    #[test]
    fn show_gives_alices_well_known_account_and_address() {
        let text = run_keys(&["keys", "show", "//Alice"]).unwrap();
        assert!(
            text.contains("0xd43593c715fdd31c61141abd04a99fd6822c8558854ccde39a5684e7a56da27d")
        );
        assert!(text.contains("0x9621dde636de098b43efb0fa9b61facfe328f99d"));
        let json: serde_json::Value =
            serde_json::from_str(&run_keys(&["--json", "keys", "show", "//Alice"]).unwrap())
                .unwrap();
        assert_eq!(json["key_version"], 1);
    }

    #[test]
    fn a_bad_secret_is_bad_input_with_a_hint() {
        let error = run_keys(&["keys", "show", "//Alice/soft"]).unwrap_err();
        assert_eq!(error.exit_code(), 2);
        assert!(error.to_string().contains("dev URI like //Alice"));
        let error = run_keys(&["keys", "show", "no-such-key"]).unwrap_err();
        assert_eq!(error.exit_code(), 2);
        assert!(error.to_string().contains("inkpost keys create"), "{error}");
    }
}
