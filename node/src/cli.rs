//! Command-line flags: Substrate's own `RunCmd` plus how blocks are sealed and finalized.

/// How blocks are made and when they become final.
#[derive(Debug, Clone, Copy, clap::Args)]
pub struct Sealing {
    /// Milliseconds between blocks; 0 seals one block for each transaction as it arrives
    /// (and none while idle), like ink-node.
    #[arg(long, value_name = "MS", default_value_t = 0)]
    pub block_time: u64,

    /// Seconds between a block's import and its finality; 0 finalizes each block as it is
    /// sealed. Tests that need a best block that is not yet final set a long delay and
    /// finalize through the `engine_finalizeBlock` RPC.
    #[arg(long, value_name = "SECONDS", default_value_t = 1)]
    pub finalize_delay_sec: u64,
}

#[derive(Debug, clap::Parser)]
#[command(
    version,
    propagate_version = true,
    args_conflicts_with_subcommands = true
)]
pub struct Cli {
    #[command(subcommand)]
    pub subcommand: Option<Subcommand>,

    #[command(flatten)]
    pub sealing: Sealing,

    #[command(flatten)]
    pub run: sc_cli::RunCmd,
}

#[derive(Debug, clap::Subcommand)]
pub enum Subcommand {
    /// Key management utilities.
    #[command(subcommand)]
    Key(sc_cli::KeySubcommand),

    /// Write the chain specification (`--chain dev` by default) as JSON.
    BuildSpec(sc_cli::BuildSpecCmd),

    /// Remove the chain's database.
    PurgeChain(sc_cli::PurgeChainCmd),

    /// Export the state at a block as a chain specification.
    ExportState(sc_cli::ExportStateCmd),
}
