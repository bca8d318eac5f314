//! Escrow: a channel pays the payee what the payer's vouchers promise and
//! gives the payer the rest back after the dispute window; a tip moves
//! exactly its value; and no forged, misdirected, oversized, replayed or
//! late claim moves anything.

use inkpost_sdk::chain::deploy::code;
use inkpost_sdk::chain::{Chain, ChainError, Finality, Sr25519Signer};
use inkpost_sdk::contracts::escrow::{Channel, ChannelOpened};
use inkpost_sdk::contracts::{Contract, ContractError, EscrowError, escrow};
use inkpost_sdk::ids::{Address, ChannelId, MessageId};
use inkpost_sdk::units::TOKEN;
use inkpost_sdk::voucher::Voucher;
use inkpost_tests::world::{DISPUTE_WINDOW, World, artifacts_dir, call_ok};

use crate::{account, anyone, refused};

/// A payer and a payee of the calling test's own.
struct Parties {
    payer: Sr25519Signer,
    payee: Sr25519Signer,
}

impl Parties {
    async fn new(world: &World, chain: &Chain, test: &str) -> Parties {
        Parties {
            payer: account(world, chain, &format!("{test}-payer")).await,
            payee: account(world, chain, &format!("{test}-payee")).await,
        }
    }

    /// Opens a channel on `escrow` from the payer to the payee holding
    /// `deposit`, claimable for 1,000 blocks.
    async fn open(&self, chain: &Chain, escrow: Address, deposit: u128) -> ChannelId {
        let expiry = chain.best_number().await.unwrap() as u32 + 1_000;
        let payee = self.payee.identity().address();
        let key = self.payer.identity().account_id();
        let input = escrow::open(&payee, &key, expiry);
        let opened = call_ok(chain, &self.payer, escrow, deposit, input).await;
        let opened: ChannelOpened = opened.event(escrow).unwrap();
        ChannelId(opened.channel)
    }

    /// The payer's voucher for `cumulative` on `channel` of `escrow`.
    fn voucher(
        &self,
        chain: &Chain,
        escrow: Address,
        channel: ChannelId,
        cumulative: u128,
    ) -> [u8; 64] {
        signed(
            &self.payer,
            chain.genesis_hash(),
            escrow,
            channel,
            cumulative,
        )
    }
}

/// `cumulative` on `channel` of `escrow` under `domain`, signed by `by`.
fn signed(
    by: &Sr25519Signer,
    domain: [u8; 32],
    escrow: Address,
    channel: ChannelId,
    cumulative: u128,
) -> [u8; 64] {
    let voucher = Voucher {
        domain,
        contract: escrow,
        channel,
        cumulative,
    };
    voucher.sign(by.identity()).signature.0
}

/// The value a contract holds (native units).
async fn held(chain: &Chain, contract: Address) -> u128 {
    chain.balance(&contract.fallback_account()).await.unwrap()
}

/// A channel as `escrow` holds it, or `None` once settled.
async fn channel(chain: &Chain, escrow: Address, channel: ChannelId) -> Option<Channel> {
    chain
        .query(&anyone(), escrow, &escrow::channel(channel))
        .await
        .unwrap()
}

/// A channel's deposit and what it paid, or `None` once settled.
async fn state(chain: &Chain, escrow: Address, id: ChannelId) -> Option<(u128, u128)> {
    let found = channel(chain, escrow, id).await;
    found.map(|channel| (channel.deposit, channel.paid))
}

/// Waits until `id` on `escrow`, which is closing, may be finalized.
async fn pass_dispute_window(
    chain: &Chain,
    escrow: Address,
    id: ChannelId,
    signer: &Sr25519Signer,
) {
    let closing = channel(chain, escrow, id)
        .await
        .expect("the channel exists");
    let closes_at = closing.closes_at.expect("the channel is closing");
    reach_block(chain, signer, closes_at).await;
}

/// Waits, making blocks with small transfers from `signer`, until the best
/// block is `number` or later.
async fn reach_block(chain: &Chain, signer: &Sr25519Signer, number: u32) {
    let to = anyone();
    while chain.best_number().await.unwrap() < u64::from(number) {
        chain
            .transfer(signer, &to, TOKEN / 1_000, Finality::InBlock)
            .await
            .unwrap();
    }
}

