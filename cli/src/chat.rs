//! Messaging as a user does it: resolve people and groups on chain,
//! encrypt and sign, submit to the relay, read back and verify.

use std::collections::HashMap;
use std::collections::hash_map::Entry;

use inkpost_sdk::contracts::{Anchor, GroupState, IdentityRecord, Role, anchors, groups, identity};
use inkpost_sdk::envelope::{Draft, Envelope, Recipient};
use inkpost_sdk::ids::{
    AccountId, Address, ChannelId, ClientMsgId, ConversationId, DirectId, Epoch, GroupId, MessageId,
};
use inkpost_sdk::keys::Identity;
use inkpost_sdk::receipt::Receipt;
use inkpost_sdk::relay_api::{EnvelopeView, ProofView};
use inkpost_sdk::voucher::{SignedVoucher, Voucher};
use rand_core::{OsRng, RngCore};
use serde::Serialize;

use crate::context::Context;
use crate::error::{CliError, Contract};

/// Most members `send` encrypts a group message to (one page).
const MEMBER_PAGE: u32 = 256;

/// A registered identity: its address and record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Person {
    /// The H160 address.
    pub address: Address,
    /// The on-chain record.
    pub record: IdentityRecord,
}

impl Person {
    /// The account id.
    pub fn account(&self) -> AccountId {
        AccountId(self.record.account_id)
    }

    fn recipient(&self) -> Recipient {
        let (key, key_version) = self.record.key();
        Recipient {
            account: self.account(),
            key,
            key_version,
        }
    }
}

/// The person registered under `handle`.
pub async fn person(ctx: &Context, handle: &str) -> Result<Person, CliError> {
    let deployment = ctx.deployment()?;
    let found: Option<([u8; 20], IdentityRecord)> = ctx
        .query(
            Contract::Identity,
            deployment.identity,
            &identity::by_handle(handle),
        )
        .await?;
    let (address, record) = found.ok_or_else(|| {
        CliError::NotFound(format!(
            "nobody is registered as {handle:?}; check the spelling (`inkpost id show {handle}`)"
        ))
    })?;
    Ok(Person {
        address: Address(address),
        record,
    })
}

/// The person registered at `address`, if any.
pub async fn person_at(ctx: &Context, address: Address) -> Result<Option<Person>, CliError> {
    let deployment = ctx.deployment()?;
    let record: Option<IdentityRecord> = ctx
        .query(
            Contract::Identity,
            deployment.identity,
            &identity::by_address(&address),
        )
        .await?;
    Ok(record.map(|record| Person { address, record }))
}

/// A group's state, or not found.
pub async fn group_state(ctx: &Context, group: GroupId) -> Result<GroupState, CliError> {
    let deployment = ctx.deployment()?;
    let state: Option<GroupState> = ctx
        .query(Contract::Groups, deployment.groups, &groups::group(group))
        .await?;
    state.ok_or_else(|| CliError::NotFound(format!("there is no group {group}")))
}

/// A group's state and its members with their roles (first page of
/// [`MEMBER_PAGE`]), or not found.
pub async fn members(
    ctx: &Context,
    group: GroupId,
) -> Result<(GroupState, Vec<(Address, Role)>), CliError> {
    let deployment = ctx.deployment()?;
    let state = group_state(ctx, group).await?;
    let members: Vec<([u8; 20], Role)> = ctx
        .query(
            Contract::Groups,
            deployment.groups,
            &groups::members(group, 0, MEMBER_PAGE),
        )
        .await?;
    let members = members
        .into_iter()
        .map(|(address, role)| (Address(address), role))
        .collect();
    Ok((state, members))
}

/// A group's state and its members that have an identity (those a message
/// can be encrypted to).
async fn registered_members(
    ctx: &Context,
    group: GroupId,
) -> Result<(GroupState, Vec<Person>), CliError> {
    let (state, members) = members(ctx, group).await?;
    let mut people = Vec::with_capacity(members.len());
    for (address, _) in members {
        if let Some(member) = person_at(ctx, address).await? {
            people.push(member);
        }
    }
    Ok((state, people))
}

