//! A conversation as a user holds it: resolved once from the chain (its
//! id, the other party or the group's members and epoch), then sent to,
//! read, and followed live through the relay, every envelope checked before
//! it is shown.

use inkpost_sdk::continuity::{Continuity, SenderChains};
use inkpost_sdk::envelope::{Draft, Envelope, Recipient, SenderChain};
use inkpost_sdk::ids::{
    AccountId, ClientMsgId, ConversationId, DirectId, Epoch, GroupId, MessageId,
};
use inkpost_sdk::keys::{Identity, is_usable_encryption_key};
use inkpost_sdk::receipt::Receipt;
use inkpost_sdk::relay::StreamEvent;
use inkpost_sdk::relay::api::EnvelopeView;
use rand_core::{OsRng, RngCore};
use serde::Serialize;

use crate::context::Context;
use crate::directory::{Handles, Person, Writers, person, person_at, registered_members};
use crate::error::CliError;
use crate::postage::{Postage, PostagePaid, postage_voucher};
use crate::sent::{Position, SentLog};

/// Where a message goes or is read from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// A direct conversation with the person of this handle.
    Handle(String),
    /// A group.
    Group(GroupId),
}

/// A conversation resolved on chain.
#[derive(Debug, Clone)]
pub struct Conversation {
    /// Its id.
    pub id: ConversationId,
    /// For a direct conversation, the other party (the relay asks for it).
    pub peer: Option<AccountId>,
    /// The epoch a message is written at (0 for a direct conversation).
    pub epoch: Epoch,
    /// Who a message is encrypted to: the registered members of a group,
    /// or both parties of a direct conversation (the caller only once
    /// registered).
    pub people: Vec<Person>,
}

impl Conversation {
    /// Resolves `target` for `me`.
    pub async fn resolve(ctx: &Context, me: &Identity, target: &Target) -> Result<Self, CliError> {
        match target {
            Target::Handle(handle) => {
                let peer = person(ctx, handle).await?;
                let mut people = vec![peer.clone()];
                if let Some(myself) = person_at(ctx, me.address()).await? {
                    people.insert(0, myself);
                }
                Ok(Self {
                    id: ConversationId::Direct(DirectId::between(
                        &me.account_id(),
                        &peer.account(),
                    )),
                    peer: Some(peer.account()),
                    epoch: Epoch(0),
                    people,
                })
            }
            Target::Group(group) => {
                let (state, people) = registered_members(ctx, *group).await?;
                Ok(Self {
                    id: ConversationId::Group(*group),
                    peer: None,
                    epoch: Epoch(state.epoch),
                    people,
                })
            }
        }
    }