/// Deploys an escrow of `deployer`'s own under this chain's domain with a
/// dispute window of `window` blocks.
async fn own_escrow(
    chain: &Chain,
    deployer: &Sr25519Signer,
    window: u32,
    salt: u8,
) -> Result<Address, ChainError> {
    let code = code(&artifacts_dir(), Contract::Escrow).unwrap();
    let input = escrow::new(&chain.genesis_hash(), chain.native_to_eth_ratio(), window);
    let deployed = chain
        .instantiate(deployer, &code, &input, 0, [salt; 32], Finality::Finalized)
        .await?;
    Ok(deployed.address)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn escrow_pays_vouchers_refunds_the_rest_after_the_window_and_tips_exactly() {
    let world = World::shared();
    let chain = world.chain().await;
    let contract = world.deployment.escrow;
    let parties = Parties::new(world, &chain, "escrow-pays").await;
    let (payer, payee) = (parties.payer.identity(), parties.payee.identity());

    // Given a channel holding 10 tokens
    let channel = parties.open(&chain, contract, 10 * TOKEN).await;
    let funded = held(&chain, contract).await;

    // When the payee claims 3 tokens with the payer's voucher
    let before = chain.balance(&payee.account_id()).await.unwrap();
    let voucher = parties.voucher(&chain, contract, channel, 3 * TOKEN);
    let claim = escrow::claim(channel, 3 * TOKEN, &voucher);
    call_ok(&chain, &parties.payee, contract, 0, claim).await;

    // Then exactly 3 tokens left the escrow, and the payee got them (less
    // the call's fee, under a tenth of a token here)
    assert_eq!(funded - held(&chain, contract).await, 3 * TOKEN);
    let gained = chain.balance(&payee.account_id()).await.unwrap() - before;
    assert!(
        gained <= 3 * TOKEN && 3 * TOKEN - gained < TOKEN / 10,
        "gained {gained}"
    );
    assert_eq!(
        state(&chain, contract, channel).await,
        Some((10 * TOKEN, 3 * TOKEN))
    );

    // When the payer starts closing, the payee claims 4 inside the window,
    // and the payer finalizes once it passed
    call_ok(
        &chain,
        &parties.payer,
        contract,
        0,
        escrow::start_close(channel),
    )
    .await;
    let voucher = parties.voucher(&chain, contract, channel, 4 * TOKEN);
    let claim = escrow::claim(channel, 4 * TOKEN, &voucher);
    call_ok(&chain, &parties.payee, contract, 0, claim).await;
    pass_dispute_window(&chain, contract, channel, &parties.payee).await;
    let before = chain.balance(&payer.account_id()).await.unwrap();
    call_ok(
        &chain,
        &parties.payer,
        contract,
        0,
        escrow::finalize(channel),
    )
    .await;

    // Then the payer got the unpaid 6 back, the escrow paid out all 10, and
    // the channel is gone
    // (less the call's fee, plus the channel's storage deposit back: each
    // well under a tenth of a token here)
    let refunded = chain.balance(&payer.account_id()).await.unwrap() - before;
    assert!(
        refunded.abs_diff(6 * TOKEN) < TOKEN / 10,
        "refunded {refunded}"
    );
    assert_eq!(funded - held(&chain, contract).await, 10 * TOKEN);
    assert_eq!(state(&chain, contract, channel).await, None);

    // When the payer tips the payee 2 tokens for a message, the payee has
    // exactly 2 more and the escrow keeps nothing of it
    let before = chain.balance(&payee.account_id()).await.unwrap();
    let escrow_before = held(&chain, contract).await;
    let tip = escrow::tip(&payee.address(), &MessageId([0x42; 32]));
    call_ok(&chain, &parties.payer, contract, 2 * TOKEN, tip).await;
    let gained = chain.balance(&payee.account_id()).await.unwrap() - before;
    assert_eq!(gained, 2 * TOKEN);
    assert_eq!(held(&chain, contract).await, escrow_before);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn escrow_refuses_forged_misdirected_oversized_replayed_and_late_claims() {
    let world = World::shared();
    let chain = world.chain().await;
    let parties = Parties::new(world, &chain, "escrow-attacks").await;
    let (payer, payee) = (&parties.payer, &parties.payee);
    // Given two escrows of the same domain, channels 0 and 1 on the first
    // and channel 0 on the second, 10 tokens each
    let first = own_escrow(&chain, payer, DISPUTE_WINDOW, 1).await.unwrap();
    let second = own_escrow(&chain, payer, DISPUTE_WINDOW, 2).await.unwrap();
    let (zero, one) = (ChannelId(0), ChannelId(1));
    assert_eq!(parties.open(&chain, first, 10 * TOKEN).await, zero);
    assert_eq!(parties.open(&chain, first, 10 * TOKEN).await, one);
    assert_eq!(parties.open(&chain, second, 10 * TOKEN).await, zero);
    let funded = held(&chain, first).await;
    let full = Some((10 * TOKEN, 0));
    let error = |error| ContractError::Escrow(error);
    let domain = chain.genesis_hash();

    // When channel 0 of the first is claimed with a voucher the payee
    // signed, one for channel 1, one for the second escrow, one for another
    // domain, or one above the deposit; or the payer claims it; or someone
    // tips nothing, or the payee closes it
    let claim = |cumulative, signature: [u8; 64]| escrow::claim(zero, cumulative, &signature);
    let tries = [
        (
            payee,
            claim(TOKEN, signed(payee, domain, first, zero, TOKEN)),
            EscrowError::InvalidSignature,
        ),
        (
            payee,
            claim(TOKEN, signed(payer, domain, first, one, TOKEN)),
            EscrowError::InvalidSignature,
        ),
        (
            payee,
            claim(TOKEN, signed(payer, domain, second, zero, TOKEN)),
            EscrowError::InvalidSignature,
        ),
        (
            payee,
            claim(TOKEN, signed(payer, [0x12; 32], first, zero, TOKEN)),
            EscrowError::InvalidSignature,
        ),
        (
            payee,
            claim(u128::MAX, signed(payer, domain, first, zero, u128::MAX)),
            EscrowError::VoucherExceedsDeposit,
        ),
        (
            payer,
            claim(TOKEN, signed(payer, domain, first, zero, TOKEN)),
            EscrowError::NotPayee,
        ),
        (
            payer,
            escrow::tip(&payee.identity().address(), &MessageId([7; 32])),
            EscrowError::ZeroValue,
        ),
        (payee, escrow::start_close(zero), EscrowError::NotPayer),
        (payer, escrow::finalize(zero), EscrowError::NotClosing),
    ];
    for (who, input, expected) in tries {
        let refusal = refused(&chain, who, Contract::Escrow, first, &input).await;
        assert_eq!(refusal, error(expected));
    }
    // Then nothing moved
    assert_eq!(held(&chain, first).await, funded);
    assert_eq!(state(&chain, first, zero).await, full);
    assert_eq!(state(&chain, first, one).await, full);
    assert_eq!(state(&chain, second, zero).await, full);

    // When 2 tokens are claimed, then that voucher again, then a lower one
    let good = claim(2 * TOKEN, parties.voucher(&chain, first, zero, 2 * TOKEN));
    call_ok(&chain, payee, first, 0, good.clone()).await;
    let lower = claim(TOKEN, parties.voucher(&chain, first, zero, TOKEN));
    for input in [good, lower] {
        let refusal = refused(&chain, payee, Contract::Escrow, first, &input).await;
        assert_eq!(refusal, error(EscrowError::VoucherNotIncreasing));
    }
    // Then only the first claim paid
    assert_eq!(funded - held(&chain, first).await, 2 * TOKEN);

    // When the payer closes and finalizes inside the window, it is refused;
    // after the window it settles, and a claim after that is refused
    call_ok(&chain, payer, first, 0, escrow::start_close(zero)).await;
    let finalize = escrow::finalize(zero);
    let refusal = refused(&chain, payer, Contract::Escrow, first, &finalize).await;
    assert_eq!(refusal, error(EscrowError::DisputeWindowOpen));
    pass_dispute_window(&chain, first, zero, payee).await;
    call_ok(&chain, payer, first, 0, finalize).await;
    let late = claim(3 * TOKEN, parties.voucher(&chain, first, zero, 3 * TOKEN));
    let refusal = refused(&chain, payee, Contract::Escrow, first, &late).await;
    assert_eq!(refusal, error(EscrowError::NoSuchChannel));

    // Then channel 0 paid 2 and refunded 8, and channel 1 kept its 10
    assert_eq!(funded - held(&chain, first).await, 10 * TOKEN);
    assert_eq!(state(&chain, first, zero).await, None);
    assert_eq!(state(&chain, first, one).await, full);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn escrow_refuses_a_dispute_window_too_short_to_claim_in() {
    let world = World::shared();
    let chain = world.chain().await;
    let deployer = account(world, &chain, "escrow-short").await;
    // When an escrow is deployed with a window under the minimum, it is
    // refused (a payer could settle before the payee's claim is final)
    for (window, salt) in [(0, 1), (escrow::MIN_DISPUTE_WINDOW - 1, 2)] {
        match own_escrow(&chain, &deployer, window, salt).await {
            Err(ChainError::Reverted { data }) => assert_eq!(
                Contract::Escrow.decode_revert(&data),
                Some(ContractError::Escrow(EscrowError::InvalidConfig)),
                "{window}"
            ),
            other => panic!("a window of {window} blocks: {other:?}"),
        }
    }
    // and the minimum itself is accepted
    own_escrow(&chain, &deployer, escrow::MIN_DISPUTE_WINDOW, 3)
        .await
        .unwrap();
}
