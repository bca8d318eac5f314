//! [`Chain`]: a connection to a pallet-revive node; deploying and calling
//! ink! contracts through subxt, dry runs, queries on finalized state.

use parity_scale_codec::Decode;
use sha3::{Digest, Keccak256};
use subxt::OnlineClient;
use subxt::backend::legacy::LegacyRpcMethods;
use subxt::backend::rpc::RpcClient;
use subxt::backend::rpc::reconnecting_rpc_client::{
    ExponentialBackoff, RpcClient as ReconnectingRpcClient,
};
use subxt::utils::{AccountId32, H160};

use super::error::ChainError;
use super::node;
use super::node::runtime_types::pallet_revive_types::runtime_api::types::contract::{
    CodeV1 as Code, ContractResultV1 as ContractResult, StorageDepositV1 as NodeStorageDeposit,
};
use super::node::runtime_types::sp_runtime::DispatchError;
use super::outcome::{CallOutcome, Deployed, DryRun, Finality, StorageDeposit};
use super::signer::{ChainConfig, Sr25519Signer};
use crate::ids::{AccountId, Address};

/// The `REVERT` bit of a contract's return flags.
const REVERT_FLAG: u32 = 1;

/// The longest wait between attempts to reconnect to a node.
const RECONNECT_MAX_DELAY: std::time::Duration = std::time::Duration::from_secs(2);

/// A connection to a pallet-revive chain.
#[derive(Clone)]
pub struct Chain {
    pub(super) api: OnlineClient<ChainConfig>,
    pub(super) rpc: LegacyRpcMethods<ChainConfig>,
    /// Contract value units per native unit (the runtime's constant).
    native_to_eth_ratio: u128,
}

impl core::fmt::Debug for Chain {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Chain")
            .field("genesis", &hex::encode(self.genesis_hash()))
            .finish()
    }
}

impl Chain {
    /// Connects to a node's WebSocket RPC (`ws://` allowed). Fails at once
    /// if the node does not answer; once connected, the connection comes
    /// back by itself after the node restarts (calls in between fail with a
    /// retryable error, subscriptions end and must be made again).
    pub async fn connect(url: &str) -> Result<Self, ChainError> {
        let connect_error = |source: subxt::Error| ChainError::Connect {
            url: url.to_owned(),
            source: Box::new(source),
        };
        // The reconnecting client retries its first connection too; probe
        // once so that a wrong URL or a stopped node is an error now.
        RpcClient::from_insecure_url(url)
            .await
            .map_err(|error| connect_error(error.into()))?;
        let reconnecting = ReconnectingRpcClient::builder()
            .retry_policy(ExponentialBackoff::from_millis(50).max_delay(RECONNECT_MAX_DELAY))
            .build(url)
            .await
            .map_err(|error| {
                connect_error(subxt::ext::subxt_rpcs::Error::Client(Box::new(error)).into())
            })?;
        let rpc = RpcClient::new(reconnecting);
        let api = OnlineClient::from_rpc_client(rpc.clone())
            .await
            .map_err(connect_error)?;
        let native_to_eth_ratio = api
            .constants()
            .at(&node::constants().revive().native_to_eth_ratio())
            .map_err(connect_error)?;
        Ok(Self {
            api,
            rpc: LegacyRpcMethods::new(rpc),
            native_to_eth_ratio: u128::from(native_to_eth_ratio),
        })
    }

    /// Contract value units per native unit: contracts see a value of `n`
    /// native units as `n × ratio` (the runtime's `NativeToEthRatio`).
    pub fn native_to_eth_ratio(&self) -> u128 {
        self.native_to_eth_ratio
    }

    /// The subxt client, for anything this type does not wrap.
    pub fn api(&self) -> &OnlineClient<ChainConfig> {
        &self.api
    }

    /// The number of the latest finalized block.
    pub async fn finalized_number(&self) -> Result<u64, ChainError> {
        let hash = self.rpc.chain_get_finalized_head().await?;
        let header = self
            .rpc
            .chain_get_header(Some(hash))
            .await?
            .ok_or_else(|| ChainError::Dispatch("finalized head has no header".into()))?;
        Ok(u64::from(header.number))
    }

    /// The number of the best block (transactions in it may still be
    /// reverted; see [`Chain::finalized_number`]).
    pub async fn best_number(&self) -> Result<u64, ChainError> {
        let header = self
            .rpc
            .chain_get_header(None)
            .await?
            .ok_or_else(|| ChainError::Dispatch("the node reports no best block".into()))?;
        Ok(u64::from(header.number))
    }

    /// The hash of block `number` on the best chain, if it exists.
    pub async fn block_hash(&self, number: u64) -> Result<Option<[u8; 32]>, ChainError> {
        let hash = self
            .rpc
            .chain_get_block_hash(Some(
                subxt::backend::legacy::rpc_methods::BlockNumber::from(number),
            ))
            .await?;
        Ok(hash.map(|hash| hash.0))
    }

