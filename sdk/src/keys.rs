//! One secret, every key: an [`Identity`] holds a 32-byte seed from which the
//! account's sr25519 signing key and each version of its X25519 encryption key
//! are derived, domain-separated, so that backing up the seed (or its mnemonic)
//! restores everything.
//!
//! Seeds come from a BIP-39 mnemonic (Substrate's derivation, as polkadot.js and
//! subkey do), a `0x` hex seed, or either followed by hard derivation junctions
//! such as `//Alice`. A bare `//Alice` uses the well-known development phrase.

use bip39::{Language, Mnemonic};
use parity_scale_codec::{Compact, Encode};
use rand_core::{OsRng, RngCore};
use schnorrkel::derive::ChainCode;
use schnorrkel::{ExpansionMode, MiniSecretKey};
use zeroize::{Zeroize, Zeroizing};

use crate::hash::{blake2_256, blake2_256_keyed};
use crate::ids::{AccountId, Address, EncryptionKey, KeyVersion};
use crate::signature::Signature;

/// The phrase behind Substrate's development accounts (`//Alice`, `//Bob`, …).
pub const DEV_PHRASE: &str =
    "bottom drive obey lake curtain smoke basket hold race lonely fit walk";

/// Personalisation of the encryption-key derivation from the seed.
const X25519_PERSONA: &[u8; 16] = b"inkpost/x25519v1";

/// Returned when a secret cannot be turned into an identity.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    /// The mnemonic is not a valid English BIP-39 phrase.
    #[error("not a valid BIP-39 mnemonic: {0}")]
    InvalidMnemonic(String),
    /// A hex seed is not 32 bytes of `0x`-prefixed hex.
    #[error("a hex seed must be 0x followed by 64 hex digits")]
    InvalidHexSeed,
    /// A soft junction (`/name`) was used; only hard junctions (`//name`)
    /// yield a seed from which the encryption key can be derived.
    #[error("soft derivation (`/{0}`) is not supported; use hard junctions such as `//{0}`")]
    SoftJunction(String),
    /// A junction is empty (`//` followed by nothing or by `/`).
    #[error("empty derivation junction in secret URI")]
    EmptyJunction,
}

/// An account's keys, all derived from one 32-byte seed.
#[derive(Clone)]
pub struct Identity {
    seed: Zeroizing<[u8; 32]>,
    keypair: schnorrkel::Keypair,
}

impl core::fmt::Debug for Identity {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Identity")
            .field("account", &self.account_id())
            .finish_non_exhaustive()
    }
}

impl Identity {
    /// The identity of a 32-byte seed (a Substrate sr25519 "mini secret key").
    pub fn from_seed(seed: [u8; 32]) -> Self {
        let seed = Zeroizing::new(seed);
        let keypair = mini_secret(&seed).expand_to_keypair(ExpansionMode::Ed25519);
        Self { seed, keypair }
    }

    /// A fresh identity and the 12-word mnemonic that restores it.
    pub fn generate() -> (Self, String) {
        let mut entropy = Zeroizing::new([0u8; 16]);
        OsRng.fill_bytes(entropy.as_mut());
        let mnemonic = Mnemonic::from_entropy_in(Language::English, entropy.as_ref())
            .unwrap_or_else(|_| unreachable!("16 bytes is a valid BIP-39 entropy length"));
        let phrase = mnemonic.to_string();
        let identity = Self::from_suri(&phrase)
            .unwrap_or_else(|_| unreachable!("a generated mnemonic parses"));
        (identity, phrase)
    }

    /// Parses a secret URI: `<mnemonic | 0xSEED>[//hard…][///password]`, or
    /// `//Alice`-style URIs over [`DEV_PHRASE`].
    pub fn from_suri(suri: &str) -> Result<Self, KeyError> {
        let suri = suri.trim();
        let (phrase_and_path, password) = match suri.split_once("///") {
            Some((head, password)) => (head, password),
            None => (suri, ""),
        };
        let path_start = phrase_and_path.find('/').unwrap_or(phrase_and_path.len());
        let (phrase, path) = phrase_and_path.split_at(path_start);
        let phrase = phrase.trim();
        let phrase = if phrase.is_empty() {
            DEV_PHRASE
        } else {
            phrase
        };

        let mut seed = root_seed(phrase, password)?;
        for junction in parse_path(path)? {
            let parent = mini_secret(&seed).expand(ExpansionMode::Ed25519);
            let (child, _) = parent.hard_derive_mini_secret_key(Some(ChainCode(junction)), b"");
            *seed = child.to_bytes();
        }
        Ok(Self::from_seed(*seed))
    }

