//! Helpers for the contracts' end-to-end tests, which run on inkpost-node,
//! our development chain (`node/`: revive-dev-runtime 0.12.0, pallet-revive
//! 0.20.2). Each `#[ink_e2e::test]` starts its own `inkpost-node --dev`
//! (ink_e2e finds the binary through `CONTRACTS_NODE`), deploys the contracts
//! ink_e2e built and drives them with real extrinsics, real value transfers
//! and vouchers signed by `inkpost_sdk`:
//!
//! - `tests/directory.rs`: identity and groups (registration, roles, epochs);
//! - `tests/anchors.rs`: anchored Merkle roots and sequence numbers;
//! - `tests/escrow.rs`: payment channels, vouchers and tips.
//!
//! There is no in-process backend: ink_e2e's sandbox (`backend(runtime_only)`,
//! the `sandbox` feature) was never published for ink! 6 beta, so what the
//! sandbox tests checked (groups asking identity across contracts, escrow
//! paying with real transfers) is tested on the node as well.
//!
//! Amounts: the chain has 12 decimals (`TOKEN`) and a native-to-contract
//! value ratio of 10^6 (`UNIT`); extrinsics carry native amounts, contracts
//! see native × `UNIT`. Dev accounts are mapped to their H160 addresses
//! automatically (pallet-revive's `AutoMap`).

use ink::codegen::ContractCallBuilder;
use ink::env::call::FromAddr;
use ink::env::{DefaultAbi, DefaultEnvironment};
use ink::primitives::AccountId;
use ink::{Address, U256};
use ink_e2e::{ContractsBackend, InstantiationResult, Keypair};
use inkpost_anchors::{Anchors, AnchorsRef};
use inkpost_escrow::{Escrow, EscrowRef};
use inkpost_groups::{Groups, GroupsRef};
use inkpost_identity::{Identity, IdentityRef};
use inkpost_sdk::ids::{ChannelId, KeyVersion};
use inkpost_sdk::voucher::Voucher;

pub use ink_e2e;

/// What an `#[ink_e2e::test]` returns.
pub type E2EResult<T> = Result<T, Box<dyn std::error::Error>>;

/// The client an `#[ink_e2e::test]` hands its body as `client`: connected
/// to the inkpost-node the test started.
pub type NodeClient = ink_e2e::Client<ink_e2e::PolkadotConfig, DefaultEnvironment>;

/// Native units per whole token on inkpost-node (12 decimals).
pub const TOKEN: u128 = 1_000_000_000_000;

/// Contract value units per native unit on inkpost-node
/// (pallet-revive's `NativeToEthRatio`).
pub const UNIT: u128 = 1_000_000;

/// The registration deposit the tests instantiate identity with (native).
pub const DEPOSIT: u128 = TOKEN;

/// The voucher domain the tests instantiate escrow with.
pub const DOMAIN: [u8; 32] = [0x11; 32];

/// Blocks between `start_close` and `finalize` in these tests.
pub const DISPUTE_WINDOW: u32 = 2;

/// The expiry block of the channels the tests open: far enough away.
pub const EXPIRY: u32 = 1_000_000;

/// The members cap the tests instantiate groups with.
pub const MAX_MEMBERS: u32 = 16;

/// A native amount in contract value units.
pub fn value(native: u128) -> U256 {
    U256::from(native) * U256::from(UNIT)
}

/// A dev account seen from both sides: the key that signs extrinsics and
/// the same key as the protocol library's identity (which signs vouchers
/// and derives the encryption key).
pub struct Dev {
    /// The handle the account registers.
    pub handle: &'static str,
    /// The extrinsic signer.
    pub signer: Keypair,
    /// The protocol library's identity of the same key.
    pub sdk: inkpost_sdk::keys::Identity,
}

