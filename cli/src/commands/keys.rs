//! `inkpost keys`: what a secret's account, address and encryption key are.

use std::io::Write;

use inkpost_sdk::ids::KeyVersion;
use inkpost_sdk::keys::Identity;

use super::CommandError;

/// Key subcommands.
#[derive(Debug, clap::Subcommand)]
pub enum KeysCommand {
    /// Show the account id, contract address and X25519 encryption key of a
    /// secret URI (a mnemonic, a 0x seed, or a dev URI such as //Alice).
    Inspect(InspectOpts),
}

/// Options of `keys inspect`.
#[derive(Debug, clap::Args)]
pub struct InspectOpts {
    /// The secret URI, e.g. `//Alice` or `"<12 words>//0"`.
    #[arg(env = "INKPOST_SURI", hide_env_values = true)]
    pub suri: String,
    /// The encryption-key version to show.
    #[arg(long, default_value_t = 1)]
    pub key_version: u32,
}

/// Runs a key subcommand.
pub fn run(command: KeysCommand, json: bool, out: &mut impl Write) -> Result<(), CommandError> {
    match command {
        KeysCommand::Inspect(opts) => inspect(opts, json, out),
    }
}

fn inspect(opts: InspectOpts, json: bool, out: &mut impl Write) -> Result<(), CommandError> {
    let identity = Identity::from_suri(&opts.suri).map_err(|error| {
        CommandError::BadInput(format!(
            "{error}. Give a 12/24-word mnemonic, a 0x-prefixed 32-byte seed, or a dev URI like //Alice"
        ))
    })?;
    let version = KeyVersion(opts.key_version);
    let account = identity.account_id();
    let address = identity.address();
    let encryption_key = identity.encryption_key(version);
    if json {
        let value = serde_json::json!({
            "account_id": account,
            "address": address,
            "encryption_key": encryption_key,
            "key_version": version,
        });
        writeln!(out, "{value}")?;
    } else {
        writeln!(out, "account id      {account}")?;
        writeln!(out, "address (H160)  {address}")?;
        writeln!(out, "encryption key  {encryption_key} (version {version})")?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn inspect_output(suri: &str, json: bool) -> Result<String, CommandError> {
        let mut out = Vec::new();
        let opts = InspectOpts {
            suri: suri.into(),
            key_version: 1,
        };
        inspect(opts, json, &mut out)?;
        Ok(String::from_utf8(out).unwrap())
    }

    #[test]
    fn inspect_shows_alices_well_known_account_and_address() {
        let text = inspect_output("//Alice", false).unwrap();
        assert!(
            text.contains("0xd43593c715fdd31c61141abd04a99fd6822c8558854ccde39a5684e7a56da27d")
        );
        assert!(text.contains("0x9621dde636de098b43efb0fa9b61facfe328f99d"));
        let json: serde_json::Value =
            serde_json::from_str(&inspect_output("//Alice", true).unwrap()).unwrap();
        assert_eq!(json["key_version"], 1);
    }

    #[test]
    fn a_bad_secret_is_bad_input_with_a_hint() {
        let error = inspect_output("//Alice/soft", false).unwrap_err();
        assert_eq!(error.exit_code(), 2);
        assert!(error.to_string().contains("dev URI like //Alice"));
    }
}
