//! How envelopes are inserted. Most take the batched path: one look-up of
//! those stored before, one upsert of the conversations' counters that
//! hands out dense sequence numbers, one multi-row insert, whatever the
//! group's size. Envelopes that pay postage take the careful path: one at a
//! time under a savepoint, charged under the channel row's lock.

use std::collections::{BTreeMap, HashMap};

use inkpost_sdk::ids::{AccountId, ClientMsgId, MessageId};
use sqlx::{Acquire, Row};

use super::envelopes::{ENVELOPE_COLUMNS, envelope_from_row, find_duplicate};
use super::postage;
use super::{Insert, NewEnvelope, StoreError, StoredEnvelope, to_i64};

/// Stores envelopes (none paying postage) in a few statements: answers
/// `(index, outcome)` for each.
pub(super) async fn insert_envelopes(
    connection: &mut sqlx::AnyConnection,
    envelopes: &[(usize, &NewEnvelope)],
) -> Result<Vec<(usize, Insert)>, StoreError> {
    if envelopes.is_empty() {
        return Ok(Vec::new());
    }
    let existing = stored_before(connection, envelopes).await?;
    let find = |new: &NewEnvelope| {
        existing
            .get(&new.id)
            .or_else(|| existing_by_client(&existing, new))
            .cloned()
    };

    // Which are new: not stored before, and the first of their kind in the
    // group (a later one with the same id or client id is a retry of it).
    let mut outcomes: Vec<(usize, Option<Insert>)> = Vec::with_capacity(envelopes.len());
    let mut fresh: Vec<&NewEnvelope> = Vec::new();
    let mut first_by_id: HashMap<MessageId, usize> = HashMap::new();
    let mut first_by_client: HashMap<(AccountId, ClientMsgId), usize> = HashMap::new();
    let mut retry_of: Vec<(usize, usize)> = Vec::new(); // (position, position of the first)
    for (position, (index, new)) in envelopes.iter().enumerate() {
        if let Some(stored) = find(new) {
            outcomes.push((*index, Some(Insert::Duplicate(stored))));
            continue;
        }
        let first = first_by_id
            .get(&new.id)
            .or_else(|| first_by_client.get(&(new.sender, new.client_msg_id)))
            .copied();
        match first {
            Some(first) => retry_of.push((position, first)),
            None => {
                first_by_id.insert(new.id, position);
                first_by_client.insert((new.sender, new.client_msg_id), position);
                fresh.push(new);
            }
        }
        outcomes.push((*index, None));
    }

    let stored = store_fresh(connection, &fresh).await?;
    let stored_at: HashMap<MessageId, StoredEnvelope> = stored
        .into_iter()
        .map(|stored| (stored.id, stored))
        .collect();
    for (position, (_, new)) in envelopes.iter().enumerate() {
        if outcomes[position].1.is_none()
            && let Some(stored) = stored_at.get(&new.id)
            && first_by_id.get(&new.id) == Some(&position)
        {
            outcomes[position].1 = Some(Insert::Stored(stored.clone()));
        }
    }
    for (position, first) in retry_of {
        let original = envelopes[first].1.id;
        let stored = stored_at
            .get(&original)
            .ok_or_else(|| StoreError::Corrupt("a retry's original was not stored".into()))?;
        outcomes[position].1 = Some(Insert::Duplicate(stored.clone()));
    }
    outcomes
        .into_iter()
        .map(|(index, outcome)| {
            outcome
                .map(|insert| (index, insert))
                .ok_or_else(|| StoreError::Corrupt("an envelope went unanswered".into()))
        })
        .collect()
}

fn existing_by_client<'a>(
    existing: &'a HashMap<MessageId, StoredEnvelope>,
    new: &NewEnvelope,
) -> Option<&'a StoredEnvelope> {
    existing
        .values()
        .find(|stored| stored.sender == new.sender && stored.client_msg_id == new.client_msg_id)
}

/// The envelopes stored before with the id, or the sender and client
/// message id, of any of `envelopes`, by id.
async fn stored_before(
    connection: &mut sqlx::AnyConnection,
    envelopes: &[(usize, &NewEnvelope)],
) -> Result<HashMap<MessageId, StoredEnvelope>, StoreError> {
    let n = envelopes.len();
    let ids = (1..=n)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ");
    let sql = format!(
        "SELECT {ENVELOPE_COLUMNS} FROM envelopes WHERE id IN ({ids}) \
         UNION \
         SELECT {columns} FROM envelopes e JOIN (VALUES {pairs}) AS v \
           ON e.sender = v.column1 AND e.client_msg_id = v.column2",
        columns = ENVELOPE_COLUMNS
            .split(", ")
            .map(|column| format!("e.{column}"))
            .collect::<Vec<_>>()
            .join(", "),
        pairs = placeholders_from(n + 1, n, 2),
    );
    let mut query = sqlx::query(&sql);
    for (_, new) in envelopes {
        query = query.bind(new.id.0.to_vec());
    }
    for (_, new) in envelopes {
        query = query
            .bind(new.sender.0.to_vec())
            .bind(new.client_msg_id.0.to_vec());
    }
    query
        .fetch_all(connection)
        .await?
        .iter()
        .map(|row| envelope_from_row(row).map(|stored| (stored.id, stored)))
        .collect()
}