impl Dev {
    /// The dev account `//Name` for the handle `name` (`"alice"` is
    /// `//Alice`).
    pub fn new(handle: &'static str) -> Self {
        let mut chars = handle.chars();
        let first = chars.next().expect("a handle").to_ascii_uppercase();
        let uri = format!("//{first}{}", chars.as_str());
        let signer = Keypair::from_uri(&uri.parse().expect("dev URI")).expect("dev key");
        let sdk = inkpost_sdk::keys::Identity::from_suri(&uri).expect("dev URI");
        assert_eq!(
            signer.public_key().0,
            sdk.account_id().0,
            "ink_e2e and inkpost_sdk derive {uri} alike"
        );
        Self {
            handle,
            signer,
            sdk,
        }
    }

    /// The H160 address pallet-revive maps the account to, derived by the
    /// protocol library.
    pub fn address(&self) -> Address {
        Address::from(self.sdk.address().0)
    }

    /// The account id, for balance queries.
    pub fn account_id(&self) -> AccountId {
        AccountId::from(self.sdk.account_id().0)
    }

    /// The 32-byte sr25519 public key (the account id's bytes).
    pub fn public_key(&self) -> [u8; 32] {
        self.sdk.account_id().0
    }

    /// The X25519 key the account registers (version 1).
    pub fn encryption_key(&self) -> [u8; 32] {
        self.sdk.encryption_key(KeyVersion(1)).0
    }
}

/// A voucher signed by `payer` with the protocol library.
pub fn voucher(
    payer: &Dev,
    escrow: Address,
    domain: [u8; 32],
    channel: u64,
    cumulative: u128,
) -> [u8; 64] {
    Voucher {
        domain,
        contract: inkpost_sdk::ids::Address(escrow.0),
        channel: ChannelId(channel),
        cumulative,
    }
    .sign(&payer.sdk)
    .signature
    .0
}

/// The call builder (the messages) of a contract.
pub type Messages<C> = <C as ContractCallBuilder>::Type<DefaultAbi>;

/// A contract instance the test deployed.
pub struct Deployed<C: ContractCallBuilder> {
    /// Its H160 address.
    pub addr: Address,
    /// The account id pallet-revive gives the address (padded with 0xEE),
    /// for balance queries.
    pub account_id: AccountId,
    /// Its messages, to pass to `client.call`.
    pub call: Messages<C>,
}

impl<C> Deployed<C>
where
    C: ContractCallBuilder,
    Messages<C>: FromAddr,
{
    fn new<EventLog>(
        instance: &InstantiationResult<DefaultEnvironment, EventLog, DefaultAbi>,
    ) -> Self {
        Self {
            addr: instance.addr,
            account_id: instance.account_id,
            call: instance.call_builder::<C>(),
        }
    }
}

/// Deploys identity (as Alice) with the registration deposit `DEPOSIT`.
pub async fn deploy_identity(client: &mut NodeClient) -> E2EResult<Deployed<Identity>> {
    let mut constructor = IdentityRef::new(value(DEPOSIT));
    let instance = client
        .instantiate("inkpost_identity", &ink_e2e::alice(), &mut constructor)
        .submit()
        .await?;
    Ok(Deployed::new(&instance))
}

/// Deploys groups (as Alice) checking registrations in `identity`.
pub async fn deploy_groups(
    client: &mut NodeClient,
    identity: Address,
    max_members: u32,
) -> E2EResult<Deployed<Groups>> {
    let mut constructor = GroupsRef::new(identity, max_members);
    let instance = client
        .instantiate("inkpost_groups", &ink_e2e::alice(), &mut constructor)
        .submit()
        .await?;
    Ok(Deployed::new(&instance))
}

/// Deploys anchors (as Alice).
pub async fn deploy_anchors(client: &mut NodeClient) -> E2EResult<Deployed<Anchors>> {
    let mut constructor = AnchorsRef::new();
    let instance = client
        .instantiate("inkpost_anchors", &ink_e2e::alice(), &mut constructor)
        .submit()
        .await?;
    Ok(Deployed::new(&instance))
}

