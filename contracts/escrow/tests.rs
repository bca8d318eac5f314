//! Off-chain unit tests of the escrow contract, with the vouchers that
//! `inkpost_sdk` signed in `sdk/fixtures/vouchers.json` (real sr25519
//! signatures, checked by the engine's `sr25519_verify`).
//!
//! Vectors: 0 and 1 are //Alice's vouchers for 1,000,000 and 2,000,000 on
//! channel 0 of contract 0xaa…aa in domain 0x11…11; 4 is vector 0's voucher
//! signed by //Bob; 2 and 3 are for other channels, contracts and domains.

use crate::escrow::{Channel, Error, Escrow};
use ink::env::{test, DefaultEnvironment};
use ink::{Address, U256};

/// Contract value units per native unit, as on ink-node.
const UNIT: u128 = 1_000_000;
const DISPUTE_WINDOW: u32 = inkpost_common::MIN_DISPUTE_WINDOW;
const DEPOSIT: u128 = 5_000_000;

struct Vector {
    account: [u8; 32],
    domain: [u8; 32],
    contract: [u8; 20],
    channel: u64,
    cumulative: u128,
    payload: Vec<u8>,
    signature: [u8; 64],
}

fn hex_bytes(value: &serde_json::Value) -> Vec<u8> {
    let text = value.as_str().expect("hex string");
    hex::decode(text.trim_start_matches("0x")).expect("hex")
}

fn vectors() -> Vec<Vector> {
    let fixture: serde_json::Value =
        serde_json::from_str(include_str!("../../sdk/fixtures/vouchers.json")).expect("fixture");
    fixture["vectors"]
        .as_array()
        .expect("vectors")
        .iter()
        .map(|v| Vector {
            account: hex_bytes(&v["payer_account"]).try_into().expect("32 bytes"),
            domain: hex_bytes(&v["voucher"]["domain"])
                .try_into()
                .expect("32 bytes"),
            contract: hex_bytes(&v["voucher"]["contract"])
                .try_into()
                .expect("20 bytes"),
            channel: v["voucher"]["channel"].as_u64().expect("u64"),
            cumulative: v["voucher"]["cumulative"]
                .as_str()
                .expect("decimal")
                .parse()
                .expect("u128"),
            payload: hex_bytes(&v["payload"]),
            signature: hex_bytes(&v["signature"]).try_into().expect("64 bytes"),
        })
        .collect()
}

fn native(amount: u128) -> U256 {
    U256::from(amount) * U256::from(UNIT)
}

struct World {
    escrow: Escrow,
    payer: Address,
    payer_key: [u8; 32],
    payee: Address,
    contract: Address,
}

impl World {
    fn balances(&self) -> [U256; 3] {
        [self.payer, self.payee, self.contract]
            .map(|a| test::get_contract_balance::<DefaultEnvironment>(a).unwrap_or_default())
    }

    fn open(&mut self, deposit: u128, expiry: u32) -> Result<u64, Error> {
        test::set_caller(self.payer);
        test::transfer_in(native(deposit));
        self.escrow.open(self.payee, self.payer_key, expiry)
    }

    fn claim(&mut self, channel: u64, vector: &Vector) -> Result<u128, Error> {
        test::set_caller(self.payee);
        test::set_value_transferred(U256::zero());
        self.escrow
            .claim(channel, vector.cumulative, vector.signature)
    }

    fn as_payer(&self) {
        test::set_caller(self.payer);
        test::set_value_transferred(U256::zero());
    }

    fn channel(&self, id: u64) -> Channel {
        self.escrow.channel(id).expect("channel")
    }
}

/// An escrow at `contract` in `domain`, and //Alice's address funded.
fn world_at(contract: [u8; 20], domain: [u8; 32]) -> World {
    let alice = &vectors()[0];
    let contract = Address::from(contract);
    test::set_callee(contract);
    let payer = inkpost_common::address_of(&alice.account);
    test::set_contract_balance(payer, native(1_000_000_000));
    let payee = test::default_accounts().bob;
    test::set_contract_balance(payee, U256::zero());
    test::set_caller(payer);
    World {
        escrow: Escrow::new(domain, U256::from(UNIT), DISPUTE_WINDOW).expect("escrow"),
        payer,
        payer_key: alice.account,
        payee,
        contract,
    }
}

/// The escrow the first vouchers were signed for.
fn world() -> World {
    world_at([0xaa; 20], [0x11; 32])
}

fn events() -> usize {
    test::recorded_events().len()
}

