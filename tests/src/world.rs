//! A small world on a real chain for end-to-end tests: ink-node with the
//! four contracts deployed, Alice, Bob, Charlie and Eve registered, and
//! Alice's group with Bob (member) and Charlie (reader); Dave is never
//! registered and Ferdie is the relay's account. Plus helpers to write
//! group and direct messages as those dev accounts.
// Setup failures are test failures.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use inkpost_sdk::chain::{Chain, Finality, Sr25519Signer};
use inkpost_sdk::clock::now_ms;
use inkpost_sdk::contracts::{AnchoredBatch, GroupState, Role, anchors, escrow, groups, identity};
use inkpost_sdk::envelope::{Draft, Envelope, Recipient};
use inkpost_sdk::ids::{
    Address, ChannelId, ClientMsgId, ConversationId, Epoch, GroupId, KeyVersion,
};
use inkpost_sdk::keys::Identity;

use crate::deploy::{DEPOSIT, Deployment, deploy};
use crate::node::TestNode;
use crate::within;

/// The signer of a dev account such as `"//Alice"`.
pub fn signer(uri: &str) -> Sr25519Signer {
    Sr25519Signer::new(Identity::from_suri(uri).unwrap())
}

/// Sends a contract call and checks that the message returned `Ok`.
pub async fn call_ok(
    chain: &Chain,
    who: &Sr25519Signer,
    contract: Address,
    value: u128,
    input: Vec<u8>,
) -> Vec<u8> {
    let outcome = chain
        .call(who, contract, value, &input, Finality::Finalized)
        .await
        .unwrap();
    let data = outcome.dry_run.data;
    assert_eq!(
        data.get(..2),
        Some(&[0u8, 0][..]),
        "message returned Err: {data:?}"
    );
    data
}

/// The `u64` in the output of a message that returned `Ok(u64)`.
fn returned_u64(data: &[u8]) -> u64 {
    u64::from_le_bytes(data[2..10].try_into().unwrap())
}

/// The chain and what was set up on it.
pub struct World {
    /// The node (stopped on drop).
    pub node: TestNode,
    /// A client of it.
    pub chain: Chain,
    /// The contracts.
    pub deployment: Deployment,
    /// Alice's group.
    pub group: GroupId,
    /// The relay's account (Ferdie), mapped.
    pub relay: Sr25519Signer,
}

/// A node with the contracts deployed; Alice, Bob, Charlie and Eve
/// registered; Alice's group with Bob (member) and Charlie (reader).
pub async fn world() -> World {
    let node = TestNode::start().unwrap_or_else(|error| panic!("{error}"));
    let chain = within(60, "connect to ink-node", Chain::connect(node.url()))
        .await
        .unwrap();
    let alice = signer("//Alice");
    let deployment = within(300, "deploy the contracts", deploy(&chain, &alice))
        .await
        .unwrap();
    for (uri, handle) in [
        ("//Alice", "alice"),
        ("//Bob", "bob"),
        ("//Charlie", "charlie"),
        ("//Eve", "eve"),
    ] {
        let who = signer(uri);
        chain.map_account(&who).await.unwrap();
        let me = who.identity();
        let input = identity::register(handle, &me.account_id(), &me.encryption_key(KeyVersion(1)));
        call_ok(&chain, &who, deployment.identity, DEPOSIT, input).await;
    }
    let created = call_ok(&chain, &alice, deployment.groups, 0, groups::create_group()).await;
    let group = GroupId(returned_u64(&created));
    for (uri, role) in [("//Bob", Role::Member), ("//Charlie", Role::Reader)] {
        let who = signer(uri).identity().address();
        call_ok(
            &chain,
            &alice,
            deployment.groups,
            0,
            groups::add_member(group, &who, role),
        )
        .await;
    }
    let relay = signer("//Ferdie");
    chain.map_account(&relay).await.unwrap();
    World {
        node,
        chain,
        deployment,
        group,
        relay,
    }
}

/// The group's current epoch (finalized).
pub async fn epoch_of(world: &World) -> u64 {
    let me = world.relay.identity().account_id();
    let state: Option<GroupState> = world
        .chain
        .query(&me, world.deployment.groups, &groups::group(world.group))
        .await
        .unwrap();
    state.unwrap().epoch
}

impl World {
    /// Batch `seq` of `submitter` as the anchors contract holds it
    /// (finalized).
    pub async fn anchored_batch(&self, submitter: &Address, seq: u64) -> Option<AnchoredBatch> {
        let me = self.relay.identity().account_id();
        self.chain
            .query(
                &me,
                self.deployment.anchors,
                &anchors::batch(submitter, seq),
            )
            .await
            .unwrap()
    }

    /// Opens an escrow channel from dev account `payer` to `payee` holding
    /// `deposit` (native units), claimable for 100,000 blocks.
    pub async fn open_channel(&self, payer: &str, payee: &Address, deposit: u128) -> ChannelId {
        let expiry = self.chain.best_number().await.unwrap() as u32 + 100_000;
        let key = Identity::from_suri(payer).unwrap().account_id();
        let opened = call_ok(
            &self.chain,
            &signer(payer),
            self.deployment.escrow,
            deposit,
            escrow::open(payee, &key, expiry),
        )
        .await;
        ChannelId(returned_u64(&opened))
    }

    /// The last sequence number `submitter` anchored (finalized).
    pub async fn latest_anchored_seq(&self, submitter: &Address) -> u64 {
        let me = self.relay.identity().account_id();
        self.chain
            .query(
                &me,
                self.deployment.anchors,
                &anchors::latest_seq(submitter),
            )
            .await
            .unwrap()
    }
}

/// `identity` as a recipient with its version-1 key.
pub fn recipient(identity: &Identity) -> Recipient {
    Recipient {
        account: identity.account_id(),
        key: identity.encryption_key(KeyVersion(1)),
        key_version: KeyVersion(1),
    }
}

/// Message number `n` from dev account `from` to dev accounts `to`.
pub fn message(
    from: &str,
    conversation: ConversationId,
    epoch: u64,
    to: &[&str],
    n: u8,
) -> Envelope {
    let sender = Identity::from_suri(from).unwrap();
    let recipients: Vec<_> = to
        .iter()
        .map(|uri| recipient(&Identity::from_suri(uri).unwrap()))
        .collect();
    let draft = Draft {
        conversation,
        epoch: Epoch(epoch),
        sent_at_ms: now_ms(),
        client_msg_id: ClientMsgId([n; 16]),
    };
    Envelope::seal(
        &sender,
        draft,
        &recipients,
        format!("message {n}").as_bytes(),
    )
    .unwrap()
}
