//! End-to-end tests of escrow on inkpost-node (see the crate docs): payment
//! channels paying vouchers the protocol library signed, closing with a
//! dispute window, tips, all with real value transfers; and every attack on
//! a channel failing and moving nothing.

use ink_e2e::{ChainBackend, ContractsBackend};
use inkpost_contracts_e2e::{
    assert_rejected, deploy_escrow, next_block, open_channel, query, voucher, Deployed, Dev,
    E2EResult, NodeClient, DOMAIN, TOKEN,
};
use inkpost_escrow::{Error, Escrow};

/// Bob claims `cumulative` on `channel` with a voucher Alice signed and
/// gets back what the escrow paid now.
async fn claim(
    client: &mut NodeClient,
    escrow: &mut Deployed<Escrow>,
    (alice, bob): (&Dev, &Dev),
    channel: u64,
    cumulative: u128,
) -> E2EResult<u128> {
    let signature = voucher(alice, escrow.addr, DOMAIN, channel, cumulative);
    let paid = client
        .call(
            &bob.signer,
            &escrow.call.claim(channel, cumulative, signature),
        )
        .submit()
        .await?
        .return_value()
        .map_err(|error| format!("claim: {error:?}"))?;
    Ok(paid)
}

#[ink_e2e::test]
async fn claim_pays_the_voucher_out_of_the_escrow<Client: E2EBackend>(
    mut client: Client,
) -> E2EResult<()> {
    let (alice, bob) = (Dev::new("alice"), Dev::new("bob"));
    let mut escrow = deploy_escrow(&mut client).await?;

    // Given a channel from Alice to Bob with 10 tokens
    let channel = open_channel(&mut client, &mut escrow, &alice, &bob, 10 * TOKEN).await?;
    let funded = client.free_balance(escrow.account_id).await?;

    // When Bob claims 3 tokens with a voucher the protocol library signed
    let paid = claim(&mut client, &mut escrow, (&alice, &bob), channel, 3 * TOKEN).await?;

    // Then the escrow paid exactly the voucher
    assert_eq!(paid, 3 * TOKEN);
    assert_eq!(
        funded - client.free_balance(escrow.account_id).await?,
        3 * TOKEN
    );
    Ok(())
}

#[ink_e2e::test]
async fn payer_gets_the_unclaimed_rest_after_the_dispute_window<Client: E2EBackend>(
    mut client: Client,
) -> E2EResult<()> {
    let (alice, bob) = (Dev::new("alice"), Dev::new("bob"));
    let mut escrow = deploy_escrow(&mut client).await?;

    // Given a channel from Alice to Bob with 10 tokens, 3 of them claimed
    let channel = open_channel(&mut client, &mut escrow, &alice, &bob, 10 * TOKEN).await?;
    let funded = client.free_balance(escrow.account_id).await?;
    claim(&mut client, &mut escrow, (&alice, &bob), channel, 3 * TOKEN).await?;

    // When Alice starts closing, Bob claims once more inside the dispute
    // window, and Alice finalizes after it
    client
        .call(&alice.signer, &escrow.call.start_close(channel))
        .submit()
        .await
        .expect("start close");
    claim(&mut client, &mut escrow, (&alice, &bob), channel, 4 * TOKEN)
        .await
        .expect("claim in the dispute window");
    next_block(&mut client, &escrow).await?;
    let refund = client
        .call(&alice.signer, &escrow.call.finalize(channel))
        .submit()
        .await
        .expect("finalize")
        .return_value()
        .expect("refund");

    // Then Alice got the unpaid 6 tokens back and the channel is gone
    assert_eq!(refund, 6 * TOKEN);
    assert_eq!(
        funded - client.free_balance(escrow.account_id).await?,
        10 * TOKEN
    );
    assert_eq!(query!(client, escrow.call.channel(channel)), None);
    Ok(())
}

#[ink_e2e::test]
async fn claim_transfers_the_voucher_to_the_payee<Client: E2EBackend>(
    mut client: Client,
) -> E2EResult<()> {
    let (alice, bob) = (Dev::new("alice"), Dev::new("bob"));
    let mut escrow = deploy_escrow(&mut client).await?;

    // Given a channel from Alice to Bob holding 10 tokens
    let channel = open_channel(&mut client, &mut escrow, &alice, &bob, 10 * TOKEN).await?;

    // When Bob claims 4 tokens with a voucher from the protocol library
    let before = client.free_balance(bob.account_id()).await?;
    let paid = claim(&mut client, &mut escrow, (&alice, &bob), channel, 4 * TOKEN).await?;

    // Then he received them (less the call's fee, under one token here)
    assert_eq!(paid, 4 * TOKEN);
    let gained = client.free_balance(bob.account_id()).await? - before;
    assert!(gained > 3 * TOKEN && gained <= 4 * TOKEN, "gained {gained}");
    Ok(())
}

