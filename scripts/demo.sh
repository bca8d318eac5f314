#!/usr/bin/env bash
# The main job: a local chain and a first look at Inkpost's keys.
#
#   scripts/demo.sh          start (or reuse) the dev chain and leave it running
#   scripts/demo.sh --stop   stop the dev chain at the end
#
# Later milestones grow this into the whole conversation: contracts deployed,
# a relay on SQLite, Alice, Bob and Charlie chatting, anchors verified on
# chain, tips and postage paid through a payment channel.
set -euo pipefail
source "$(dirname "$0")/common.sh"
cd "$INKPOST_ROOT"

stop_at_end=0
for arg in "$@"; do
  case "$arg" in
    --stop) stop_at_end=1 ;;
    -h | --help) sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown option $arg" "usage: scripts/demo.sh [--stop]" ;;
  esac
done

"$INKPOST_ROOT/scripts/install-deps.sh"

step "Building the inkpost CLI"
timed cargo build -q --locked -p inkpost-cli
inkpost="$CARGO_TARGET_DIR/debug/inkpost"

port="${INKPOST_RPC_PORT:-9944}"
"$INKPOST_ROOT/scripts/dev-node.sh" start --rpc-port "$port"
"$INKPOST_ROOT/scripts/dev-node.sh" status

for who in Alice Bob Charlie; do
  step "$who's keys (one seed: sr25519 account key + X25519 encryption key)"
  "$inkpost" keys inspect "//$who" | sed 's/^/    /'
done

step "Coming next"
info "deploy the identity, groups, anchors and escrow contracts to this chain,"
info "start a relay on SQLite, and run a conversation between Alice, Bob and Charlie."

if [ "$stop_at_end" -eq 1 ]; then
  "$INKPOST_ROOT/scripts/dev-node.sh" stop
else
  info "The chain keeps running at ws://127.0.0.1:$port; stop it with: scripts/dev-node.sh stop"
fi
