//! Relays pinned on first use: `<home>/relays.json` maps each relay URL to
//! the account the relay named the first time (`GET /v1/info`). Later, a
//! relay at that URL naming another account is refused — someone else
//! answers there, or its operator changed keys (then remove its line).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use inkpost_sdk::ids::AccountId;

use crate::error::CliError;

/// The pins of one home directory.
#[derive(Debug)]
pub struct RelayPins {
    path: PathBuf,
}

/// What the pins say of a relay.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pinned {
    /// First use: pinned now.
    New,
    /// The pinned account.
    Same,
}

impl RelayPins {
    /// The pins under `home`.
    pub fn new(home: &Path) -> Self {
        Self {
            path: home.join("relays.json"),
        }
    }

    /// Checks that the relay at `url` is `account` as pinned, pinning it on
    /// first use.
    pub fn check(&self, url: &str, account: &AccountId) -> Result<Pinned, CliError> {
        let mut pins = self.load()?;
        match pins.get(url) {
            Some(pinned) if pinned == account => Ok(Pinned::Same),
            Some(pinned) => Err(CliError::Untrusted(format!(
                "the relay at {url} now says it is {account}, but it was {pinned} when first \
                 used; if its operator really changed its key, remove its line from {}",
                self.path.display()
            ))),
            None => {
                pins.insert(url.to_owned(), *account);
                self.save(&pins)?;
                Ok(Pinned::New)
            }
        }
    }

    fn load(&self) -> Result<BTreeMap<String, AccountId>, CliError> {
        match std::fs::read_to_string(&self.path) {
            Ok(text) => serde_json::from_str(&text).map_err(|error| self.failed(error)),
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(BTreeMap::new()),
            Err(error) => Err(self.failed(error)),
        }
    }

    fn save(&self, pins: &BTreeMap<String, AccountId>) -> Result<(), CliError> {
        let dir = self.path.parent().unwrap_or(Path::new("."));
        std::fs::create_dir_all(dir).map_err(|error| self.failed(error))?;
        let text = serde_json::to_string_pretty(pins).map_err(|error| self.failed(error))?;
        let temporary = self.path.with_extension("json.new");
        std::fs::write(&temporary, text)
            .and_then(|()| std::fs::rename(&temporary, &self.path))
            .map_err(|error| self.failed(error))
    }

    fn failed(&self, error: impl std::fmt::Display) -> CliError {
        CliError::Failed(format!("relay pins {}: {error}", self.path.display()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_relay_is_pinned_on_first_use_and_held_to_it() {
        let home = std::env::temp_dir().join(format!("inkpost-pins-{}", std::process::id()));
        let pins = RelayPins::new(&home);
        let (first, other) = (AccountId([1; 32]), AccountId([2; 32]));
        assert_eq!(pins.check("http://a", &first).unwrap(), Pinned::New);
        assert_eq!(pins.check("http://a", &first).unwrap(), Pinned::Same);
        assert_eq!(pins.check("http://a", &other).unwrap_err().exit_code(), 7);
        assert_eq!(pins.check("http://b", &other).unwrap(), Pinned::New);
        let _ = std::fs::remove_dir_all(&home);
    }
}
