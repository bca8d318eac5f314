//! The two public-key primitives of the protocol, from one of two
//! implementations of the same standards:
//!
//! - HPKE base mode, single shot (RFC 9180: DHKEM(X25519, HKDF-SHA256),
//!   HKDF-SHA256, ChaCha20-Poly1305), which wraps an envelope's content key
//!   for each recipient;
//! - the X25519 public key of a private key (RFC 7748).
//!
//! Feature `native` (the default) takes them from aws-lc-rs through rustls
//! (sealing runs 2.3× faster than pure Rust, `docs/benchmarks.md`); feature
//! `pure` from RustCrypto's `hpke` and `x25519-dalek`, which also build for
//! WebAssembly (the web client). Both produce the same bytes: the RFC's
//! test vectors and envelopes sealed by one and opened by the other prove it
//! (`tests` below, with both features on). With both on, `native` serves.

#[cfg(not(any(feature = "native", feature = "pure")))]
compile_error!(
    "inkpost-sdk needs feature `native` (aws-lc-rs) or `pure` (pure Rust, for WebAssembly)"
);

/// Length of an encapsulated key (an X25519 public key).
pub const ENCAPSULATED_LEN: usize = 32;

/// Returned when sealing to a key that is not a usable X25519 public key,
/// or when a ciphertext does not open.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum HpkeError {
    /// The recipient's public key yields no shared secret (a small-order
    /// point).
    #[error("the recipient's key is not a usable X25519 public key")]
    InvalidKey,
    /// The ciphertext does not open under this key, info and aad.
    #[error("the ciphertext does not open")]
    OpenFailed,
}

/// One sealed plaintext: the encapsulated key and the ciphertext (with its
/// 16-byte tag).
pub struct Sealed {
    /// The sender's ephemeral X25519 public key.
    pub encapsulated: [u8; ENCAPSULATED_LEN],
    /// The ciphertext followed by the Poly1305 tag.
    pub ciphertext: Vec<u8>,
}

#[cfg(feature = "native")]
pub use native::{open, public_key, seal};
#[cfg(all(feature = "pure", not(feature = "native")))]
pub use pure::{open, public_key, seal};

/// aws-lc-rs, through rustls's HPKE provider.
#[cfg(feature = "native")]
pub mod native {
    use aws_lc_rs::agreement::{PrivateKey, X25519};
    use rustls::crypto::aws_lc_rs::hpke::DH_KEM_X25519_HKDF_SHA256_CHACHA20_POLY1305 as SUITE;
    use rustls::crypto::hpke::{EncapsulatedSecret, Hpke, HpkePrivateKey, HpkePublicKey};

    use super::{HpkeError, Sealed};

    /// Seals `plaintext` to `recipient` (`SealBase`, RFC 9180 §6.1).
    pub fn seal(
        recipient: &[u8; 32],
        info: &[u8],
        aad: &[u8],
        plaintext: &[u8],
    ) -> Result<Sealed, HpkeError> {
        let (encapsulated, ciphertext) = SUITE
            .seal(info, aad, plaintext, &HpkePublicKey(recipient.to_vec()))
            .map_err(|_| HpkeError::InvalidKey)?;
        Ok(Sealed {
            encapsulated: encapsulated
                .0
                .as_slice()
                .try_into()
                .map_err(|_| HpkeError::InvalidKey)?,
            ciphertext,
        })
    }

    /// Opens what [`seal`] sealed to the public key of `secret`
    /// (`OpenBase`).
    pub fn open(
        encapsulated: &[u8; 32],
        secret: &[u8; 32],
        info: &[u8],
        aad: &[u8],
        ciphertext: &[u8],
    ) -> Result<Vec<u8>, HpkeError> {
        SUITE
            .open(
                &EncapsulatedSecret(encapsulated.to_vec()),
                info,
                aad,
                ciphertext,
                &HpkePrivateKey::from(secret.to_vec()),
            )
            .map_err(|_| HpkeError::OpenFailed)
    }

    /// The X25519 public key of `secret`.
    pub fn public_key(secret: &[u8; 32]) -> [u8; 32] {
        let public = PrivateKey::from_private_key(&X25519, secret)
            .ok()
            .and_then(|key| key.compute_public_key().ok())
            .unwrap_or_else(|| unreachable!("any 32 bytes are an X25519 private key"));
        let mut bytes = [0u8; 32];
        bytes.copy_from_slice(public.as_ref());
        bytes
    }
}

/// RustCrypto's `hpke` and `x25519-dalek`: no C, builds for WebAssembly.
#[cfg(feature = "pure")]
pub mod pure {
    use hpke::aead::ChaCha20Poly1305;
    use hpke::kdf::HkdfSha256;
    use hpke::kem::X25519HkdfSha256;
    use hpke::{Deserializable, Kem, OpModeR, OpModeS, Serializable};

    use super::{HpkeError, Sealed};

    type PublicKey = <X25519HkdfSha256 as Kem>::PublicKey;
    type PrivateKey = <X25519HkdfSha256 as Kem>::PrivateKey;
    type EncappedKey = <X25519HkdfSha256 as Kem>::EncappedKey;