/// Where a message goes or is read from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// A direct conversation with the person of this handle.
    Handle(String),
    /// A group.
    Group(GroupId),
}

/// A resolved conversation: its id, epoch, and who a message to it is
/// encrypted to.
struct Resolved {
    conversation: ConversationId,
    epoch: Epoch,
    recipients: Vec<Recipient>,
}

async fn resolve(ctx: &Context, me: &Identity, target: &Target) -> Result<Resolved, CliError> {
    match target {
        Target::Handle(handle) => {
            let peer = person(ctx, handle).await?;
            let myself = person_at(ctx, me.address())
                .await?
                .ok_or_else(not_registered)?;
            let conversation =
                ConversationId::Direct(DirectId::between(&me.account_id(), &peer.account()));
            Ok(Resolved {
                conversation,
                epoch: Epoch(0),
                recipients: vec![myself.recipient(), peer.recipient()],
            })
        }
        Target::Group(group) => {
            let (state, people) = registered_members(ctx, *group).await?;
            Ok(Resolved {
                conversation: ConversationId::Group(*group),
                epoch: Epoch(state.epoch),
                recipients: people.iter().map(Person::recipient).collect(),
            })
        }
    }
}

fn not_registered() -> CliError {
    CliError::Unauthorized(
        "you have no identity yet; register one: `inkpost id register <handle>`".into(),
    )
}

/// What `send` did.
#[derive(Debug, Clone, Serialize)]
pub struct Sent {
    /// The relay's signed receipt.
    pub receipt: Receipt,
    /// How many recipients the message is encrypted to.
    pub recipients: usize,
    /// The postage voucher it carried, on a relay that charges postage.
    pub postage: Option<PostagePaid>,
}

/// The postage a message paid.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct PostagePaid {
    /// The channel.
    pub channel: ChannelId,
    /// The voucher's cumulative total (native units).
    #[serde(serialize_with = "crate::commands::decimal")]
    pub cumulative: u128,
}

/// Encrypts `text` to everyone in `target`, signs it as `me` and submits
/// it to the relay, paying its postage from escrow channel `postage` if
/// given; checks the relay's receipt before returning it.
pub async fn send(
    ctx: &Context,
    me: &Identity,
    target: &Target,
    text: &str,
    postage: Option<ChannelId>,
) -> Result<Sent, CliError> {
    let resolved = resolve(ctx, me, target).await?;
    let mut client_msg_id = [0u8; 16];
    OsRng.fill_bytes(&mut client_msg_id);
    let draft = Draft {
        conversation: resolved.conversation,
        epoch: resolved.epoch,
        sent_at_ms: inkpost_sdk::clock::now_ms(),
        client_msg_id: ClientMsgId(client_msg_id),
    };
    let envelope = Envelope::seal(me, draft, &resolved.recipients, text.as_bytes())
        .map_err(|error| CliError::BadInput(format!("cannot seal the message: {error}")))?;
    let voucher = match postage {
        Some(channel) => Some(postage_voucher(ctx, me, channel).await?),
        None => None,
    };
    let answer = ctx.relay().submit(me, &envelope, voucher.as_ref()).await?;
    let receipt = answer.receipt;
    if receipt.verify().is_err() || receipt.message_id != envelope.id() {
        return Err(CliError::Failed(format!(
            "the relay's receipt for {} does not verify; do not trust this relay",
            envelope.id()
        )));
    }
    Ok(Sent {
        receipt,
        recipients: resolved.recipients.len(),
        postage: voucher.map(|signed| PostagePaid {
            channel: signed.voucher.channel,
            cumulative: signed.voucher.cumulative,
        }),
    })
}

