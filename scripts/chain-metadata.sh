#!/usr/bin/env bash
# Writes the dev node's runtime metadata (V15, SCALE) to
# sdk/metadata/inkpost-node.scale, from which the SDK generates its chain
# interface (subxt). Run it after changing node/ (the runtime's version).
#
# Usage: scripts/chain-metadata.sh [--url http://127.0.0.1:PORT]
#   (default: starts the dev node on a free port for the time it takes)
set -euo pipefail
source "$(dirname "$0")/common.sh"

url=""
case "${1:-}" in
  --url) url="$2" ;;
  "") ;;
  *) die "unknown option $1" "usage: scripts/chain-metadata.sh [--url http://127.0.0.1:PORT]" ;;
esac

if [ -z "$url" ]; then
  port="$(free_port)"
  export INKPOST_STATE
  INKPOST_STATE="$(mktemp -d)"
  trap '"$INKPOST_ROOT/scripts/dev-node.sh" stop >/dev/null; rm -rf "$INKPOST_STATE"' EXIT
  "$INKPOST_ROOT/scripts/dev-node.sh" start --rpc-port "$port"
  url="http://127.0.0.1:$port"
fi

out="$INKPOST_ROOT/sdk/metadata/inkpost-node.scale"
# state_call answers SCALE Option<OpaqueMetadata>: 0x01, a compact length, the bytes.
curl -sf -H 'Content-Type: application/json' \
  -d '{"id":1,"jsonrpc":"2.0","method":"state_call","params":["Metadata_metadata_at_version","0x0f000000"]}' "$url" \
  | python3 -c '
import json, sys
raw = bytes.fromhex(json.load(sys.stdin)["result"][2:])
assert raw[0] == 1, "the node has no V15 metadata"
mode = raw[1] & 3
if mode == 0: n, skip = raw[1] >> 2, 1
elif mode == 1: n, skip = int.from_bytes(raw[1:3], "little") >> 2, 2
elif mode == 2: n, skip = int.from_bytes(raw[1:5], "little") >> 2, 4
else: sys.exit("metadata longer than 2^30 bytes?")
body = raw[1 + skip:]
assert len(body) == n, (len(body), n)
sys.stdout.buffer.write(body)
' >"$out.tmp"
mv "$out.tmp" "$out"
ok "$out ($(stat -c %s "$out") B)"
