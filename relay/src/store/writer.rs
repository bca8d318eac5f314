//! The group-commit writer: one task takes every write that requests queue
//! (new envelopes, request nonces), up to [`GROUP_COMMIT_MAX`] at a time,
//! into one transaction, so one durable commit (one fsync on SQLite)
//! serves many requests and writers never contend for SQLite's write lock.
//! A submit's nonce travels with its envelope: one commit per submit.
//!
//! A group is written with a handful of multi-row statements whatever its
//! size (the round trips are what bound PostgreSQL; see `insert.rs` and
//! `nonces.rs`). A group that fails, or loses a race to another relay
//! sharing the database, is written again one write per transaction.

use sqlx::pool::PoolConnection;
use sqlx::{Any, AnyPool, Connection};
use tokio::sync::{mpsc, oneshot};

use super::insert::{insert_envelopes, insert_one};
use super::nonces::{RequestNonce, insert_nonces};
use super::{Backend, Insert, NewEnvelope, Store, StoreError, begin_write, begin_write_statement};

/// Most writes committed in one transaction.
pub const GROUP_COMMIT_MAX: usize = 256;

/// A write waiting for the writer task.
#[derive(Debug)]
pub(super) enum PendingWrite {
    /// [`Store::insert`], [`Store::insert_signed`].
    Envelope {
        new: Box<NewEnvelope>,
        /// The nonce of the request that carries it, recorded first: if it
        /// was used before, the envelope is not stored.
        nonce: Option<RequestNonce>,
        reply: oneshot::Sender<Result<Insert, StoreError>>,
    },
    /// [`Store::use_nonce`].
    Nonce {
        nonce: RequestNonce,
        reply: oneshot::Sender<Result<bool, StoreError>>,
    },
}

/// What one write of a group did.
#[derive(Debug, Clone)]
enum Written {
    Envelope(Insert),
    Nonce(bool),
}

impl PendingWrite {
    /// Answers the waiting caller (who may have gone: nothing to do then).
    fn answer(self, result: Result<Written, StoreError>) {
        match self {
            Self::Envelope { reply, .. } => {
                let _ = reply.send(result.and_then(|written| match written {
                    Written::Envelope(insert) => Ok(insert),
                    Written::Nonce(_) => Err(StoreError::Corrupt("writer answered a nonce".into())),
                }));
            }
            Self::Nonce { reply, .. } => {
                let _ = reply.send(result.and_then(|written| match written {
                    Written::Nonce(fresh) => Ok(fresh),
                    Written::Envelope(_) => {
                        Err(StoreError::Corrupt("writer answered an envelope".into()))
                    }
                }));
            }
        }
    }
}

impl Store {
    /// Stores an envelope unless it (or the sender's client message id) is
    /// already stored, assigning the next sequence number of its
    /// conversation. Committed durably before returning, together with
    /// whatever else was queued (group commit).
    pub async fn insert(&self, new: NewEnvelope) -> Result<Insert, StoreError> {
        self.queue_envelope(new, None).await
    }

    /// [`Store::insert`] for a signed request: records the request's nonce
    /// in the same transaction, and stores nothing ([`Insert::Replayed`])
    /// if the account used that nonce before.
    pub async fn insert_signed(
        &self,
        new: NewEnvelope,
        nonce: RequestNonce,
    ) -> Result<Insert, StoreError> {
        self.queue_envelope(new, Some(nonce)).await
    }

    async fn queue_envelope(
        &self,
        new: NewEnvelope,
        nonce: Option<RequestNonce>,
    ) -> Result<Insert, StoreError> {
        let (reply, answer) = oneshot::channel();
        self.writer
            .send(PendingWrite::Envelope {
                new: Box::new(new),
                nonce,
                reply,
            })
            .await
            .map_err(|_| StoreError::Closed)?;
        answer.await.map_err(|_| StoreError::Closed)?
    }

    /// Records a request nonce; `false` if this account already used it.
    pub async fn use_nonce(&self, nonce: RequestNonce) -> Result<bool, StoreError> {
        let (reply, answer) = oneshot::channel();
        self.writer
            .send(PendingWrite::Nonce { nonce, reply })
            .await
            .map_err(|_| StoreError::Closed)?;
        answer.await.map_err(|_| StoreError::Closed)?
    }
}

