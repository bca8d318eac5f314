//! A conversation as a user holds it: resolved once from the chain (its
//! id, the other party or the group's members and epoch), then sent to,
//! read, and followed live through the relay, every envelope checked before
//! it is shown.

use inkpost_sdk::envelope::{Draft, Envelope, Recipient};
use inkpost_sdk::ids::{
    AccountId, ChannelId, ClientMsgId, ConversationId, DirectId, Epoch, GroupId, MessageId,
};
use inkpost_sdk::keys::Identity;
use inkpost_sdk::receipt::Receipt;
use inkpost_sdk::relay::StreamEvent;
use inkpost_sdk::relay::api::EnvelopeView;
use rand_core::{OsRng, RngCore};
use serde::Serialize;

use crate::context::Context;
use crate::directory::{Handles, Person, person, person_at, registered_members};
use crate::error::CliError;
use crate::postage::{PostagePaid, postage_voucher};

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

    fn recipients(&self) -> Vec<Recipient> {
        self.people.iter().map(Person::recipient).collect()
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

/// Encrypts `text` to everyone in `conversation`, signs it as `me` and
/// submits it to the relay, paying its postage from escrow channel
/// `postage` if given; checks the relay's receipt before returning it.
pub async fn send(
    ctx: &Context,
    me: &Identity,
    conversation: &Conversation,
    text: &str,
    postage: Option<ChannelId>,
) -> Result<Sent, CliError> {
    if !conversation
        .people
        .iter()
        .any(|person| person.account() == me.account_id())
        && conversation.peer.is_some()
    {
        return Err(not_registered());
    }
    let recipients = conversation.recipients();
    let mut client_msg_id = [0u8; 16];
    OsRng.fill_bytes(&mut client_msg_id);
    let draft = Draft {
        conversation: conversation.id,
        epoch: conversation.epoch,
        sent_at_ms: inkpost_sdk::clock::now_ms(),
        client_msg_id: ClientMsgId(client_msg_id),
    };
    let envelope = Envelope::seal(me, draft, &recipients, text.as_bytes())
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
        recipients: recipients.len(),
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

/// The handles of a conversation's people, for display.
pub fn handles(conversation: &Conversation) -> Handles {
    Handles::of_people(&conversation.people)
}

/// Every message of `conversation` after `after`, verified and opened;
/// `handles` learns the senders' handles.
pub async fn read(
    ctx: &Context,
    me: &Identity,
    conversation: &Conversation,
    after: u64,
    handles: &mut Handles,
) -> Result<Vec<ReadMessage>, CliError> {
    let relay = ctx.relay();
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
    handles
        .learn(ctx, views.iter().map(|view| view.sender))
        .await?;
    Ok(views.iter().map(|view| open(me, view, handles)).collect())
}

/// Follows `conversation` live after sequence number `after`, handing each
/// message to `on_message` until it returns `false` (`Ok(true)`) or the
/// relay revokes the reader's access (`Ok(false)`).
pub async fn follow(
    ctx: &Context,
    me: &Identity,
    conversation: &Conversation,
    after: u64,
    handles: &mut Handles,
    mut on_message: impl FnMut(ReadMessage) -> bool,
) -> Result<bool, CliError> {
    let mut stream = ctx
        .relay()
        .subscribe(me, &conversation.id, after, conversation.peer.as_ref())
        .await?;
    while let Some(event) = stream.next().await {
        match event? {
            StreamEvent::Envelope(view) => {
                handles.learn(ctx, [view.sender]).await?;
                if !on_message(open(me, &view, handles)) {
                    return Ok(true);
                }
            }
            StreamEvent::Revoked(_) => return Ok(false),
        }
    }
    Ok(true)
}