    /// Seals `plaintext` to `recipient` (`SealBase`, RFC 9180 §6.1).
    pub fn seal(
        recipient: &[u8; 32],
        info: &[u8],
        aad: &[u8],
        plaintext: &[u8],
    ) -> Result<Sealed, HpkeError> {
        seal_with_rng(recipient, info, aad, plaintext, &mut OsRng09)
    }

    /// [`seal`] with the ephemeral key's randomness from `rng` (the RFC's
    /// test vectors fix it).
    pub(crate) fn seal_with_rng<R>(
        recipient: &[u8; 32],
        info: &[u8],
        aad: &[u8],
        plaintext: &[u8],
        rng: &mut R,
    ) -> Result<Sealed, HpkeError>
    where
        R: rand_core_09::CryptoRng + rand_core_09::RngCore,
    {
        let recipient = PublicKey::from_bytes(recipient).map_err(|_| HpkeError::InvalidKey)?;
        let (encapsulated, ciphertext) = hpke::single_shot_seal::<
            ChaCha20Poly1305,
            HkdfSha256,
            X25519HkdfSha256,
            _,
        >(
            &OpModeS::Base, &recipient, info, plaintext, aad, rng
        )
        .map_err(|_| HpkeError::InvalidKey)?;
        let mut bytes = [0u8; 32];
        bytes.copy_from_slice(&encapsulated.to_bytes());
        Ok(Sealed {
            encapsulated: bytes,
            ciphertext,
        })
    }

    /// Opens what [`seal`] sealed to the public key of `secret`
    /// (`OpenBase`).
    pub fn open(
        encapsulated: &[u8; 32],
        secret: &[u8; 32],
        info: &[u8],
        aad: &[u8],
        ciphertext: &[u8],
    ) -> Result<Vec<u8>, HpkeError> {
        let secret = PrivateKey::from_bytes(secret).map_err(|_| HpkeError::OpenFailed)?;
        let encapsulated =
            EncappedKey::from_bytes(encapsulated).map_err(|_| HpkeError::OpenFailed)?;
        hpke::single_shot_open::<ChaCha20Poly1305, HkdfSha256, X25519HkdfSha256>(
            &OpModeR::Base,
            &secret,
            &encapsulated,
            info,
            ciphertext,
            aad,
        )
        .map_err(|_| HpkeError::OpenFailed)
    }

    /// The X25519 public key of `secret`.
    pub fn public_key(secret: &[u8; 32]) -> [u8; 32] {
        x25519_dalek::PublicKey::from(&x25519_dalek::StaticSecret::from(*secret)).to_bytes()
    }

    /// The operating system's randomness (rand_core 0.6's `OsRng`: getrandom
    /// 0.2, `crypto.getRandomValues` in a browser) behind the rand_core 0.9
    /// traits that `hpke` 0.13 asks for.
    struct OsRng09;

    impl rand_core_09::RngCore for OsRng09 {
        fn next_u32(&mut self) -> u32 {
            rand_core::RngCore::next_u32(&mut rand_core::OsRng)
        }

        fn next_u64(&mut self) -> u64 {
            rand_core::RngCore::next_u64(&mut rand_core::OsRng)
        }

        fn fill_bytes(&mut self, dest: &mut [u8]) {
            rand_core::RngCore::fill_bytes(&mut rand_core::OsRng, dest)
        }
    }

    impl rand_core_09::CryptoRng for OsRng09 {}
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 9180 A.2.1: DHKEM(X25519, HKDF-SHA256), HKDF-SHA256,
    /// ChaCha20Poly1305, base mode, the first encryption.
    mod rfc9180 {
        pub const INFO: &str = "4f6465206f6e2061204772656369616e2055726e";
        pub const IKM_E: &str = "909a9b35d3dc4713a5e72a4da274b55d3d3821a37e5d099e74a647db583a904b";
        pub const PK_EM: &str = "1afa08d3dec047a643885163f1180476fa7ddb54c6a8029ea33f95796bf2ac4a";
        pub const SK_EM: &str = "f4ec9b33b792c372c1d2c2063507b684ef925b8c75a42dbcbf57d63ccd381600";
        pub const PK_RM: &str = "4310ee97d88cc1f088a5576c77ab0cf5c3ac797f3d95139c6c84b5429c59662a";
        pub const SK_RM: &str = "8057991eef8f1f1af18f4a9491d16a1ce333f695d4db8e38da75975c4478e0fb";
        pub const PT: &str = "4265617574792069732074727574682c20747275746820626561757479";
        pub const AAD: &str = "436f756e742d30";
        pub const CT: &str = "1c5250d8034ec2b784ba2cfd69dbdb8af406cfe3ff938e131f0def8c8b60b4db21993c62ce81883d2dd1b51a28";
    }

    fn bytes(hex: &str) -> Vec<u8> {
        hex::decode(hex).unwrap()
    }

    fn key(hex: &str) -> [u8; 32] {
        bytes(hex).try_into().unwrap()
    }

