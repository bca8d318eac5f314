//! The right to anchor a database's batches: exactly one relay may hold
//! it, since batches and their sequence numbers belong to one anchoring
//! account.

use sqlx::Row;

use super::{Backend, Store, StoreError};

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

impl Store {
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
}
