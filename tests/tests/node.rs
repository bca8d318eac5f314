//! The dev chain the other end-to-end tests build on: it starts, serves
//! pallet-revive, and produces and finalizes blocks.

use inkpost_tests::node::TestNode;
use inkpost_tests::within;

#[tokio::test]
async fn dev_node_serves_revive_and_finalizes_blocks() {
    // Given a fresh dev chain
    let node = TestNode::start().unwrap_or_else(|error| panic!("{error}"));
    let client = within(60, "connect to the node", node.client())
        .await
        .expect("connect");

    // Then its runtime has pallet-revive (the contracts pallet)
    let metadata = client.metadata();
    let revive = metadata.pallet_by_name("Revive").expect("Revive pallet");
    assert!(revive.call_variant_by_name("map_account").is_some());
    assert!(
        revive
            .call_variant_by_name("instantiate_with_code")
            .is_some()
    );

    // And a transfer is included and finalized
    let dest = subxt::utils::AccountId32(
        inkpost_sdk::keys::Identity::from_suri("//Bob")
            .expect("dev URI")
            .account_id()
            .0,
    );
    let transfer = subxt::dynamic::tx(
        "Balances",
        "transfer_keep_alive",
        vec![
            subxt::dynamic::Value::unnamed_variant(
                "Id",
                [subxt::dynamic::Value::from_bytes(dest.0)],
            ),
            subxt::dynamic::Value::u128(1_000_000_000_000),
        ],
    );
    let alice = dev_signer("//Alice");
    let events = within(60, "finalize a transfer", async {
        client
            .tx()
            .sign_and_submit_then_watch_default(&transfer, &alice)
            .await?
            .wait_for_finalized_success()
            .await
    })
    .await
    .expect("transfer finalized");
    assert!(
        events
            .iter()
            .flatten()
            .any(|event| event.variant_name() == "Transfer")
    );
}

/// A subxt signer from the SDK's key derivation.
fn dev_signer(uri: &str) -> impl subxt::tx::Signer<subxt::PolkadotConfig> {
    inkpost_sdk::chain::Sr25519Signer::new(
        inkpost_sdk::keys::Identity::from_suri(uri).expect("dev URI"),
    )
}
