#!/usr/bin/env bash
# Builds the ink! contracts in release mode with cargo-contract and collects,
# for each, the PolkaVM code (.polkavm), the metadata (.json) and the bundle
# of both (.contract) in contracts/artifacts/ (or $INKPOST_ARTIFACTS).
#
# Usage: scripts/build-contracts.sh [contract…]   (default: all)
# A cold build takes about 15 minutes on 2 cores; later builds are incremental.
set -euo pipefail
source "$(dirname "$0")/common.sh"

contracts=("$@")
[ ${#contracts[@]} -eq 0 ] && contracts=(identity groups anchors escrow baseline)
artifacts="${INKPOST_ARTIFACTS:-$INKPOST_ROOT/contracts/artifacts}"
mkdir -p "$artifacts"

tool="$(find_cargo_contract)" || {
  "$INKPOST_ROOT/scripts/install-deps.sh" --no-node --cargo-contract
  tool="$(find_cargo_contract)"
}
# cargo-contract builds in a temporary copy of each crate, outside the reach
# of contracts/rust-toolchain.toml: name the toolchain explicitly.
export RUSTUP_TOOLCHAIN="$CONTRACTS_TOOLCHAIN"
target="$CARGO_TARGET_DIR/contracts"

for contract in "${contracts[@]}"; do
  name="inkpost_$contract"
  step "Building $name (release)"
  CARGO_TARGET_DIR="$target" timed "$tool" contract build --release --quiet \
    --manifest-path "$INKPOST_ROOT/contracts/$contract/Cargo.toml" </dev/null
  for ext in polkavm json contract; do
    cp "$target/ink/$name.$ext" "$artifacts/"
  done
  ok "$artifacts/$name.{polkavm,json,contract} ($(stat -c %s "$artifacts/$name.polkavm") B of code)"
done
