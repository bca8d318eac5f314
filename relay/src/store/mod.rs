//! Durable storage of envelopes, batches and request nonces through sqlx:
//! SQLite (one file, WAL, `synchronous=FULL`) or PostgreSQL (several relays,
//! one database), chosen by the URL. The same SQL runs on both; only the
//! migrations differ in column types.
//!
//! Every write that a receipt acknowledges is committed before the call
//! returns. Conversation sequence numbers are assigned under the row lock of
//! the conversation's counter, so on PostgreSQL concurrent relays commit one
//! conversation's messages in sequence order and readers paging by sequence
//! number never skip one.

use std::str::FromStr;
use std::time::Duration;

use inkpost_sdk::ids::{
    AccountId, Address, BatchSeq, ChannelId, ClientMsgId, ConversationId, MessageId,
};
use sqlx::any::{AnyConnectOptions, AnyPoolOptions, AnyRow};
use sqlx::{Acquire, AnyPool, Row};
use tokio::sync::{mpsc, oneshot};

mod postage;
pub use postage::{PostageCharge, PostageRecord, Unpaid};

/// Which database the store runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// An embedded SQLite file.
    Sqlite,
    /// A PostgreSQL server.
    Postgres,
}

/// Returned when the database fails or holds something unexpected.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The URL names neither `sqlite:` nor `postgres:`.
    #[error("unsupported database URL `{0}` (use sqlite://FILE or postgres://…)")]
    UnsupportedUrl(String),
    /// The database failed.
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    /// Migrating the schema failed.
    #[error("database migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// A stored value does not decode.
    #[error("corrupt row: {0}")]
    Corrupt(String),
    /// Another relay already anchors this database's batches.
    #[error(
        "another relay already anchors this database's batches; run this one with \
         --anchoring false (only one relay of a shared database may anchor)"
    )]
    AnchoringTaken,
    /// The store's writer task is gone (the relay is shutting down).
    #[error("the store is closed")]
    Closed,
}

/// An envelope to store.
#[derive(Debug, Clone)]
pub struct NewEnvelope {
    /// Its id.
    pub id: MessageId,
    /// Its conversation.
    pub conversation: ConversationId,
    /// Its sender.
    pub sender: AccountId,
    /// The sender's idempotency id.
    pub client_msg_id: ClientMsgId,
    /// The group epoch it was written at.
    pub epoch: u64,
    /// The canonical envelope bytes.
    pub body: Vec<u8>,
    /// When the relay received it.
    pub received_at_ms: u64,
    /// The postage it pays, on a relay that charges for storing.
    pub postage: Option<PostageCharge>,
}

/// A stored envelope.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredEnvelope {
    /// Its id.
    pub id: MessageId,
    /// Its conversation.
    pub conversation: ConversationId,
    /// Its sequence number in the conversation (from 1).
    pub seq: u64,
    /// Its sender.
    pub sender: AccountId,
    /// The sender's idempotency id.
    pub client_msg_id: ClientMsgId,
    /// The canonical envelope bytes.
    pub body: Vec<u8>,
    /// When the relay received it.
    pub received_at_ms: u64,
    /// The batch it was anchored in, once assigned.
    pub batch: Option<BatchSeq>,
}

/// The outcome of storing an envelope.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Insert {
    /// Newly stored.
    Stored(StoredEnvelope),
    /// Already stored (same id, or same sender and client message id):
    /// the original.
    Duplicate(StoredEnvelope),
    /// Not stored: its postage does not cover it.
    Unpaid(Unpaid),
}

/// A batch of message ids to anchor or anchored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Batch {
    /// The anchors contract sequence number.
    pub seq: BatchSeq,
    /// The Merkle root.
    pub root: [u8; 32],
    /// Number of leaves.
    pub leaf_count: u64,
    /// When it was formed.
    pub created_at_ms: u64,
    /// Where it was anchored, once finalized.
    pub anchored: Option<AnchoredAt>,
}

/// The finalized block that anchored a batch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AnchoredAt {
    /// Block number.
    pub block_number: u64,
    /// Block hash.
    pub block_hash: [u8; 32],
    /// When the relay saw it finalized.
    pub anchored_at_ms: u64,
}

