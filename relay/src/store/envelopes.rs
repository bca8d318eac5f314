//! Reading stored envelopes: by id, a conversation's page, the original of
//! a retry; and pruning anchored ones past retention. Writes go through
//! the group-commit writer (`writer.rs`).

use inkpost_sdk::ids::{AccountId, BatchSeq, ClientMsgId, ConversationId, MessageId};
use sqlx::Row;
use sqlx::any::AnyRow;

use super::{NewEnvelope, Store, StoreError, StoredEnvelope, bytes32, to_i64};

pub(super) const ENVELOPE_COLUMNS: &str =
    "id, conversation, seq, sender, client_msg_id, body, received_at_ms, batch_seq";

impl Store {
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

    /// The stored envelope with `new`'s id or sender and client message id:
    /// what a retry of `new` is answered with.
    pub async fn find_stored(
        &self,
        new: &NewEnvelope,
    ) -> Result<Option<StoredEnvelope>, StoreError> {
        let mut connection = self.pool.acquire().await?;
        find_duplicate(&mut connection, new).await
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

/// The stored envelope with `new`'s id or sender + client message id.
pub(super) async fn find_duplicate(
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

pub(super) fn envelope_from_row(row: &AnyRow) -> Result<StoredEnvelope, StoreError> {
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
