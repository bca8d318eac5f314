//! What dry runs and calls report: weights, storage deposits, outputs, the
//! events contracts emitted.

use super::node::runtime_types::sp_weights::weight_v2::Weight as NodeWeight;
use crate::ids::Address;

/// Gas limits are the dry run's requirement plus this share (percent).
const GAS_MARGIN_PERCENT: u64 = 25;

/// Execution weight: time and proof size.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Weight {
    /// Picoseconds of reference-hardware execution time.
    pub ref_time: u64,
    /// Bytes of storage proof.
    pub proof_size: u64,
}

impl Weight {
    pub(super) fn with_margin(self) -> NodeWeight {
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

/// The result of a dry run: what the call would cost and return (the
/// fields of pallet-revive's `ContractResult`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DryRun {
    /// Weight used by the execution.
    pub weight_consumed: Weight,
    /// Weight to give as the limit (more than consumed where the execution
    /// needed more at some point than it kept).
    pub weight_required: Weight,
    /// Storage deposit charged or refunded in the end.
    pub storage_deposit: StorageDeposit,
    /// The highest deposit charged at any point of the execution: the
    /// deposit limit a transaction needs.
    pub max_storage_deposit: StorageDeposit,
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
    /// The dry run it was sized by. Its output is what the call would have
    /// returned on the best block then, not necessarily what it returned in
    /// its block (another transaction may have come first): read results
    /// from [`CallOutcome::event`].
    pub dry_run: DryRun,
    /// Events the contracts emitted.
    pub events: Vec<ContractEvent>,
    /// The block that includes it.
    pub block_hash: [u8; 32],
}

impl CallOutcome {
    /// The first event of kind `E` that `contract` emitted in this call.
    pub fn event<E: crate::contracts::Event>(&self, contract: Address) -> Option<E> {
        self.events
            .iter()
            .filter(|event| event.contract == contract)
            .find_map(|event| E::decode_event(&event.topics, &event.data))
    }
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