    /// The seed; keep it secret (the CLI keystore encrypts it at rest).
    pub fn seed(&self) -> &[u8; 32] {
        &self.seed
    }

    /// The account id (sr25519 public key).
    pub fn account_id(&self) -> AccountId {
        AccountId(self.keypair.public.to_bytes())
    }

    /// The H160 address pallet-revive maps this account to.
    pub fn address(&self) -> Address {
        self.account_id().to_address()
    }

    /// Signs `message` under a signing context (domain tag).
    pub fn sign(&self, context: &[u8], message: &[u8]) -> Signature {
        Signature(self.keypair.sign_simple(context, message).to_bytes())
    }

    /// The public X25519 key of encryption-key version `version`.
    pub fn encryption_key(&self, version: KeyVersion) -> EncryptionKey {
        EncryptionKey(crate::hpke::public_key(&self.encryption_secret(version)))
    }

    /// The X25519 private key of `version`: a keyed BLAKE2b of the version
    /// under the seed (any 32 bytes are an X25519 private key, RFC 7748).
    pub(crate) fn encryption_secret(&self, version: KeyVersion) -> Zeroizing<[u8; 32]> {
        Zeroizing::new(blake2_256_keyed(
            &self.seed,
            X25519_PERSONA,
            &version.0.to_le_bytes(),
        ))
    }
}

fn mini_secret(seed: &[u8; 32]) -> MiniSecretKey {
    MiniSecretKey::from_bytes(seed)
        .unwrap_or_else(|_| unreachable!("any 32 bytes form a mini secret key"))
}

/// The seed of a mnemonic (Substrate's BIP-39 variant) or of a hex seed.
fn root_seed(phrase: &str, password: &str) -> Result<Zeroizing<[u8; 32]>, KeyError> {
    if let Some(digits) = phrase.strip_prefix("0x") {
        let mut bytes = Zeroizing::new(hex::decode(digits).map_err(|_| KeyError::InvalidHexSeed)?);
        let seed: [u8; 32] = bytes
            .as_slice()
            .try_into()
            .map_err(|_| KeyError::InvalidHexSeed)?;
        bytes.zeroize();
        return Ok(Zeroizing::new(seed));
    }
    let mnemonic = Mnemonic::parse_in_normalized(Language::English, phrase)
        .map_err(|error| KeyError::InvalidMnemonic(error.to_string()))?;
    let entropy = Zeroizing::new(mnemonic.to_entropy());
    let mini = substrate_bip39::mini_secret_from_entropy(&entropy, password)
        .map_err(|_| KeyError::InvalidMnemonic("entropy of unsupported length".into()))?;
    Ok(Zeroizing::new(mini.to_bytes()))
}

/// The chain codes of a derivation path of hard junctions (`//a//0`), encoded
/// as Substrate does: a number junction as its u64 SCALE encoding, any other
/// as a SCALE string, hashed with BLAKE2b-256 if longer than 32 bytes.
fn parse_path(path: &str) -> Result<Vec<[u8; 32]>, KeyError> {
    let mut codes = Vec::new();
    let mut rest = path;
    while !rest.is_empty() {
        let Some(after) = rest.strip_prefix("//") else {
            let name = rest.trim_start_matches('/');
            let name = name.split('/').next().unwrap_or_default();
            return Err(KeyError::SoftJunction(name.to_owned()));
        };
        let end = after.find('/').unwrap_or(after.len());
        let (name, tail) = after.split_at(end);
        if name.is_empty() {
            return Err(KeyError::EmptyJunction);
        }
        codes.push(chain_code(name));
        rest = tail;
    }
    Ok(codes)
}

fn chain_code(junction: &str) -> [u8; 32] {
    let encoded = match junction.parse::<u64>() {
        Ok(number) => number.encode(),
        Err(_) => {
            let mut bytes = Compact(junction.len() as u32).encode();
            bytes.extend_from_slice(junction.as_bytes());
            bytes
        }
    };
    let mut code = [0u8; 32];
    if encoded.len() > 32 {
        code = blake2_256(&[&encoded]);
    } else {
        code[..encoded.len()].copy_from_slice(&encoded);
    }
    code
}

