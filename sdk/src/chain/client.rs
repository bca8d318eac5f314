//! Deploying and calling ink! contracts on pallet-revive through subxt.

use parity_scale_codec::Decode;
use sha3::{Digest, Keccak256};
use subxt::OnlineClient;
use subxt::backend::legacy::LegacyRpcMethods;
use subxt::backend::rpc::RpcClient;
use subxt::backend::rpc::reconnecting_rpc_client::{
    ExponentialBackoff, RpcClient as ReconnectingRpcClient,
};
use subxt::tx::TxStatus;
use subxt::utils::{AccountId32, H160};

use super::node;
use super::node::runtime_types::pallet_revive::primitives::{
    Code, ContractResult, StorageDeposit as NodeStorageDeposit,
};
use super::node::runtime_types::sp_runtime::DispatchError;
use super::node::runtime_types::sp_weights::weight_v2::Weight as NodeWeight;
use super::signer::{ChainConfig, Sr25519Signer};
use crate::ids::{AccountId, Address};
use subxt::config::DefaultExtrinsicParamsBuilder;

/// The `REVERT` bit of a contract's return flags.
const REVERT_FLAG: u32 = 1;

/// Gas limits are the dry run's requirement plus this share (percent).
const GAS_MARGIN_PERCENT: u64 = 25;

/// The longest wait between attempts to reconnect to a node.
const RECONNECT_MAX_DELAY: std::time::Duration = std::time::Duration::from_secs(2);

/// Returned when the chain cannot be reached or refuses a call.
#[derive(Debug, thiserror::Error)]
pub enum ChainError {
    /// The node did not answer at all.
    #[error("cannot reach the node at {url}: {source}")]
    Connect {
        /// The URL tried.
        url: String,
        /// Why.
        #[source]
        source: Box<subxt::Error>,
    },
    /// The RPC connection failed or the node answered with an error.
    #[error("node request failed: {0}")]
    Rpc(#[from] Box<subxt::Error>),
    /// The runtime refused the call (for example `Revive::OutOfGas`).
    #[error("the chain refused the call: {0}")]
    Dispatch(String),
    /// The contract reverted; `data` is its SCALE-encoded return value
    /// (an ink! message's `Err`).
    #[error("the contract reverted ({} bytes of output)", data.len())]
    Reverted {
        /// The contract's output.
        data: Vec<u8>,
    },
    /// The contract was deployed at another address than computed.
    #[error("contract landed at {actual}, expected {expected}")]
    AddressMismatch {
        /// The computed address.
        expected: Address,
        /// The address the dry run reported.
        actual: Address,
    },
}

impl From<subxt::Error> for ChainError {
    fn from(error: subxt::Error) -> Self {
        match error {
            subxt::Error::Runtime(subxt::error::DispatchError::Module(module)) => {
                match module.details() {
                    Ok(details) => Self::Dispatch(format!(
                        "{}::{}",
                        details.pallet.name(),
                        details.variant.name
                    )),
                    Err(_) => Self::Dispatch(module.to_string()),
                }
            }
            subxt::Error::Runtime(other) => Self::Dispatch(other.to_string()),
            other => Self::Rpc(Box::new(other)),
        }
    }
}

impl ChainError {
    /// Whether trying again later may succeed (the node was unreachable or
    /// the connection broke), as opposed to a refusal that will repeat.
    pub fn is_retryable(&self) -> bool {
        matches!(self, Self::Connect { .. } | Self::Rpc(_))
    }
}

/// Execution weight: time and proof size.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Weight {
    /// Picoseconds of reference-hardware execution time.
    pub ref_time: u64,
    /// Bytes of storage proof.
    pub proof_size: u64,
}

impl Weight {
    fn with_margin(self) -> NodeWeight {
        let grow = |value: u64| value.saturating_add(value / 100 * GAS_MARGIN_PERCENT);
        NodeWeight {
            ref_time: grow(self.ref_time),
            proof_size: grow(self.proof_size),
        }
    }
}

impl From<NodeWeight> for Weight {
    fn from(weight: NodeWeight) -> Self {
        Self {
            ref_time: weight.ref_time,
            proof_size: weight.proof_size,
        }
    }
}

/// What a call changes in storage deposits (native units).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StorageDeposit {
    /// The caller pays this much for new storage.
    Charge(u128),
    /// The caller gets this much back for freed storage.
    Refund(u128),
}

impl StorageDeposit {
    /// The charge, or zero for a refund.
    pub fn charge(&self) -> u128 {
        match self {
            Self::Charge(amount) => *amount,
            Self::Refund(_) => 0,
        }
    }
}

/// The result of a dry run: what the call would cost and return.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DryRun {
    /// Weight used by the execution.
    pub gas_consumed: Weight,
    /// Weight to give as the gas limit.
    pub gas_required: Weight,
    /// Storage deposit charged or refunded.
    pub storage_deposit: StorageDeposit,
    /// Whether the contract reverted (for ink!: returned `Err`).
    pub reverted: bool,
    /// The contract's SCALE-encoded output.
    pub data: Vec<u8>,
}