#[ink_e2e::test]
async fn voucher_signed_by_the_payee_is_rejected_after_a_claim<Client: E2EBackend>(
    mut client: Client,
) -> E2EResult<()> {
    let (alice, bob) = (Dev::new("alice"), Dev::new("bob"));
    let mut escrow = deploy_escrow(&mut client).await?;

    // Given a channel from Alice to Bob with 4 of its 10 tokens claimed
    let channel = open_channel(&mut client, &mut escrow, &alice, &bob, 10 * TOKEN).await?;
    claim(&mut client, &mut escrow, (&alice, &bob), channel, 4 * TOKEN).await?;
    let funded = client.free_balance(escrow.account_id).await?;

    // A voucher signed by Bob himself is refused by the real sr25519 check
    let forged = voucher(&bob, escrow.addr, DOMAIN, channel, 5 * TOKEN);
    assert_rejected!(
        client,
        &bob.signer,
        escrow.call.claim(channel, 5 * TOKEN, forged),
        Error::InvalidSignature
    );
    assert_eq!(client.free_balance(escrow.account_id).await?, funded);
    let state = query!(client, escrow.call.channel(channel)).expect("channel");
    assert_eq!((state.deposit, state.paid), (10 * TOKEN, 4 * TOKEN));
    Ok(())
}

#[ink_e2e::test]
async fn tip_transfers_exactly_its_value_to_the_recipient<Client: E2EBackend>(
    mut client: Client,
) -> E2EResult<()> {
    let (alice, bob) = (Dev::new("alice"), Dev::new("bob"));
    let mut escrow = deploy_escrow(&mut client).await?;

    // Given a channel from Alice to Bob with 4 of its 10 tokens claimed
    let channel = open_channel(&mut client, &mut escrow, &alice, &bob, 10 * TOKEN).await?;
    claim(&mut client, &mut escrow, (&alice, &bob), channel, 4 * TOKEN).await?;

    // When Alice tips Bob 2 tokens for a message
    let before = client.free_balance(bob.account_id()).await?;
    client
        .call(&alice.signer, &escrow.call.tip(bob.address(), [0x42; 32]))
        .value(2 * TOKEN)
        .submit()
        .await
        .expect("tip");

    // Then Bob's balance grew by exactly the tip, and the channel is as it was
    assert_eq!(
        client.free_balance(bob.account_id()).await? - before,
        2 * TOKEN
    );
    let state = query!(client, escrow.call.channel(channel)).expect("channel");
    assert_eq!((state.deposit, state.paid), (10 * TOKEN, 4 * TOKEN));
    Ok(())
}

/// The stage of the attacks: two escrow deployments with the same domain,
/// channels 0 and 1 from Alice to Bob on the first and channel 0 on the
/// second, 10 tokens each.
struct Attacked {
    first: Deployed<Escrow>,
    second: Deployed<Escrow>,
    alice: Dev,
    bob: Dev,
    /// The first escrow's balance once all channels are open.
    funded: u128,
}

async fn two_escrows(client: &mut NodeClient) -> E2EResult<Attacked> {
    let (alice, bob) = (Dev::new("alice"), Dev::new("bob"));
    let mut first = deploy_escrow(client).await?;
    let mut second = deploy_escrow(client).await?;
    assert_eq!(
        open_channel(client, &mut first, &alice, &bob, 10 * TOKEN).await?,
        0
    );
    assert_eq!(
        open_channel(client, &mut first, &alice, &bob, 10 * TOKEN).await?,
        1
    );
    assert_eq!(
        open_channel(client, &mut second, &alice, &bob, 10 * TOKEN).await?,
        0
    );
    let funded = client.free_balance(first.account_id).await?;
    Ok(Attacked {
        first,
        second,
        alice,
        bob,
        funded,
    })
}