/// A message's inclusion proof, or why there is none yet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProofState {
    /// The message is not yet in an anchored batch.
    Pending,
    /// The message's batch is anchored.
    Anchored {
        /// The batch.
        batch: Batch,
        /// The encoded proof (`inkpost_sdk::merkle::Proof`).
        proof: Vec<u8>,
    },
}

/// Counts for monitoring.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StoreStats {
    /// Envelopes stored.
    pub envelopes: u64,
    /// Envelopes not yet in a batch.
    pub unbatched: u64,
    /// Batches formed.
    pub batches: u64,
    /// Batches seen finalized on chain.
    pub anchored_batches: u64,
}

/// The relay's database.
#[derive(Debug, Clone)]
pub struct Store {
    pool: AnyPool,
    backend: Backend,
    writer: mpsc::Sender<PendingWrite>,
}

/// The PostgreSQL advisory lock key of the anchoring relay ("inkpost").
const ANCHORING_LOCK: i64 = 0x0069_6e6b_706f_7374;

/// Held by the one relay that anchors a database's batches. Release it
/// when anchoring stops; if the process dies instead, the database frees the
/// lock when it notices the connection is gone.
#[derive(Debug)]
pub struct AnchoringLease {
    connection: Option<sqlx::AnyConnection>,
}

impl AnchoringLease {
    /// Gives the right to anchor up, so that another relay may claim it.
    pub async fn release(self) -> Result<(), StoreError> {
        if let Some(mut connection) = self.connection {
            use sqlx::Connection;
            sqlx::query("SELECT pg_advisory_unlock($1)")
                .bind(ANCHORING_LOCK)
                .execute(&mut connection)
                .await?;
            connection.close().await?;
        }
        Ok(())
    }
}

/// Proofs written per transaction when a batch is marked anchored.
const PROOF_CHUNK: usize = 128;

/// Most inserts committed in one transaction.
pub const GROUP_COMMIT_MAX: usize = 256;

/// A write waiting for the writer task.
#[derive(Debug)]
enum PendingWrite {
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

/// A request nonce to record.
#[derive(Debug, Clone, Copy)]
struct NewNonce {
    account: AccountId,
    nonce: [u8; 16],
    expires_at_ms: u64,
}

/// What one write of a group did.
#[derive(Debug)]
enum Written {
    Envelope(Insert),
    Nonce(bool),
}

impl PendingWrite {
    fn op(&self) -> Op<'_> {
        match self {
            Self::Envelope { new, .. } => Op::Envelope(new),
            Self::Nonce { nonce, .. } => Op::Nonce(*nonce),
        }
    }

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

/// A write of a group, borrowed.
#[derive(Debug, Clone, Copy)]
enum Op<'a> {
    Envelope(&'a NewEnvelope),
    Nonce(NewNonce),
}

const ENVELOPE_COLUMNS: &str =
    "id, conversation, seq, sender, client_msg_id, body, received_at_ms, batch_seq";

impl Store {
    /// Connects to `url` (`sqlite://relay.db` or `postgres://…`), creating
    /// a SQLite file if needed, and migrates the schema.
    pub async fn connect(url: &str, max_connections: u32) -> Result<Self, StoreError> {
        sqlx::any::install_default_drivers();
        let backend = if url.starts_with("sqlite:") {
            Backend::Sqlite
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            Backend::Postgres
        } else {
            return Err(StoreError::UnsupportedUrl(url.to_owned()));
        };
        let url = match backend {
            Backend::Sqlite if !url.contains("mode=") => {
                let separator = if url.contains('?') { '&' } else { '?' };
                format!("{url}{separator}mode=rwc")
            }
            _ => url.to_owned(),
        };
        let options = AnyConnectOptions::from_str(&url)?;
        let pool = AnyPoolOptions::new()
            .max_connections(match backend {
                // One writer at a time either way; more readers help WAL.
                Backend::Sqlite => max_connections.max(2),
                Backend::Postgres => max_connections,
            })
            .acquire_timeout(Duration::from_secs(10))
            .after_connect(move |connection, _| {
                Box::pin(async move {
                    if backend == Backend::Sqlite {
                        for pragma in [
                            "PRAGMA journal_mode = WAL",
                            "PRAGMA synchronous = FULL",
                            "PRAGMA busy_timeout = 10000",
                            "PRAGMA foreign_keys = ON",
                        ] {
                            sqlx::query(pragma).execute(&mut *connection).await?;
                        }
                    }
                    Ok(())
                })
            })
            .connect_with(options)
            .await?;
        match backend {
            Backend::Sqlite => sqlx::migrate!("migrations/sqlite").run(&pool).await?,
            Backend::Postgres => sqlx::migrate!("migrations/postgres").run(&pool).await?,
        }
        let (writer, queue) = mpsc::channel(GROUP_COMMIT_MAX * 4);
        tokio::spawn(Self::write_groups(pool.clone(), backend, queue));
        Ok(Self {
            pool,
            backend,
            writer,
        })
    }