/// Whether a message can be encrypted to `key`: a canonical X25519 public
/// key (below 2^255 − 19, top bit clear) not of small order. The identity
/// contract's own rule (`contracts/common`), for keys registered before it
/// applied.
pub fn is_usable_encryption_key(key: &EncryptionKey) -> bool {
    inkpost_common::is_usable_x25519_key(&key.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    // Public keys of Substrate's well-known development accounts.
    const ALICE: &str = "0xd43593c715fdd31c61141abd04a99fd6822c8558854ccde39a5684e7a56da27d";
    const BOB: &str = "0x8eaf04151687736326c9fea17e25fc5287613693c912909cb226aa4794f26a48";

    #[test]
    fn dev_uris_give_substrates_dev_accounts() {
        let alice = Identity::from_suri("//Alice").unwrap();
        assert_eq!(alice.account_id().to_string(), ALICE);
        let bob = Identity::from_suri(&format!("{DEV_PHRASE}//Bob")).unwrap();
        assert_eq!(bob.account_id().to_string(), BOB);
    }

    #[test]
    fn derived_identity_restores_from_its_seed() {
        let alice = Identity::from_suri("//Alice").unwrap();
        let restored = Identity::from_suri(&format!("0x{}", hex::encode(alice.seed()))).unwrap();
        assert_eq!(restored.account_id(), alice.account_id());
        assert_eq!(
            restored.encryption_key(KeyVersion(3)),
            alice.encryption_key(KeyVersion(3))
        );
    }

    #[test]
    fn generated_mnemonic_restores_the_same_keys() {
        let (identity, phrase) = Identity::generate();
        assert_eq!(phrase.split(' ').count(), 12);
        let restored = Identity::from_suri(&phrase).unwrap();
        assert_eq!(restored.account_id(), identity.account_id());
        assert_eq!(
            restored.encryption_key(KeyVersion(1)),
            identity.encryption_key(KeyVersion(1))
        );
    }

    #[test]
    fn password_and_junctions_change_the_account() {
        let plain = Identity::from_suri(DEV_PHRASE).unwrap().account_id();
        let with_password = Identity::from_suri(&format!("{DEV_PHRASE}///secret"))
            .unwrap()
            .account_id();
        let numbered = Identity::from_suri("//Alice//0").unwrap().account_id();
        assert_ne!(plain, with_password);
        assert_ne!(
            numbered,
            Identity::from_suri("//Alice").unwrap().account_id()
        );
    }

    #[test]
    fn encryption_keys_are_per_version_and_distinct_from_the_account_key() {
        let alice = Identity::from_suri("//Alice").unwrap();
        let v1 = alice.encryption_key(KeyVersion(1));
        assert_ne!(v1, alice.encryption_key(KeyVersion(2)));
        assert_ne!(v1.0, alice.account_id().0);
    }

    #[test]
    fn bad_secrets_are_rejected_with_a_reason() {
        assert!(matches!(
            Identity::from_suri("not a mnemonic at all"),
            Err(KeyError::InvalidMnemonic(_))
        ));
        assert_eq!(
            Identity::from_suri("0x1234").unwrap_err(),
            KeyError::InvalidHexSeed
        );
        assert_eq!(
            Identity::from_suri("//Alice/soft").unwrap_err(),
            KeyError::SoftJunction("soft".into())
        );
        assert_eq!(
            Identity::from_suri("//Alice//").unwrap_err(),
            KeyError::EmptyJunction
        );
    }
    #[test]
    fn unusable_encryption_keys_are_told_apart() {
        for version in 1..20 {
            let key = Identity::from_suri("//Alice")
                .unwrap()
                .encryption_key(KeyVersion(version));
            assert!(is_usable_encryption_key(&key));
        }
        for bad in inkpost_common::SMALL_ORDER_X25519_KEYS {
            assert!(!is_usable_encryption_key(&EncryptionKey(bad)));
        }
        let mut p = [0xff; 32];
        p[0] = 0xed;
        p[31] = 0x7f;
        assert!(!is_usable_encryption_key(&EncryptionKey(p)));
    }
}
