//! RPC methods beyond Substrate's defaults: `system_accountNextIndex` and the manual-seal
//! engine (`engine_createBlock`, `engine_finalizeBlock`) that lets a test make a block or
//! finalize one when it chooses.

use futures::channel::mpsc;
use jsonrpsee::RpcModule;
use revive_dev_runtime::{AccountId, Nonce, OpaqueBlock as Block};
use sc_consensus_manual_seal::{
    rpc::{ManualSeal, ManualSealApiServer},
    EngineCommand,
};
use sc_transaction_pool_api::TransactionPool;
use sp_api::ProvideRuntimeApi;
use sp_block_builder::BlockBuilder;
use sp_blockchain::{Error as BlockChainError, HeaderBackend, HeaderMetadata};
use sp_runtime::traits::Block as BlockT;
use std::sync::Arc;
use substrate_frame_rpc_system::{AccountNonceApi, System, SystemApiServer};

/// What the RPC methods need.
pub struct Deps<C, P> {
    pub client: Arc<C>,
    pub pool: Arc<P>,
    /// The sealing task's command channel.
    pub engine: mpsc::Sender<EngineCommand<<Block as BlockT>::Hash>>,
}

/// The node's RPC methods beyond those every Substrate node serves.
pub fn create<C, P>(
    deps: Deps<C, P>,
) -> Result<RpcModule<()>, Box<dyn std::error::Error + Send + Sync>>
where
    C: ProvideRuntimeApi<Block>
        + HeaderBackend<Block>
        + HeaderMetadata<Block, Error = BlockChainError>
        + Send
        + Sync
        + 'static,
    C::Api: BlockBuilder<Block> + AccountNonceApi<Block, AccountId, Nonce>,
    P: TransactionPool + 'static,
{
    let Deps {
        client,
        pool,
        engine,
    } = deps;
    let mut module = RpcModule::new(());
    module.merge(System::new(client, pool).into_rpc())?;
    module.merge(ManualSeal::new(engine).into_rpc())?;
    Ok(module)
}
