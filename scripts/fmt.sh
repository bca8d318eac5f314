#!/usr/bin/env bash
# Formats everything scripts/test.sh checks: the host workspace and each
# contract crate (a workspace of its own, so `cargo fmt --all` at the top
# does not reach them).
#
# Usage: scripts/fmt.sh [--check]
set -euo pipefail
source "$(dirname "$0")/common.sh"

check=()
[ "${1:-}" = "--check" ] && check=(--check)

step "Host workspace"
(cd "$INKPOST_ROOT" && cargo fmt --all "${check[@]}")
for crate in common identity groups anchors escrow baseline; do
  step "contracts/$crate"
  (cd "$INKPOST_ROOT/contracts/$crate" && RUSTUP_TOOLCHAIN="$CONTRACTS_TOOLCHAIN" cargo fmt "${check[@]}")
done
ok "formatted"