    /// Which database this is.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Counts for monitoring.
    pub async fn stats(&self) -> Result<StoreStats, StoreError> {
        let row = sqlx::query(
            "SELECT (SELECT COUNT(*) FROM envelopes), \
                    (SELECT COUNT(*) FROM envelopes WHERE batch_seq IS NULL), \
                    (SELECT COUNT(*) FROM batches), \
                    (SELECT COUNT(*) FROM batches WHERE block_number IS NOT NULL)",
        )
        .fetch_one(&self.pool)
        .await?;
        let count = |index: usize| -> Result<u64, StoreError> {
            Ok(row.try_get::<i64, _>(index)?.max(0) as u64)
        };
        Ok(StoreStats {
            envelopes: count(0)?,
            unbatched: count(1)?,
            batches: count(2)?,
            anchored_batches: count(3)?,
        })
    }

    /// Claims the right to anchor this database's batches: exactly one
    /// relay may, since batches and their sequence numbers belong to one
    /// anchoring account. On PostgreSQL this is a session advisory lock held
    /// by a connection of its own until the lease drops (or the process
    /// dies); a second claim fails with [`StoreError::AnchoringTaken`]. A
    /// SQLite file serves one relay, which holds it alone.
    pub async fn claim_anchoring(&self) -> Result<AnchoringLease, StoreError> {
        if self.backend == Backend::Sqlite {
            return Ok(AnchoringLease { connection: None });
        }
        let mut connection = self.pool.acquire().await?.detach();
        let claimed: bool = sqlx::query("SELECT pg_try_advisory_lock($1)")
            .bind(ANCHORING_LOCK)
            .fetch_one(&mut connection)
            .await?
            .try_get(0)?;
        if !claimed {
            return Err(StoreError::AnchoringTaken);
        }
        Ok(AnchoringLease {
            connection: Some(connection),
        })
    }

    /// Checks the database answers.
    pub async fn ping(&self) -> Result<(), StoreError> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    /// Stores an envelope unless it (or the sender's client message id) is
    /// already stored, assigning the next sequence number of its
    /// conversation. Committed durably before returning.
    ///
    /// Concurrent inserts are committed together (group commit): one writer
    /// task takes whatever is queued, up to [`GROUP_COMMIT_MAX`], into one
    /// transaction, so one durable commit (one fsync on SQLite) serves many
    /// submits and writers never contend for SQLite's write lock.
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

    /// The writer task behind [`Store::insert`] and [`Store::use_nonce`]:
    /// on SQLite every write of a request goes through it, so none waits
    /// in SQLite's busy handler (which sleeps up to 100 ms at a time).
    async fn write_groups(
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
            let ops: Vec<Op<'_>> = group.iter().map(PendingWrite::op).collect();
            match write_group(&pool, backend, &ops).await {
                Ok(results) => {
                    for (pending, result) in group.into_iter().zip(results) {
                        pending.answer(Ok(result));
                    }
                }
                // Nothing of the group was committed: each on its own, so
                // that one failing write fails only its own request.
                Err(_) => {
                    for pending in group {
                        let result = write_group(&pool, backend, &[pending.op()]).await;
                        pending.answer(result.map(|mut results| results.remove(0)));
                    }
                }
            }
        }
    }