    type SealFn = fn(&[u8; 32], &[u8], &[u8], &[u8]) -> Result<Sealed, HpkeError>;
    type OpenFn = fn(&[u8; 32], &[u8; 32], &[u8], &[u8], &[u8]) -> Result<Vec<u8>, HpkeError>;

    /// One implementation, by name.
    struct Backend {
        name: &'static str,
        seal: SealFn,
        open: OpenFn,
        public_key: fn(&[u8; 32]) -> [u8; 32],
    }

    /// Each backend compiled in.
    const BACKENDS: &[Backend] = &[
        #[cfg(feature = "native")]
        Backend {
            name: "native",
            seal: native::seal,
            open: native::open,
            public_key: native::public_key,
        },
        #[cfg(feature = "pure")]
        Backend {
            name: "pure",
            seal: pure::seal,
            open: pure::open,
            public_key: pure::public_key,
        },
    ];

    #[test]
    fn every_backend_derives_the_rfc_s_public_keys_and_opens_its_ciphertext() {
        use rfc9180::*;
        for Backend {
            name,
            open,
            public_key,
            ..
        } in BACKENDS
        {
            assert_eq!(public_key(&key(SK_EM)), key(PK_EM), "{name}");
            assert_eq!(public_key(&key(SK_RM)), key(PK_RM), "{name}");
            let opened = open(
                &key(PK_EM),
                &key(SK_RM),
                &bytes(INFO),
                &bytes(AAD),
                &bytes(CT),
            );
            assert_eq!(opened.unwrap(), bytes(PT), "{name}");
            let mut tampered = bytes(CT);
            tampered[0] ^= 1;
            let refused = open(
                &key(PK_EM),
                &key(SK_RM),
                &bytes(INFO),
                &bytes(AAD),
                &tampered,
            );
            assert_eq!(refused, Err(HpkeError::OpenFailed), "{name}");
        }
    }

    /// The pure backend, given the RFC's ephemeral randomness, writes the
    /// RFC's bytes (aws-lc-rs takes no randomness from outside, so only
    /// its opening is checked against the RFC).
    #[cfg(feature = "pure")]
    #[test]
    fn the_pure_backend_seals_the_rfc_s_ciphertext_from_its_ephemeral_randomness() {
        use rfc9180::*;
        struct Fixed(Vec<u8>);
        impl rand_core_09::RngCore for Fixed {
            fn next_u32(&mut self) -> u32 {
                unreachable!("hpke draws the ephemeral key's ikm with fill_bytes")
            }
            fn next_u64(&mut self) -> u64 {
                unreachable!("hpke draws the ephemeral key's ikm with fill_bytes")
            }
            fn fill_bytes(&mut self, dest: &mut [u8]) {
                let taken: Vec<u8> = self.0.drain(..dest.len()).collect();
                dest.copy_from_slice(&taken);
            }
        }
        impl rand_core_09::CryptoRng for Fixed {}

        let sealed = pure::seal_with_rng(
            &key(PK_RM),
            &bytes(INFO),
            &bytes(AAD),
            &bytes(PT),
            &mut Fixed(bytes(IKM_E)),
        )
        .unwrap();
        assert_eq!(sealed.encapsulated, key(PK_EM));
        assert_eq!(sealed.ciphertext, bytes(CT));
    }

    #[test]
    fn what_one_backend_seals_every_backend_opens() {
        let secret = [7u8; 32];
        for Backend {
            name: sealer,
            seal,
            public_key,
            ..
        } in BACKENDS
        {
            let sealed = seal(&public_key(&secret), b"info", b"aad", b"content key").unwrap();
            for Backend {
                name: opener, open, ..
            } in BACKENDS
            {
                let opened = open(
                    &sealed.encapsulated,
                    &secret,
                    b"info",
                    b"aad",
                    &sealed.ciphertext,
                );
                assert_eq!(
                    opened.unwrap(),
                    b"content key",
                    "sealed by {sealer}, opened by {opener}"
                );
            }
        }
    }

    #[test]
    fn a_sealed_key_opens_only_with_the_recipient_s_secret_info_and_aad() {
        let secret = [7u8; 32];
        for Backend {
            name,
            seal,
            open,
            public_key,
        } in BACKENDS
        {
            let sealed = seal(&public_key(&secret), b"info", b"aad", b"content key").unwrap();
            for (secret, info, aad) in [
                (&[8u8; 32], &b"info"[..], &b"aad"[..]),
                (&secret, b"inf0", b"aad"),
                (&secret, b"info", b"aaD"),
            ] {
                let refused = open(&sealed.encapsulated, secret, info, aad, &sealed.ciphertext);
                assert_eq!(refused, Err(HpkeError::OpenFailed), "{name}");
            }
        }
    }

    #[test]
    fn every_backend_refuses_to_seal_to_a_small_order_key() {
        for Backend { name, seal, .. } in BACKENDS {
            for bad in inkpost_common::SMALL_ORDER_X25519_KEYS {
                let refused = seal(&bad, b"", b"", b"x").err();
                assert_eq!(refused, Some(HpkeError::InvalidKey), "{name}: {bad:02x?}");
            }
        }
    }
}