    /// The hash of the best block: the state the next transaction executes
    /// on, so dry runs that size a transaction use it (the finalized block
    /// may lag behind transactions already in blocks).
    async fn best_block(&self) -> Result<subxt::utils::H256, ChainError> {
        self.rpc
            .chain_get_block_hash(None)
            .await?
            .ok_or_else(|| ChainError::Dispatch("the node reports no best block".into()))
    }

    /// The chain's genesis hash (the escrow's voucher domain).
    pub fn genesis_hash(&self) -> [u8; 32] {
        self.api.genesis_hash().0
    }

    /// Maps the signer's account to its H160 address, which pallet-revive
    /// requires before the account calls contracts. Does nothing if mapped.
    pub async fn map_account(&self, signer: &Sr25519Signer) -> Result<(), ChainError> {
        let address = H160(signer.identity().address().0);
        let query = node::storage().revive().original_account(address);
        let best = self.best_block().await?;
        let mapped = self.api.storage().at(best).fetch(&query).await?;
        if mapped.is_none() {
            // Finalized: dry runs on the finalized block (queries) need it too.
            let tx = node::tx().revive().map_account();
            self.submit(&tx, signer, Finality::Finalized).await?;
        }
        Ok(())
    }

    /// Sends `amount` native units from `signer` to `to` (keeping the
    /// sender alive) and waits for `finality`.
    pub async fn transfer(
        &self,
        signer: &Sr25519Signer,
        to: &AccountId,
        amount: u128,
        finality: Finality,
    ) -> Result<(), ChainError> {
        let destination = subxt::utils::MultiAddress::Id(AccountId32(to.0));
        let tx = node::tx()
            .balances()
            .transfer_keep_alive(destination, amount);
        self.submit(&tx, signer, finality).await.map(|_| ())
    }

    /// The free balance of `account`, in native units, on the best block.
    pub async fn balance(&self, account: &AccountId) -> Result<u128, ChainError> {
        let query = node::storage().system().account(AccountId32(account.0));
        let best = self.best_block().await?;
        let info = self.api.storage().at(best).fetch(&query).await?;
        Ok(info.map_or(0, |info| info.data.free))
    }

    /// Dry-runs a call of `contract` with `input`, sending `value` (native),
    /// on the best block.
    pub async fn dry_run_call(
        &self,
        origin: &AccountId,
        contract: Address,
        value: u128,
        input: &[u8],
    ) -> Result<DryRun, ChainError> {
        let best = self.best_block().await?;
        self.dry_run_call_at(best, origin, contract, value, input)
            .await
    }

    async fn dry_run_call_at(
        &self,
        at: subxt::utils::H256,
        origin: &AccountId,
        contract: Address,
        value: u128,
        input: &[u8],
    ) -> Result<DryRun, ChainError> {
        let call = node::apis().revive_api().call(
            AccountId32(origin.0),
            H160(contract.0),
            value,
            None,
            None,
            input.to_vec(),
        );
        let result = self.api.runtime_api().at(at).call(call).await?;
        self.dry_run_of(result, |ok| (ok.flags.bits, ok.data))
    }

    /// Reads a message's return value by dry-running it as `origin` on the
    /// latest finalized block (what cannot be reverted any more).
    pub async fn query<T: Decode>(
        &self,
        origin: &AccountId,
        contract: Address,
        input: &[u8],
    ) -> Result<T, ChainError> {
        let finalized = self.rpc.chain_get_finalized_head().await?;
        self.query_at(finalized, origin, contract, input).await
    }

    /// [`Chain::query`] on the best block instead: what blocks that are not
    /// final yet already say (a removal a sender honours at once).
    pub async fn query_best<T: Decode>(
        &self,
        origin: &AccountId,
        contract: Address,
        input: &[u8],
    ) -> Result<T, ChainError> {
        let best = self.best_block().await?;
        self.query_at(best, origin, contract, input).await
    }

    async fn query_at<T: Decode>(
        &self,
        at: subxt::utils::H256,
        origin: &AccountId,
        contract: Address,
        input: &[u8],
    ) -> Result<T, ChainError> {
        let dry_run = self.dry_run_call_at(at, origin, contract, 0, input).await?;
        if dry_run.reverted {
            return Err(ChainError::Reverted { data: dry_run.data });
        }
        crate::contracts::decode_output(&dry_run.data)
            .map_err(|error| ChainError::Dispatch(error.to_string()))
    }

    /// Dry-runs deploying `code` with constructor input `data` and `salt`;
    /// returns the dry run and the address it would get.
    pub async fn dry_run_instantiate(
        &self,
        origin: &AccountId,
        value: u128,
        code: &[u8],
        data: &[u8],
        salt: [u8; 32],
    ) -> Result<(DryRun, Address), ChainError> {
        let call = node::apis().revive_api().instantiate(
            AccountId32(origin.0),
            value,
            None,
            None,
            Code::Upload(code.to_vec()),
            data.to_vec(),
            Some(salt),
        );
        let best = self.best_block().await?;
        let result = self.api.runtime_api().at(best).call(call).await?;
        let mut address = None;
        let dry_run = self.dry_run_of(result, |ok| {
            address = Some(Address(ok.addr.0));
            (ok.result.flags.bits, ok.result.data)
        })?;
        let address = address.unwrap_or_else(|| unreachable!("set for a successful dry run"));
        Ok((dry_run, address))
    }