/// Asserts that `attempt` fails with `error`, moving no value and writing no
/// event or channel state.
fn assert_rejected<T: core::fmt::Debug>(
    w: &mut World,
    channel: u64,
    error: Error,
    attempt: impl FnOnce(&mut World) -> Result<T, Error>,
) {
    let (balances, state, emitted) = (w.balances(), w.escrow.channel(channel), events());
    let result = attempt(w);
    assert_eq!(result.map(|_| ()), Err(error));
    assert_eq!(w.balances(), balances, "no value moves");
    assert_eq!(w.escrow.channel(channel), state, "channel unchanged");
    assert_eq!(events(), emitted, "no event");
}

#[ink::test]
fn payloads_match_the_sdk_vectors_and_their_signatures_verify() {
    for vector in vectors() {
        let w = world_at(vector.contract, vector.domain);
        let payload = w.escrow.voucher_payload(vector.channel, vector.cumulative);
        assert_eq!(payload.to_vec(), vector.payload);
        ink::env::sr25519_verify(&vector.signature, &payload, &vector.account)
            .expect("the SDK's signature verifies in the contract");
    }
}

#[ink::test]
fn open_records_the_channel_and_emits() {
    let mut w = world();
    assert_eq!(w.open(DEPOSIT, 100), Ok(0));
    let channel = w.channel(0);
    assert_eq!(
        channel,
        Channel {
            payer: w.payer,
            payer_key: w.payer_key,
            payee: w.payee,
            deposit: DEPOSIT,
            paid: 0,
            expiry: 100,
            closes_at: None,
        }
    );
    assert_eq!(w.open(1, 100), Ok(1));
    assert_eq!(events(), 2);
}

#[ink::test]
fn open_rejects_bad_input() {
    let mut w = world();
    let payer_key = w.payer_key;
    let payee = w.payee;
    assert_rejected(&mut w, 0, Error::ZeroValue, |w| {
        test::set_value_transferred(U256::zero());
        w.escrow.open(payee, payer_key, 100)
    });
    assert_rejected(&mut w, 0, Error::FractionalValue, |w| {
        test::set_value_transferred(U256::from(UNIT + 1));
        w.escrow.open(payee, payer_key, 100)
    });
    let payer = w.payer;
    assert_rejected(&mut w, 0, Error::SelfChannel, |w| {
        test::set_value_transferred(native(1));
        w.escrow.open(payer, payer_key, 100)
    });
    test::set_block_number::<DefaultEnvironment>(50);
    assert_rejected(&mut w, 0, Error::ExpiryInPast, |w| {
        test::set_value_transferred(native(1));
        w.escrow.open(payee, payer_key, 50)
    });
    // Bob's key presented by Alice: vouchers would verify under the wrong key.
    let bob_key = vectors()[4].account;
    assert_rejected(&mut w, 0, Error::KeyMismatch, |w| {
        test::set_value_transferred(native(1));
        w.escrow.open(payee, bob_key, 100)
    });
}

#[ink::test]
fn claims_with_sdk_vouchers_pay_the_difference() {
    let mut w = world();
    w.open(DEPOSIT, 100).unwrap();
    let vectors = vectors();
    let [payer, payee, contract] = w.balances();

    assert_eq!(w.claim(0, &vectors[0]), Ok(1_000_000));
    assert_eq!(w.claim(0, &vectors[1]), Ok(1_000_000));

    let [payer_after, payee_after, contract_after] = w.balances();
    assert_eq!(payer_after, payer);
    assert_eq!(payee_after - payee, native(2_000_000));
    assert_eq!(contract - contract_after, native(2_000_000));
    assert_eq!(w.channel(0).paid, 2_000_000);
}

#[ink::test]
fn attack_voucher_signed_by_the_payee() {
    let mut w = world();
    w.open(DEPOSIT, 100).unwrap();
    // Vector 4: the same voucher as vector 0, signed by //Bob.
    let forged = &vectors()[4];
    assert_rejected(&mut w, 0, Error::InvalidSignature, |w| w.claim(0, forged));
}

#[ink::test]
fn attack_replayed_voucher() {
    let mut w = world();
    w.open(DEPOSIT, 100).unwrap();
    let vectors = vectors();
    w.claim(0, &vectors[0]).unwrap();
    assert_rejected(&mut w, 0, Error::VoucherNotIncreasing, |w| {
        w.claim(0, &vectors[0])
    });
}

#[ink::test]
fn attack_lower_voucher_after_a_higher_one() {
    let mut w = world();
    w.open(DEPOSIT, 100).unwrap();
    let vectors = vectors();
    w.claim(0, &vectors[1]).unwrap();
    assert_rejected(&mut w, 0, Error::VoucherNotIncreasing, |w| {
        w.claim(0, &vectors[0])
    });
}

