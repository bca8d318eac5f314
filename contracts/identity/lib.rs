//! # Inkpost identity
//!
//! ## Overview
//!
//! The handle registry and key directory. An account registers a unique
//! handle together with its sr25519 account id (which must map to the
//! caller's address, so nobody can publish someone else's account key) and an
//! X25519 encryption key. Each registration locks a refundable deposit, set
//! at instantiation, against squatting. The encryption key can be rotated; its
//! version counts up and every rotation is an event, so the event log is an
//! auditable key-transparency log. Releasing the handle refunds the deposit.
//!
//! Handles are 3 to 32 characters of `a-z`, `0-9` and `_`, starting with a
//! letter.
//!
//! ## Errors
//!
//! Every message returns [`Error`] and changes nothing on error.
//!
//! ## Interface
//!
//! - `register(handle, account_id, encryption_key)` (payable: exactly the
//!   deposit), `rotate_key(encryption_key)`, `release()`.
//! - `by_address(address)`, `by_handle(handle)`, `is_registered(address)`,
//!   `deposit()`, `count()`: queries.
//!
//! Events: [`Registered`], [`KeyRotated`], [`Released`] (topic: the address;
//! and the handle where there is one).

#![cfg_attr(not(feature = "std"), no_std, no_main)]

pub use self::identity::{Error, Identity, Record};

#[ink::contract]
mod identity {
    use ink::prelude::string::String;
    use ink::storage::Mapping;
    use ink::U256;
    use inkpost_common::{address_of, is_usable_x25519_key};

    /// Shortest handle.
    pub const MIN_HANDLE_LEN: usize = 3;
    /// Longest handle.
    pub const MAX_HANDLE_LEN: usize = 32;

    /// A registered identity.
    #[derive(Debug, Clone, PartialEq, Eq)]
    #[ink::scale_derive(Encode, Decode, TypeInfo)]
    #[cfg_attr(feature = "std", derive(ink::storage::traits::StorageLayout))]
    pub struct Record {
        /// The handle.
        pub handle: String,
        /// The sr25519 account id (public key) behind the address.
        pub account_id: [u8; 32],
        /// The current X25519 encryption key.
        pub encryption_key: [u8; 32],
        /// Version of the encryption key: 1 at registration, +1 per rotation.
        pub key_version: u32,
        /// Block of registration.
        pub registered_at: u32,
    }

    /// Errors of the identity contract.
    #[derive(Debug, Clone, PartialEq, Eq)]
    #[ink::scale_derive(Encode, Decode, TypeInfo)]
    pub enum Error {
        /// Returned if the value sent with `register` is not exactly the deposit.
        WrongDeposit {
            /// The deposit to send.
            required: U256,
        },
        /// Returned if the handle is too short, too long, or has characters
        /// other than `a-z`, `0-9` and `_`, or does not start with a letter.
        InvalidHandle,
        /// Returned if the handle belongs to another address.
        HandleTaken,
        /// Returned if the caller already has a handle.
        AlreadyRegistered,
        /// Returned if the caller has no handle.
        NotRegistered,
        /// Returned if the account id does not map to the caller's address.
        AccountMismatch,
        /// Returned if the encryption key is not a canonical X25519 public
        /// key or is one of small order (nobody could encrypt to it safely,
        /// and a group would have to skip it).
        InvalidEncryptionKey,
        /// Returned if a rotation gives the key that is already current.
        SameKey,
        /// Returned if the key version would overflow.
        Overflow,
        /// Returned if refunding the deposit failed.
        TransferFailed,
    }

    /// The identity contract's result type.
    pub type Result<T> = core::result::Result<T, Error>;

    /// Emitted when an address registers a handle.
    #[ink(event)]
    pub struct Registered {
        /// The registering address.
        #[ink(topic)]
        pub address: Address,
        /// The handle.
        #[ink(topic)]
        pub handle: String,
        /// Its sr25519 account id.
        pub account_id: [u8; 32],
        /// Its X25519 encryption key.
        pub encryption_key: [u8; 32],
        /// The key's version (1).
        pub key_version: u32,
    }

    /// Emitted when an identity rotates its encryption key.
    #[ink(event)]
    pub struct KeyRotated {
        /// The address.
        #[ink(topic)]
        pub address: Address,
        /// The new X25519 key.
        pub encryption_key: [u8; 32],
        /// The new version.
        pub key_version: u32,
    }