    /// The envelope with this id.
    pub async fn envelope(&self, id: &MessageId) -> Result<Option<StoredEnvelope>, StoreError> {
        let row = sqlx::query(&format!(
            "SELECT {ENVELOPE_COLUMNS} FROM envelopes WHERE id = $1"
        ))
        .bind(id.0.to_vec())
        .fetch_optional(&self.pool)
        .await?;
        row.map(|row| envelope_from_row(&row)).transpose()
    }

    /// Up to `limit` envelopes of a conversation with sequence numbers above
    /// `after`, in order.
    pub async fn list(
        &self,
        conversation: &ConversationId,
        after: u64,
        limit: u32,
    ) -> Result<Vec<StoredEnvelope>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT {ENVELOPE_COLUMNS} FROM envelopes \
             WHERE conversation = $1 AND seq > $2 ORDER BY seq LIMIT $3"
        ))
        .bind(conversation.to_string())
        .bind(to_i64(after)?)
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(envelope_from_row).collect()
    }

    /// Forms the next batch from up to `max_leaves` un-batched envelopes in
    /// arrival order, with the root `root_of` computes over their ids.
    /// The batch and its leaves are committed together, before anything is
    /// sent to the chain, so a crash can neither lose nor reorder them.
    pub async fn form_batch(
        &self,
        max_leaves: u32,
        now_ms: u64,
        root_of: impl FnOnce(&[MessageId]) -> [u8; 32],
    ) -> Result<Option<(Batch, Vec<MessageId>)>, StoreError> {
        let mut tx = begin_write(&self.pool, self.backend).await?;
        let last: Option<i64> = sqlx::query("SELECT MAX(seq) FROM batches")
            .fetch_one(&mut *tx)
            .await?
            .try_get(0)?;
        let seq = last.unwrap_or(0) + 1;
        // One statement takes the oldest un-batched envelopes and numbers
        // them (a statement per envelope held the write lock for long).
        let taken = sqlx::query(
            "UPDATE envelopes SET batch_seq = $1, leaf_index = ranked.leaf_index \
             FROM (SELECT row_id, ROW_NUMBER() OVER (ORDER BY row_id) - 1 AS leaf_index \
                   FROM envelopes WHERE batch_seq IS NULL ORDER BY row_id LIMIT $2) AS ranked \
             WHERE envelopes.row_id = ranked.row_id",
        )
        .bind(seq)
        .bind(i64::from(max_leaves))
        .execute(&mut *tx)
        .await?;
        if taken.rows_affected() == 0 {
            return Ok(None);
        }
        let rows = sqlx::query("SELECT id FROM envelopes WHERE batch_seq = $1 ORDER BY leaf_index")
            .bind(seq)
            .fetch_all(&mut *tx)
            .await?;
        let ids = rows
            .iter()
            .map(|row| Ok(MessageId(bytes32(row.try_get(0)?)?)))
            .collect::<Result<Vec<_>, StoreError>>()?;
        let root = root_of(&ids);
        sqlx::query(
            "INSERT INTO batches (seq, root, leaf_count, created_at_ms) VALUES ($1, $2, $3, $4)",
        )
        .bind(seq)
        .bind(root.to_vec())
        .bind(ids.len() as i64)
        .bind(to_i64(now_ms)?)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        let batch = Batch {
            seq: BatchSeq(seq as u64),
            root,
            leaf_count: ids.len() as u64,
            created_at_ms: now_ms,
            anchored: None,
        };
        Ok(Some((batch, ids)))
    }

    /// Batches formed but not yet seen finalized on chain, oldest first.
    pub async fn unanchored_batches(&self) -> Result<Vec<Batch>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT {BATCH_COLUMNS} FROM batches WHERE block_number IS NULL ORDER BY seq"
        ))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(batch_from_row).collect()
    }

    /// The ids of a batch in leaf order.
    pub async fn batch_leaves(&self, seq: BatchSeq) -> Result<Vec<MessageId>, StoreError> {
        let rows = sqlx::query("SELECT id FROM envelopes WHERE batch_seq = $1 ORDER BY leaf_index")
            .bind(to_i64(seq.0)?)
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|row| Ok(MessageId(bytes32(row.try_get(0)?)?)))
            .collect()
    }

    /// Records a batch as anchored in a finalized block, with each leaf's
    /// encoded inclusion proof.
    pub async fn mark_anchored(
        &self,
        seq: BatchSeq,
        at: AnchoredAt,
        proofs: &[(MessageId, Vec<u8>)],
    ) -> Result<(), StoreError> {
        // Proofs go in in short transactions, so that submits waiting for
        // SQLite's write lock are not held up by a large batch; they count
        // only once the batch row says anchored (written last), and a
        // crash in between rewrites them on the next settle.
        for chunk in proofs.chunks(PROOF_CHUNK) {
            let mut tx = begin_write(&self.pool, self.backend).await?;
            for (id, proof) in chunk {
                sqlx::query("UPDATE envelopes SET proof = $1 WHERE id = $2")
                    .bind(proof.clone())
                    .bind(id.0.to_vec())
                    .execute(&mut *tx)
                    .await?;
            }
            tx.commit().await?;
        }
        let mut tx = begin_write(&self.pool, self.backend).await?;
        sqlx::query(
            "UPDATE batches SET block_number = $1, block_hash = $2, anchored_at_ms = $3 \
             WHERE seq = $4",
        )
        .bind(to_i64(at.block_number)?)
        .bind(at.block_hash.to_vec())
        .bind(to_i64(at.anchored_at_ms)?)
        .bind(to_i64(seq.0)?)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// A message's proof, `Pending`, or `None` for an unknown message.
    pub async fn proof(&self, id: &MessageId) -> Result<Option<ProofState>, StoreError> {
        let row = sqlx::query(&format!(
            "SELECT e.proof, {} FROM envelopes e LEFT JOIN batches b ON b.seq = e.batch_seq \
             WHERE e.id = $1",
            BATCH_COLUMNS
                .split(", ")
                .map(|column| format!("b.{column}"))
                .collect::<Vec<_>>()
                .join(", ")
        ))
        .bind(id.0.to_vec())
        .fetch_optional(&self.pool)
        .await?;
        let Some(row) = row else { return Ok(None) };
        let proof: Option<Vec<u8>> = row.try_get(0)?;
        let batch = match proof {
            Some(_) => Some(batch_from_row_at(&row, 1)?),
            None => None,
        };
        match (proof, batch) {
            (Some(proof), Some(batch)) if batch.anchored.is_some() => {
                Ok(Some(ProofState::Anchored { batch, proof }))
            }
            // No proof yet, or its batch is still being marked anchored.
            _ => Ok(Some(ProofState::Pending)),
        }
    }

    /// Up to `limit` batches with sequence numbers above `after`.
    pub async fn batches(&self, after: u64, limit: u32) -> Result<Vec<Batch>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT {BATCH_COLUMNS} FROM batches WHERE seq > $1 ORDER BY seq LIMIT $2"
        ))
        .bind(to_i64(after)?)
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(batch_from_row).collect()
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

    /// The stored envelope with `new`'s id or sender and client message id:
    /// what a retry of `new` is answered with.
    pub async fn find_stored(
        &self,
        new: &NewEnvelope,
    ) -> Result<Option<StoredEnvelope>, StoreError> {
        let mut connection = self.pool.acquire().await?;
        find_duplicate(&mut connection, new).await
    }

    /// What `channel` has paid for, if it paid for anything.
    pub async fn postage(&self, channel: ChannelId) -> Result<Option<PostageRecord>, StoreError> {
        postage::record(&self.pool, channel).await
    }

    /// Channels paying `payee` with vouchers not yet claimed in full.
    pub async fn unclaimed_postage(
        &self,
        payee: &Address,
    ) -> Result<Vec<PostageRecord>, StoreError> {
        postage::unclaimed(&self.pool, payee).await
    }

    /// Records how much the chain says was claimed from `channel` and, once
    /// it is settled, when (it is not claimed from again).
    pub async fn set_postage_claimed(
        &self,
        channel: ChannelId,
        claimed: u128,
        settled_at_ms: Option<u64>,
    ) -> Result<(), StoreError> {
        postage::set_claimed(&self.pool, channel, claimed, settled_at_ms).await
    }

    /// Forgets nonces whose requests would be refused as stale anyway.
    pub async fn prune_nonces(&self, now_ms: u64) -> Result<u64, StoreError> {
        let result = sqlx::query("DELETE FROM nonces WHERE expires_at_ms < $1")
            .bind(to_i64(now_ms)?)
            .execute(&self.pool)
            .await?;
        Ok(result.rows_affected())
    }

    /// Deletes envelopes received before `before_ms` whose batch is anchored
    /// (never one that is not yet anchored).
    pub async fn prune_envelopes(&self, before_ms: u64) -> Result<u64, StoreError> {
        let result =
            sqlx::query("DELETE FROM envelopes WHERE received_at_ms < $1 AND proof IS NOT NULL")
                .bind(to_i64(before_ms)?)
                .execute(&self.pool)
                .await?;
        Ok(result.rows_affected())
    }
}

