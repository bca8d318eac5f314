//! Batches of message ids: formed in arrival order and committed before
//! they are anchored, then marked anchored with each leaf's inclusion proof.

use inkpost_sdk::ids::{BatchSeq, MessageId};
use inkpost_sdk::merkle::MerkleTree;
use sqlx::Row;
use sqlx::any::AnyRow;

use super::{AnchoredAt, Batch, ProofState, Store, StoreError, begin_write, bytes32, to_i64};

/// Proofs written per transaction when a batch is marked anchored.
const PROOF_CHUNK: usize = 128;

const BATCH_COLUMNS: &str =
    "seq, root, leaf_count, created_at_ms, block_number, block_hash, anchored_at_ms";

impl Store {
    /// Forms the next batch from up to `max_leaves` un-batched envelopes in
    /// arrival order, with the Merkle root over their ids. The batch and its
    /// leaves are committed together, before anything is sent to the
    /// chain, so a crash can neither lose nor reorder them; if the tree
    /// cannot be built, nothing is committed and the error says why.
    pub async fn form_batch(
        &self,
        max_leaves: u32,
        now_ms: u64,
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
        let root = MerkleTree::build(&ids)?.root();
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