/// Deploys escrow (as Alice) with `DOMAIN`, `UNIT` and `DISPUTE_WINDOW`.
pub async fn deploy_escrow(client: &mut NodeClient) -> E2EResult<Deployed<Escrow>> {
    let mut constructor = EscrowRef::new(DOMAIN, U256::from(UNIT), DISPUTE_WINDOW);
    let instance = client
        .instantiate("inkpost_escrow", &ink_e2e::alice(), &mut constructor)
        .submit()
        .await?;
    Ok(Deployed::new(&instance))
}

/// Registers `who` under its handle with its own keys, paying the deposit.
pub async fn register(
    client: &mut NodeClient,
    identity: &mut Deployed<Identity>,
    who: &Dev,
) -> E2EResult<()> {
    let register =
        identity
            .call
            .register(who.handle.into(), who.public_key(), who.encryption_key());
    client
        .call(&who.signer, &register)
        .value(DEPOSIT)
        .submit()
        .await?;
    Ok(())
}

/// Deploys identity and groups and registers `members`.
pub async fn directory(
    client: &mut NodeClient,
    members: &[&Dev],
    max_members: u32,
) -> E2EResult<(Deployed<Identity>, Deployed<Groups>)> {
    let mut identity = deploy_identity(client).await?;
    let groups = deploy_groups(client, identity.addr, max_members).await?;
    for who in members {
        register(client, &mut identity, who).await?;
    }
    Ok((identity, groups))
}

/// Opens a channel from `payer` to `payee` holding `deposit` (native) and
/// returns its id.
pub async fn open_channel(
    client: &mut NodeClient,
    escrow: &mut Deployed<Escrow>,
    payer: &Dev,
    payee: &Dev,
    deposit: u128,
) -> E2EResult<u64> {
    let open = escrow
        .call
        .open(payee.address(), payer.public_key(), EXPIRY);
    Ok(client
        .call(&payer.signer, &open)
        .value(deposit)
        .submit()
        .await?
        .return_value()
        .map_err(|error| format!("open: {error:?}"))?)
}

/// Produces one block by sending a read-only message as an extrinsic.
///
/// ink_e2e sizes a call's gas limit from a dry run at the best block, and
/// the extrinsic executes in the next one. A message whose branch depends
/// on the block number (`finalize` right when the dispute window ends) takes
/// the cheap early return in the dry run and then runs out of gas on the
/// costly branch. One more block first makes both see the window passed.
pub async fn next_block(client: &mut NodeClient, escrow: &Deployed<Escrow>) -> E2EResult<()> {
    client
        .call(&ink_e2e::charlie(), &escrow.call.dispute_window())
        .submit()
        .await?;
    Ok(())
}

/// Evaluates to a message's return value in a dry run (no state change).
#[macro_export]
macro_rules! query {
    ($client:expr, $message:expr) => {{
        use $crate::ink_e2e::ContractsBackend as _;
        $client
            .call(&$crate::ink_e2e::alice(), &$message)
            .dry_run()
            .await?
            .return_value()
    }};
}

/// Asserts that a call fails with exactly `$error` in a dry run and that
/// submitting it fails on chain.
#[macro_export]
macro_rules! assert_rejected {
    ($client:expr, $signer:expr, $message:expr, $error:expr) => {{
        use $crate::ink_e2e::ContractsBackend as _;
        let message = $message;
        let dry_run = $client.call($signer, &message).dry_run().await?;
        assert!(dry_run.did_revert(), "expected a revert");
        assert_eq!(dry_run.return_value().map(|_| ()), Err($error));
        assert!(
            $client.call($signer, &message).submit().await.is_err(),
            "the extrinsic must fail"
        );
    }};
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dev_accounts_agree_with_ink_e2e() {
        for (dev, keypair) in [
            (Dev::new("alice"), ink_e2e::alice()),
            (Dev::new("bob"), ink_e2e::bob()),
            (Dev::new("charlie"), ink_e2e::charlie()),
        ] {
            assert_eq!(dev.signer.public_key().0, keypair.public_key().0);
            assert_eq!(
                dev.address(),
                ink_e2e::address_from_keypair::<AccountId>(&keypair)
            );
            assert_eq!(dev.account_id(), ink_e2e::keypair_to_account(&keypair));
        }
    }
}