    /// Calls `contract` with `input` and `value` (native): dry-runs it (a
    /// revert is returned as [`ChainError::Reverted`] without submitting),
    /// then submits it with the dry run's gas and deposit plus a margin.
    pub async fn call(
        &self,
        signer: &Sr25519Signer,
        contract: Address,
        value: u128,
        input: &[u8],
        finality: Finality,
    ) -> Result<CallOutcome, ChainError> {
        let origin = signer.identity().account_id();
        let dry_run = self.dry_run_call(&origin, contract, value, input).await?;
        if dry_run.reverted {
            return Err(ChainError::Reverted { data: dry_run.data });
        }
        let tx = node::tx().revive().call(
            H160(contract.0),
            value,
            dry_run.weight_required.with_margin(),
            deposit_limit(dry_run.max_storage_deposit),
            input.to_vec(),
        );
        let (events, block_hash) = self.submit(&tx, signer, finality).await?;
        Ok(CallOutcome {
            dry_run,
            events,
            block_hash,
        })
    }

    /// Uploads `code` and instantiates it with constructor input `data`,
    /// endowing it with `value` (native). The address is derived from the
    /// signer, code, input and `salt` (CREATE2), so it is known before the
    /// extrinsic lands.
    pub async fn instantiate(
        &self,
        signer: &Sr25519Signer,
        code: &[u8],
        data: &[u8],
        value: u128,
        salt: [u8; 32],
        finality: Finality,
    ) -> Result<Deployed, ChainError> {
        let origin = signer.identity().account_id();
        let expected = create2_address(&signer.identity().address(), code, data, &salt);
        let (dry_run, actual) = self
            .dry_run_instantiate(&origin, value, code, data, salt)
            .await?;
        if dry_run.reverted {
            return Err(ChainError::Reverted { data: dry_run.data });
        }
        if actual != expected {
            return Err(ChainError::AddressMismatch { expected, actual });
        }
        let tx = node::tx().revive().instantiate_with_code(
            value,
            dry_run.weight_required.with_margin(),
            deposit_limit(dry_run.max_storage_deposit),
            code.to_vec(),
            data.to_vec(),
            Some(salt),
        );
        let (events, _) = self.submit(&tx, signer, finality).await?;
        Ok(Deployed {
            address: expected,
            dry_run,
            events,
        })
    }

    fn dry_run_of<R>(
        &self,
        result: ContractResult<R, u128>,
        output: impl FnOnce(R) -> (u32, Vec<u8>),
    ) -> Result<DryRun, ChainError> {
        let deposit = |deposit| match deposit {
            NodeStorageDeposit::Charge(amount) => StorageDeposit::Charge(amount),
            NodeStorageDeposit::Refund(amount) => StorageDeposit::Refund(amount),
        };
        match result.result {
            Ok(ok) => {
                let (flags, data) = output(ok);
                Ok(DryRun {
                    weight_consumed: result.weight_consumed.into(),
                    weight_required: result.weight_required.into(),
                    storage_deposit: deposit(result.storage_deposit),
                    max_storage_deposit: deposit(result.max_storage_deposit),
                    reverted: flags & REVERT_FLAG != 0,
                    data,
                })
            }
            Err(error) => Err(ChainError::Dispatch(self.describe(&error))),
        }
    }

    /// `Pallet::Error` for a module error, else the error's debug form.
    fn describe(&self, error: &DispatchError) -> String {
        if let DispatchError::Module(module) = error {
            let metadata = self.api.metadata();
            if let Some(pallet) = metadata.pallet_by_index(module.index)
                && let Some(variant) = pallet.error_variant_by_index(module.error[0])
            {
                return format!("{}::{}", pallet.name(), variant.name);
            }
        }
        format!("{error:?}")
    }
}

/// The deposit limit of a transaction: the dry run's peak charge plus a
/// quarter (state may grow between the dry run and the block).
fn deposit_limit(deposit: StorageDeposit) -> u128 {
    let charge = deposit.charge();
    charge.saturating_add(charge / 4)
}

/// The address pallet-revive gives a contract deployed by `deployer` from
/// `code` with constructor input `data` and `salt` (CREATE2).
pub fn create2_address(deployer: &Address, code: &[u8], data: &[u8], salt: &[u8; 32]) -> Address {
    let mut init = Keccak256::new();
    init.update(code);
    init.update(data);
    let init_code_hash = init.finalize();
    let mut hasher = Keccak256::new();
    hasher.update([0xff]);
    hasher.update(deployer.0);
    hasher.update(salt);
    hasher.update(init_code_hash);
    let hash = hasher.finalize();
    let mut address = [0u8; 20];
    address.copy_from_slice(&hash[12..]);
    Address(address)
}
