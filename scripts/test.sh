#!/usr/bin/env bash
# Runs every check and test of Inkpost: formatting, lints, the tests of the
# host workspace (SDK, relay, CLI, end-to-end against a real node, the SDK's
# WebAssembly build in headless Chromium), and the contracts' unit tests.
#
# Usage: scripts/test.sh [--quick]
#   --quick  the fast tier: formatting, lints, the SDK, the store on SQLite
#            and PostgreSQL, the HTTP boundary on a fixed snapshot of chain
#            state, the CLI's units. No node, no contract build (a few
#            minutes once built).
# Environment: CARGO_TARGET_DIR (default ~/.cache/inkpost-target),
#              INKPOST_NODE_BIN / CONTRACTS_NODE (the dev node; built from node/
#              if absent),
#              CARGO_CONTRACT (cargo-contract 6.0.0-beta.2; built if absent:
#              the committed artifacts must rebuild byte for byte),
#              INKPOST_TEST_POSTGRES (default postgres://127.0.0.1:5432/test).
set -euo pipefail
source "$(dirname "$0")/common.sh"
cd "$INKPOST_ROOT"

quick=0
for arg in "$@"; do
  case "$arg" in
    --quick) quick=1 ;;
    -h | --help) sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown option $arg" "run: scripts/test.sh --help" ;;
  esac
done

started=$SECONDS
if [ "$quick" -eq 1 ]; then
  "$INKPOST_ROOT/scripts/install-deps.sh" --no-node
else
  "$INKPOST_ROOT/scripts/install-deps.sh" --cargo-contract --web
  node="$(find_node)" || die "the dev node is still missing after install-deps.sh"
  export CONTRACTS_NODE="$node"
fi

step "Formatting (cargo fmt --check)"
timed cargo fmt --all --check

step "Lints (cargo clippy -D warnings)"
timed cargo clippy --workspace --all-targets --all-features --locked -q -- -D warnings

if [ "$quick" -eq 1 ]; then
  step "Quick tier: SDK, store, HTTP boundary, CLI units (no node)"
  # One invocation with the workspace's features: nothing is rebuilt
  # between this and the full tier.
  timed cargo test --workspace --all-features --locked --lib \
    --test properties --test voucher_vectors --test store --test http --test postage
  timed cargo test --workspace --all-features --locked --doc
  step "Quick tier passed in $((SECONDS - started)) s"
  exit 0
fi

step "Contracts: a fresh release build reproduces the committed artifacts"
rebuilt="$CARGO_TARGET_DIR/contracts-rebuilt"
timed env INKPOST_ARTIFACTS="$rebuilt" "$INKPOST_ROOT/scripts/build-contracts.sh" --force
for code in "$INKPOST_ROOT"/contracts/artifacts/*.polkavm; do
  name="$(basename "$code")"
  cmp -s "$code" "$rebuilt/$name" || die "$name rebuilt differs from contracts/artifacts/$name" \
    "sources changed without new artifacts? run scripts/build-contracts.sh and commit contracts/artifacts/"
done
ok "every .polkavm rebuilt byte for byte"

step "The SDK with its pure-Rust cryptography alone (what WebAssembly runs)"
timed cargo test -p inkpost-sdk --no-default-features --features pure --locked --lib

step "The web build: the SDK in WebAssembly (web/pkg) and the chat app (web/app)"
timed cargo clippy -p inkpost-web --target wasm32-unknown-unknown --locked -q -- -D warnings
bindings="$(mktemp -d)"
(cd "$INKPOST_ROOT/web" && node app/typink.mjs "$bindings" >/dev/null)
diff -r "$bindings" "$INKPOST_ROOT/web/app/src/contracts" >/dev/null || die \
  "web/app/src/contracts differs from what dedot typink makes of contracts/artifacts/*.json" \
  "regenerate them: (cd web && npm run typink), and commit"
rm -rf "$bindings"
ok "the app's contract bindings match the contracts' metadata"
timed "$INKPOST_ROOT/scripts/build-web.sh"

step "Host workspace tests (SDK, relay, CLI, end-to-end on the dev node, the browser)"
timed cargo test --workspace --all-features --locked

# Each contract is a workspace of its own (see contracts/README.md); they
# share one target directory and the contracts' toolchain.
contract_crates=(common identity groups anchors escrow baseline)
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
  timed contracts_cargo "$crate" test --locked -q
done

step "All checks passed in $((SECONDS - started)) s"
