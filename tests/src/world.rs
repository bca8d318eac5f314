//! A small world on a real chain for end-to-end tests: a node with the four
//! contracts deployed, Alice, Bob, Charlie and Eve registered (Dave never
//! is), Ferdie mapped (the relay of tests that do not anchor), and helpers to make what a test needs of its own: a group, a funded
//! relay account, an escrow channel, messages.
//!
//! [`World::shared`] is one world for every test of a test binary (set up
//! once, on first use): tests keep out of each other's way by making their
//! own groups and relay accounts, and by connecting their own [`Chain`]
//! client. [`World::start`] makes a private one (a test that restarts its
//! node).
// Setup failures are test failures.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;
use std::sync::OnceLock;

use inkpost_sdk::chain::deploy::{DeployParams, deploy};
use inkpost_sdk::chain::{CallOutcome, Chain, Finality, Sr25519Signer};
use inkpost_sdk::clock::now_ms;
use inkpost_sdk::contracts::escrow::ChannelOpened;
use inkpost_sdk::contracts::groups::GroupCreated;
use inkpost_sdk::contracts::{AnchoredBatch, GroupState, Role, anchors, escrow, groups, identity};
use inkpost_sdk::deployment::Deployment;
use inkpost_sdk::envelope::{Draft, Envelope, Recipient, SenderChain};
use inkpost_sdk::ids::{
    Address, ChannelId, ClientMsgId, ConversationId, Epoch, GroupId, KeyVersion,
};
use inkpost_sdk::keys::Identity;
use inkpost_sdk::units::TOKEN;

use crate::finality::Finalizer;
use crate::node::TestNode;
use crate::within;

/// The identity deposit of the test deployments, in native units.
pub const DEPOSIT: u128 = TOKEN;
/// The group member cap of the test deployments.
pub const MAX_MEMBERS: u32 = 64;
/// The escrow dispute window of the test deployments, in blocks: the
/// shortest the contract accepts.
pub const DISPUTE_WINDOW: u32 = escrow::MIN_DISPUTE_WINDOW;
/// What a fresh relay account is funded with.
pub const RELAY_FUNDS: u128 = 1_000 * TOKEN;

/// The dev accounts registered in every world, with their handles.
pub const REGISTERED: [(&str, &str); 4] = [
    ("//Alice", "alice"),
    ("//Bob", "bob"),
    ("//Charlie", "charlie"),
    ("//Eve", "eve"),
];

/// The identity of a dev account such as `"//Alice"`.
pub fn identity(uri: &str) -> Identity {
    Identity::from_suri(uri).unwrap_or_else(|error| panic!("{uri}: {error}"))
}

/// The secret URI of the test account `name`.
pub fn account_suri(name: &str) -> String {
    format!("//inkpost-test-{name}")
}

/// The signer of a dev account such as `"//Alice"`.
pub fn signer(uri: &str) -> Sr25519Signer {
    Sr25519Signer::new(identity(uri))
}

/// Where the contracts' release builds are (`$INKPOST_ARTIFACTS`, else
/// `contracts/artifacts`).
pub fn artifacts_dir() -> PathBuf {
    std::env::var_os("INKPOST_ARTIFACTS").map_or_else(
        || crate::repo_root().join("contracts/artifacts"),
        PathBuf::from,
    )
}

/// Deploys the four contracts as `deployer` with the test parameters.
pub async fn deploy_contracts(
    chain: &Chain,
    deployer: &Sr25519Signer,
    salt: [u8; 32],
) -> Deployment {
    let params = DeployParams {
        deposit: DEPOSIT,
        max_members: MAX_MEMBERS,
        dispute_window: DISPUTE_WINDOW,
        salt,
    };
    deploy(chain, deployer, &artifacts_dir(), params, &|_| {})
        .await
        .unwrap_or_else(|error| panic!("deploying the contracts: {error}"))
}

