//! Prints voucher test vectors as JSON; `sdk/fixtures/vouchers.json` is its
//! output. Signatures are randomised (sr25519), so a new run gives new but
//! equally valid signatures; payloads are deterministic.
//!
//! ```sh
//! cargo run -p inkpost-sdk --example voucher_vectors > sdk/fixtures/vouchers.json
//! ```

use inkpost_sdk::ids::{Address, ChannelId};
use inkpost_sdk::keys::Identity;
use inkpost_sdk::voucher::Voucher;
use serde_json::json;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    // A dev chain's genesis hash is per chain; these vectors use fixed domains.
    let cases = [
        ("//Alice", [0x11; 32], [0xaa; 20], 0, 1_000_000u128),
        ("//Alice", [0x11; 32], [0xaa; 20], 0, 2_000_000),
        ("//Bob", [0x22; 32], [0xbb; 20], 7, u128::MAX),
        ("//Charlie", [0x00; 32], [0x00; 20], u64::MAX, 0),
        // The first voucher signed by someone else (the payee, in the
        // contracts' attack tests): valid for //Bob, not for //Alice.
        ("//Bob", [0x11; 32], [0xaa; 20], 0, 1_000_000),
    ];
    let mut vectors = Vec::new();
    for (suri, domain, contract, channel, cumulative) in cases {
        let payer = Identity::from_suri(suri)?;
        let voucher = Voucher {
            domain,
            contract: Address(contract),
            channel: ChannelId(channel),
            cumulative,
        };
        let signed = voucher.sign(&payer);
        vectors.push(json!({
            "payer_suri": suri,
            "payer_account": payer.account_id(),
            "payer_address": payer.address(),
            "voucher": voucher,
            "payload": format!("0x{}", hex::encode(voucher.payload())),
            "signature": signed.signature,
        }));
    }
    let fixture = json!({
        "description": "Inkpost payment-channel voucher vectors: payload = tag ‖ domain ‖ contract ‖ channel (u64 LE) ‖ cumulative (u128 LE); sr25519 signature by the payer, signing context \"substrate\".",
        "tag": String::from_utf8_lossy(&inkpost_sdk::voucher::VOUCHER_TAG),
        "vectors": vectors,
    });
    println!("{}", serde_json::to_string_pretty(&fixture)?);
    Ok(())
}
