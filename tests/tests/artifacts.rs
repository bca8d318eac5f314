//! The committed contract artifacts would upload to any chain on
//! pallet-revive 0.20.2: every host function their PolkaVM code imports is
//! one that pallet-revive offers.
//!
//! pallet-revive refuses code that imports anything else at upload
//! (`CodeRejected`; `limits::code::enforce` walks `ProgramBlob::imports`
//! against `list_syscalls()`). The list below is the `#[define_env] pub mod
//! env` of pallet-revive 0.20.2 (`src/vm/pvm/env.rs`), without `noop`
//! (compiled only with `runtime-benchmarks`). The blobs are parsed with
//! polkavm-common 0.35, the version pallet-revive 0.20.2 parses them with.
//! Contracts built with ink! 6.0.0-alpha fail here: they import
//! `hash_blake2_256` (gone in pallet-revive 0.10) and `contains_storage`,
//! `clear_storage`, `take_storage` (gone in 0.12).

use std::path::PathBuf;

use polkavm_common::program::ProgramBlob;

/// The host functions of pallet-revive 0.20.2 (revive-dev-runtime 0.12.0,
/// our dev node's runtime).
const PALLET_REVIVE_0_20_2_SYSCALLS: [&str; 40] = [
    "set_storage",
    "set_storage_or_clear",
    "get_storage",
    "get_storage_or_zero",
    "call",
    "call_evm",
    "delegate_call",
    "delegate_call_evm",
    "instantiate",
    "call_data_size",
    "call_data_copy",
    "call_data_load",
    "seal_return",
    "caller",
    "origin",
    "code_hash",
    "code_size",
    "address",
    "get_immutable_data",
    "set_immutable_data",
    "balance",
    "balance_of",
    "chain_id",
    "gas_limit",
    "value_transferred",
    "gas_price",
    "base_fee",
    "now",
    "deposit_event",
    "block_number",
    "block_hash",
    "block_author",
    "hash_keccak_256",
    "return_data_size",
    "return_data_copy",
    "ref_time_left",
    "consume_all_gas",
    "ecdsa_to_eth_address",
    "sr25519_verify",
    "terminate",
];

const CONTRACTS: [&str; 5] = [
    "inkpost_identity",
    "inkpost_groups",
    "inkpost_anchors",
    "inkpost_escrow",
    "inkpost_baseline",
];

fn artifacts() -> PathBuf {
    inkpost_tests::repo_root().join("contracts/artifacts")
}

/// The host functions `code` imports; an unreadable import is an error.
fn imports(code: Vec<u8>) -> Result<Vec<String>, String> {
    let blob = ProgramBlob::parse(code.into()).map_err(|error| error.to_string())?;
    blob.imports()
        .iter()
        .map(|import| {
            import
                .map(|symbol| String::from_utf8_lossy(symbol.as_bytes()).into_owned())
                .ok_or_else(|| "malformed import".to_owned())
        })
        .collect()
}

#[test]
fn every_artifact_imports_only_host_functions_pallet_revive_0_20_offers() {
    let mut unknown = Vec::new();
    for contract in CONTRACTS {
        let path = artifacts().join(format!("{contract}.polkavm"));
        let code =
            std::fs::read(&path).unwrap_or_else(|error| panic!("{}: {error}", path.display()));
        let imports = imports(code).unwrap_or_else(|error| panic!("{contract}: {error}"));
        assert!(
            !imports.is_empty(),
            "{contract} imports nothing: not a contract"
        );
        assert!(
            imports.len() <= PALLET_REVIVE_0_20_2_SYSCALLS.len(),
            "{contract}: more imports than host functions (pallet-revive refuses that too)"
        );
        for import in imports {
            if !PALLET_REVIVE_0_20_2_SYSCALLS.contains(&import.as_str()) {
                unknown.push(format!("{contract}: {import}"));
            }
        }
    }
    assert!(
        unknown.is_empty(),
        "imports pallet-revive 0.20.2 would refuse at upload:\n{}",
        unknown.join("\n")
    );
}

#[test]
fn the_check_refuses_code_that_is_not_polkavm() {
    assert!(imports(b"\0asm\x01\0\0\0".to_vec()).is_err());
}