/// Sends a contract call and waits until it is finalized (a revert
/// fails the test); returns what happened.
pub async fn call_ok(
    chain: &Chain,
    who: &Sr25519Signer,
    contract: Address,
    value: u128,
    input: Vec<u8>,
) -> CallOutcome {
    chain
        .call(who, contract, value, &input, Finality::Finalized)
        .await
        .unwrap_or_else(|error| panic!("call to {contract}: {error}"))
}

/// A chain with the contracts deployed and the dev accounts registered.
pub struct World {
    /// The node (stopped on drop; a shared world's when the process ends).
    pub node: TestNode,
    /// The contracts.
    pub deployment: Deployment,
    /// The deployment file (for relays and the CLI).
    pub deployment_file: PathBuf,
    /// A directory of this world's own (deployment file, databases, homes).
    pub dir: PathBuf,
}

impl World {
    /// The world every test of this binary shares, set up on first use.
    pub fn shared() -> &'static World {
        static SHARED: OnceLock<World> = OnceLock::new();
        SHARED.get_or_init(|| {
            set_up(|| async {
                World::start(TestNode::start().unwrap_or_else(|e| panic!("{e}"))).await
            })
        })
    }

    /// A second shared world, for the tests of this binary that need a
    /// change in a block that is not final yet: on a node whose finality
    /// its [`Finalizer`] holds when a test asks (set up on first use). A
    /// test that holds finality releases it before it ends.
    pub fn with_test_finality() -> &'static (World, Finalizer) {
        static HELD: OnceLock<(World, Finalizer)> = OnceLock::new();
        HELD.get_or_init(|| {
            set_up(|| async {
                let node = TestNode::start_with_test_finality().unwrap_or_else(|e| panic!("{e}"));
                let finalizer = Finalizer::start(node.url());
                (World::start(node).await, finalizer)
            })
        })
    }

    /// A world on `node`: deploys the contracts and registers the dev
    /// accounts.
    pub async fn start(node: TestNode) -> World {
        let dir = crate::temp_dir("world");
        let chain = within(60, "connect to the node", Chain::connect(node.url()))
            .await
            .unwrap();
        let alice = signer("//Alice");
        let deploying = deploy_contracts(&chain, &alice, [0x1a; 32]);
        let deployment = tokio::time::timeout(std::time::Duration::from_secs(300), deploying)
            .await
            .unwrap_or_else(|_| {
                panic!(
                    "timed out after 300 s: deploy the contracts; the node's last lines:\n{}",
                    node.log_tail()
                )
            });
        let deployment_file = dir.join("deployment.json");
        deployment.save(&deployment_file).unwrap();
        for (uri, handle) in REGISTERED {
            let who = signer(uri);
            chain.map_account(&who).await.unwrap();
            let me = who.identity();
            let input =
                identity::register(handle, &me.account_id(), &me.encryption_key(KeyVersion(1)));
            call_ok(&chain, &who, deployment.identity, DEPOSIT, input).await;
        }
        // //Ferdie is the relay of tests that do not anchor: mapped once
        // here, not by tests racing to map it.
        chain.map_account(&signer("//Ferdie")).await.unwrap();
        World {
            node,
            deployment,
            deployment_file,
            dir,
        }
    }

    /// A client of the node for the calling test.
    pub async fn chain(&self) -> Chain {
        within(60, "connect to the node", Chain::connect(self.node.url()))
            .await
            .unwrap()
    }

    /// A group of `owner`'s with `members` in their roles.
    pub async fn group(&self, chain: &Chain, owner: &str, members: &[(&str, Role)]) -> GroupId {
        let owner = signer(owner);
        let created = call_ok(
            chain,
            &owner,
            self.deployment.groups,
            0,
            groups::create_group(),
        )
        .await;
        let created: GroupCreated = created.event(self.deployment.groups).unwrap();
        let group = GroupId(created.group);
        for (uri, role) in members {
            let who = identity(uri).address();
            call_ok(
                chain,
                &owner,
                self.deployment.groups,
                0,
                groups::add_member(group, &who, *role),
            )
            .await;
        }
        group
    }

    /// Alice's group with Bob (member) and Charlie (reader), new for the
    /// calling test.
    pub async fn team(&self, chain: &Chain) -> GroupId {
        self.group(
            chain,
            "//Alice",
            &[("//Bob", Role::Member), ("//Charlie", Role::Reader)],
        )
        .await
    }

    /// A group's current epoch (finalized).
    pub async fn epoch_of(&self, chain: &Chain, group: GroupId) -> u64 {
        let me = identity("//Alice").account_id();
        let state: Option<GroupState> = chain
            .query(&me, self.deployment.groups, &groups::group(group))
            .await
            .unwrap();
        state.unwrap().epoch
    }

    /// A fresh account named `name` ([`account_suri`]), funded by Alice:
    /// each test's relay anchors with an account of its own.
    pub async fn funded(&self, chain: &Chain, name: &str) -> Identity {
        let who = identity(&account_suri(name));
        chain
            .transfer(
                &signer("//Alice"),
                &who.account_id(),
                RELAY_FUNDS,
                Finality::Finalized,
            )
            .await
            .unwrap();
        who
    }

    /// Batch `seq` of `submitter` as the anchors contract holds it
    /// (finalized).
    pub async fn anchored_batch(
        &self,
        chain: &Chain,
        submitter: &Address,
        seq: u64,
    ) -> Option<AnchoredBatch> {
        let me = identity("//Alice").account_id();
        chain
            .query(
                &me,
                self.deployment.anchors,
                &anchors::batch(submitter, seq),
            )
            .await
            .unwrap()
    }

    /// The last sequence number `submitter` anchored (finalized).
    pub async fn latest_anchored_seq(&self, chain: &Chain, submitter: &Address) -> u64 {
        let me = identity("//Alice").account_id();
        chain
            .query(
                &me,
                self.deployment.anchors,
                &anchors::latest_seq(submitter),
            )
            .await
            .unwrap()
    }

    /// Opens an escrow channel from dev account `payer` to `payee` holding
    /// `deposit` (native units), claimable for `blocks` blocks.
    pub async fn open_channel(
        &self,
        chain: &Chain,
        payer: &str,
        payee: &Address,
        deposit: u128,
        blocks: u32,
    ) -> ChannelId {
        let expiry = chain.best_number().await.unwrap() as u32 + blocks;
        let key = identity(payer).account_id();
        let opened = call_ok(
            chain,
            &signer(payer),
            self.deployment.escrow,
            deposit,
            escrow::open(payee, &key, expiry),
        )
        .await;
        let opened: ChannelOpened = opened.event(self.deployment.escrow).unwrap();
        ChannelId(opened.channel)
    }
}

