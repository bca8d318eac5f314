#!/usr/bin/env bash
# Installs what Inkpost needs on a Debian machine, skipping what is present:
#   - Debian packages (curl, xz-utils, a C compiler for aws-lc, python3);
#   - Rust 1.90.0 with rust-src (the contracts' toolchain) and clippy/rustfmt
#     on the default toolchain;
#   - ink-node 0.43.2 (the dev chain): $INK_NODE or `ink-node` on PATH if
#     present, else built with `cargo install` (about 95 minutes on 2 cores);
#   - cargo-contract 6.0.0-alpha with --cargo-contract (about 25 minutes).
#
# Usage: scripts/install-deps.sh [--no-node] [--cargo-contract]
set -euo pipefail
source "$(dirname "$0")/common.sh"

want_node=1
want_cargo_contract=0
for arg in "$@"; do
  case "$arg" in
    --no-node) want_node=0 ;;
    --cargo-contract) want_cargo_contract=1 ;;
    -h | --help) sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown option $arg" "run: scripts/install-deps.sh --help" ;;
  esac
done

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
    die "need root to run: $*" "run this script as root or install sudo"
  fi
}

apt_install() {
  local missing=()
  for package in "$@"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "ok installed" || missing+=("$package")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  command -v apt-get >/dev/null || die "missing packages: ${missing[*]}" "install them with your package manager"
  step "Installing Debian packages: ${missing[*]}"
  # A fresh machine has no package lists yet.
  if [ -z "$(ls -A /var/lib/apt/lists 2>/dev/null | grep -v -e lock -e partial)" ]; then
    as_root apt-get update -qq
  fi
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" \
    || { as_root apt-get update -qq && as_root env DEBIAN_FRONTEND=noninteractive \
      apt-get install -y -qq --no-install-recommends "${missing[@]}"; }
}

apt_install ca-certificates curl xz-utils gcc g++ make python3

command -v rustup >/dev/null || die "rustup is not installed" \
  "install it from https://rustup.rs, then run this script again"

step "Rust toolchains"
rustup component add clippy rustfmt >/dev/null 2>&1 || true
contracts_sysroot="$(rustup run "$CONTRACTS_TOOLCHAIN" rustc --print sysroot 2>/dev/null || true)"
if [ -z "$contracts_sysroot" ] || [ ! -d "$contracts_sysroot/lib/rustlib/src/rust/library" ] \
  || ! rustup run "$CONTRACTS_TOOLCHAIN" cargo clippy --version >/dev/null 2>&1 \
  || ! rustup run "$CONTRACTS_TOOLCHAIN" rustfmt --version >/dev/null 2>&1; then
  info "installing Rust $CONTRACTS_TOOLCHAIN with rust-src, clippy, rustfmt (the contracts' toolchain)"
  rustup toolchain install "$CONTRACTS_TOOLCHAIN" --profile minimal --component rust-src,clippy,rustfmt
fi
ok "default $(rustc --version | cut -d' ' -f2), contracts $CONTRACTS_TOOLCHAIN + rust-src"

if [ "$want_node" -eq 1 ]; then
  step "ink-node $INK_NODE_VERSION"
  if node="$(find_ink_node)"; then
    ok "using $node ($("$node" --version 2>/dev/null | head -1))"
  else
    warn "no ink-node found (looked at \$INK_NODE, \$CONTRACTS_NODE, PATH and $INKPOST_TOOLS/bin)."
    warn "Building it from crates.io now: about 95 minutes on 2 cores."
    warn "If you have a binary already, stop this (Ctrl-C) and run: export INK_NODE=/path/to/ink-node"
    apt_install protobuf-compiler clang libclang-dev
    rustup target add wasm32-unknown-unknown
    rustup component add rust-src
    timed cargo install ink-node --version "$INK_NODE_VERSION" --locked --root "$INKPOST_TOOLS"
    ok "built $INKPOST_TOOLS/bin/ink-node"
  fi
fi

if [ "$want_cargo_contract" -eq 1 ]; then
  step "cargo-contract $CARGO_CONTRACT_VERSION"
  if tool="$(find_cargo_contract)"; then
    ok "using $tool"
  else
    warn "building cargo-contract from crates.io: about 25 minutes on 2 cores."
    warn "If you have a binary already, stop this and run: export CARGO_CONTRACT=/path/to/cargo-contract"
    timed cargo install cargo-contract --version "$CARGO_CONTRACT_VERSION" --locked --root "$INKPOST_TOOLS"
  fi
fi
