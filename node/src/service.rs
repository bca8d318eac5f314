//! The node's parts: client, transaction pool, network, RPC, and the sealing and finality
//! tasks that make blocks for a development chain.
//!
//! Blocks are sealed by `sc-consensus-manual-seal` from one stream of commands: the trigger
//! chosen by [`Sealing`] (each transaction, or a timer) merged with the commands of the
//! `engine_createBlock` / `engine_finalizeBlock` RPC methods. Finality either comes with
//! each seal or follows each import after a fixed delay.

use crate::cli::Sealing;
use futures::{stream::BoxStream, FutureExt, StreamExt};
use revive_dev_runtime::{OpaqueBlock as Block, RuntimeApi};
use sc_client_api::StorageProvider;
use sc_consensus_manual_seal::{self as manual_seal, EngineCommand};
use sc_executor::WasmExecutor;
use sc_network::NetworkBackend;
use sc_service::{error::Error as ServiceError, Configuration, TaskManager};
use sc_transaction_pool_api::TransactionPool;
use sp_runtime::traits::Block as BlockT;
use std::{sync::Arc, time::Duration};

type Hash = <Block as BlockT>::Hash;
type FullClient =
    sc_service::TFullClient<Block, RuntimeApi, WasmExecutor<sp_io::SubstrateHostFunctions>>;
type FullBackend = sc_service::TFullBackend<Block>;
type FullSelectChain = sc_consensus::LongestChain<FullBackend, Block>;
type FullPool = sc_transaction_pool::TransactionPoolHandle<Block, FullClient>;

/// The parts that chain subcommands (export, purge) need, and that [`new_full`] extends.
pub type Partial = sc_service::PartialComponents<
    FullClient,
    FullBackend,
    FullSelectChain,
    sc_consensus::DefaultImportQueue<Block>,
    FullPool,
    (),
>;

pub fn new_partial(config: &Configuration) -> Result<Partial, ServiceError> {
    let executor = sc_service::new_wasm_executor(&config.executor);
    let (client, backend, keystore_container, task_manager) =
        sc_service::new_full_parts::<Block, RuntimeApi, _>(config, None, executor, Vec::new())?;
    let client = Arc::new(client);
    let select_chain = sc_consensus::LongestChain::new(backend.clone());
    let transaction_pool = Arc::new(
        sc_transaction_pool::Builder::new(
            task_manager.spawn_essential_handle(),
            client.clone(),
            config.role.is_authority().into(),
        )
        .with_options(config.transaction_pool.clone())
        .with_prometheus(config.prometheus_registry())
        .build(),
    );
    let import_queue = manual_seal::import_queue(
        Box::new(client.clone()),
        &task_manager.spawn_essential_handle(),
        config.prometheus_registry(),
    );
    Ok(sc_service::PartialComponents {
        client,
        backend,
        task_manager,
        import_queue,
        keystore_container,
        select_chain,
        transaction_pool,
        other: (),
    })
}

