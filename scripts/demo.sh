#!/usr/bin/env bash
# The main job: a local chain, the four contracts, a relay on SQLite, and a
# conversation between Alice, Bob and Charlie, all through the `inkpost` CLI;
# then a second relay that charges postage, paid from an escrow channel; and
# the web app served locally, its URL printed, to join them from a browser.
#
#   scripts/demo.sh          run it and leave the node, relays and app running
#   scripts/demo.sh --stop   stop the node, the relays and the app at the end
#
# Each run deploys a fresh set of contracts (a new salt) and starts relays
# with fresh databases, so it can be repeated against a running node.
# State and logs go to $INKPOST_STATE (default .run/ in the clone). Ports:
# the node's $INKPOST_RPC_PORT (9944), the relay's $INKPOST_RELAY_PORT and
# the web app's $INKPOST_APP_PORT (free ones by default).
set -euo pipefail
source "$(dirname "$0")/common.sh"
cd "$INKPOST_ROOT"

stop_at_end=0
for arg in "$@"; do
  case "$arg" in
    --stop) stop_at_end=1 ;;
    -h | --help) sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown option $arg" "usage: scripts/demo.sh [--stop]" ;;
  esac
done

started=$SECONDS
"$INKPOST_ROOT/scripts/install-deps.sh" --web-build

step "Building the inkpost CLI and the relay"
timed cargo build -q --locked -p inkpost-cli -p inkpost-relay
"$INKPOST_ROOT/scripts/build-web.sh"
bin="$CARGO_TARGET_DIR/debug"
# The contracts as committed (contracts/artifacts/, release builds that
# scripts/test.sh checks a fresh build reproduces): no cargo-contract needed.

state="${INKPOST_STATE:-$INKPOST_ROOT/.run}"
mkdir -p "$state"
port="${INKPOST_RPC_PORT:-9944}"
"$INKPOST_ROOT/scripts/dev-node.sh" start --rpc-port "$port"

run_id="$(date +%Y%m%d-%H%M%S)"
export INKPOST_NODE="ws://127.0.0.1:$port"
export INKPOST_HOME="$state/home"
export INKPOST_DEPLOYMENT="$state/deployment-$run_id.json"
export INKPOST_ARTIFACTS="${INKPOST_ARTIFACTS:-$INKPOST_ROOT/contracts/artifacts}"

inkpost() { "$bin/inkpost" --dev "$@"; }
act() { # act WHO ARGS…: show the command a user would type as //WHO, run it
  local who="$1"
  shift
  local shown
  printf -v shown ' %q' "$@"
  printf '    %s$ inkpost --as //%s%s%s\n' "$_dim" "$who" "$shown" "$_reset"
  inkpost --as "//$who" "$@" 2>&1 | sed 's/^/      /'
  return "${PIPESTATUS[0]}"
}
json_field() { # json_field PATH… < json: prints one field (dot path)
  python3 -c 'import json, sys
value = json.load(sys.stdin)
for key in sys.argv[1].split("."):
    value = value[int(key)] if isinstance(value, list) else value[key]
print(value)' "$1"
}

step "Alice deploys the identity, groups, anchors and escrow contracts"
act Alice deploy --salt "demo-$run_id"

relay_pids=()
# A failed run stops its relays; a good one leaves them running unless --stop.
trap 'status=$?; if [ "$status" -ne 0 ] && [ "${#relay_pids[@]}" -gt 0 ]; then kill "${relay_pids[@]}" 2>/dev/null || true; fi' EXIT
start_relay() { # start_relay NAME SURI PORT [SETTINGS…]: a relay on its own SQLite file, until ready
  local name="$1" suri="$2" port="$3"
  shift 3
  local url="http://127.0.0.1:$port" log="$state/relay-$name-$run_id.log"
  "$bin/inkpost-relay" --suri "$suri" --listen "127.0.0.1:$port" \
    --deployment "$INKPOST_DEPLOYMENT" --node-url "$INKPOST_NODE" \
    --database-url "sqlite://$state/relay-$name-$run_id.db" "$@" >"$log" 2>&1 &
  local pid=$!
  relay_pids+=("$pid")
  printf '%s\n' "${relay_pids[@]}" >"$state/relay.pid"
  for _ in $(seq 1 120); do
    curl -sf --max-time 2 "$url/ready" >/dev/null 2>&1 && break
    kill -0 "$pid" 2>/dev/null || { tail -n 20 "$log" >&2; die "the $name relay exited" "see $log"; }
    sleep 0.5
  done
  curl -sf --max-time 2 "$url/ready" >/dev/null || die "the $name relay is not ready after 60 s" "see $log"
  ok "$name relay ready at $url (pid $pid, log $log)"
}

