//! The local keystore: one JSON file per named key in `<home>/keys/`, owner
//! read/write only. A key saved with a passphrase has its seed encrypted at
//! rest (Argon2id → XChaCha20-Poly1305, the account id as associated data);
//! without one the seed is stored as is and `keys list` says so. The file
//! records the Argon2id parameters it was written with: new keys use RFC
//! 9106's second recommended option (64 MiB, 3 passes, 4 lanes); files
//! from before this record carry none and are read with the old defaults.

use std::fs::{self, OpenOptions};
use std::io::Write;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use argon2::{Algorithm, Argon2, Params, Version};
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use inkpost_sdk::ids::AccountId;
use inkpost_sdk::keys::Identity;
use rand_core::{OsRng, RngCore};
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use crate::error::CliError;

/// A named key as stored.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct KeyFile {
    name: String,
    account_id: AccountId,
    #[serde(flatten)]
    secret: Secret,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum Secret {
    /// The seed in 0x hex, unencrypted.
    Seed(String),
    /// The seed encrypted under a passphrase.
    Encrypted {
        /// The Argon2id parameters the key was derived with (absent in
        /// files written before they were recorded: [`Kdf::LEGACY`]).
        #[serde(default = "Kdf::legacy")]
        kdf: Kdf,
        /// Argon2id salt, hex.
        salt: String,
        /// XChaCha20-Poly1305 nonce, hex.
        nonce: String,
        /// Seed ciphertext and tag, hex.
        ciphertext: String,
    },
}

/// Argon2id (version 0x13) parameters of a passphrase key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Kdf {
    /// Memory, in KiB.
    pub m_cost_kib: u32,
    /// Passes.
    pub t_cost: u32,
    /// Lanes.
    pub p_cost: u32,
}

impl Kdf {
    /// What new keys use: RFC 9106 §4, the second recommended option.
    pub const CURRENT: Self = Self {
        m_cost_kib: 64 * 1024,
        t_cost: 3,
        p_cost: 4,
    };

    /// What keys written before parameters were recorded used (the argon2
    /// crate's defaults then).
    pub const LEGACY: Self = Self {
        m_cost_kib: 19 * 1024,
        t_cost: 2,
        p_cost: 1,
    };

    fn legacy() -> Self {
        Self::LEGACY
    }

    /// The most a key file may ask for (a planted file must not exhaust
    /// memory or time).
    const MAX: Self = Self {
        m_cost_kib: 1024 * 1024,
        t_cost: 16,
        p_cost: 16,
    };
}

/// A key listed by [`Keystore::list`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct KeyEntry {
    /// Its name.
    pub name: String,
    /// Its account.
    pub account_id: AccountId,
    /// Whether the seed is encrypted at rest.
    pub encrypted: bool,
}

/// The keystore directory.
#[derive(Debug, Clone)]
pub struct Keystore {
    dir: PathBuf,
}

impl Keystore {
    /// The keystore under `home` (keys live in `home/keys`).
    pub fn new(home: &Path) -> Self {
        Self {
            dir: home.join("keys"),
        }
    }

