#!/usr/bin/env bash
# Starts, stops or reports a local development chain (inkpost-node, node/).
#
#   scripts/dev-node.sh start [--rpc-port PORT] [--base-path DIR]
#   scripts/dev-node.sh stop
#   scripts/dev-node.sh status
#
# The dev chain seals a block per transaction and finalizes it a second later;
# //Alice … //Ferdie are funded. Without --base-path its state is thrown away
# when it stops. Logs go to $INKPOST_STATE/inkpost-node.log (default .run/ in the
# clone). The node binary comes from $INKPOST_NODE_BIN, PATH or scripts/install-deps.sh.
set -euo pipefail
source "$(dirname "$0")/common.sh"

state="${INKPOST_STATE:-$INKPOST_ROOT/.run}"
pid_file="$state/inkpost-node.pid"
url_file="$state/inkpost-node.url"
log_file="$state/inkpost-node.log"

running_pid() {
  [ -f "$pid_file" ] || return 1
  local pid
  pid="$(cat "$pid_file")"
  kill -0 "$pid" 2>/dev/null && printf '%s\n' "$pid"
}

rpc() { # rpc PORT METHOD [PARAMS]
  curl -sf --max-time 2 -H 'Content-Type: application/json' \
    -d "{\"id\":1,\"jsonrpc\":\"2.0\",\"method\":\"$2\",\"params\":${3:-[]}}" "http://127.0.0.1:$1"
}

start() {
  local port=9944 base_path=""
  while [ $# -gt 0 ]; do
    case "$1" in
      --rpc-port) port="$2"; shift 2 ;;
      --base-path) base_path="$2"; shift 2 ;;
      *) die "unknown option $1" "usage: scripts/dev-node.sh start [--rpc-port PORT] [--base-path DIR]" ;;
    esac
  done
  if pid="$(running_pid)"; then
    ok "inkpost-node already running (pid $pid) at $(cat "$url_file")"
    return 0
  fi
  local node
  node="$(find_node)" || die "inkpost-node not found" \
    "run scripts/install-deps.sh (builds it), or export INKPOST_NODE_BIN=/path/to/inkpost-node"
  if rpc "$port" system_health >/dev/null 2>&1; then
    die "something already answers RPC on port $port" "stop it, or pick another port: --rpc-port PORT"
  fi
  mkdir -p "$state"
  local storage=(--tmp)
  [ -n "$base_path" ] && storage=(--base-path "$base_path")
  step "Starting inkpost-node on port $port (log: $log_file)"
  nohup "$node" "${storage[@]}" --rpc-port "$port" --rpc-cors all --no-prometheus \
    --no-telemetry -lruntime::revive=debug >"$log_file" 2>&1 &
  local pid=$!
  echo "$pid" >"$pid_file"
  for _ in $(seq 1 120); do
    if rpc "$port" system_health >/dev/null 2>&1; then
      echo "ws://127.0.0.1:$port" >"$url_file"
      ok "inkpost-node (pid $pid) answers at ws://127.0.0.1:$port"
      return 0
    fi
    kill -0 "$pid" 2>/dev/null || { tail -n 20 "$log_file" >&2; rm -f "$pid_file"; die "inkpost-node exited" "see $log_file"; }
    sleep 0.5
  done
  kill "$pid" 2>/dev/null || true
  rm -f "$pid_file"
  die "inkpost-node did not answer RPC within 60 s" "see $log_file"
}

stop() {
  local pid
  if ! pid="$(running_pid)"; then
    info "inkpost-node is not running"
    rm -f "$pid_file" "$url_file"
    return 0
  fi
  kill "$pid"
  for _ in $(seq 1 40); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.25
  done
  kill -0 "$pid" 2>/dev/null && kill -9 "$pid"
  rm -f "$pid_file" "$url_file"
  ok "inkpost-node stopped"
}

status() {
  local pid
  if pid="$(running_pid)"; then
    local url port
    url="$(cat "$url_file")"
    port="${url##*:}"
    local best
    best="$(rpc "$port" chain_getHeader | python3 -c 'import json,sys; print(int(json.load(sys.stdin)["result"]["number"],16))' 2>/dev/null || echo "?")"
    ok "inkpost-node running (pid $pid) at $url, best block #$best"
  else
    info "inkpost-node is not running"
    return 3
  fi
}

case "${1:-}" in
  start) shift; start "$@" ;;
  stop) stop ;;
  status) status ;;
  *) sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
esac
