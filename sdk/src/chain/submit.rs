//! How a [`Chain`] gets a transaction into a block: signed with a nonce no
//! other task of this process holds, handed to the pool (signed again when
//! the pool refuses the nonce alone), then followed to the block the caller
//! waits for, with the contract events it emitted.

use subxt::OnlineClient;
use subxt::config::DefaultExtrinsicParamsBuilder;
use subxt::tx::TxStatus;
use subxt::utils::AccountId32;

use super::client::Chain;
use super::error::ChainError;
use super::node;
use super::outcome::{ContractEvent, Finality};
use super::signer::{ChainConfig, Sr25519Signer};
use crate::ids::{AccountId, Address};

/// One lock per signing account for this whole process: a transaction's
/// nonce is read and the transaction handed to the pool under it, so that
/// two tasks signing as one account (a relay's anchorer and claimer, tests
/// sharing a dev account) never submit the same nonce twice.
fn submit_lock(account: &AccountId) -> std::sync::Arc<tokio::sync::Mutex<()>> {
    use std::collections::HashMap;
    use std::sync::{Arc, Mutex, OnceLock};
    static LOCKS: OnceLock<Mutex<HashMap<AccountId, Arc<tokio::sync::Mutex<()>>>>> =
        OnceLock::new();
    let mut locks = LOCKS
        .get_or_init(Mutex::default)
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    locks.entry(*account).or_default().clone()
}

impl Chain {
    /// Signs, submits and waits; returns the contract events and the block.
    ///
    /// A transaction the pool drops as invalid before any block holds it
    /// did not run; when the pool accepted it under a nonce that a block
    /// then used (its view lagged the best block, as the fork-aware pool's
    /// can under instant sealing), it is signed again with a fresh nonce, a
    /// few times at most. Once a block held it, an invalid status is final.
    pub(super) async fn submit<Call: subxt::tx::Payload>(
        &self,
        tx: &Call,
        signer: &Sr25519Signer,
        finality: Finality,
    ) -> Result<(Vec<ContractEvent>, [u8; 32]), ChainError> {
        const ATTEMPTS: usize = 3;
        let mut attempt = 1;
        let in_block = 'submit: loop {
            let mut progress = self.sign_and_submit(tx, signer).await?;
            let mut seen_in_block = false;
            loop {
                let status = progress.next().await.ok_or_else(|| {
                    ChainError::Rpc(Box::new(subxt::error::RpcError::SubscriptionDropped.into()))
                })??;
                match status {
                    TxStatus::InBestBlock(block) if finality == Finality::InBlock => {
                        break 'submit block;
                    }
                    TxStatus::InBestBlock(_) => seen_in_block = true,
                    TxStatus::InFinalizedBlock(block) => break 'submit block,
                    TxStatus::Invalid { .. } if !seen_in_block && attempt < ATTEMPTS => {
                        attempt += 1;
                        continue 'submit;
                    }
                    TxStatus::Error { message }
                    | TxStatus::Invalid { message }
                    | TxStatus::Dropped { message } => return Err(ChainError::Dispatch(message)),
                    _ => continue,
                }
            }
        };
        let events = in_block.wait_for_success().await?;
        let mut contract_events = Vec::new();
        for event in events.find::<node::revive::events::ContractEmitted>() {
            let event = event?;
            contract_events.push(ContractEvent {
                contract: Address(event.contract.0),
                topics: event.topics.into_iter().map(|topic| topic.0).collect(),
                data: event.data,
            });
        }
        Ok((contract_events, in_block.block_hash().0))
    }

    /// Signs `tx` with the signer's next nonce and hands it to the pool.
    ///
    /// The nonce is the node's `system_accountNextIndex` (best block plus
    /// the pool; subxt's own would come from the finalized block and repeat
    /// one only in a block so far), read under a per-account lock so that this process never
    /// reuses one. Another process signing as the same account, or a pool
    /// whose view lags its best block, can still make it stale: the pool
    /// then refuses the transaction without running it ("Transaction is
    /// outdated", or "Priority is too low" for a nonce already pooled), and
    /// it is signed again with a fresh nonce, a few times at most.
    async fn sign_and_submit<Call: subxt::tx::Payload>(
        &self,
        tx: &Call,
        signer: &Sr25519Signer,
    ) -> Result<subxt::tx::TxProgress<ChainConfig, OnlineClient<ChainConfig>>, ChainError> {
        const ATTEMPTS: usize = 5;
        let lock = submit_lock(&signer.identity().account_id());
        let account = AccountId32(signer.identity().account_id().0);
        let mut attempt = 1;
        loop {
            let pooled = lock.lock().await;
            let nonce = self.rpc.system_account_next_index(&account).await?;
            let params = DefaultExtrinsicParamsBuilder::<ChainConfig>::new()
                .nonce(nonce)
                .build();
            match self
                .api
                .tx()
                .sign_and_submit_then_watch(tx, signer, params)
                .await
            {
                // In the pool now: the next nonce read counts this one.
                Ok(progress) => return Ok(progress),
                Err(error) if attempt < ATTEMPTS && is_nonce_conflict(&error) => attempt += 1,
                Err(error) => return Err(error.into()),
            }
            drop(pooled);
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
    }
}

/// Whether the pool refused a transaction for its nonce alone (stale, or
/// taken by a pooled one): nothing ran, and a fresh nonce may pass.
fn is_nonce_conflict(error: &subxt::Error) -> bool {
    use subxt::error::RpcError;
    use subxt::ext::subxt_rpcs::Error as RpcsError;
    let subxt::Error::Rpc(RpcError::ClientError(RpcsError::User(user))) = error else {
        return false;
    };
    let data = user.data.as_ref().map_or("", |data| data.get());
    (user.code == 1010 && data.contains("outdated")) || user.code == 1014
}
