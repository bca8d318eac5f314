#!/usr/bin/env bash
# Builds Inkpost for the web: web/wasm compiled to WebAssembly (release,
# the SDK's pure-Rust cryptography) with its JavaScript bindings generated
# by wasm-bindgen into web/pkg (an ES module: `import init, { Account, seal,
# open } from "./pkg/inkpost_web.js"`), then the chat app (web/app:
# TypeScript type-checked, bundled by Vite into web/app/dist). Prints the
# sizes a browser downloads, raw and gzipped.
#
# Usage: scripts/build-web.sh
# Needs: scripts/install-deps.sh --web (wasm32 target, wasm-bindgen-cli,
# Node.js and web/'s npm packages).
set -euo pipefail
source "$(dirname "$0")/common.sh"
cd "$INKPOST_ROOT"

bindgen="$(find_wasm_bindgen)" || die "wasm-bindgen $WASM_BINDGEN_VERSION is missing" \
  "run: scripts/install-deps.sh --no-node --web"

step "web/wasm → WebAssembly (release)"
timed cargo build -p inkpost-web --target wasm32-unknown-unknown --profile wasm --locked
step "JavaScript bindings → web/pkg"
timed "$bindgen" --target web --out-dir web/pkg \
  "$CARGO_TARGET_DIR/wasm32-unknown-unknown/wasm/inkpost_web.wasm"
wasm="web/pkg/inkpost_web_bg.wasm"
raw="$(stat -c %s "$wasm")"
gzipped="$(gzip -9 -c "$wasm" | wc -c)"
ok "$wasm: $raw bytes, $gzipped gzipped (gzip -9)"

step "The chat app: type check, then Vite → web/app/dist"
(cd web && timed npx --no-install tsc -p app && timed npx --no-install vite build app --logLevel error)
app_raw=0
app_gzipped=0
for file in web/app/dist/assets/*.js; do
  app_raw=$((app_raw + $(stat -c %s "$file")))
  app_gzipped=$((app_gzipped + $(gzip -9 -c "$file" | wc -c)))
done
ok "web/app/dist: JavaScript $app_raw bytes, $app_gzipped gzipped (besides the .wasm)"
