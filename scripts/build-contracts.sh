#!/usr/bin/env bash
# Builds the ink! contracts in release mode with cargo-contract and collects,
# for each, the PolkaVM code (.polkavm), the metadata (.json) and the bundle
# of both (.contract) in contracts/artifacts/ (or $INKPOST_ARTIFACTS).
#
# Usage: scripts/build-contracts.sh [--force] [contract…]   (default: all)
# A cold build takes about 15 minutes on 2 cores; a contract whose artifacts
# are newer than its sources, contracts/common and the toolchain file is
# not built again (a warm cargo-contract build still takes about 16 s)
# unless --force.
set -euo pipefail
source "$(dirname "$0")/common.sh"

force=0
contracts=()
for arg in "$@"; do
  case "$arg" in
    --force) force=1 ;;
    *) contracts+=("$arg") ;;
  esac
done
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
# A build directory per cargo-contract version: each writes its RISC-V target
# file there once and reuses it, and another version's file is refused.
target="$CARGO_TARGET_DIR/contracts-$CARGO_CONTRACT_VERSION"

# fresh NAME CONTRACT: its artifacts exist and no input changed after them.
fresh() {
  local bundle="$artifacts/$1.contract"
  [ "$force" -eq 0 ] && [ -f "$bundle" ] && [ -f "$artifacts/$1.polkavm" ] && [ -f "$artifacts/$1.json" ] &&
    [ -z "$(find "$INKPOST_ROOT/contracts/$2" "$INKPOST_ROOT/contracts/common" \
      "$INKPOST_ROOT/contracts/rust-toolchain.toml" -type f -newer "$bundle" -print -quit)" ]
}

for contract in "${contracts[@]}"; do
  name="inkpost_$contract"
  if fresh "$name" "$contract"; then
    ok "$artifacts/$name.{polkavm,json,contract} are up to date"
    continue
  fi
  step "Building $name (release)"
  CARGO_TARGET_DIR="$target" timed "$tool" contract build --release --quiet \
    --manifest-path "$INKPOST_ROOT/contracts/$contract/Cargo.toml" </dev/null
  for ext in polkavm json contract; do
    cp "$target/ink/$name.$ext" "$artifacts/"
  done
  ok "$artifacts/$name.{polkavm,json,contract} ($(stat -c %s "$artifacts/$name.polkavm") B of code)"
done