/// An event a contract emitted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContractEvent {
    /// The emitting contract.
    pub contract: Address,
    /// Topics; the first is the event's signature topic.
    pub topics: Vec<[u8; 32]>,
    /// The SCALE-encoded event.
    pub data: Vec<u8>,
}

/// How long to wait after submitting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Finality {
    /// Until the extrinsic is in a block.
    InBlock,
    /// Until that block is finalized.
    Finalized,
}

/// A call that landed on chain.
#[derive(Debug, Clone)]
pub struct CallOutcome {
    /// The dry run it was sized by (its output is the call's output).
    pub dry_run: DryRun,
    /// Events the contracts emitted.
    pub events: Vec<ContractEvent>,
    /// The block that includes it.
    pub block_hash: [u8; 32],
}

/// A contract deployed on chain.
#[derive(Debug, Clone)]
pub struct Deployed {
    /// Its address.
    pub address: Address,
    /// The dry run of its instantiation.
    pub dry_run: DryRun,
    /// Events its constructor emitted.
    pub events: Vec<ContractEvent>,
}

/// A connection to a pallet-revive chain.
#[derive(Clone)]
pub struct Chain {
    api: OnlineClient<ChainConfig>,
    rpc: LegacyRpcMethods<ChainConfig>,
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
        let connect_error = |source| ChainError::Connect {
            url: url.to_owned(),
            source: Box::new(source),
        };
        // The reconnecting client retries its first connection too; probe
        // once so that a wrong URL or a stopped node is an error now.
        RpcClient::from_insecure_url(url)
            .await
            .map_err(connect_error)?;
        let reconnecting = ReconnectingRpcClient::builder()
            .retry_policy(ExponentialBackoff::from_millis(50).max_delay(RECONNECT_MAX_DELAY))
            .build(url)
            .await
            .map_err(|error| {
                connect_error(subxt::Error::Rpc(subxt::error::RpcError::ClientError(
                    Box::new(error),
                )))
            })?;
        let rpc = RpcClient::new(reconnecting);
        let api = OnlineClient::from_rpc_client(rpc.clone())
            .await
            .map_err(connect_error)?;
        Ok(Self {
            api,
            rpc: LegacyRpcMethods::new(rpc),
        })
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
        let dry_run = self
            .dry_run_call_at(finalized, origin, contract, 0, input)
            .await?;
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
            dry_run.gas_required.with_margin(),
            deposit_limit(dry_run.storage_deposit),
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
            dry_run.gas_required.with_margin(),
            deposit_limit(dry_run.storage_deposit),
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

    /// Signs, submits and waits; returns the contract events and the block.
    async fn submit<Call: subxt::tx::Payload>(
        &self,
        tx: &Call,
        signer: &Sr25519Signer,
        finality: Finality,
    ) -> Result<(Vec<ContractEvent>, [u8; 32]), ChainError> {
        // subxt takes the nonce from the finalized block; after a transaction
        // that is only in a block that would repeat it. The node's
        // `system_accountNextIndex` counts best-block and pool transactions.
        let account = AccountId32(signer.identity().account_id().0);
        let nonce = self.rpc.system_account_next_index(&account).await?;
        let params = DefaultExtrinsicParamsBuilder::<ChainConfig>::new()
            .nonce(nonce)
            .build();
        let mut progress = self
            .api
            .tx()
            .sign_and_submit_then_watch(tx, signer, params)
            .await?;
        let in_block = loop {
            let status = progress.next().await.ok_or_else(|| {
                ChainError::Rpc(Box::new(subxt::error::RpcError::SubscriptionDropped.into()))
            })??;
            match status {
                TxStatus::InBestBlock(block) if finality == Finality::InBlock => break block,
                TxStatus::InFinalizedBlock(block) => break block,
                TxStatus::Error { message }
                | TxStatus::Invalid { message }
                | TxStatus::Dropped { message } => return Err(ChainError::Dispatch(message)),
                _ => continue,
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

    fn dry_run_of<R>(
        &self,
        result: ContractResult<R, u128>,
        output: impl FnOnce(R) -> (u32, Vec<u8>),
    ) -> Result<DryRun, ChainError> {
        let storage_deposit = match result.storage_deposit {
            NodeStorageDeposit::Charge(amount) => StorageDeposit::Charge(amount),
            NodeStorageDeposit::Refund(amount) => StorageDeposit::Refund(amount),
        };
        match result.result {
            Ok(ok) => {
                let (flags, data) = output(ok);
                Ok(DryRun {
                    gas_consumed: result.gas_consumed.into(),
                    gas_required: result.gas_required.into(),
                    storage_deposit,
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