    /// Saves `identity` as `name`, encrypted when a passphrase is given.
    /// Refuses to overwrite an existing key.
    pub fn save(
        &self,
        name: &str,
        identity: &Identity,
        passphrase: Option<&str>,
    ) -> Result<PathBuf, CliError> {
        check_name(name)?;
        fs::create_dir_all(&self.dir)
            .and_then(|()| fs::set_permissions(&self.dir, fs::Permissions::from_mode(0o700)))
            .map_err(|error| io_error(&self.dir, error))?;
        let account_id = identity.account_id();
        let secret = match passphrase {
            None => Secret::Seed(format!("0x{}", hex::encode(identity.seed()))),
            Some(passphrase) => {
                let mut salt = [0u8; 16];
                let mut nonce = [0u8; 24];
                OsRng.fill_bytes(&mut salt);
                OsRng.fill_bytes(&mut nonce);
                let cipher = cipher(passphrase, &salt, Kdf::CURRENT)?;
                let ciphertext = cipher
                    .encrypt(
                        XNonce::from_slice(&nonce),
                        Payload {
                            msg: identity.seed(),
                            aad: &account_id.0,
                        },
                    )
                    .map_err(|_| CliError::Failed("cannot encrypt the key".into()))?;
                Secret::Encrypted {
                    kdf: Kdf::CURRENT,
                    salt: hex::encode(salt),
                    nonce: hex::encode(nonce),
                    ciphertext: hex::encode(ciphertext),
                }
            }
        };
        let file = KeyFile {
            name: name.to_owned(),
            account_id,
            secret,
        };
        let path = self.path(name);
        let text = serde_json::to_string_pretty(&file)
            .map_err(|error| CliError::Failed(error.to_string()))?;
        let mut out = OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&path)
            .map_err(|error| match error.kind() {
                std::io::ErrorKind::AlreadyExists => CliError::BadInput(format!(
                    "a key named {name} exists already ({}); choose another name",
                    path.display()
                )),
                _ => io_error(&path, error),
            })?;
        out.write_all(text.as_bytes())
            .and_then(|()| out.sync_all())
            .map_err(|error| io_error(&path, error))?;
        Ok(path)
    }

    /// Loads key `name`; an encrypted key needs its passphrase.
    pub fn load(&self, name: &str, passphrase: Option<&str>) -> Result<Identity, CliError> {
        check_name(name)?;
        let path = self.path(name);
        let text = fs::read_to_string(&path).map_err(|error| match error.kind() {
            std::io::ErrorKind::NotFound => CliError::BadInput(format!(
                "no key named {name} in {}; create one with `inkpost keys create {name}`, \
                 import one with `inkpost keys import {name}`, or use a dev URI like //Alice",
                self.dir.display()
            )),
            _ => io_error(&path, error),
        })?;
        let file: KeyFile = serde_json::from_str(&text).map_err(|error| {
            CliError::BadInput(format!("{} is not a key file: {error}", path.display()))
        })?;
        let seed = match &file.secret {
            Secret::Seed(hex_seed) => Zeroizing::new(seed_from_hex(hex_seed, &path)?),
            Secret::Encrypted {
                kdf,
                salt,
                nonce,
                ciphertext,
            } => {
                let passphrase = passphrase.ok_or_else(|| {
                    CliError::BadInput(format!(
                        "key {name} is encrypted; set INKPOST_PASSPHRASE or pass --passphrase-file"
                    ))
                })?;
                let malformed = || CliError::BadInput(format!("{} is damaged", path.display()));
                let salt = hex::decode(salt).map_err(|_| malformed())?;
                let nonce = hex::decode(nonce).map_err(|_| malformed())?;
                let ciphertext = hex::decode(ciphertext).map_err(|_| malformed())?;
                if nonce.len() != 24 {
                    return Err(malformed());
                }
                let plain = Zeroizing::new(
                    cipher(passphrase, &salt, *kdf)?
                        .decrypt(
                            XNonce::from_slice(&nonce),
                            Payload {
                                msg: &ciphertext,
                                aad: &file.account_id.0,
                            },
                        )
                        .map_err(|_| {
                            CliError::BadInput(format!("wrong passphrase for key {name}"))
                        })?,
                );
                let seed: [u8; 32] = plain.as_slice().try_into().map_err(|_| malformed())?;
                Zeroizing::new(seed)
            }
        };
        let identity = Identity::from_seed(*seed);
        if identity.account_id() != file.account_id {
            return Err(CliError::BadInput(format!(
                "{} is damaged: its seed is not account {}",
                path.display(),
                file.account_id
            )));
        }
        Ok(identity)
    }

    /// Every key, by name.
    pub fn list(&self) -> Result<Vec<KeyEntry>, CliError> {
        let entries = match fs::read_dir(&self.dir) {
            Ok(entries) => entries,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(error) => return Err(io_error(&self.dir, error)),
        };
        let mut keys = Vec::new();
        for entry in entries {
            let path = entry.map_err(|error| io_error(&self.dir, error))?.path();
            if path.extension().is_none_or(|ext| ext != "json") {
                continue;
            }
            let text = fs::read_to_string(&path).map_err(|error| io_error(&path, error))?;
            if let Ok(file) = serde_json::from_str::<KeyFile>(&text) {
                keys.push(KeyEntry {
                    name: file.name,
                    account_id: file.account_id,
                    encrypted: matches!(file.secret, Secret::Encrypted { .. }),
                });
            }
        }
        keys.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(keys)
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.join(format!("{name}.json"))
    }
}

fn check_name(name: &str) -> Result<(), CliError> {
    let ok = !name.is_empty()
        && name.len() <= 64
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
    if ok {
        Ok(())
    } else {
        Err(CliError::BadInput(format!(
            "key name {name:?}: use 1-64 letters, digits, '_' or '-'"
        )))
    }
}

fn cipher(passphrase: &str, salt: &[u8], kdf: Kdf) -> Result<XChaCha20Poly1305, CliError> {
    if kdf.m_cost_kib > Kdf::MAX.m_cost_kib
        || kdf.t_cost > Kdf::MAX.t_cost
        || kdf.p_cost > Kdf::MAX.p_cost
    {
        return Err(CliError::BadInput(format!(
            "the key file asks for Argon2id parameters beyond any sane setting ({kdf:?})"
        )));
    }
    let params = Params::new(kdf.m_cost_kib, kdf.t_cost, kdf.p_cost, Some(32))
        .map_err(|error| CliError::BadInput(format!("unusable Argon2id parameters: {error}")))?;
    let mut key = Zeroizing::new([0u8; 32]);
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
        .hash_password_into(passphrase.as_bytes(), salt, key.as_mut())
        .map_err(|error| CliError::Failed(format!("key derivation failed: {error}")))?;
    Ok(XChaCha20Poly1305::new(key.as_ref().into()))
}