/// A voucher of `channel` that pays the relay for one more message: the
/// relay says what the channel has paid for; the domain and the escrow
/// contract come from the chain and the deployment, not from the relay.
async fn postage_voucher(
    ctx: &Context,
    me: &Identity,
    channel: ChannelId,
) -> Result<SignedVoucher, CliError> {
    let relay = ctx.relay();
    let terms = relay.postage_terms().await?.ok_or_else(|| {
        CliError::BadInput(format!(
            "the relay at {} charges no postage; send without --postage",
            relay.url()
        ))
    })?;
    let deployment = ctx.deployment()?;
    if terms.escrow != deployment.escrow {
        return Err(CliError::Refused(format!(
            "the relay takes postage through escrow {}, not this deployment's {}",
            terms.escrow, deployment.escrow
        )));
    }
    let account = relay.postage_account(me, channel).await?;
    Ok(Voucher {
        domain: ctx.chain().await?.genesis_hash(),
        contract: deployment.escrow,
        channel,
        cumulative: account.next_cumulative,
    }
    .sign(me))
}

/// A message as read: verified and, where possible, decrypted.
#[derive(Debug, Clone, Serialize)]
pub struct ReadMessage {
    /// Its sequence number in the conversation.
    pub seq: u64,
    /// The message id.
    pub id: MessageId,
    /// The sender's account.
    pub sender: AccountId,
    /// The sender's handle, if registered.
    pub sender_handle: Option<String>,
    /// When the sender says it was sent (ms since the Unix epoch).
    pub sent_at_ms: u64,
    /// The text, or why it cannot be read.
    pub body: Body,
}

/// A message's content as the reader sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "status", content = "text", rename_all = "snake_case")]
pub enum Body {
    /// Decrypted.
    Text(String),
    /// Not encrypted to this reader (sent before they joined, or after
    /// they were removed).
    NotForMe,
    /// Tampered with or otherwise invalid: the reason.
    Invalid(String),
}

/// Handles of accounts, looked up on chain once each.
#[derive(Debug, Default)]
pub struct Handles(HashMap<AccountId, Option<String>>);

impl Handles {
    /// Looks up every account not known yet.
    pub async fn learn(
        &mut self,
        ctx: &Context,
        accounts: impl IntoIterator<Item = AccountId>,
    ) -> Result<(), CliError> {
        for account in accounts {
            if let Entry::Vacant(slot) = self.0.entry(account) {
                let found = person_at(ctx, account.to_address()).await?;
                slot.insert(found.map(|person| person.record.handle));
            }
        }
        Ok(())
    }

    /// The handle of `account`, if known and registered.
    pub fn of(&self, account: &AccountId) -> Option<String> {
        self.0.get(account).cloned().flatten()
    }
}

/// The accounts a conversation's messages come from, as far as the chain
/// says now: the group's members, or the two parties.
pub async fn participants(
    ctx: &Context,
    me: &Identity,
    target: &Target,
) -> Result<Vec<AccountId>, CliError> {
    Ok(match target {
        Target::Handle(handle) => vec![me.account_id(), person(ctx, handle).await?.account()],
        Target::Group(group) => {
            let (_, people) = registered_members(ctx, *group).await?;
            people.iter().map(Person::account).collect()
        }
    })
}

/// Checks and opens one envelope as the relay gave it.
pub fn open(me: &Identity, view: &EnvelopeView, handles: &Handles) -> ReadMessage {
    let (sent_at_ms, body) = match view.envelope() {
        Err(error) => (0, Body::Invalid(error.to_string())),
        Ok(envelope) => (envelope.header.sent_at_ms, read_body(me, view, &envelope)),
    };
    ReadMessage {
        seq: view.seq,
        id: view.id,
        sender: view.sender,
        sender_handle: handles.of(&view.sender),
        sent_at_ms,
        body,
    }
}

