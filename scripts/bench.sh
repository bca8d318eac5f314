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
    browser="$(node web/tests/browser.mjs sdk '{"rounds": 300}')"
    python3 - "$native" "$browser" <<'PY'
import json, sys
native_us = json.load(open(sys.argv[1]))["mean"]["point_estimate"] / 1000
report = json.loads(sys.argv[2])
browser_us = report["seal10"]["microsPerSeal"]
print(f"    native (criterion mean): {native_us:8.1f} µs per seal")
print(f"    browser ({report['seal10']['rounds']} seals):   {browser_us:8.1f} µs per seal")
print(f"    ratio browser / native: {browser_us / native_us:.2f}")
print(f"    ({report['userAgent']})")
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
