//! Postage at the HTTP boundary, on a fixed snapshot of chain state (no
//! node), on SQLite and on PostgreSQL: every voucher that does not pay is
//! refused with 402 and stores nothing; a paying voucher pays for one
//! message; a retry is answered without being charged again. Claiming on
//! chain is tested in `chain.rs`.
// Helpers outside #[test] functions unwrap too: a failure is the test failing.
#![allow(clippy::unwrap_used)]

use http::{Method, StatusCode};
use inkpost_relay::api::Limits;
use inkpost_relay::directory::Snapshot;
use inkpost_relay::postage::{MIN_BLOCKS_LEFT, Postage};
use inkpost_sdk::contracts::Channel;
use inkpost_sdk::ids::{Address, ChannelId, ConversationId, DirectId, KeyVersion};
use inkpost_sdk::relay::api::POSTAGE_HEADER;
use inkpost_sdk::voucher::{SignedVoucher, Voucher};
use inkpost_tests::db::Kind;
use inkpost_tests::relay::RouterRelay;
use inkpost_tests::world::{identity, message};

inkpost_tests::on_both!(
    the_relay_publishes_its_terms,
    vouchers_that_do_not_pay_are_refused_and_store_nothing,
    a_header_that_is_not_a_voucher_is_a_bad_request,
    a_voucher_pays_for_one_message_and_a_retry_is_not_charged,
    the_payer_sees_what_the_channel_paid_and_nobody_else,
    a_closing_or_expiring_channel_does_not_pay,
);

const PRICE: u128 = 1_000_000_000;
const DEPOSIT: u128 = 10 * PRICE;
const DOMAIN: [u8; 32] = [0xd0; 32];
const ESCROW: Address = Address([0xe5; 20]);
/// The last finalized block of the snapshot.
const FINALIZED: u64 = 1_000;

/// Alice's channel 1 to the relay; 2 to Bob; Bob's 3 to the relay.
const ALICES: ChannelId = ChannelId(1);
const TO_BOB: ChannelId = ChannelId(2);
const BOBS: ChannelId = ChannelId(3);

fn relay_account() -> Address {
    identity("//Ferdie").address()
}

fn channel(payer: &str, payee: Address) -> Channel {
    let payer = identity(payer);
    Channel {
        payer: payer.address(),
        payer_key: payer.account_id().0,
        payee,
        deposit: DEPOSIT,
        paid: 0,
        expiry: (FINALIZED + MIN_BLOCKS_LEFT + 10) as u32,
        closes_at: None,
    }
}

fn snapshot() -> Snapshot {
    let snapshot = Snapshot::new();
    for (uri, handle) in [("//Alice", "alice"), ("//Bob", "bob")] {
        let who = identity(uri);
        snapshot.register(handle, who.account_id(), who.encryption_key(KeyVersion(1)));
    }
    snapshot
        .set_channel(ALICES, channel("//Alice", relay_account()))
        .set_channel(TO_BOB, channel("//Alice", identity("//Bob").address()))
        .set_channel(BOBS, channel("//Bob", relay_account()))
        .set_finalized(FINALIZED);
    snapshot
}

async fn relay(kind: Kind) -> RouterRelay<Snapshot> {
    let terms = Postage {
        price: PRICE,
        escrow: ESCROW,
        payee: relay_account(),
        domain: DOMAIN,
    };
    RouterRelay::new(kind, snapshot(), Limits::default(), Some(terms)).await
}

fn voucher(signer: &str, channel: ChannelId, cumulative: u128) -> SignedVoucher {
    Voucher {
        domain: DOMAIN,
        contract: ESCROW,
        channel,
        cumulative,
    }
    .sign(&identity(signer))
}

fn to_bob() -> ConversationId {
    ConversationId::Direct(DirectId::between(
        &identity("//Alice").account_id(),
        &identity("//Bob").account_id(),
    ))
}

/// Alice's message `n` to Bob with `postage`: whether it was a retry, or
/// the error code.
async fn send(
    relay: &RouterRelay<Snapshot>,
    n: u8,
    postage: Option<SignedVoucher>,
) -> Result<bool, String> {
    let envelope = message("//Alice", to_bob(), 0, &["//Bob"], n);
    relay
        .client
        .submit(&identity("//Alice"), &envelope, postage.as_ref())
        .await
        .map(|answer| answer.duplicate)
        .map_err(|error| error.code().unwrap_or("no code").to_owned())
}

async fn stored(relay: &RouterRelay<Snapshot>) -> usize {
    relay.store.list(&to_bob(), 0, 100).await.unwrap().len()
}

async fn the_relay_publishes_its_terms(kind: Kind) {
    let relay = relay(kind).await;
    let terms = relay.client.postage_terms().await.unwrap().unwrap();
    assert_eq!(
        (terms.price, terms.escrow, terms.payee),
        (PRICE, ESCROW, relay_account())
    );
    assert_eq!(terms.domain, format!("0x{}", hex_of(&DOMAIN)));
}