    /// Who a message is encrypted to, and the handles of people skipped
    /// because their registered key cannot be encrypted to (of small order
    /// or not canonical: registered before the identity contract refused
    /// such keys) — one such member must not block everyone's messages.
    fn recipients(&self) -> (Vec<Recipient>, Vec<String>) {
        let (usable, unusable): (Vec<_>, Vec<_>) = self
            .people
            .iter()
            .partition(|person| is_usable_encryption_key(&person.recipient().key));
        (
            usable.into_iter().map(Person::recipient).collect(),
            unusable
                .into_iter()
                .map(|person| person.record.handle.clone())
                .collect(),
        )
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
    /// Members it could not be encrypted to (unusable keys), by handle.
    pub skipped: Vec<String>,
    /// The postage voucher it carried, on a relay that charges postage.
    pub postage: Option<PostagePaid>,
}

/// Encrypts `text` to everyone in `conversation`, signs it as `me` and
/// submits it to the relay, paying its postage as `postage` says if given;
/// checks the relay's receipt before returning it.
pub async fn send(
    ctx: &Context,
    me: &Identity,
    conversation: &Conversation,
    text: &str,
    postage: Option<Postage>,
) -> Result<Sent, CliError> {
    if !conversation
        .people
        .iter()
        .any(|person| person.account() == me.account_id())
        && conversation.peer.is_some()
    {
        return Err(not_registered());
    }
    let (recipients, skipped) = conversation.recipients();
    let mut client_msg_id = [0u8; 16];
    OsRng.fill_bytes(&mut client_msg_id);
    let log = SentLog::new(ctx.home(), &me.account_id(), &conversation.id);
    let chain = match log.position()? {
        Position::Next(chain) => chain,
        Position::Unknown => resume_chain(ctx, me, conversation).await?,
        Position::Pending { chain, id } => after_pending(ctx, me, chain, id).await?,
    };
    let draft = Draft {
        conversation: conversation.id,
        epoch: conversation.epoch,
        sent_at_ms: inkpost_sdk::clock::now_ms(),
        client_msg_id: ClientMsgId(client_msg_id),
        chain,
    };
    let envelope = Envelope::seal(me, draft, &recipients, text.as_bytes())
        .map_err(|error| CliError::BadInput(format!("cannot seal the message: {error}")))?;
    let voucher = match postage {
        Some(postage) => Some(postage_voucher(ctx, me, postage).await?),
        None => None,
    };
    let relay = ctx.relay().await?;
    log.pending(chain, envelope.id())?;
    let answer = relay.submit(me, &envelope, voucher.as_ref()).await?;
    let receipt = answer.receipt;
    let pinned = relay.audience().await?.relay;
    if receipt.verify().is_err() || receipt.message_id != envelope.id() || receipt.relay != pinned {
        return Err(CliError::Untrusted(format!(
            "the relay's receipt for {} is not signed by the relay as pinned, or not for this \
             message; do not trust this relay",
            envelope.id()
        )));
    }
    log.record(chain, envelope.id())?;
    Ok(Sent {
        receipt,
        recipients: recipients.len(),
        skipped,
        postage: voucher.map(|signed| PostagePaid {
            channel: signed.voucher.channel,
            cumulative: signed.voucher.cumulative,
        }),
    })
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
    /// How it fits its sender's chain: a gap or a reordering shows here.
    pub continuity: Continuity,
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

/// What a reader knows while reading one conversation: the senders'
/// handles, chains and, in a group, whether they could write.
#[derive(Debug)]
pub struct Reading {
    /// Handles of the senders seen.
    pub handles: Handles,
    /// Each sender's chain as read.
    pub chains: SenderChains,
    /// In a group: whether each sender could write at its messages' epochs.
    pub writers: Writers,
}

impl Reading {
    /// Reading `conversation` from after sequence number `after`.
    pub fn new(conversation: &Conversation, after: u64) -> Self {
        Self {
            handles: handles(conversation),
            chains: SenderChains::new(after == 0),
            writers: Writers::default(),
        }
    }

    /// Looks up on chain what checking `views` needs: their senders'
    /// handles and, in a group, whether each could write at its epoch.
    pub async fn learn<'a>(
        &mut self,
        ctx: &Context,
        conversation: &Conversation,
        views: impl IntoIterator<Item = &'a EnvelopeView> + Clone,
    ) -> Result<(), CliError> {
        let senders = views.clone().into_iter().map(|view| view.sender);
        self.handles.learn(ctx, senders).await?;
        if let ConversationId::Group(group) = conversation.id {
            let written = views.into_iter().filter_map(|view| {
                let header = view.envelope().ok()?.header;
                Some((header.sender, header.epoch))
            });
            self.writers.learn(ctx, group, written).await?;
        }
        Ok(())
    }
}

/// Checks and opens one envelope of `conversation` as the relay gave it.
pub fn open(
    me: &Identity,
    conversation: &Conversation,
    view: &EnvelopeView,
    reading: &mut Reading,
) -> ReadMessage {
    let (sent_at_ms, body, continuity) = match view.envelope() {
        Err(error) => (0, Body::Invalid(error.to_string()), Continuity::Unchecked),
        Ok(envelope) => {
            let body = read_body(me, conversation, view, &envelope, &reading.writers);
            let continuity = if matches!(body, Body::Invalid(_)) {
                Continuity::Unchecked
            } else {
                let header = &envelope.header;
                reading.chains.observe(header.sender, header.chain, view.id)
            };
            (envelope.header.sent_at_ms, body, continuity)
        }
    };
    let handles = &reading.handles;
    ReadMessage {
        seq: view.seq,
        id: view.id,
        sender: view.sender,
        sender_handle: handles.of(&view.sender),
        sent_at_ms,
        body,
        continuity,
    }
}

/// The body of a decoded, signature-checked envelope, for `me`.
fn read_body(
    me: &Identity,
    conversation: &Conversation,
    view: &EnvelopeView,
    envelope: &Envelope,
    writers: &Writers,
) -> Body {
    if envelope.header.sender != view.sender {
        return Body::Invalid(format!(
            "the relay names {} as sender but {} signed it",
            view.sender, envelope.header.sender
        ));
    }
    if envelope.header.conversation != view.conversation || view.conversation != conversation.id {
        return Body::Invalid("the envelope belongs to another conversation".into());
    }
    // Only its two parties write in a direct conversation: anyone else's
    // envelope, however well signed, was slipped in.
    if let Some(peer) = &conversation.peer {
        let sender = &envelope.header.sender;
        if sender != peer && *sender != me.account_id() {
            return Body::Invalid(format!(
                "{sender} is not a party to this direct conversation: injected"
            ));
        }
    }
    // In a group, only who could write at the epoch the message names (the
    // groups contract keeps every role with the epoch it began at).
    if let ConversationId::Group(_) = conversation.id {
        let (sender, epoch) = (&envelope.header.sender, envelope.header.epoch);
        if writers.could_write(sender, epoch) != Some(true) {
            return Body::Invalid(format!(
                "{sender} could not write in this group at epoch {}: injected",
                epoch.0
            ));
        }
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

/// The handles of a conversation's people, for display.
pub fn handles(conversation: &Conversation) -> Handles {
    Handles::of_people(&conversation.people)
}

/// Every envelope of `conversation` after `after`, page by page, as the
/// relay gives them (each page checked by the SDK to move on).
async fn list_all(
    ctx: &Context,
    me: &Identity,
    conversation: &Conversation,
    after: u64,
) -> Result<Vec<EnvelopeView>, CliError> {
    let relay = ctx.relay().await?;
    let mut views = Vec::new();
    let mut after = after;
    loop {
        let page = relay
            .list(me, &conversation.id, after, conversation.peer.as_ref())
            .await?;
        let done = page.envelopes.is_empty();
        views.extend(page.envelopes);
        match page.next_after {
            Some(next) if !done => after = next,
            _ => break,
        }
    }
    Ok(views)
}

/// Where `me`'s next message in `conversation` goes in its chain, when this
/// machine has not sent there: after the latest message the relay holds
/// that `me` signed.
async fn resume_chain(
    ctx: &Context,
    me: &Identity,
    conversation: &Conversation,
) -> Result<SenderChain, CliError> {
    let views = list_all(ctx, me, conversation, 0).await?;
    let latest = views.iter().rev().find_map(|view| {
        view.envelope()
            .ok()
            .filter(|envelope| envelope.header.sender == me.account_id())
    });
    Ok(latest.map_or(SenderChain::FIRST, |envelope| {
        envelope.header.chain.next(envelope.id())
    }))
}

/// Where the next message goes after message `id` at `chain` was submitted
/// without a receipt: after it if the relay holds it (its receipt was
/// lost), else in its place (it never arrived).
async fn after_pending(
    ctx: &Context,
    me: &Identity,
    chain: SenderChain,
    id: MessageId,
) -> Result<SenderChain, CliError> {
    // The client checks the answer is the envelope of that id: ours.
    match ctx.relay().await?.envelope(me, &id).await {
        Ok(_) => Ok(chain.next(id)),
        Err(error) if error.code() == Some("not_found") => Ok(chain),
        Err(error) => Err(error.into()),
    }
}

/// Every message of `conversation` after `after`, verified and opened, as
/// `reading` goes on.
pub async fn read(
    ctx: &Context,
    me: &Identity,
    conversation: &Conversation,
    after: u64,
    reading: &mut Reading,
) -> Result<Vec<ReadMessage>, CliError> {
    let views = list_all(ctx, me, conversation, after).await?;
    reading.learn(ctx, conversation, &views).await?;
    Ok(views
        .iter()
        .map(|view| open(me, conversation, view, reading))
        .collect())
}

/// Follows `conversation` live after sequence number `after`, handing each
/// message to `on_message` until it returns `false` (`Ok(true)`) or the
/// relay revokes the reader's access (`Ok(false)`). A stream the relay ends
/// for now (`expired`) is signed for again after the last message; streams
/// that keep ending at once (the relay cannot check access) are an error.
pub async fn follow(
    ctx: &Context,
    me: &Identity,
    conversation: &Conversation,
    after: u64,
    reading: &mut Reading,
    mut on_message: impl FnMut(ReadMessage) -> bool,
) -> Result<bool, CliError> {
    let relay = ctx.relay().await?;
    let mut after = after;
    let mut short_lived = 0;
    loop {
        let opened = std::time::Instant::now();
        let mut stream = relay
            .subscribe(me, &conversation.id, after, conversation.peer.as_ref())
            .await?;
        let mut expired = None;
        while let Some(event) = stream.next().await {
            match event? {
                StreamEvent::Envelope(view) => {
                    after = view.seq;
                    reading.learn(ctx, conversation, [&*view]).await?;
                    if !on_message(open(me, conversation, &view, reading)) {
                        return Ok(true);
                    }
                }
                StreamEvent::Revoked(_) => return Ok(false),
                StreamEvent::Expired(reason) => expired = Some(reason),
            }
        }
        // The relay closed the stream without a word.
        let Some(reason) = expired else {
            return Ok(true);
        };
        if opened.elapsed() < std::time::Duration::from_secs(2) {
            short_lived += 1;
            if short_lived >= 3 {
                return Err(CliError::Unavailable(format!(
                    "the relay keeps ending the stream: {}",
                    crate::terminal::safe(&reason)
                )));
            }
            tokio::time::sleep(std::time::Duration::from_secs(1)).await;
        } else {
            short_lived = 0;
        }
    }
}
