//! Request nonces: recorded through the writer (`writer.rs`) with the
//! request's other writes, forgotten once a request carrying them would be
//! refused as stale anyway.

use std::collections::{HashMap, HashSet};

use inkpost_sdk::ids::AccountId;
use sqlx::Row;

use super::insert::placeholders;
use super::{Store, StoreError, to_i64};

/// A signed request's nonce, to record once.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct RequestNonce {
    /// The account that signed the request.
    pub account: AccountId,
    /// The request's nonce.
    pub nonce: [u8; 16],
    /// When a request with this nonce would be refused as stale anyway.
    pub expires_at_ms: u64,
}

impl Store {
    /// Forgets nonces whose requests would be refused as stale anyway.
    pub async fn prune_nonces(&self, now_ms: u64) -> Result<u64, StoreError> {
        let result = sqlx::query("DELETE FROM nonces WHERE expires_at_ms < $1")
            .bind(to_i64(now_ms)?)
            .execute(&self.pool)
            .await?;
        Ok(result.rows_affected())
    }
}

/// Records nonces in one statement; answers `(index, fresh)` for each (a
/// nonce repeated within the group is fresh only the first time).
pub(super) async fn insert_nonces(
    connection: &mut sqlx::AnyConnection,
    nonces: &[(usize, RequestNonce)],
) -> Result<Vec<(usize, bool)>, StoreError> {
    let mut first_of: HashMap<(AccountId, [u8; 16]), usize> = HashMap::new();
    let mut distinct = Vec::new();
    for (index, nonce) in nonces {
        first_of
            .entry((nonce.account, nonce.nonce))
            .or_insert_with(|| {
                distinct.push(*nonce);
                *index
            });
    }
    let mut fresh = HashSet::new();
    if !distinct.is_empty() {
        let sql = format!(
            "INSERT INTO nonces (account, nonce, expires_at_ms) VALUES {} \
             ON CONFLICT DO NOTHING RETURNING account, nonce",
            placeholders(distinct.len(), 3)
        );
        let mut query = sqlx::query(&sql);
        for nonce in &distinct {
            query = query
                .bind(nonce.account.0.to_vec())
                .bind(nonce.nonce.to_vec())
                .bind(to_i64(nonce.expires_at_ms)?);
        }
        for row in query.fetch_all(&mut *connection).await? {
            let (account, nonce): (Vec<u8>, Vec<u8>) = (row.try_get(0)?, row.try_get(1)?);
            fresh.insert((account, nonce));
        }
    }
    Ok(nonces
        .iter()
        .map(|(index, nonce)| {
            let first = first_of.get(&(nonce.account, nonce.nonce)) == Some(index);
            let inserted = fresh.contains(&(nonce.account.0.to_vec(), nonce.nonce.to_vec()));
            (*index, first && inserted)
        })
        .collect())
}
