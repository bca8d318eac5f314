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

use inkpost_sdk::ids::{AccountId, BatchSeq, ClientMsgId, ConversationId, MessageId};
use inkpost_sdk::merkle::MerkleError;
use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{AnyPool, Row};
use tokio::sync::mpsc;

mod batches;
mod envelopes;
mod insert;
mod lease;
mod nonces;
mod postage;
mod writer;

pub use lease::AnchoringLease;
pub use nonces::RequestNonce;
pub use postage::{PostageCharge, PostageRecord, Unpaid};
pub use writer::GROUP_COMMIT_MAX;

/// The database (the relay's `Database` settings).
#[derive(Debug, Clone, PartialEq, Eq, clap::Args)]
pub struct DatabaseSettings {
    /// Database: `sqlite://FILE` (embedded, one relay) or `postgres://…`
    /// (several relays sharing one database).
    #[arg(
        long,
        env = "INKPOST_RELAY_DATABASE_URL",
        default_value = "sqlite://inkpost-relay.db"
    )]
    pub database_url: String,
    /// Most database connections in the pool.
    #[arg(long, env = "INKPOST_RELAY_DB_MAX_CONNECTIONS", default_value_t = 8)]
    pub db_max_connections: u32,
}

impl DatabaseSettings {
    /// The database URL with any password shown as `***`, for logs and
    /// error messages.
    pub fn redacted_url(&self) -> String {
        redact_url(&self.database_url)
    }
}

/// `url` with the password of its user info (`user:password@`) and of a
/// `password=` query parameter replaced by `***`.
pub fn redact_url(url: &str) -> String {
    let mut shown = url.to_owned();
    if let Some((scheme, rest)) = url.split_once("://") {
        let authority = &rest[..rest.find(['/', '?', '#']).unwrap_or(rest.len())];
        if let Some(at) = authority.rfind('@')
            && let Some((user, _)) = authority[..at].split_once(':')
        {
            shown = format!("{scheme}://{user}:***{}", &rest[at..]);
        }
    }
    if let Some((base, query)) = shown.clone().split_once('?') {
        let query: Vec<String> = query
            .split('&')
            .map(|pair| match pair.split_once('=') {
                Some((key, _)) if key.eq_ignore_ascii_case("password") => format!("{key}=***"),
                _ => pair.to_owned(),
            })
            .collect();
        shown = format!("{base}?{}", query.join("&"));
    }
    shown
}

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
    /// A batch's leaves do not form a Merkle tree.
    #[error("cannot build the batch's Merkle tree: {0}")]
    Merkle(#[from] MerkleError),
    /// Another relay sharing the database stored one of a group's
    /// envelopes while the group was written; nothing was committed.
    #[error("another relay stored the same envelope concurrently")]
    Raced,
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
    /// Not stored: the request that carried it used a nonce its account
    /// used before (a replayed request).
    Replayed,
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
    writer: mpsc::Sender<writer::PendingWrite>,
}

impl Store {
    /// Connects to the configured database and migrates it.
    pub async fn open(settings: &DatabaseSettings) -> Result<Self, StoreError> {
        Self::connect(&settings.database_url, settings.db_max_connections).await
    }

    /// Connects to `url` (`sqlite://relay.db` or `postgres://…`), creating
    /// a SQLite file if needed, and migrates the schema.
    pub async fn connect(url: &str, max_connections: u32) -> Result<Self, StoreError> {
        sqlx::any::install_default_drivers();
        let backend = if url.starts_with("sqlite:") {
            Backend::Sqlite
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            Backend::Postgres
        } else {
            return Err(StoreError::UnsupportedUrl(redact_url(url)));
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
        tokio::spawn(writer::write_groups(pool.clone(), backend, queue));
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

    /// Checks the database answers.
    pub async fn ping(&self) -> Result<(), StoreError> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }
}

/// A transaction that will write (see [`begin_write_statement`]).
async fn begin_write(
    pool: &AnyPool,
    backend: Backend,
) -> Result<sqlx::Transaction<'static, sqlx::Any>, StoreError> {
    Ok(pool.begin_with(begin_write_statement(backend)).await?)
}

/// How a transaction that will write starts. On SQLite it takes the write
/// lock up front: a deferred transaction that reads first cannot wait for
/// the lock when it comes to write (another writer's commit invalidated its
/// snapshot, "database is locked"), it fails at once.
fn begin_write_statement(backend: Backend) -> &'static str {
    match backend {
        Backend::Sqlite => "BEGIN IMMEDIATE",
        Backend::Postgres => "BEGIN",
    }
}

pub(crate) fn to_i64(value: u64) -> Result<i64, StoreError> {
    i64::try_from(value).map_err(|_| StoreError::Corrupt(format!("{value} exceeds i64")))
}

pub(crate) fn bytes32(bytes: Vec<u8>) -> Result<[u8; 32], StoreError> {
    bytes
        .try_into()
        .map_err(|_| StoreError::Corrupt("expected 32 bytes".into()))
}

#[cfg(test)]
mod tests {
    use super::redact_url;

    #[test]
    fn passwords_never_reach_a_log_line() {
        assert_eq!(
            redact_url("postgres://relay:s3cret@db.example:5432/inkpost"),
            "postgres://relay:***@db.example:5432/inkpost"
        );
        assert_eq!(
            redact_url("postgres://db.example/inkpost?user=relay&password=s3cret&sslmode=require"),
            "postgres://db.example/inkpost?user=relay&password=***&sslmode=require"
        );
        for plain in ["sqlite://relay.db", "postgres://relay@127.0.0.1/test"] {
            assert_eq!(redact_url(plain), plain);
        }
    }
}