/// Builds and starts the whole node.
pub fn new_full<N: NetworkBackend<Block, Hash>>(
    config: Configuration,
    sealing: Sealing,
) -> Result<TaskManager, ServiceError> {
    let sc_service::PartialComponents {
        client,
        backend,
        mut task_manager,
        import_queue,
        keystore_container,
        select_chain,
        transaction_pool,
        other: (),
    } = new_partial(&config)?;
    let prometheus = config.prometheus_registry().cloned();

    let net_config = sc_network::config::FullNetworkConfiguration::<Block, Hash, N>::new(
        &config.network,
        prometheus.clone(),
    );
    let metrics = N::register_notification_metrics(prometheus.as_ref());
    let (network, system_rpc_tx, tx_handler_controller, sync_service, _bitswap) =
        sc_service::build_network(sc_service::BuildNetworkParams {
            config: &config,
            net_config,
            client: client.clone(),
            transaction_pool: transaction_pool.clone(),
            spawn_handle: task_manager.spawn_handle(),
            spawn_essential_handle: task_manager.spawn_essential_handle(),
            import_queue,
            block_announce_validator_builder: None,
            warp_sync_config: None,
            block_relay: None,
            metrics,
            gap_sync_body_policy: None,
        })?;

    // The engine RPC and the sealing trigger feed one command stream.
    let (engine, engine_commands) = futures::channel::mpsc::channel(64);
    let rpc_builder = {
        let (client, pool) = (client.clone(), transaction_pool.clone());
        Box::new(move |_| {
            let deps = crate::rpc::Deps {
                client: client.clone(),
                pool: pool.clone(),
                engine: engine.clone(),
            };
            crate::rpc::create(deps).map_err(Into::into)
        })
    };
    sc_service::spawn_tasks(sc_service::SpawnTasksParams {
        network,
        client: client.clone(),
        keystore: keystore_container.keystore(),
        task_manager: &mut task_manager,
        transaction_pool: transaction_pool.clone(),
        rpc_builder,
        backend,
        system_rpc_tx,
        tx_handler_controller,
        sync_service,
        config,
        telemetry: None,
        tracing_execute_block: None,
    })?;

    let proposer = sc_basic_authorship::ProposerFactory::new(
        task_manager.spawn_handle(),
        client.clone(),
        transaction_pool.clone(),
        prometheus.as_ref(),
        None,
    );
    let commands =
        futures::stream::select(trigger(sealing, transaction_pool.as_ref()), engine_commands);
    let timestamps = {
        let client = client.clone();
        move |parent: Hash, ()| {
            let next = next_timestamp(&client, parent);
            // Named: a closure bound to a variable gets no help from the
            // bound it is later passed to.
            async move {
                Ok::<_, Box<dyn std::error::Error + Send + Sync>>(
                    sp_timestamp::InherentDataProvider::new(next),
                )
            }
        }
    };
    let authorship = manual_seal::run_manual_seal(manual_seal::ManualSealParams {
        block_import: client.clone(),
        env: proposer,
        client: client.clone(),
        pool: transaction_pool,
        commands_stream: commands,
        select_chain,
        consensus_data_provider: None,
        create_inherent_data_providers: timestamps,
    });
    task_manager
        .spawn_essential_handle()
        .spawn_blocking("manual-seal", None, authorship.boxed());

    if sealing.finalize_delay_sec > 0 {
        let finality = manual_seal::run_delayed_finalize(manual_seal::DelayedFinalizeParams {
            client,
            spawn_handle: task_manager.spawn_handle(),
            delay_sec: sealing.finalize_delay_sec,
        });
        task_manager.spawn_essential_handle().spawn_blocking(
            "delayed-finalize",
            None,
            finality.boxed(),
        );
    }
    Ok(task_manager)
}

/// The stream of seal commands that [`Sealing`] asks for.
fn trigger(sealing: Sealing, pool: &FullPool) -> BoxStream<'static, EngineCommand<Hash>> {
    let finalize = sealing.finalize_delay_sec == 0;
    let seal = move |create_empty| EngineCommand::SealNewBlock {
        create_empty,
        finalize,
        parent_hash: None,
        sender: None,
    };
    if sealing.block_time == 0 {
        pool.import_notification_stream()
            .map(move |_| seal(false))
            .boxed()
    } else {
        let period = Duration::from_millis(sealing.block_time);
        futures::stream::unfold((), move |()| async move {
            futures_timer::Delay::new(period).await;
            Some((seal(true), ()))
        })
        .boxed()
    }
}

/// Wall-clock time, but at least one millisecond after the parent block's timestamp:
/// blocks sealed within the same millisecond would otherwise fail pallet-timestamp's
/// minimum-period check.
fn next_timestamp(client: &FullClient, parent: Hash) -> sp_timestamp::Timestamp {
    // pallet-timestamp's `Now`: twox128("Timestamp") ++ twox128("Now").
    let key = sp_core::storage::StorageKey(
        [
            sp_io::hashing::twox_128(b"Timestamp"),
            sp_io::hashing::twox_128(b"Now"),
        ]
        .concat(),
    );
    let parent_ms = client
        .storage(parent, &key)
        .ok()
        .flatten()
        .and_then(|data| <[u8; 8]>::try_from(data.0).ok())
        .map(u64::from_le_bytes)
        .unwrap_or(0);
    let now = sp_timestamp::Timestamp::current();
    now.max(sp_timestamp::Timestamp::new(parent_ms + 1))
}
