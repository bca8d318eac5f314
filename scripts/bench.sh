#!/usr/bin/env bash
# Runs Inkpost's benchmarks and prints their figures.
#
# Usage: scripts/bench.sh [sdk|relay] [relay: MESSAGES CLIENTS [postage]]   (default: all)
# Criterion keeps earlier results in $CARGO_TARGET_DIR/criterion and prints
# the change against the previous run; the first figure of the SDK group is a
# baseline (BLAKE2b-256 of 1 KiB) to compare machines by ratio.
set -euo pipefail
source "$(dirname "$0")/common.sh"
cd "$INKPOST_ROOT"

what="${1:-all}"
case "$what" in
  sdk | all)
    step "SDK benchmarks (criterion): envelopes, Merkle trees, proofs"
    cargo bench -p inkpost-sdk --bench sdk --locked 2>&1 \
      | grep -vE '^(Benchmarking|Found|  [0-9]+ \(|Warning: Unable)' ;;
esac
case "$what" in
  relay | all)
    step "Relay load benchmark: signed 1 KiB submits over loopback, SQLite and PostgreSQL, anchoring"
    node="$(find_node)" || die "no dev node found" "run scripts/install-deps.sh, or export INKPOST_NODE_BIN=/path/to/inkpost-node"
    [ -f "$INKPOST_ROOT/contracts/artifacts/inkpost_anchors.polkavm" ] || "$INKPOST_ROOT/scripts/build-contracts.sh"
    CONTRACTS_NODE="$node" cargo bench -p inkpost-relay --bench load --locked -- "${@:2}" ;;
  sdk) ;;
  *) die "unknown benchmark set: $what" "usage: scripts/bench.sh [sdk|relay] [relay: MESSAGES CLIENTS [postage]]" ;;
esac