/// Asserts the first escrow holds `balance` and that channel 1 was
/// untouched: its 10 tokens remain, nothing paid.
async fn assert_channel_1_untouched(
    client: &mut NodeClient,
    world: &Attacked,
    balance: u128,
) -> E2EResult<()> {
    assert_eq!(client.free_balance(world.first.account_id).await?, balance);
    let channel_1 = query!(client, world.first.call.channel(1));
    assert_eq!(
        channel_1.map(|c| (c.deposit, c.paid)),
        Some((10 * TOKEN, 0))
    );
    Ok(())
}

/// Asserts that an attack moved nothing: the first escrow holds what it was
/// funded with and neither channel paid anything.
async fn assert_nothing_moved(client: &mut NodeClient, world: &Attacked) -> E2EResult<()> {
    let channel_0 = query!(client, world.first.call.channel(0));
    assert_eq!(
        channel_0.map(|c| (c.deposit, c.paid)),
        Some((10 * TOKEN, 0))
    );
    assert_channel_1_untouched(client, world, world.funded).await
}

#[ink_e2e::test]
async fn voucher_signed_by_the_payee_is_rejected<Client: E2EBackend>(
    mut client: Client,
) -> E2EResult<()> {
    let mut w = two_escrows(&mut client).await?;
    let by_bob = voucher(&w.bob, w.first.addr, DOMAIN, 0, TOKEN);
    assert_rejected!(
        client,
        &w.bob.signer,
        w.first.call.claim(0, TOKEN, by_bob),
        Error::InvalidSignature
    );
    assert_nothing_moved(&mut client, &w).await
}

#[ink_e2e::test]
async fn voucher_for_another_channel_is_rejected<Client: E2EBackend>(
    mut client: Client,
) -> E2EResult<()> {
    let mut w = two_escrows(&mut client).await?;
    let for_channel_1 = voucher(&w.alice, w.first.addr, DOMAIN, 1, TOKEN);
    assert_rejected!(
        client,
        &w.bob.signer,
        w.first.call.claim(0, TOKEN, for_channel_1),
        Error::InvalidSignature
    );
    assert_nothing_moved(&mut client, &w).await
}

#[ink_e2e::test]
async fn voucher_for_another_deployment_is_rejected<Client: E2EBackend>(
    mut client: Client,
) -> E2EResult<()> {
    let mut w = two_escrows(&mut client).await?;
    // Same domain, same channel id, the other escrow's address
    let for_second = voucher(&w.alice, w.second.addr, DOMAIN, 0, TOKEN);
    assert_rejected!(
        client,
        &w.bob.signer,
        w.first.call.claim(0, TOKEN, for_second),
        Error::InvalidSignature
    );
    assert_nothing_moved(&mut client, &w).await?;
    let on_second = query!(client, w.second.call.channel(0));
    assert_eq!(
        on_second.map(|c| (c.deposit, c.paid)),
        Some((10 * TOKEN, 0))
    );
    Ok(())
}

#[ink_e2e::test]
async fn voucher_for_another_domain_is_rejected<Client: E2EBackend>(
    mut client: Client,
) -> E2EResult<()> {
    let mut w = two_escrows(&mut client).await?;
    let other_domain = voucher(&w.alice, w.first.addr, [0x12; 32], 0, TOKEN);
    assert_rejected!(
        client,
        &w.bob.signer,
        w.first.call.claim(0, TOKEN, other_domain),
        Error::InvalidSignature
    );
    assert_nothing_moved(&mut client, &w).await
}

#[ink_e2e::test]
async fn voucher_above_the_deposit_is_rejected<Client: E2EBackend>(
    mut client: Client,
) -> E2EResult<()> {
    let mut w = two_escrows(&mut client).await?;
    // Up to u128::MAX
    let huge = voucher(&w.alice, w.first.addr, DOMAIN, 0, u128::MAX);
    assert_rejected!(
        client,
        &w.bob.signer,
        w.first.call.claim(0, u128::MAX, huge),
        Error::VoucherExceedsDeposit
    );
    assert_nothing_moved(&mut client, &w).await
}

#[ink_e2e::test]
async fn payer_cannot_claim_its_own_channel<Client: E2EBackend>(
    mut client: Client,
) -> E2EResult<()> {
    let mut w = two_escrows(&mut client).await?;
    let good = voucher(&w.alice, w.first.addr, DOMAIN, 0, TOKEN);
    assert_rejected!(
        client,
        &w.alice.signer,
        w.first.call.claim(0, TOKEN, good),
        Error::NotPayee
    );
    assert_nothing_moved(&mut client, &w).await
}

