//! `inkpost-node`: Inkpost's development chain.
//!
//! A single-authority Substrate node that runs `revive-dev-runtime` (pallet-revive 0.20,
//! the runtime Parity publishes on crates.io for contract development) with the blocks a
//! test or a demo wants: one block per transaction (the default) or one every
//! `--block-time` milliseconds, finalized `--finalize-delay-sec` seconds after import.
//! Dev accounts //Alice … //Ferdie are funded and mapped at genesis; //Alice is sudo.
//!
//! ```text
//! inkpost-node --dev --tmp --rpc-port 9944     # what scripts/dev-node.sh runs
//! ```
//!
//! Modules: [`cli`] (flags), [`chain_spec`] (the dev chain), [`service`] (client,
//! pool, sealing and finality), [`rpc`] (the RPC methods beyond Substrate's own),
//! [`command`] (subcommands and start-up).

mod chain_spec;
mod cli;
mod command;
mod rpc;
mod service;

fn main() -> sc_cli::Result<()> {
    command::run()
}
