#!/usr/bin/env bash
# Runs every check and test of Inkpost: formatting, lints, the tests of the
# host workspace (SDK, relay, CLI, end-to-end against a real ink-node), and
# the contracts' unit tests and end-to-end tests (in-process runtime and
# ink-node).
#
# Usage: scripts/test.sh
# Environment: CARGO_TARGET_DIR (default ~/.cache/inkpost-target),
#              INK_NODE / CONTRACTS_NODE (the ink-node binary; built if absent),
#              CARGO_CONTRACT (cargo-contract 6.0.0-alpha; built if absent:
#              the relay's tests deploy release builds of the contracts).
set -euo pipefail
source "$(dirname "$0")/common.sh"
cd "$INKPOST_ROOT"

started=$SECONDS
"$INKPOST_ROOT/scripts/install-deps.sh" --cargo-contract
node="$(find_ink_node)" || die "ink-node is still missing after install-deps.sh"
export CONTRACTS_NODE="$node"

step "Formatting (cargo fmt --check)"
timed cargo fmt --all --check

step "Lints (cargo clippy -D warnings)"
timed cargo clippy --workspace --all-targets --all-features --locked -q -- -D warnings

step "Contracts: release builds for the host tests (cargo-contract)"
timed "$INKPOST_ROOT/scripts/build-contracts.sh"

step "Host workspace tests (SDK, relay, CLI, end-to-end on ink-node)"
timed cargo test --workspace --all-features --locked

# Each contract is a workspace of its own (see contracts/README.md); they
# share one target directory and the Rust 1.90.0 toolchain.
contract_crates=(common identity groups anchors escrow baseline e2e)
contracts_cargo() { # contracts_cargo CRATE ARGS…
  local crate="$1"
  shift
  (cd "$INKPOST_ROOT/contracts/$crate" && RUSTUP_TOOLCHAIN="$CONTRACTS_TOOLCHAIN" \
    CARGO_TARGET_DIR="$CARGO_TARGET_DIR/contracts" \
    RUSTFLAGS="-Clink-arg=-z -Clink-arg=nostart-stop-gc" cargo "$@")
}

step "Contracts: formatting and lints (Rust $CONTRACTS_TOOLCHAIN)"
for crate in "${contract_crates[@]}"; do
  timed contracts_cargo "$crate" fmt --check
  timed contracts_cargo "$crate" clippy --all-targets --locked -q -- -D warnings
done

step "Contracts: unit tests (off-chain engine)"
for crate in "${contract_crates[@]}"; do
  [ "$crate" = e2e ] && continue
  timed contracts_cargo "$crate" test --locked -q
done

step "Contracts: end-to-end tests (in-process runtime, then ink-node)"
info "the first run builds the four contracts for PolkaVM (about 15 minutes cold)"
timed contracts_cargo e2e test --locked

step "All checks passed in $((SECONDS - started)) s"
