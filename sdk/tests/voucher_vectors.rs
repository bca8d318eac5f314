//! The published voucher vectors (`fixtures/vouchers.json`) hold: the payer
//! keys derive from the URIs, the payloads encode as this library encodes
//! them, and the signatures verify (and fail for any other signer).

use inkpost_sdk::ids::{AccountId, Address};
use inkpost_sdk::keys::Identity;
use inkpost_sdk::signature::Signature;
use inkpost_sdk::voucher::{SignedVoucher, Voucher};
use serde::Deserialize;

#[derive(Deserialize)]
struct Fixture {
    tag: String,
    vectors: Vec<Vector>,
}

#[derive(Deserialize)]
struct Vector {
    payer_suri: String,
    payer_account: AccountId,
    payer_address: Address,
    voucher: Voucher,
    payload: String,
    signature: Signature,
}

#[test]
fn published_vectors_match_this_library() {
    let fixture: Fixture =
        serde_json::from_str(include_str!("../fixtures/vouchers.json")).expect("fixture parses");
    assert_eq!(fixture.tag.as_bytes(), inkpost_sdk::voucher::VOUCHER_TAG);
    assert!(fixture.vectors.len() >= 5);
    let stranger = Identity::from_suri("//Ferdie").unwrap().account_id();
    for vector in fixture.vectors {
        let payer = Identity::from_suri(&vector.payer_suri).unwrap();
        assert_eq!(payer.account_id(), vector.payer_account);
        assert_eq!(payer.address(), vector.payer_address);
        assert_eq!(
            format!("0x{}", hex::encode(vector.voucher.payload())),
            vector.payload
        );
        let signed = SignedVoucher {
            voucher: vector.voucher,
            signature: vector.signature,
        };
        signed.verify(&vector.payer_account).unwrap();
        assert!(signed.verify(&stranger).is_err());
    }
}