#[ink_e2e::test]
async fn replayed_voucher_is_rejected<Client: E2EBackend>(mut client: Client) -> E2EResult<()> {
    let mut w = two_escrows(&mut client).await?;
    claim(&mut client, &mut w.first, (&w.alice, &w.bob), 0, 2 * TOKEN)
        .await
        .expect("valid claim");
    let after_claim = client.free_balance(w.first.account_id).await?;
    assert_eq!(w.funded - after_claim, 2 * TOKEN);

    let replay = voucher(&w.alice, w.first.addr, DOMAIN, 0, 2 * TOKEN);
    assert_rejected!(
        client,
        &w.bob.signer,
        w.first.call.claim(0, 2 * TOKEN, replay),
        Error::VoucherNotIncreasing
    );
    assert_channel_1_untouched(&mut client, &w, after_claim).await
}

#[ink_e2e::test]
async fn lower_voucher_after_a_claim_is_rejected<Client: E2EBackend>(
    mut client: Client,
) -> E2EResult<()> {
    let mut w = two_escrows(&mut client).await?;
    claim(&mut client, &mut w.first, (&w.alice, &w.bob), 0, 2 * TOKEN)
        .await
        .expect("valid claim");
    let after_claim = client.free_balance(w.first.account_id).await?;
    assert_eq!(w.funded - after_claim, 2 * TOKEN);

    let lower = voucher(&w.alice, w.first.addr, DOMAIN, 0, TOKEN);
    assert_rejected!(
        client,
        &w.bob.signer,
        w.first.call.claim(0, TOKEN, lower),
        Error::VoucherNotIncreasing
    );
    assert_channel_1_untouched(&mut client, &w, after_claim).await
}

#[ink_e2e::test]
async fn finalize_inside_the_dispute_window_is_rejected<Client: E2EBackend>(
    mut client: Client,
) -> E2EResult<()> {
    let mut w = two_escrows(&mut client).await?;
    client
        .call(&w.alice.signer, &w.first.call.start_close(0))
        .submit()
        .await
        .expect("start close");
    assert_rejected!(
        client,
        &w.alice.signer,
        w.first.call.finalize(0),
        Error::DisputeWindowOpen
    );
    assert_nothing_moved(&mut client, &w).await
}

#[ink_e2e::test]
async fn claim_after_the_channel_is_settled_is_rejected<Client: E2EBackend>(
    mut client: Client,
) -> E2EResult<()> {
    let mut w = two_escrows(&mut client).await?;
    // Given channel 0 paid 2 tokens, closed and settled
    claim(&mut client, &mut w.first, (&w.alice, &w.bob), 0, 2 * TOKEN)
        .await
        .expect("valid claim");
    let after_claim = client.free_balance(w.first.account_id).await?;
    assert_eq!(w.funded - after_claim, 2 * TOKEN);
    client
        .call(&w.alice.signer, &w.first.call.start_close(0))
        .submit()
        .await
        .expect("start close");
    // Two blocks: `finalize`'s dry run then sees the window passed, as its
    // extrinsic in the block after will (see `next_block`).
    next_block(&mut client, &w.first).await?;
    next_block(&mut client, &w.first).await?;
    client
        .call(&w.alice.signer, &w.first.call.finalize(0))
        .submit()
        .await
        .expect("finalize");

    // A claim with a voucher above what was paid
    let late = voucher(&w.alice, w.first.addr, DOMAIN, 0, 3 * TOKEN);
    assert_rejected!(
        client,
        &w.bob.signer,
        w.first.call.claim(0, 3 * TOKEN, late),
        Error::NoSuchChannel
    );
    // The refund of the 8 unpaid tokens left; channel 1 keeps its 10
    assert_channel_1_untouched(&mut client, &w, after_claim - 8 * TOKEN).await
}

#[ink_e2e::test]
async fn tip_without_value_is_rejected<Client: E2EBackend>(mut client: Client) -> E2EResult<()> {
    let mut w = two_escrows(&mut client).await?;
    assert_rejected!(
        client,
        &w.alice.signer,
        w.first.call.tip(w.bob.address(), [7; 32]),
        Error::ZeroValue
    );
    assert_nothing_moved(&mut client, &w).await
}