/// The body of a decoded, signature-checked envelope, for `me`.
fn read_body(me: &Identity, view: &EnvelopeView, envelope: &Envelope) -> Body {
    if envelope.header.sender != view.sender {
        return Body::Invalid(format!(
            "the relay names {} as sender but {} signed it",
            view.sender, envelope.header.sender
        ));
    }
    if envelope.header.conversation != view.conversation {
        return Body::Invalid("the envelope belongs to another conversation".into());
    }
    if !envelope
        .recipients()
        .any(|account| *account == me.account_id())
    {
        return Body::NotForMe;
    }
    match envelope.open(me) {
        Ok(bytes) => Body::Text(String::from_utf8_lossy(&bytes).into_owned()),
        Err(error) => Body::Invalid(error.to_string()),
    }
}

/// A conversation's id and, for a direct one, the peer the relay needs.
pub async fn conversation_of(
    ctx: &Context,
    me: &Identity,
    target: &Target,
) -> Result<(ConversationId, Option<AccountId>), CliError> {
    Ok(match target {
        Target::Handle(handle) => {
            let peer = person(ctx, handle).await?.account();
            (
                ConversationId::Direct(DirectId::between(&me.account_id(), &peer)),
                Some(peer),
            )
        }
        Target::Group(group) => (ConversationId::Group(*group), None),
    })
}

/// Every message of a conversation after `after`, verified and opened,
/// with the senders' handles.
pub async fn read(
    ctx: &Context,
    me: &Identity,
    target: &Target,
    after: u64,
) -> Result<Vec<ReadMessage>, CliError> {
    let (conversation, peer) = conversation_of(ctx, me, target).await?;
    let relay = ctx.relay();
    let mut views = Vec::new();
    let mut after = after;
    loop {
        let page = relay.list(me, &conversation, after, peer.as_ref()).await?;
        let done = page.envelopes.is_empty();
        views.extend(page.envelopes);
        match page.next_after {
            Some(next) if !done => after = next,
            _ => break,
        }
    }
    let mut handles = Handles::default();
    handles
        .learn(ctx, views.iter().map(|view| view.sender))
        .await?;
    Ok(views.iter().map(|view| open(me, view, &handles)).collect())
}

/// A message's anchor as checked against the chain.
#[derive(Debug, Clone, Serialize)]
pub struct Verified {
    /// The message id.
    pub id: MessageId,
    /// The Merkle root that includes it.
    pub root: String,
    /// Who anchored the root.
    pub submitter: Address,
    /// The submitter's batch sequence number.
    pub batch_seq: Option<u64>,
    /// Messages under the root.
    pub leaf_count: u64,
    /// The block that anchored it.
    pub block: u32,
    /// That block's timestamp (seconds since the Unix epoch).
    pub timestamp: u64,
}

/// Checks message `id`'s inclusion proof from the relay against the root
/// the anchors contract holds. `Ok(None)`: not anchored yet.
pub async fn verify(
    ctx: &Context,
    me: &Identity,
    id: &MessageId,
) -> Result<Option<Verified>, CliError> {
    let deployment = ctx.deployment()?;
    let proof = ctx.relay().proof(me, id).await?;
    let ProofView::Anchored { root, .. } = &proof else {
        return Ok(None);
    };
    let (decoded, root_bytes) = proof
        .decode()
        .map_err(|error| CliError::Failed(format!("the relay's proof is malformed: {error}")))?
        .ok_or_else(|| CliError::Failed("the relay's proof is malformed".into()))?;
    decoded.verify(&root_bytes, id).map_err(|error| {
        CliError::Refused(format!(
            "the relay's proof does not lead from {id} to root {root}: {error}; do not trust this relay"
        ))
    })?;
    let anchor: Option<Anchor> = ctx
        .query(
            Contract::Anchors,
            deployment.anchors,
            &anchors::lookup(&root_bytes),
        )
        .await?;
    let anchor = anchor.ok_or_else(|| {
        CliError::Refused(format!(
            "the relay says root {root} is anchored, but the anchors contract does not hold it"
        ))
    })?;
    Ok(Some(Verified {
        id: *id,
        root: root.clone(),
        submitter: anchor.submitter,
        batch_seq: anchor.seq,
        leaf_count: anchor.leaf_count,
        block: anchor.block,
        timestamp: anchor.timestamp,
    }))
}
