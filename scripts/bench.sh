#!/usr/bin/env bash
# Runs Inkpost's benchmarks and prints their figures.
#
# Usage: scripts/bench.sh [sdk|relay|web] [relay: MESSAGES CLIENTS [postage]]   (default: all)
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
  web | all)
    step "Sealing a 1 KiB message to 10 recipients: headless Chromium (WebAssembly, pure Rust) against native (aws-lc-rs)"
    "$INKPOST_ROOT/scripts/install-deps.sh" --no-node --web >/dev/null
    "$INKPOST_ROOT/scripts/build-web.sh"
    cargo bench -p inkpost-sdk --bench sdk --locked -- 'envelope/encrypt\+sign 1 KiB/10$' 2>&1 \
      | grep -E '^envelope|time:'
    native="$CARGO_TARGET_DIR/criterion/envelope_encrypt+sign 1 KiB/10/new/estimates.json"
    # Five browser runs (a fresh Chromium each): WebAssembly's tier-up to
    # the optimizing compiler makes single runs vary by a third.
    browser=()
    for _ in 1 2 3 4 5; do browser+=("$(node web/tests/browser.mjs sdk '{"rounds": 300}')"); done
    python3 - "$native" "${browser[@]}" <<'PY'
import json, statistics, sys
native_us = json.load(open(sys.argv[1]))["median"]["point_estimate"] / 1000
reports = [json.loads(arg) for arg in sys.argv[2:]]
runs = sorted(report["seal10"]["microsPerSeal"] for report in reports)
median = statistics.median(runs)
print(f"    native (criterion median):      {native_us:8.1f} µs per seal")
print(f"    browser (5 runs × 300 seals):  {median:8.1f} µs per seal (median; {runs[0]:.0f}–{runs[-1]:.0f})")
print(f"    ratio browser / native: {median / native_us:.2f} (runs {runs[0] / native_us:.2f}–{runs[-1] / native_us:.2f})")
print(f"    ({reports[0]['userAgent']})")
PY
    ;;
esac
case "$what" in
  relay | all)
    step "Relay load benchmark: signed 1 KiB submits over loopback, SQLite and PostgreSQL, anchoring"
    node="$(find_node)" || die "no dev node found" "run scripts/install-deps.sh, or export INKPOST_NODE_BIN=/path/to/inkpost-node"
    [ -f "$INKPOST_ROOT/contracts/artifacts/inkpost_anchors.polkavm" ] || "$INKPOST_ROOT/scripts/build-contracts.sh"
    CONTRACTS_NODE="$node" cargo bench -p inkpost-relay --bench load --locked -- "${@:2}" ;;
  sdk | web) ;;
  *) die "unknown benchmark set: $what" "usage: scripts/bench.sh [sdk|relay|web] [relay: MESSAGES CLIENTS [postage]]" ;;
esac