#[ink::test]
fn attack_voucher_of_another_channel() {
    let mut w = world();
    w.open(DEPOSIT, 100).unwrap();
    w.open(DEPOSIT, 100).unwrap();
    // Vector 0 is for channel 0; presented on channel 1.
    assert_rejected(&mut w, 1, Error::InvalidSignature, |w| {
        w.claim(1, &vectors()[0])
    });
}

#[ink::test]
fn attack_voucher_of_another_contract_address() {
    // Same domain, different escrow address.
    let mut w = world_at([0xab; 20], [0x11; 32]);
    w.open(DEPOSIT, 100).unwrap();
    assert_rejected(&mut w, 0, Error::InvalidSignature, |w| {
        w.claim(0, &vectors()[0])
    });
}

#[ink::test]
fn attack_voucher_of_another_domain() {
    // Same address, another chain's domain value.
    let mut w = world_at([0xaa; 20], [0x12; 32]);
    w.open(DEPOSIT, 100).unwrap();
    assert_rejected(&mut w, 0, Error::InvalidSignature, |w| {
        w.claim(0, &vectors()[0])
    });
}

#[ink::test]
fn attack_claim_one_block_after_expiry() {
    let mut w = world();
    w.open(DEPOSIT, 20).unwrap();
    let vectors = vectors();
    // Claiming in the expiry block itself works ...
    test::set_block_number::<DefaultEnvironment>(20);
    assert_eq!(w.claim(0, &vectors[0]), Ok(1_000_000));
    // ... one block later it does not.
    test::set_block_number::<DefaultEnvironment>(21);
    assert_rejected(&mut w, 0, Error::ChannelExpired, |w| {
        w.claim(0, &vectors[1])
    });
}

#[ink::test]
fn attack_refund_one_block_before_expiry_passes() {
    let mut w = world();
    w.open(DEPOSIT, 20).unwrap();
    test::set_block_number::<DefaultEnvironment>(20);
    assert_rejected(&mut w, 0, Error::NotExpired, |w| {
        w.as_payer();
        w.escrow.refund(0)
    });
    test::set_block_number::<DefaultEnvironment>(21);
    let before = w.balances()[0];
    w.as_payer();
    assert_eq!(w.escrow.refund(0), Ok(DEPOSIT));
    assert_eq!(w.balances()[0] - before, native(DEPOSIT));
    assert_eq!(w.escrow.channel(0), None);
}

#[ink::test]
fn attack_amount_overflow() {
    let mut w = world();
    // A voucher for u128::MAX (vector 2 is for another channel and contract,
    // so the signature would fail too; the amount check comes first).
    let huge = &vectors()[2];
    assert_eq!(huge.cumulative, u128::MAX);
    w.open(DEPOSIT, 100).unwrap();
    assert_rejected(&mut w, 0, Error::VoucherExceedsDeposit, |w| {
        w.claim(0, huge)
    });

    // A deposit of u128::MAX native units, then a top-up: the sum overflows.
    test::set_contract_balance(w.payer, native(u128::MAX) + native(10));
    w.open(u128::MAX, 100).unwrap();
    assert_rejected(&mut w, 1, Error::Overflow, |w| {
        test::set_caller(w.payer);
        test::set_value_transferred(native(1));
        w.escrow.top_up(1)
    });
    // A value above u128::MAX native units cannot even be expressed.
    let (payee, key) = (w.payee, w.payer_key);
    assert_rejected(&mut w, 2, Error::Overflow, |w| {
        test::set_value_transferred(native(u128::MAX) + native(1));
        w.escrow.open(payee, key, 100)
    });
}

#[ink::test]
fn attack_claim_after_close() {
    let mut w = world();
    w.open(DEPOSIT, 1_000).unwrap();
    let vectors = vectors();
    test::set_block_number::<DefaultEnvironment>(5);
    w.as_payer();
    assert_eq!(w.escrow.start_close(0), Ok(5 + DISPUTE_WINDOW));
    // In the dispute window the payee can still claim.
    test::set_block_number::<DefaultEnvironment>(5 + DISPUTE_WINDOW - 1);
    assert_eq!(w.claim(0, &vectors[0]), Ok(1_000_000));
    // The payer cannot finalize early.
    assert_rejected(&mut w, 0, Error::DisputeWindowOpen, |w| {
        w.as_payer();
        w.escrow.finalize(0)
    });
    // When the window ends, claims stop ...
    test::set_block_number::<DefaultEnvironment>(5 + DISPUTE_WINDOW);
    assert_rejected(&mut w, 0, Error::ChannelClosed, |w| w.claim(0, &vectors[1]));
    // ... and the payer gets the unpaid rest.
    let before = w.balances()[0];
    w.as_payer();
    assert_eq!(w.escrow.finalize(0), Ok(DEPOSIT - 1_000_000));
    assert_eq!(w.balances()[0] - before, native(DEPOSIT - 1_000_000));
    // After settlement nothing can be claimed.
    assert_rejected(&mut w, 0, Error::NoSuchChannel, |w| w.claim(0, &vectors[1]));
}

