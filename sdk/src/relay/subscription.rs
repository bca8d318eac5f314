//! A live conversation stream (`GET /v1/conversations/{id}/stream`) from the
//! client's side: Server-Sent Events parsed as they arrive, each envelope
//! checked to be of the conversation and after the one before, no event
//! buffered past [`MAX_EVENT_BYTES`].

use futures::StreamExt;

use super::api::EnvelopeView;
use super::error::{At, RelayError, StreamEvent};
use super::sse::SseParser;
use super::transport::ByteStream;
use crate::ids::ConversationId;

/// A live conversation stream (`GET …/stream`).
pub struct Subscription {
    at: At,
    conversation: ConversationId,
    /// The highest sequence number delivered (or the starting `after`).
    last: u64,
    body: ByteStream,
    parser: SseParser,
    ready: Vec<StreamEvent>,
    ended: bool,
}

impl std::fmt::Debug for Subscription {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Subscription")
            .field("relay", &self.at.url())
            .field("ended", &self.ended)
            .finish()
    }
}

impl Subscription {
    /// A stream of `conversation` after `after`, reading `body`.
    pub(super) fn new(at: At, conversation: ConversationId, after: u64, body: ByteStream) -> Self {
        Self {
            at,
            conversation,
            last: after,
            body,
            parser: SseParser::default(),
            ready: Vec::new(),
            ended: false,
        }
    }

    /// The next event, or `None` once the stream ended (after `Revoked` or
    /// `Expired`, or when the relay closed it).
    pub async fn next(&mut self) -> Option<Result<StreamEvent, RelayError>> {
        loop {
            if !self.ready.is_empty() {
                return Some(Ok(self.ready.remove(0)));
            }
            if self.ended {
                return None;
            }
            let chunk = match self.body.next().await {
                Some(Ok(chunk)) => chunk,
                Some(Err(error)) => {
                    self.ended = true;
                    return Some(Err(self.at.unreachable(error)));
                }
                None => {
                    self.ended = true;
                    return None;
                }
            };
            let events = self.parser.push(&chunk);
            if self.parser.pending() > MAX_EVENT_BYTES {
                self.ended = true;
                return Some(Err(self.at.dishonest(format!(
                    "a stream event longer than {MAX_EVENT_BYTES} bytes"
                ))));
            }
            for event in events {
                match event.event.as_str() {
                    "envelope" => match self.envelope(&event.data) {
                        Ok(view) => self.ready.push(StreamEvent::Envelope(Box::new(view))),
                        Err(error) => {
                            self.ended = true;
                            return Some(Err(error));
                        }
                    },
                    "revoked" => {
                        self.ready.push(StreamEvent::Revoked(event.data));
                        self.ended = true;
                        break;
                    }
                    "expired" => {
                        self.ready.push(StreamEvent::Expired(event.data));
                        self.ended = true;
                        break;
                    }
                    _ => {} // unknown events are for newer clients
                }
            }
        }
    }
}

impl Subscription {
    /// An `envelope` event's view, which must be of this conversation and
    /// come after every one before it.
    fn envelope(&mut self, data: &str) -> Result<EnvelopeView, RelayError> {
        let view: EnvelopeView = self.at.json(data.as_bytes())?;
        if view.conversation != self.conversation || view.seq <= self.last {
            return Err(self.at.dishonest(format!(
                "the stream of {} (at #{}) sent message #{} of {}",
                self.conversation, self.last, view.seq, view.conversation
            )));
        }
        self.last = view.seq;
        Ok(view)
    }
}

/// The longest stream event a client buffers: one envelope's view (at most
/// [`crate::envelope::MAX_ENVELOPE_BYTES`], base64 in JSON) with room.
pub const MAX_EVENT_BYTES: usize = 6 << 20;