/// Runs `setup` on a thread and runtime of its own: a world outlives the
/// tests' runtimes, which come and go.
fn set_up<T, F>(setup: impl FnOnce() -> F + Send + 'static) -> T
where
    T: Send + 'static,
    F: std::future::Future<Output = T>,
{
    std::thread::spawn(|| tokio::runtime::Runtime::new().unwrap().block_on(setup()))
        .join()
        .unwrap_or_else(|_| panic!("setting up a shared world failed (see above)"))
}

/// `identity` as a recipient with its version-1 key.
pub fn recipient(identity: &Identity) -> Recipient {
    Recipient {
        account: identity.account_id(),
        key: identity.encryption_key(KeyVersion(1)),
        key_version: KeyVersion(1),
    }
}

/// Message number `n` ("message n") from dev account `from` to dev
/// accounts `to`, at `epoch`.
pub fn message(
    from: &str,
    conversation: ConversationId,
    epoch: u64,
    to: &[&str],
    n: u8,
) -> Envelope {
    let recipients: Vec<_> = to.iter().map(|uri| recipient(&identity(uri))).collect();
    let draft = Draft {
        conversation,
        epoch: Epoch(epoch),
        sent_at_ms: now_ms(),
        client_msg_id: ClientMsgId([n; 16]),
        chain: SenderChain::FIRST,
    };
    Envelope::seal(
        &identity(from),
        draft,
        &recipients,
        format!("message {n}").as_bytes(),
    )
    .unwrap()
}