#[ink::test]
fn only_the_payer_manages_and_only_the_payee_claims() {
    let mut w = world();
    w.open(DEPOSIT, 100).unwrap();
    let vectors = vectors();
    let stranger = test::default_accounts().eve;
    assert_rejected(&mut w, 0, Error::NotPayee, |w| {
        test::set_caller(stranger);
        w.escrow
            .claim(0, vectors[0].cumulative, vectors[0].signature)
    });
    assert_rejected(&mut w, 0, Error::NotPayee, |w| {
        w.as_payer();
        w.escrow
            .claim(0, vectors[0].cumulative, vectors[0].signature)
    });
    type Attempt = fn(&mut Escrow) -> Result<(), Error>;
    let attempts: [Attempt; 3] = [
        |e| e.start_close(0).map(|_| ()),
        |e| e.finalize(0).map(|_| ()),
        |e| e.refund(0).map(|_| ()),
    ];
    for attempt in attempts {
        assert_rejected(&mut w, 0, Error::NotPayer, |w| {
            test::set_caller(stranger);
            test::set_value_transferred(U256::zero());
            attempt(&mut w.escrow)
        });
    }
    assert_rejected(&mut w, 0, Error::NotPayer, |w| {
        test::set_caller(stranger);
        test::set_value_transferred(native(1));
        w.escrow.top_up(0)
    });
}

#[ink::test]
fn close_lifecycle_errors() {
    let mut w = world();
    w.open(DEPOSIT, 100).unwrap();
    assert_rejected(&mut w, 0, Error::NotClosing, |w| {
        w.as_payer();
        w.escrow.finalize(0)
    });
    w.as_payer();
    w.escrow.start_close(0).unwrap();
    assert_rejected(&mut w, 0, Error::AlreadyClosing, |w| {
        w.as_payer();
        w.escrow.start_close(0)
    });
    assert_rejected(&mut w, 0, Error::AlreadyClosing, |w| {
        test::set_caller(w.payer);
        test::set_value_transferred(native(1));
        w.escrow.top_up(0)
    });
    assert_rejected(&mut w, 7, Error::NoSuchChannel, |w| {
        w.as_payer();
        w.escrow.start_close(7)
    });
}

#[ink::test]
fn top_up_adds_to_the_deposit() {
    let mut w = world();
    w.open(DEPOSIT, 100).unwrap();
    test::transfer_in(native(3));
    assert_eq!(w.escrow.top_up(0), Ok(DEPOSIT + 3));
    assert_eq!(w.channel(0).deposit, DEPOSIT + 3);
    test::set_block_number::<DefaultEnvironment>(101);
    assert_rejected(&mut w, 0, Error::ChannelExpired, |w| {
        test::set_caller(w.payer);
        test::set_value_transferred(native(1));
        w.escrow.top_up(0)
    });
}

#[ink::test]
fn tips_pay_the_recipient_and_name_the_message() {
    let mut w = world();
    let to = w.payee;
    test::set_caller(w.payer);
    test::transfer_in(native(7));
    assert_eq!(w.escrow.tip(to, [0x42; 32]), Ok(()));
    assert_eq!(w.balances()[1], native(7));
    let event = test::recorded_events().pop().expect("event");
    assert!(event
        .topics
        .iter()
        .any(|topic| topic.as_slice() == [0x42; 32]));
}

#[ink::test]
fn attack_tip_with_zero_value() {
    let mut w = world();
    let to = w.payee;
    assert_rejected(&mut w, 0, Error::ZeroValue, |w| {
        test::set_caller(w.payer);
        test::set_value_transferred(U256::zero());
        w.escrow.tip(to, [0x42; 32])
    });
}

#[ink::test]
fn a_zero_unit_or_a_short_dispute_window_is_refused() {
    let unit = U256::from(UNIT);
    let window = inkpost_common::MIN_DISPUTE_WINDOW;
    assert_eq!(
        Escrow::new([0; 32], U256::zero(), window).err(),
        Some(Error::InvalidConfig)
    );
    // A payer could close and settle before the payee's claim is final
    for short in [0, 1, window - 1] {
        assert_eq!(
            Escrow::new([0; 32], unit, short).err(),
            Some(Error::InvalidConfig),
            "{short}"
        );
    }
    assert!(Escrow::new([0; 32], unit, window).is_ok());
}