    /// Emitted when an address releases its handle.
    #[ink(event)]
    pub struct Released {
        /// The address.
        #[ink(topic)]
        pub address: Address,
        /// The released handle.
        #[ink(topic)]
        pub handle: String,
    }

    /// Handles and keys by address, addresses by handle.
    #[ink(storage)]
    pub struct Identity {
        records: Mapping<Address, Record>,
        handles: Mapping<String, Address>,
        deposit: U256,
        count: u64,
    }

    impl Identity {
        /// A registry whose registrations lock `deposit` (in the contract
        /// value unit; on ink-node 10^6 per native unit).
        #[ink(constructor)]
        pub fn new(deposit: U256) -> Self {
            Self {
                records: Mapping::default(),
                handles: Mapping::default(),
                deposit,
                count: 0,
            }
        }

        /// Registers `handle` for the caller with its sr25519 `account_id`
        /// and X25519 `encryption_key` (version 1). Send exactly the deposit.
        #[ink(message, payable)]
        pub fn register(
            &mut self,
            handle: String,
            account_id: [u8; 32],
            encryption_key: [u8; 32],
        ) -> Result<()> {
            let caller = self.env().caller();
            if self.env().transferred_value() != self.deposit {
                return Err(Error::WrongDeposit {
                    required: self.deposit,
                });
            }
            if !is_valid_handle(&handle) {
                return Err(Error::InvalidHandle);
            }
            if !is_usable_x25519_key(&encryption_key) {
                return Err(Error::InvalidEncryptionKey);
            }
            if address_of(&account_id) != caller {
                return Err(Error::AccountMismatch);
            }
            if self.records.contains(caller) {
                return Err(Error::AlreadyRegistered);
            }
            if self.handles.contains(&handle) {
                return Err(Error::HandleTaken);
            }
            let count = self.count.checked_add(1).ok_or(Error::Overflow)?;
            self.handles.insert(&handle, &caller);
            self.records.insert(
                caller,
                &Record {
                    handle: handle.clone(),
                    account_id,
                    encryption_key,
                    key_version: 1,
                    registered_at: self.env().block_number(),
                },
            );
            self.count = count;
            self.env().emit_event(Registered {
                address: caller,
                handle,
                account_id,
                encryption_key,
                key_version: 1,
            });
            Ok(())
        }

        /// Replaces the caller's encryption key; the version grows by one.
        #[ink(message)]
        pub fn rotate_key(&mut self, encryption_key: [u8; 32]) -> Result<u32> {
            let caller = self.env().caller();
            let mut record = self.records.get(caller).ok_or(Error::NotRegistered)?;
            if !is_usable_x25519_key(&encryption_key) {
                return Err(Error::InvalidEncryptionKey);
            }
            if encryption_key == record.encryption_key {
                return Err(Error::SameKey);
            }
            record.key_version = record.key_version.checked_add(1).ok_or(Error::Overflow)?;
            record.encryption_key = encryption_key;
            self.records.insert(caller, &record);
            self.env().emit_event(KeyRotated {
                address: caller,
                encryption_key,
                key_version: record.key_version,
            });
            Ok(record.key_version)
        }

        /// Releases the caller's handle and refunds the deposit.
        #[ink(message)]
        pub fn release(&mut self) -> Result<()> {
            let caller = self.env().caller();
            let record = self.records.take(caller).ok_or(Error::NotRegistered)?;
            self.handles.remove(&record.handle);
            self.count = self.count.saturating_sub(1);
            if self.deposit > U256::zero() {
                self.env()
                    .transfer(caller, self.deposit)
                    .map_err(|_| Error::TransferFailed)?;
            }
            self.env().emit_event(Released {
                address: caller,
                handle: record.handle,
            });
            Ok(())
        }

        /// The identity registered by `address`.
        #[ink(message)]
        pub fn by_address(&self, address: Address) -> Option<Record> {
            self.records.get(address)
        }

        /// The address and identity that hold `handle`.
        #[ink(message)]
        pub fn by_handle(&self, handle: String) -> Option<(Address, Record)> {
            let address = self.handles.get(&handle)?;
            self.records.get(address).map(|record| (address, record))
        }

        /// Whether `address` has a handle.
        #[ink(message)]
        pub fn is_registered(&self, address: Address) -> bool {
            self.records.contains(address)
        }

