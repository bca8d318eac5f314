//! `GET /v1/conversations/{conversation}/stream?after=&peer=`: a live
//! Server-Sent Events stream of a conversation's envelopes after `after`,
//! as `event: envelope` with the envelope's JSON (`id:` is its sequence
//! number, so a client resumes with `after=<last id>`).
//!
//! The stream reads from the database, so it sees what every relay sharing
//! the database stored: it wakes when this relay stores an envelope of the
//! conversation, and at least every poll interval. Before each read it asks
//! the chain view again whether the caller may still read: a member removed
//! on chain gets `event: revoked` and the stream ends. A stream lives at
//! most the relay's stream lifetime, and no longer than the relay can check
//! the caller's access: then it ends with `event: expired`, and the client
//! signs a new request (which is checked afresh) to go on.

use std::collections::VecDeque;
use std::convert::Infallible;
use std::time::Duration;

use tokio::time::Instant;

use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::response::sse::{Event, KeepAlive, Sse};
use futures::Stream;
use inkpost_sdk::ids::{AccountId, ConversationId};
use tokio::sync::broadcast;

use super::auth::Signed;
use super::envelopes::{EnvelopeView, ListQuery, readable_conversation};
use super::error::ApiError;
use super::state::AppState;
use super::streams::StreamSlot;
use crate::access::{AccessError, authorize_read};
use crate::store::StoredEnvelope;

/// How often an idle stream looks at the database for other relays' writes.
const POLL_EVERY: Duration = Duration::from_secs(1);
/// Envelopes read from the database at a time.
const PAGE: u32 = 100;
/// When a caller over its stream limit may try again.
const STREAM_RETRY_SECS: u64 = 5;

struct Follow {
    state: AppState,
    reader: AccountId,
    conversation: ConversationId,
    peer: Option<AccountId>,
    after: u64,
    queued: VecDeque<StoredEnvelope>,
    stored: broadcast::Receiver<ConversationId>,
    /// When the stream ends by itself.
    expires_at: Instant,
    /// Its place among the open streams (freed when the stream is dropped).
    _slot: StreamSlot,
    done: bool,
}

/// The stream route.
pub async fn stream(
    State(state): State<AppState>,
    path: Result<Path<String>, PathRejection>,
    query: Result<Query<ListQuery>, QueryRejection>,
    signed: Signed,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, ApiError> {
    let (conversation, query) = readable_conversation(&state, path, query, &signed).await?;
    let limits = state.limits;
    let slot = state
        .streams
        .take(
            signed.account,
            limits.max_streams_per_identity,
            limits.max_streams,
        )
        .map_err(|full| {
            tracing::debug!(?full, "stream refused");
            ApiError::rate_limited(Duration::from_secs(STREAM_RETRY_SECS))
        })?;
    let follow = Follow {
        _slot: slot,
        stored: state.stored.subscribe(),
        expires_at: Instant::now() + Duration::from_secs(state.limits.stream_lifetime_secs),
        state,
        reader: signed.account,
        conversation,
        peer: query.peer,
        after: query.after,
        queued: VecDeque::new(),
        done: false,
    };
    let events = futures::stream::unfold(follow, |mut follow| async move {
        let event = follow.next_event().await?;
        Some((Ok(event), follow))
    });
    Ok(Sse::new(events).keep_alive(KeepAlive::default()))
}

impl Follow {
    /// The next event to send, or `None` when the stream ends.
    async fn next_event(&mut self) -> Option<Event> {
        if self.done {
            return None;
        }
        loop {
            if let Some(envelope) = self.queued.pop_front() {
                self.after = envelope.seq;
                let data = serde_json::to_string(&EnvelopeView::from(envelope)).ok()?;
                return Some(
                    Event::default()
                        .event("envelope")
                        .id(self.after.to_string())
                        .data(data),
                );
            }
            if Instant::now() >= self.expires_at {
                self.done = true;
                return Some(Event::default().event("expired").data(
                    "this stream's lifetime is over; sign a new request to go on after its \
                     last id",
                ));
            }
            let allowed = authorize_read(
                self.state.view.as_ref(),
                &self.reader,
                &self.conversation,
                self.peer.as_ref(),
            )
            .await;
            match allowed {
                Ok(()) => {}
                Err(AccessError::Unavailable(reason)) => {
                    // Nothing is served that cannot be authorized now.
                    self.done = true;
                    return Some(Event::default().event("expired").data(format!(
                        "the relay cannot check your access now ({reason}); try again shortly"
                    )));
                }
                Err(error) => {
                    self.done = true;
                    return Some(Event::default().event("revoked").data(error.to_string()));
                }
            }
            match self
                .state
                .store
                .list(&self.conversation, self.after, PAGE)
                .await
            {
                Ok(page) if !page.is_empty() => {
                    self.queued.extend(page);
                    continue;
                }
                Ok(_) => {}
                Err(error) => tracing::warn!(%error, "stream: reading the database failed"),
            }
            self.wait().await;
        }
    }

    /// Until this relay stores an envelope of the conversation, or the poll
    /// interval passes.
    async fn wait(&mut self) {
        let deadline = tokio::time::sleep_until(self.expires_at.min(Instant::now() + POLL_EVERY));
        tokio::pin!(deadline);
        loop {
            tokio::select! {
                _ = &mut deadline => return,
                stored = self.stored.recv() => match stored {
                    Ok(conversation) if conversation != self.conversation => continue,
                    // Ours, lagged behind (read the database), or closed.
                    _ => return,
                },
            }
        }
    }
}