relay_port="${INKPOST_RELAY_PORT:-$(free_port)}"
export INKPOST_RELAY="http://127.0.0.1:$relay_port"
step "Starting a relay on SQLite (anchoring as //Ferdie)"
# The web app (served at the end) may call it from its origin.
app_port="${INKPOST_APP_PORT:-$(free_port)}"
start_relay main //Ferdie "$relay_port" --cors-origin "http://127.0.0.1:$app_port"

step "Alice, Bob and Charlie register their handles and encryption keys"
act Alice id register alice
act Bob id register bob
act Charlie id register charlie

step "Alice creates a group with Bob and Charlie"
group="$(inkpost --as //Alice --json -q group create | json_field group)"
info "group $group created"
act Alice group add "$group" bob
act Alice group add "$group" charlie
act Alice group members "$group"

step "They talk (each message encrypted to every member, signed, stored by the relay)"
act Alice send --group "$group" "Hi both! Lunch on Friday?"
bob_message="$(inkpost --as //Bob --json -q send --group "$group" "Friday works. I'll bring the ink." | json_field receipt.message_id)"
info "bob sent $bob_message"
act Charlie send --group "$group" "Count me in."
act Bob send --to alice "Psst, a direct message just for you."
act Bob read --group "$group"
act Alice read --with bob

step "Bob checks on chain that his message was anchored"
act Bob verify "$bob_message" --wait 30

step "Alice removes Charlie; he cannot read what is sent afterwards"
act Alice group remove "$group" charlie
act Alice send --group "$group" "Charlie is out: this one is only for Bob."
if act Charlie read --group "$group"; then
  die "Charlie could still read the group after his removal"
fi
ok "the relay refused Charlie (exit code 4: unauthorized), and the message is not encrypted to him"

step "Alice tips Bob for his message"
act Alice tip "$bob_message" --amount 0.5

step "Postage: a second relay, run by //Eve, charges 0.001 token per message"
price=1000000000 # native units (12 decimals): 0.001 token
paid_relay="http://127.0.0.1:$(free_port)"
start_relay paid //Eve "${paid_relay##*:}" --postage-price "$price" --postage-claim-interval-secs 2
payee="$(curl -sf "$paid_relay/v1/postage" | json_field payee)"
info "its terms (GET /v1/postage): $price native units per message, paid to $payee"
if act Alice --relay "$paid_relay" send --to bob "Is this relay free?"; then
  die "the paid relay stored a message without postage"
fi
ok "refused without postage (exit code 6), with how to pay"
channel="$(inkpost --as //Alice --json -q channel open "$payee" --deposit 1 --blocks 1000 | json_field channel)"
info "Alice opened escrow channel $channel to the relay's account with 1 token"
act Alice --relay "$paid_relay" send --to bob --postage "$channel" "This one is paid for."
act Alice --relay "$paid_relay" send --to bob --postage "$channel" "So is this one."
act Bob --relay "$paid_relay" read --with alice
info "the relay claims the vouchers it holds on chain by itself (every 2 s):"
for _ in $(seq 1 60); do
  paid="$(inkpost --as //Alice --json -q channel show "$channel" | json_field paid)"
  [ "$paid" = "$((2 * price))" ] && break
  sleep 0.5
done
[ "$paid" = "$((2 * price))" ] || die "the relay did not claim its postage within 30 s" "see $state/relay-paid-$run_id.log"
act Alice channel show "$channel"

step "The web app"
node "$INKPOST_ROOT/web/serve.mjs" --port "$app_port" --deployment "$INKPOST_DEPLOYMENT" \
  >"$state/web-$run_id.log" 2>&1 &
relay_pids+=("$!")
printf '%s\n' "${relay_pids[@]}" >"$state/relay.pid"
app_url="http://127.0.0.1:$app_port/?node=$INKPOST_NODE&relay=$INKPOST_RELAY&deployment=/deployment.json"
ok "open $app_url"
info "  import //Dave (or a new key), register a handle, and write to @alice; or import //Bob"
info "  (any passphrase: it encrypts the key in your browser) and open group $group"

step "Done in $((SECONDS - started)) s"
info "deployment: $INKPOST_DEPLOYMENT"
info "try it yourself, for example:"
info "  export INKPOST_NODE=$INKPOST_NODE INKPOST_RELAY=$INKPOST_RELAY INKPOST_DEPLOYMENT=$INKPOST_DEPLOYMENT"
info "  $bin/inkpost --dev --as //Bob read --group $group --follow"
if [ "$stop_at_end" -eq 1 ]; then
  kill "${relay_pids[@]}" 2>/dev/null && wait "${relay_pids[@]}" 2>/dev/null || true
  rm -f "$state/relay.pid"
  ok "relays and the web app stopped"
  "$INKPOST_ROOT/scripts/dev-node.sh" stop
else
  info "The node (ws://127.0.0.1:$port), the relays and the web app (pids ${relay_pids[*]}) keep running;"
  info "stop them with: kill \$(cat $state/relay.pid); scripts/dev-node.sh stop"
fi