        /// The deposit a registration locks.
        #[ink(message)]
        pub fn deposit(&self) -> U256 {
            self.deposit
        }

        /// The number of registered identities.
        #[ink(message)]
        pub fn count(&self) -> u64 {
            self.count
        }
    }

    /// Whether `handle` is 3–32 characters of `a-z0-9_` starting with a letter.
    pub fn is_valid_handle(handle: &str) -> bool {
        let bytes = handle.as_bytes();
        (MIN_HANDLE_LEN..=MAX_HANDLE_LEN).contains(&bytes.len())
            && bytes[0].is_ascii_lowercase()
            && bytes
                .iter()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || *b == b'_')
    }

    #[cfg(test)]
    mod tests {
        use super::*;
        use ink::env::test;

        /// //Alice's and //Bob's account ids and the addresses pallet-revive
        /// gives them (also in sdk/fixtures/vouchers.json).
        const ALICE: [u8; 32] =
            hex32("d43593c715fdd31c61141abd04a99fd6822c8558854ccde39a5684e7a56da27d");
        const BOB: [u8; 32] =
            hex32("8eaf04151687736326c9fea17e25fc5287613693c912909cb226aa4794f26a48");
        const DEPOSIT: u128 = 5_000_000;

        const fn hex32(text: &str) -> [u8; 32] {
            let bytes = text.as_bytes();
            let mut out = [0u8; 32];
            let mut i = 0;
            while i < 32 {
                out[i] = nibble(bytes[2 * i]) << 4 | nibble(bytes[2 * i + 1]);
                i += 1;
            }
            out
        }

        const fn nibble(c: u8) -> u8 {
            match c {
                b'0'..=b'9' => c - b'0',
                _ => c - b'a' + 10,
            }
        }

        fn alice() -> Address {
            address_of(&ALICE)
        }

        fn bob() -> Address {
            address_of(&BOB)
        }

        fn setup() -> Identity {
            let contract = Identity::new(U256::from(DEPOSIT));
            test::set_contract_balance(test::callee(), U256::from(1_000_000_000u128));
            contract
        }

        fn register_as(
            contract: &mut Identity,
            caller: Address,
            handle: &str,
            account: [u8; 32],
            key: u8,
        ) -> Result<()> {
            test::set_caller(caller);
            test::set_value_transferred(U256::from(DEPOSIT));
            contract.register(handle.into(), account, [key; 32])
        }

        fn events() -> usize {
            test::recorded_events().len()
        }

        #[test]
        fn handle_rules() {
            for good in ["bob", "alice_2", "a23", "abcdefghijklmnopqrstuvwxyz012345"] {
                assert!(is_valid_handle(good), "{good}");
            }
            for bad in [
                "",
                "ab",
                "Bob",
                "1bob",
                "_bob",
                "bo b",
                "bob!",
                "böb",
                "abcdefghijklmnopqrstuvwxyz0123456",
            ] {
                assert!(!is_valid_handle(bad), "{bad}");
            }
        }

        #[ink::test]
        fn register_and_look_up() {
            let mut contract = setup();
            register_as(&mut contract, alice(), "alice", ALICE, 1).unwrap();
            let record = contract.by_address(alice()).unwrap();
            assert_eq!(record.handle, "alice");
            assert_eq!(record.account_id, ALICE);
            assert_eq!(record.encryption_key, [1; 32]);
            assert_eq!(record.key_version, 1);
            assert_eq!(contract.by_handle("alice".into()), Some((alice(), record)));
            assert!(contract.is_registered(alice()));
            assert!(!contract.is_registered(bob()));
            assert_eq!(contract.by_handle("bob".into()), None);
            assert_eq!(contract.count(), 1);
            assert_eq!(contract.deposit(), U256::from(DEPOSIT));
            assert_eq!(events(), 1);
        }

        #[ink::test]
        fn register_rejects_bad_input_and_changes_nothing() {
            let mut contract = setup();
            test::set_caller(alice());
            test::set_value_transferred(U256::from(DEPOSIT - 1));
            assert_eq!(
                contract.register("alice".into(), ALICE, [1; 32]),
                Err(Error::WrongDeposit {
                    required: U256::from(DEPOSIT)
                })
            );
            assert_eq!(
                register_as(&mut contract, alice(), "Alice", ALICE, 1),
                Err(Error::InvalidHandle)
            );
            assert_eq!(
                register_as(&mut contract, alice(), "alice", ALICE, 0),
                Err(Error::InvalidEncryptionKey)
            );
            // Keys of small order and non-canonical encodings, not just zero.
            for bad in inkpost_common::SMALL_ORDER_X25519_KEYS
                .into_iter()
                .chain([[0xff; 32]])
            {
                test::set_value_transferred(U256::from(DEPOSIT));
                assert_eq!(
                    contract.register("alice".into(), ALICE, bad),
                    Err(Error::InvalidEncryptionKey)
                );
            }
            // Bob's account id presented by Alice's address.
            assert_eq!(
                register_as(&mut contract, alice(), "alice", BOB, 1),
                Err(Error::AccountMismatch)
            );
            assert_eq!(contract.count(), 0);
            assert!(!contract.is_registered(alice()));
            assert_eq!(contract.by_handle("alice".into()), None);
            assert_eq!(events(), 0);
        }

        #[ink::test]
        fn handles_are_unique_and_one_per_address() {
            let mut contract = setup();
            register_as(&mut contract, alice(), "alice", ALICE, 1).unwrap();
            assert_eq!(
                register_as(&mut contract, bob(), "alice", BOB, 2),
                Err(Error::HandleTaken)
            );
            assert_eq!(
                register_as(&mut contract, alice(), "alice2", ALICE, 1),
                Err(Error::AlreadyRegistered)
            );
            assert_eq!(contract.by_handle("alice".into()).unwrap().0, alice());
            assert_eq!(contract.by_handle("alice2".into()), None);
            assert_eq!(contract.count(), 1);
        }

        #[ink::test]
        fn rotation_bumps_the_version_and_logs_each_key() {
            let mut contract = setup();
            register_as(&mut contract, alice(), "alice", ALICE, 1).unwrap();
            assert_eq!(contract.rotate_key([2; 32]), Ok(2));
            assert_eq!(contract.rotate_key([3; 32]), Ok(3));
            let record = contract.by_address(alice()).unwrap();
            assert_eq!((record.encryption_key, record.key_version), ([3; 32], 3));
            assert_eq!(events(), 3);

            assert_eq!(contract.rotate_key([3; 32]), Err(Error::SameKey));
            for bad in inkpost_common::SMALL_ORDER_X25519_KEYS {
                assert_eq!(contract.rotate_key(bad), Err(Error::InvalidEncryptionKey));
            }
            test::set_caller(bob());
            assert_eq!(contract.rotate_key([9; 32]), Err(Error::NotRegistered));
            assert_eq!(contract.by_address(alice()).unwrap().key_version, 3);
            assert_eq!(events(), 3);
        }

        #[ink::test]
        fn the_version_cannot_overflow() {
            let mut contract = setup();
            register_as(&mut contract, alice(), "alice", ALICE, 1).unwrap();
            let mut record = contract.by_address(alice()).unwrap();
            record.key_version = u32::MAX;
            contract.records.insert(alice(), &record);
            assert_eq!(contract.rotate_key([2; 32]), Err(Error::Overflow));
            assert_eq!(
                contract.by_address(alice()).unwrap().encryption_key,
                [1; 32]
            );
        }

        #[ink::test]
        fn release_frees_the_handle_and_refunds_the_deposit() {
            let mut contract = setup();
            register_as(&mut contract, alice(), "alice", ALICE, 1).unwrap();
            let before = test::get_contract_balance::<ink::env::DefaultEnvironment>(alice())
                .unwrap_or_default();
            test::set_value_transferred(U256::zero());
            contract.release().unwrap();
            let after =
                test::get_contract_balance::<ink::env::DefaultEnvironment>(alice()).unwrap();
            assert_eq!(after - before, U256::from(DEPOSIT));
            assert!(!contract.is_registered(alice()));
            assert_eq!(contract.by_handle("alice".into()), None);
            assert_eq!(contract.count(), 0);
            // The handle is free again, for anyone.
            register_as(&mut contract, bob(), "alice", BOB, 2).unwrap();
            assert_eq!(contract.by_handle("alice".into()).unwrap().0, bob());
        }

        #[ink::test]
        fn release_without_a_handle_is_rejected() {
            let mut contract = setup();
            test::set_caller(bob());
            assert_eq!(contract.release(), Err(Error::NotRegistered));
            assert_eq!(events(), 0);
        }
    }
}
