//! The group-commit writer: one task takes every write that requests queue
//! (new envelopes, request nonces), up to [`GROUP_COMMIT_MAX`] at a time,
//! into one transaction, so one durable commit (one fsync on SQLite)
//! serves many requests and writers never contend for SQLite's write lock.
//!
//! A group is written with a handful of multi-row statements whatever its
//! size (the round trips are what bound PostgreSQL; see `insert.rs` and
//! `nonces.rs`). A group that fails, or loses a race to another relay
//! sharing the database, is written again one write per transaction.

use inkpost_sdk::ids::AccountId;
use sqlx::AnyPool;
use tokio::sync::{mpsc, oneshot};

use super::insert::{insert_envelopes, insert_one};
use super::nonces::{NewNonce, insert_nonces};
use super::{Backend, Insert, NewEnvelope, Store, StoreError, begin_write};

/// Most writes committed in one transaction.
pub const GROUP_COMMIT_MAX: usize = 256;

/// A write waiting for the writer task.
#[derive(Debug)]
pub(super) enum PendingWrite {
    /// [`Store::insert`].
    Envelope {
        new: Box<NewEnvelope>,
        reply: oneshot::Sender<Result<Insert, StoreError>>,
    },
    /// [`Store::use_nonce`].
    Nonce {
        nonce: NewNonce,
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
        let (reply, answer) = oneshot::channel();
        self.writer
            .send(PendingWrite::Envelope {
                new: Box::new(new),
                reply,
            })
            .await
            .map_err(|_| StoreError::Closed)?;
        answer.await.map_err(|_| StoreError::Closed)?
    }

    /// Records a request nonce; `false` if this account already used it.
    pub async fn use_nonce(
        &self,
        account: &AccountId,
        nonce: &[u8; 16],
        expires_at_ms: u64,
    ) -> Result<bool, StoreError> {
        let (reply, answer) = oneshot::channel();
        let nonce = NewNonce {
            account: *account,
            nonce: *nonce,
            expires_at_ms,
        };
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
    while let Some(first) = queue.recv().await {
        let mut group = vec![first];
        while group.len() < GROUP_COMMIT_MAX {
            match queue.try_recv() {
                Ok(next) => group.push(next),
                Err(_) => break,
            }
        }
        match write_group(&pool, backend, &group).await {
            Ok(results) => {
                for (pending, result) in group.into_iter().zip(results) {
                    pending.answer(Ok(result));
                }
            }
            // Nothing of the group was committed (a race with another relay,
            // or a failure): each write on its own, so that a failing write
            // fails only its own request.
            Err(_) => {
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
    pool: &AnyPool,
    backend: Backend,
    group: &[PendingWrite],
) -> Result<Vec<Written>, StoreError> {
    let mut tx = begin_write(pool, backend).await?;
    let mut results: Vec<Option<Written>> = vec![None; group.len()];

    let nonces: Vec<(usize, NewNonce)> = group
        .iter()
        .enumerate()
        .filter_map(|(index, pending)| match pending {
            PendingWrite::Nonce { nonce, .. } => Some((index, *nonce)),
            PendingWrite::Envelope { .. } => None,
        })
        .collect();
    for (index, fresh) in insert_nonces(&mut tx, &nonces).await? {
        results[index] = Some(Written::Nonce(fresh));
    }

    let mut free = Vec::new();
    for (index, pending) in group.iter().enumerate() {
        if let PendingWrite::Envelope { new, .. } = pending {
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
        PendingWrite::Nonce { nonce, .. } => {
            let fresh = insert_nonces(&mut tx, &[(0, *nonce)]).await?;
            Written::Nonce(fresh.first().is_some_and(|(_, fresh)| *fresh))
        }
        PendingWrite::Envelope { new, .. } => Written::Envelope(insert_one(&mut tx, new).await?),
    };
    tx.commit().await?;
    Ok(written)
}
