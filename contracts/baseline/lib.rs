//! # Inkpost baseline
//!
//! ## Overview
//!
//! Not part of Inkpost's protocol: the smallest useful contract call, against
//! which `scripts/contract-costs.sh` compares the real contracts' costs. Its
//! `flip` message flips one bool, inserts one `Mapping` entry and emits one
//! event, as the reference measurement in the toolchain notes does.
//!
//! ## Errors
//!
//! None: `flip` cannot fail.
//!
//! ## Interface
//!
//! - `flip()`: flip the bool, record the caller, emit [`Flipped`].
//! - `get()`: the bool.

#![cfg_attr(not(feature = "std"), no_std, no_main)]

pub use self::baseline::Baseline;

#[ink::contract]
mod baseline {
    use ink::storage::Mapping;

    /// Emitted by every flip.
    #[ink(event)]
    pub struct Flipped {
        /// Who flipped.
        #[ink(topic)]
        pub by: Address,
        /// The new value.
        pub value: bool,
    }

    /// One bool and one mapping.
    #[ink(storage)]
    #[derive(Default)]
    pub struct Baseline {
        value: bool,
        last: Mapping<Address, bool>,
    }

    impl Baseline {
        /// A baseline contract holding `false`.
        #[ink(constructor)]
        pub fn new() -> Self {
            Self::default()
        }

        /// Flips the bool, records it under the caller and emits an event.
        #[ink(message)]
        pub fn flip(&mut self) {
            self.value = !self.value;
            let by = self.env().caller();
            self.last.insert(by, &self.value);
            self.env().emit_event(Flipped {
                by,
                value: self.value,
            });
        }

        /// The bool.
        #[ink(message)]
        pub fn get(&self) -> bool {
            self.value
        }
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[ink::test]
        fn flip_flips_records_and_emits() {
            let mut baseline = Baseline::new();
            baseline.flip();
            assert!(baseline.get());
            baseline.flip();
            assert!(!baseline.get());
            assert_eq!(ink::env::test::recorded_events().len(), 2);
        }
    }
}