const BATCH_COLUMNS: &str =
    "seq, root, leaf_count, created_at_ms, block_number, block_hash, anchored_at_ms";

/// A transaction that will write. On SQLite it takes the write lock up
/// front: a deferred transaction that reads first cannot wait for the lock
/// when it comes to write (another writer's commit invalidated its
/// snapshot, "database is locked"), it fails at once.
async fn begin_write(
    pool: &AnyPool,
    backend: Backend,
) -> Result<sqlx::Transaction<'static, sqlx::Any>, StoreError> {
    Ok(match backend {
        Backend::Sqlite => pool.begin_with("BEGIN IMMEDIATE").await?,
        Backend::Postgres => pool.begin().await?,
    })
}

/// Runs `ops` in one transaction, in order. An envelope is either stored
/// with the next sequence number of its conversation or is a duplicate (of
/// a row stored before, by another relay, or earlier in this group); a
/// nonce is either fresh or seen.
async fn write_group(
    pool: &AnyPool,
    backend: Backend,
    ops: &[Op<'_>],
) -> Result<Vec<Written>, StoreError> {
    let mut tx = begin_write(pool, backend).await?;
    let mut results = Vec::with_capacity(ops.len());
    for op in ops {
        let new = match op {
            Op::Envelope(new) => *new,
            Op::Nonce(nonce) => {
                let inserted = sqlx::query(
                    "INSERT INTO nonces (account, nonce, expires_at_ms) VALUES ($1, $2, $3) \
                     ON CONFLICT DO NOTHING",
                )
                .bind(nonce.account.0.to_vec())
                .bind(nonce.nonce.to_vec())
                .bind(to_i64(nonce.expires_at_ms)?)
                .execute(&mut *tx)
                .await?;
                results.push(Written::Nonce(inserted.rows_affected() == 1));
                continue;
            }
        };
        if let Some(existing) = find_duplicate(&mut tx, new).await? {
            results.push(Written::Envelope(Insert::Duplicate(existing)));
            continue;
        }
        // A savepoint, so that losing a race to another relay undoes the
        // sequence number taken for it (sequences stay dense).
        let mut savepoint = (&mut *tx).begin().await?;
        if let Some(charge) = &new.postage
            && let Err(unpaid) = postage::charge(&mut savepoint, charge).await?
        {
            savepoint.rollback().await?;
            results.push(Written::Envelope(Insert::Unpaid(unpaid)));
            continue;
        }
        let conversation = new.conversation.to_string();
        let seq: i64 = sqlx::query(
            "INSERT INTO conversations (id, last_seq) VALUES ($1, 1) \
             ON CONFLICT (id) DO UPDATE SET last_seq = conversations.last_seq + 1 \
             RETURNING last_seq",
        )
        .bind(&conversation)
        .fetch_one(&mut *savepoint)
        .await?
        .try_get(0)?;
        let inserted = sqlx::query(
            "INSERT INTO envelopes \
             (id, conversation, seq, sender, client_msg_id, epoch, body, received_at_ms) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
             ON CONFLICT DO NOTHING",
        )
        .bind(new.id.0.to_vec())
        .bind(&conversation)
        .bind(seq)
        .bind(new.sender.0.to_vec())
        .bind(new.client_msg_id.0.to_vec())
        .bind(to_i64(new.epoch)?)
        .bind(new.body.clone())
        .bind(to_i64(new.received_at_ms)?)
        .execute(&mut *savepoint)
        .await?;
        if inserted.rows_affected() == 0 {
            // A concurrent submit of the same message won the race.
            savepoint.rollback().await?;
            let existing = find_duplicate(&mut tx, new).await?.ok_or_else(|| {
                StoreError::Corrupt("conflicting insert left no row behind".into())
            })?;
            results.push(Written::Envelope(Insert::Duplicate(existing)));
            continue;
        }
        savepoint.commit().await?;
        results.push(Written::Envelope(Insert::Stored(StoredEnvelope {
            id: new.id,
            conversation: new.conversation,
            seq: seq as u64,
            sender: new.sender,
            client_msg_id: new.client_msg_id,
            body: new.body.clone(),
            received_at_ms: new.received_at_ms,
            batch: None,
        })));
    }
    tx.commit().await?;
    Ok(results)
}

/// The stored envelope with `new`'s id or sender + client message id.
async fn find_duplicate(
    connection: &mut sqlx::AnyConnection,
    new: &NewEnvelope,
) -> Result<Option<StoredEnvelope>, StoreError> {
    let row = sqlx::query(&format!(
        "SELECT {ENVELOPE_COLUMNS} FROM envelopes \
         WHERE id = $1 OR (sender = $2 AND client_msg_id = $3) LIMIT 1"
    ))
    .bind(new.id.0.to_vec())
    .bind(new.sender.0.to_vec())
    .bind(new.client_msg_id.0.to_vec())
    .fetch_optional(connection)
    .await?;
    row.map(|row| envelope_from_row(&row)).transpose()
}

fn to_i64(value: u64) -> Result<i64, StoreError> {
    i64::try_from(value).map_err(|_| StoreError::Corrupt(format!("{value} exceeds i64")))
}

fn bytes32(bytes: Vec<u8>) -> Result<[u8; 32], StoreError> {
    bytes
        .try_into()
        .map_err(|_| StoreError::Corrupt("expected 32 bytes".into()))
}

fn envelope_from_row(row: &AnyRow) -> Result<StoredEnvelope, StoreError> {
    let conversation: String = row.try_get("conversation")?;
    let client_msg_id: Vec<u8> = row.try_get("client_msg_id")?;
    Ok(StoredEnvelope {
        id: MessageId(bytes32(row.try_get("id")?)?),
        conversation: conversation
            .parse()
            .map_err(|error| StoreError::Corrupt(format!("conversation: {error}")))?,
        seq: row.try_get::<i64, _>("seq")? as u64,
        sender: AccountId(bytes32(row.try_get("sender")?)?),
        client_msg_id: ClientMsgId(
            client_msg_id
                .try_into()
                .map_err(|_| StoreError::Corrupt("client_msg_id".into()))?,
        ),
        body: row.try_get("body")?,
        received_at_ms: row.try_get::<i64, _>("received_at_ms")? as u64,
        batch: row
            .try_get::<Option<i64>, _>("batch_seq")?
            .map(|seq| BatchSeq(seq as u64)),
    })
}

fn batch_from_row(row: &AnyRow) -> Result<Batch, StoreError> {
    batch_from_row_at(row, 0)
}

/// A batch from the seven batch columns starting at column `first`.
fn batch_from_row_at(row: &AnyRow, first: usize) -> Result<Batch, StoreError> {
    let block_number: Option<i64> = row.try_get(first + 4)?;
    let block_hash: Option<Vec<u8>> = row.try_get(first + 5)?;
    let anchored_at_ms: Option<i64> = row.try_get(first + 6)?;
    let anchored = match (block_number, block_hash, anchored_at_ms) {
        (Some(number), Some(hash), Some(at)) => Some(AnchoredAt {
            block_number: number as u64,
            block_hash: bytes32(hash)?,
            anchored_at_ms: at as u64,
        }),
        _ => None,
    };
    Ok(Batch {
        seq: BatchSeq(row.try_get::<i64, _>(first)? as u64),
        root: bytes32(row.try_get(first + 1)?)?,
        leaf_count: row.try_get::<i64, _>(first + 2)? as u64,
        created_at_ms: row.try_get::<i64, _>(first + 3)? as u64,
        anchored,
    })
}