/// Stores envelopes none of which is stored yet: one upsert of their
/// conversations' counters hands out the sequence numbers, one insert
/// writes them. If another relay stored one of them in between, fails with
/// [`StoreError::Raced`] (the caller rolls back: sequences stay dense).
async fn store_fresh(
    connection: &mut sqlx::AnyConnection,
    fresh: &[&NewEnvelope],
) -> Result<Vec<StoredEnvelope>, StoreError> {
    if fresh.is_empty() {
        return Ok(Vec::new());
    }
    // Counters are locked in one order by every relay (no deadlocks).
    let mut counts: BTreeMap<String, i64> = BTreeMap::new();
    for new in fresh {
        *counts.entry(new.conversation.to_string()).or_default() += 1;
    }
    let sql = format!(
        "INSERT INTO conversations (id, last_seq) VALUES {} \
         ON CONFLICT (id) DO UPDATE SET last_seq = conversations.last_seq + excluded.last_seq \
         RETURNING id, last_seq",
        placeholders(counts.len(), 2)
    );
    let mut query = sqlx::query(&sql);
    for (conversation, count) in &counts {
        query = query.bind(conversation.clone()).bind(*count);
    }
    // The next sequence number to hand out, per conversation.
    let mut next: HashMap<String, i64> = HashMap::new();
    for row in query.fetch_all(&mut *connection).await? {
        let (conversation, last): (String, i64) = (row.try_get(0)?, row.try_get(1)?);
        let count = counts.get(&conversation).copied().unwrap_or(0);
        next.insert(conversation, last - count + 1);
    }

    let mut stored = Vec::with_capacity(fresh.len());
    let sql = format!(
        "INSERT INTO envelopes \
         (id, conversation, seq, sender, client_msg_id, epoch, body, received_at_ms) \
         VALUES {} ON CONFLICT DO NOTHING RETURNING id",
        placeholders(fresh.len(), 8)
    );
    let mut query = sqlx::query(&sql);
    for new in fresh {
        let conversation = new.conversation.to_string();
        let seq = next
            .get_mut(&conversation)
            .ok_or_else(|| StoreError::Corrupt("a conversation got no counter".into()))?;
        query = query
            .bind(new.id.0.to_vec())
            .bind(conversation)
            .bind(*seq)
            .bind(new.sender.0.to_vec())
            .bind(new.client_msg_id.0.to_vec())
            .bind(to_i64(new.epoch)?)
            .bind(new.body.clone())
            .bind(to_i64(new.received_at_ms)?);
        stored.push(stored_envelope(new, *seq as u64));
        *seq += 1;
    }
    let inserted = query.fetch_all(&mut *connection).await?.len();
    if inserted != fresh.len() {
        return Err(StoreError::Raced);
    }
    Ok(stored)
}

/// Stores one envelope under a savepoint, charging its postage first; a
/// lost race or a refused charge undoes the sequence number taken for it.
pub(super) async fn insert_one(
    connection: &mut sqlx::AnyConnection,
    new: &NewEnvelope,
) -> Result<Insert, StoreError> {
    if let Some(existing) = find_duplicate(connection, new).await? {
        return Ok(Insert::Duplicate(existing));
    }
    let mut savepoint = connection.begin().await?;
    if let Some(charge) = &new.postage
        && let Err(unpaid) = postage::charge(&mut savepoint, charge).await?
    {
        savepoint.rollback().await?;
        return Ok(Insert::Unpaid(unpaid));
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
        let existing = find_duplicate(connection, new)
            .await?
            .ok_or_else(|| StoreError::Corrupt("conflicting insert left no row behind".into()))?;
        return Ok(Insert::Duplicate(existing));
    }
    savepoint.commit().await?;
    Ok(Insert::Stored(stored_envelope(new, seq as u64)))
}

fn stored_envelope(new: &NewEnvelope, seq: u64) -> StoredEnvelope {
    StoredEnvelope {
        id: new.id,
        conversation: new.conversation,
        seq,
        sender: new.sender,
        client_msg_id: new.client_msg_id,
        body: new.body.clone(),
        received_at_ms: new.received_at_ms,
        batch: None,
    }
}

/// `($1, $2, …), (…)`: `rows` tuples of `columns` placeholders.
pub(super) fn placeholders(rows: usize, columns: usize) -> String {
    placeholders_from(1, rows, columns)
}

/// [`placeholders`] numbered from `first`.
fn placeholders_from(first: usize, rows: usize, columns: usize) -> String {
    (0..rows)
        .map(|row| {
            let numbers: Vec<String> = (0..columns)
                .map(|column| format!("${}", first + row * columns + column))
                .collect();
            format!("({})", numbers.join(", "))
        })
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::placeholders_from;

    #[test]
    fn placeholders_number_rows_then_columns() {
        assert_eq!(placeholders_from(1, 2, 2), "($1, $2), ($3, $4)");
        assert_eq!(placeholders_from(4, 1, 3), "($4, $5, $6)");
    }
}
