//! Relays pinned on first use: `<home>/relays.json` maps each relay URL to
//! the account the relay named the first time (`GET /v1/info`) and the
//! account whose anchored batches hold its messages. Later, a relay at that
//! URL naming other accounts is refused — someone else answers there, or
//! its operator changed keys (then remove its entry).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use inkpost_sdk::ids::AccountId;
use serde::{Deserialize, Serialize};

use crate::error::CliError;
use crate::state_file;

/// The pins of one home directory.
#[derive(Debug)]
pub struct RelayPins {
    path: PathBuf,
}

/// Who a relay is: the accounts pinned for its URL.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pin {
    /// The relay's account (request audience, receipts).
    pub account: AccountId,
    /// The account whose batches hold its messages.
    pub anchorer: AccountId,
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

    /// Checks that the relay at `url` is `pin` as pinned, pinning it on
    /// first use.
    pub fn check(&self, url: &str, pin: &Pin) -> Result<Pinned, CliError> {
        let mut pins = self.load()?;
        match pins.get(url) {
            Some(pinned) if pinned == pin => Ok(Pinned::Same),
            Some(pinned) => Err(CliError::Untrusted(format!(
                "the relay at {url} now says it is {} (batches by {}), but it was {} (batches \
                 by {}) when first used; if its operator really changed keys, remove its entry \
                 from {}",
                pin.account,
                pin.anchorer,
                pinned.account,
                pinned.anchorer,
                self.path.display()
            ))),
            None => {
                pins.insert(url.to_owned(), *pin);
                self.save(&pins)?;
                Ok(Pinned::New)
            }
        }
    }

    fn load(&self) -> Result<BTreeMap<String, Pin>, CliError> {
        let pins = state_file::read(&self.path).map_err(|error| self.failed(error))?;
        Ok(pins.unwrap_or_default())
    }

    fn save(&self, pins: &BTreeMap<String, Pin>) -> Result<(), CliError> {
        state_file::write(&self.path, pins).map_err(|error| self.failed(error))
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
        let pin = |account: u8, anchorer: u8| Pin {
            account: AccountId([account; 32]),
            anchorer: AccountId([anchorer; 32]),
        };
        assert_eq!(pins.check("http://a", &pin(1, 1)).unwrap(), Pinned::New);
        assert_eq!(pins.check("http://a", &pin(1, 1)).unwrap(), Pinned::Same);
        assert_eq!(
            pins.check("http://a", &pin(2, 1)).unwrap_err().exit_code(),
            7
        );
        assert_eq!(
            pins.check("http://a", &pin(1, 2)).unwrap_err().exit_code(),
            7
        );
        assert_eq!(pins.check("http://b", &pin(2, 3)).unwrap(), Pinned::New);
        let _ = std::fs::remove_dir_all(&home);
    }
}