fn hex_of(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

async fn vouchers_that_do_not_pay_are_refused_and_store_nothing(kind: Kind) {
    let relay = relay(kind).await;
    let resigned = |mut signed: SignedVoucher, change: fn(&mut Voucher)| {
        change(&mut signed.voucher);
        signed.voucher.sign(&identity("//Alice"))
    };
    for (what, postage) in [
        ("no voucher", None),
        (
            "signed by another key",
            Some(voucher("//Bob", ALICES, PRICE)),
        ),
        (
            "another chain",
            Some(resigned(voucher("//Alice", ALICES, PRICE), |v| {
                v.domain = [7; 32]
            })),
        ),
        (
            "another escrow contract",
            Some(resigned(voucher("//Alice", ALICES, PRICE), |v| {
                v.contract = Address([1; 20])
            })),
        ),
        (
            "a channel paying someone else",
            Some(voucher("//Alice", TO_BOB, PRICE)),
        ),
        (
            "someone else's channel",
            Some(voucher("//Bob", BOBS, PRICE)),
        ),
        (
            "no such channel",
            Some(voucher("//Alice", ChannelId(9_999), PRICE)),
        ),
        (
            "more than the deposit",
            Some(voucher("//Alice", ALICES, DEPOSIT + 1)),
        ),
        (
            "less than the price",
            Some(voucher("//Alice", ALICES, PRICE - 1)),
        ),
    ] {
        assert_eq!(
            send(&relay, 31, postage).await,
            Err("postage_required".into()),
            "{what}"
        );
    }
    assert_eq!(stored(&relay).await, 0);
}

async fn a_header_that_is_not_a_voucher_is_a_bad_request(kind: Kind) {
    let relay = relay(kind).await;
    let envelope = message("//Alice", to_bob(), 0, &["//Bob"], 31);
    let mut request = relay
        .client
        .signed(
            &identity("//Alice"),
            Method::POST,
            "/v1/envelopes",
            envelope.to_bytes(),
        )
        .await
        .unwrap();
    request
        .headers_mut()
        .insert(POSTAGE_HEADER, "not a voucher".parse().unwrap());
    let response = relay.client.exchange(request).await.unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert_eq!(stored(&relay).await, 0);
}

async fn a_voucher_pays_for_one_message_and_a_retry_is_not_charged(kind: Kind) {
    let relay = relay(kind).await;
    // A voucher for the price pays for one message
    assert_eq!(
        send(&relay, 31, Some(voucher("//Alice", ALICES, PRICE))).await,
        Ok(false)
    );
    // A retry, with or without it, is answered with the original
    assert_eq!(
        send(&relay, 31, Some(voucher("//Alice", ALICES, PRICE))).await,
        Ok(true)
    );
    assert_eq!(send(&relay, 31, None).await, Ok(true));
    // The same voucher does not pay for a second message; a higher one does
    assert_eq!(
        send(&relay, 32, Some(voucher("//Alice", ALICES, PRICE))).await,
        Err("postage_required".into())
    );
    assert_eq!(
        send(&relay, 32, Some(voucher("//Alice", ALICES, 2 * PRICE))).await,
        Ok(false)
    );
    assert_eq!(stored(&relay).await, 2);
}

async fn the_payer_sees_what_the_channel_paid_and_nobody_else(kind: Kind) {
    let relay = relay(kind).await;
    send(&relay, 31, Some(voucher("//Alice", ALICES, PRICE)))
        .await
        .unwrap();
    send(&relay, 32, Some(voucher("//Alice", ALICES, 2 * PRICE)))
        .await
        .unwrap();
    let account = relay
        .client
        .postage_account(&identity("//Alice"), ALICES)
        .await
        .unwrap();
    assert_eq!(
        (
            account.messages,
            account.cumulative,
            account.claimed,
            account.next_cumulative
        ),
        (2, 2 * PRICE, 0, 3 * PRICE)
    );
    let error = relay
        .client
        .postage_account(&identity("//Bob"), ALICES)
        .await
        .unwrap_err();
    assert_eq!(error.code(), Some("forbidden"), "{error}");
}

async fn a_closing_or_expiring_channel_does_not_pay(kind: Kind) {
    let relay = relay(kind).await;
    let mut closing = channel("//Alice", relay_account());
    closing.closes_at = Some(FINALIZED as u32 + 5);
    let mut expiring = channel("//Alice", relay_account());
    expiring.expiry = (FINALIZED + MIN_BLOCKS_LEFT - 1) as u32;
    relay
        .view
        .set_channel(ChannelId(10), closing)
        .set_channel(ChannelId(11), expiring);
    for channel in [ChannelId(10), ChannelId(11)] {
        let refused = send(&relay, 40, Some(voucher("//Alice", channel, PRICE))).await;
        assert_eq!(refused, Err("postage_required".into()), "channel {channel}");
    }
    assert_eq!(stored(&relay).await, 0);
}
