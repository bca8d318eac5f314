# Shared helpers for Inkpost's scripts. Source it; do not run it.
# shellcheck shell=bash

INKPOST_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export INKPOST_ROOT

# One build cache outside the clone, shared by every clone and by CI.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/inkpost-target}"
# Tools the scripts install (cargo-contract) live here.
INKPOST_TOOLS="${INKPOST_TOOLS:-$HOME/.cache/inkpost-tools}"
export INKPOST_TOOLS

# The toolchain the contracts need (see contracts/rust-toolchain.toml).
CONTRACTS_TOOLCHAIN="1.92.0"
# The last cargo-contract (ink! is no longer developed); it builds ink! 6.0.0-beta.1.
CARGO_CONTRACT_VERSION="6.0.0-beta.2"

if [ -t 1 ]; then
  _bold=$'\e[1m' _red=$'\e[31m' _green=$'\e[32m' _dim=$'\e[2m' _reset=$'\e[0m'
else
  _bold="" _red="" _green="" _dim="" _reset=""
fi

step() { printf '%s==> %s%s\n' "$_bold" "$*" "$_reset"; }
info() { printf '    %s\n' "$*"; }
ok() { printf '    %s✓ %s%s\n' "$_green" "$*" "$_reset"; }
warn() { printf '    %s! %s%s\n' "$_red" "$*" "$_reset" >&2; }
die() {
  printf '%serror:%s %s\n' "$_red" "$_reset" "$1" >&2
  shift
  for hint in "$@"; do printf '       %s\n' "$hint" >&2; done
  exit 1
}

# Prints elapsed time of a command and its name; fails if it fails.
timed() {
  local start=$SECONDS
  "$@"
  local status=$?
  info "${_dim}($((SECONDS - start)) s: $*)${_reset}"
  return $status
}

# The dev node (inkpost-node, built from node/): $INKPOST_NODE_BIN,
# $CONTRACTS_NODE (the variable ink_e2e reads), `inkpost-node` on PATH, or the
# one scripts/install-deps.sh built. Prints its path or nothing.
find_node() {
  local candidate
  for candidate in "${INKPOST_NODE_BIN:-}" "${CONTRACTS_NODE:-}" "$(command -v inkpost-node 2>/dev/null)" \
    "$CARGO_TARGET_DIR/release/inkpost-node"; do
    if [ -n "$candidate" ] && [ -x "$candidate" ] && "$candidate" --version 2>/dev/null | grep -q '^inkpost-node'; then
      printf '%s\n' "$candidate"
      return 0
    fi
  done
  return 1
}

# cargo-contract at $CARGO_CONTRACT_VERSION: $CARGO_CONTRACT, PATH, or the one
# scripts/install-deps.sh built. Another version is passed over (each
# cargo-contract builds one ink! version). Prints its path or nothing.
find_cargo_contract() {
  local candidate
  for candidate in "${CARGO_CONTRACT:-}" "$(command -v cargo-contract 2>/dev/null)" \
    "$INKPOST_TOOLS/bin/cargo-contract" "$HOME/.cargo/bin/cargo-contract"; do
    if [ -n "$candidate" ] && [ -x "$candidate" ] \
      && "$candidate" contract --version 2>/dev/null | grep -qF "contract $CARGO_CONTRACT_VERSION-"; then
      printf '%s\n' "$candidate"
      return 0
    fi
  done
  return 1
}

# wasm-bindgen-cli must be the version of the wasm-bindgen crate (Cargo.toml).
WASM_BINDGEN_VERSION="0.2.130"

# wasm-bindgen at $WASM_BINDGEN_VERSION: PATH, or the one
# scripts/install-deps.sh --web built. Prints its path or nothing.
find_wasm_bindgen() {
  local candidate
  for candidate in "$(command -v wasm-bindgen 2>/dev/null)" "$INKPOST_TOOLS/bin/wasm-bindgen"; do
    if [ -n "$candidate" ] && [ -x "$candidate" ] \
      && [ "$("$candidate" --version 2>/dev/null)" = "wasm-bindgen $WASM_BINDGEN_VERSION" ]; then
      printf '%s\n' "$candidate"
      return 0
    fi
  done
  return 1
}

# A TCP port nobody listens on now.
free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}