fn seed_from_hex(text: &str, path: &Path) -> Result<[u8; 32], CliError> {
    let mut seed = [0u8; 32];
    text.strip_prefix("0x")
        .and_then(|digits| hex::decode_to_slice(digits, &mut seed).ok())
        .ok_or_else(|| CliError::BadInput(format!("{} is damaged", path.display())))?;
    Ok(seed)
}

fn io_error(path: &Path, error: std::io::Error) -> CliError {
    CliError::Failed(format!("{}: {error}", path.display()))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn temp_home(tag: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("inkpost-keys-{tag}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        dir
    }

    #[test]
    fn keys_round_trip_with_and_without_a_passphrase_and_are_private() {
        let home = temp_home("round-trip");
        let store = Keystore::new(&home);
        let (identity, _) = Identity::generate();
        let plain = store.save("plain", &identity, None).unwrap();
        let secret = store.save("secret", &identity, Some("hunter2")).unwrap();
        for path in [&plain, &secret] {
            let mode = fs::metadata(path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600, "{}", path.display());
        }
        assert_eq!(
            store.load("plain", None).unwrap().account_id(),
            identity.account_id()
        );
        assert_eq!(
            store.load("secret", Some("hunter2")).unwrap().account_id(),
            identity.account_id()
        );
        // The seed is not in the encrypted file.
        let text = fs::read_to_string(&secret).unwrap();
        assert!(!text.contains(&hex::encode(identity.seed())));
        let listed = store.list().unwrap();
        assert_eq!(
            listed
                .iter()
                .map(|k| (k.name.as_str(), k.encrypted))
                .collect::<Vec<_>>(),
            vec![("plain", false), ("secret", true)]
        );
        fs::remove_dir_all(&home).unwrap();
    }

    #[test]
    fn wrong_passphrases_names_and_overwrites_are_refused() {
        let home = temp_home("refusals");
        let store = Keystore::new(&home);
        let (identity, _) = Identity::generate();
        store.save("k", &identity, Some("right")).unwrap();
        let wrong = store.load("k", Some("wrong")).unwrap_err();
        assert!(wrong.to_string().contains("wrong passphrase"), "{wrong}");
        let missing = store.load("k", None).unwrap_err();
        assert!(
            missing.to_string().contains("INKPOST_PASSPHRASE"),
            "{missing}"
        );
        let again = store.save("k", &identity, None).unwrap_err();
        assert_eq!(again.exit_code(), 2);
        assert_eq!(
            store.load("../etc/passwd", None).unwrap_err().exit_code(),
            2
        );
        assert_eq!(store.load("nobody", None).unwrap_err().exit_code(), 2);
        // Tampering with the ciphertext or the account is detected.
        let path = store.path("k");
        let text = fs::read_to_string(&path).unwrap();
        let mut file: KeyFile = serde_json::from_str(&text).unwrap();
        file.account_id = Identity::generate().0.account_id();
        fs::write(&path, serde_json::to_string(&file).unwrap()).unwrap();
        assert!(store.load("k", Some("right")).is_err());
        fs::remove_dir_all(&home).unwrap();
    }
    #[test]
    fn new_keys_record_their_kdf_and_old_files_still_open() {
        let home = temp_home("kdf");
        let store = Keystore::new(&home);
        let alice = Identity::from_suri("//Alice").unwrap();
        let path = store.save("alice", &alice, Some("pass")).unwrap();
        let text = fs::read_to_string(&path).unwrap();
        let value: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(value["encrypted"]["kdf"]["m_cost_kib"], 65536, "{text}");
        // A file as written before the parameters were recorded.
        let mut salt = [0u8; 16];
        OsRng.fill_bytes(&mut salt);
        let nonce = [3u8; 24];
        let bob = Identity::from_suri("//Bob").unwrap();
        let ciphertext = cipher("old", &salt, Kdf::LEGACY)
            .unwrap()
            .encrypt(
                XNonce::from_slice(&nonce),
                Payload {
                    msg: bob.seed(),
                    aad: &bob.account_id().0,
                },
            )
            .unwrap();
        let old = serde_json::json!({
            "name": "bob",
            "account_id": bob.account_id(),
            "encrypted": {
                "salt": hex::encode(salt),
                "nonce": hex::encode(nonce),
                "ciphertext": hex::encode(ciphertext),
            }
        });
        fs::write(store.path("bob"), old.to_string()).unwrap();
        let loaded = store.load("bob", Some("old")).unwrap();
        assert_eq!(loaded.account_id(), bob.account_id());
        // A planted file cannot ask for terabytes.
        let mut greedy = old.clone();
        greedy["encrypted"]["kdf"] =
            serde_json::json!({"m_cost_kib": u32::MAX, "t_cost": 1, "p_cost": 1});
        fs::write(store.path("bob"), greedy.to_string()).unwrap();
        assert_eq!(store.load("bob", Some("old")).unwrap_err().exit_code(), 2);
        let _ = fs::remove_dir_all(&home);
    }
}