/// The writer task behind [`Store::insert`] and [`Store::use_nonce`].
pub(super) async fn write_groups(
    pool: AnyPool,
    backend: Backend,
    mut queue: mpsc::Receiver<PendingWrite>,
) {
    // The writer keeps its connection: taking one from the pool for each
    // group costs a liveness round trip, as much as a statement.
    let mut held: Option<PoolConnection<Any>> = None;
    while let Some(first) = queue.recv().await {
        let mut group = vec![first];
        while group.len() < GROUP_COMMIT_MAX {
            match queue.try_recv() {
                Ok(next) => group.push(next),
                Err(_) => break,
            }
        }
        let written = match held.as_mut() {
            Some(connection) => write_group(connection, backend, &group).await,
            None => match pool.acquire().await {
                Ok(connection) => write_group(held.insert(connection), backend, &group).await,
                Err(error) => Err(error.into()),
            },
        };
        match written {
            Ok(results) => {
                for (pending, result) in group.into_iter().zip(results) {
                    pending.answer(Ok(result));
                }
            }
            // Nothing of the group was committed (a race with another relay,
            // or a failure): each write on its own, so that a failing write
            // fails only its own request. The connection may be what failed:
            // the next group takes a fresh one.
            Err(_) => {
                held = None;
                for pending in group {
                    let result = write_one(&pool, backend, &pending).await;
                    pending.answer(result);
                }
            }
        }
    }
}

/// Writes a whole group in one transaction. Fails with
/// [`StoreError::Raced`] (nothing committed) if another relay stored one of
/// its envelopes between the look-up and the insert.
async fn write_group(
    connection: &mut sqlx::AnyConnection,
    backend: Backend,
    group: &[PendingWrite],
) -> Result<Vec<Written>, StoreError> {
    let mut tx = connection
        .begin_with(begin_write_statement(backend))
        .await?;
    let mut results: Vec<Option<Written>> = vec![None; group.len()];

    let nonces: Vec<(usize, RequestNonce)> = group
        .iter()
        .enumerate()
        .filter_map(|(index, pending)| match pending {
            PendingWrite::Nonce { nonce, .. } => Some((index, *nonce)),
            PendingWrite::Envelope { nonce, .. } => nonce.map(|nonce| (index, nonce)),
        })
        .collect();
    for (index, fresh) in insert_nonces(&mut tx, &nonces).await? {
        match &group[index] {
            PendingWrite::Nonce { .. } => results[index] = Some(Written::Nonce(fresh)),
            PendingWrite::Envelope { .. } if !fresh => {
                results[index] = Some(Written::Envelope(Insert::Replayed));
            }
            // Stored below.
            PendingWrite::Envelope { .. } => {}
        }
    }

    let mut free = Vec::new();
    for (index, pending) in group.iter().enumerate() {
        if let PendingWrite::Envelope { new, .. } = pending
            && results[index].is_none()
        {
            if new.postage.is_some() {
                results[index] = Some(Written::Envelope(insert_one(&mut tx, new).await?));
            } else {
                free.push((index, new.as_ref()));
            }
        }
    }
    for (index, insert) in insert_envelopes(&mut tx, &free).await? {
        results[index] = Some(Written::Envelope(insert));
    }
    tx.commit().await?;
    results
        .into_iter()
        .map(|result| result.ok_or_else(|| StoreError::Corrupt("a write went unanswered".into())))
        .collect()
}

/// Writes one queued write in a transaction of its own.
async fn write_one(
    pool: &AnyPool,
    backend: Backend,
    pending: &PendingWrite,
) -> Result<Written, StoreError> {
    let mut tx = begin_write(pool, backend).await?;
    let written = match pending {
        PendingWrite::Nonce { nonce, .. } => Written::Nonce(record(&mut tx, *nonce).await?),
        PendingWrite::Envelope { new, nonce, .. } => match nonce {
            Some(nonce) if !record(&mut tx, *nonce).await? => Written::Envelope(Insert::Replayed),
            _ => Written::Envelope(insert_one(&mut tx, new).await?),
        },
    };
    tx.commit().await?;
    Ok(written)
}

/// Records one nonce; `false` if it was used before.
async fn record(
    connection: &mut sqlx::AnyConnection,
    nonce: RequestNonce,
) -> Result<bool, StoreError> {
    let fresh = insert_nonces(connection, &[(0, nonce)]).await?;
    Ok(fresh.first().is_some_and(|(_, fresh)| *fresh))
}
