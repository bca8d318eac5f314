#!/usr/bin/env bash
# Installs what Inkpost needs on a Debian machine, skipping what is present:
#   - Debian packages (curl, xz-utils, a C compiler for aws-lc, python3);
#   - Rust 1.92.0 with rust-src (the contracts' toolchain) and clippy/rustfmt
#     on the default toolchain;
#   - inkpost-node (our dev chain, node/): $INKPOST_NODE_BIN or `inkpost-node` on
#     PATH if present, else built from node/ (about 1.5-2 hours cold on 2
#     cores; minutes once built: cargo keeps it in $CARGO_TARGET_DIR);
#   - cargo-contract 6.0.0-beta.2 with --cargo-contract (about 15-45 minutes);
#   - with --web-build, what building the web app needs: the wasm32 target,
#     wasm-bindgen-cli, Node.js with npm, and web/'s npm packages (Vite,
#     TypeScript, dedot, playwright-core);
#   - with --web, that and Debian's chromium for the browser tests.
#
# Usage: scripts/install-deps.sh [--no-node] [--cargo-contract] [--web-build | --web]
set -euo pipefail
source "$(dirname "$0")/common.sh"

want_node=1
want_cargo_contract=0
want_web=0
for arg in "$@"; do
  case "$arg" in
    --no-node) want_node=0 ;;
    --cargo-contract) want_cargo_contract=1 ;;
    --web-build) [ "$want_web" -eq 2 ] || want_web=1 ;;
    --web) want_web=2 ;;
    -h | --help) sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
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
  step "inkpost-node (the dev chain, node/)"
  if node="$(find_node)"; then
    ok "using $node ($("$node" --version 2>/dev/null | head -1))"
  else
    apt_install protobuf-compiler clang libclang-dev
    rustup target add wasm32v1-none wasm32-unknown-unknown >/dev/null
    rustup component add rust-src >/dev/null
    if [ ! -d "$CARGO_TARGET_DIR/release/.fingerprint" ] \
      || ! ls "$CARGO_TARGET_DIR/release/.fingerprint" | grep -q '^revive-dev-runtime'; then
      warn "building inkpost-node from crates.io: about 1,000 crates, 1.5-2 hours on 2 cores."
      warn "If you have a binary already, stop this (Ctrl-C) and run: export INKPOST_NODE_BIN=/path/to/inkpost-node"
    fi
    # One line per 25 crates, so a long build shows it is moving.
    build_node() {
      local log="$CARGO_TARGET_DIR/inkpost-node-build.log" status=0
      mkdir -p "$CARGO_TARGET_DIR"
      (cd "$INKPOST_ROOT/node" && cargo build --release --locked --color never 2>&1) | tee "$log" \
        | awk '/Compiling/ { n++; if (n % 25 == 0) { printf "    … %d crates compiled (%s)\n", n, $2; fflush() } }'
      status="${PIPESTATUS[0]}"
      [ "$status" -eq 0 ] || { tail -n 30 "$log" >&2; info "whole log: $log"; }
      return "$status"
    }
    timed build_node || die "the inkpost-node build failed" \
      "run: cd node && cargo build --release --locked   (to see the whole error)"
    node="$CARGO_TARGET_DIR/release/inkpost-node"
    ok "built $node"
  fi
fi

if [ "$want_cargo_contract" -eq 1 ]; then
  step "cargo-contract $CARGO_CONTRACT_VERSION"
  if tool="$(find_cargo_contract)"; then
    ok "using $tool"
  else
    warn "building cargo-contract $CARGO_CONTRACT_VERSION from crates.io: about 45 minutes on 2 cores."
    warn "If you have a binary already, stop this and run: export CARGO_CONTRACT=/path/to/cargo-contract"
    # Its own build directory: it neither waits on nor invalidates the
    # workspace's, and a rebuild after a wiped tools folder is quick.
    timed rustup run "$CONTRACTS_TOOLCHAIN" cargo install cargo-contract --version "$CARGO_CONTRACT_VERSION" \
      --locked --root "$INKPOST_TOOLS" --target-dir "$CARGO_TARGET_DIR/cargo-contract"
  fi
fi

if [ "$want_web" -ge 1 ]; then
  step "The web client's tools (wasm32, wasm-bindgen $WASM_BINDGEN_VERSION, Node.js$([ "$want_web" -eq 2 ] && echo ", Chromium"))"
  rustup target add wasm32-unknown-unknown >/dev/null
  command -v node >/dev/null && command -v npm >/dev/null || apt_install nodejs npm
  if [ "$want_web" -eq 2 ]; then
    command -v chromium >/dev/null || [ -n "${CHROMIUM:-}" ] || apt_install chromium
  fi
  if tool="$(find_wasm_bindgen)"; then
    ok "using $tool"
  else
    info "building wasm-bindgen-cli $WASM_BINDGEN_VERSION from crates.io (about 5 minutes)"
    # Not --locked: its lock file pins webpki-roots 1.0.11, which crates.io
    # no longer serves (yanked); the newest compatible versions build.
    timed cargo install wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION" \
      --root "$INKPOST_TOOLS" --target-dir "$CARGO_TARGET_DIR/wasm-bindgen-cli"
  fi
  (cd "$INKPOST_ROOT/web" && npm ci --no-audit --no-fund --loglevel=error)
  ok "node $(node --version)$([ "$want_web" -eq 2 ] && echo ", $(chromium --version 2>/dev/null || echo "chromium at ${CHROMIUM:-}")")"
fi
