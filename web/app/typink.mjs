// Generates the contracts' TypeScript bindings (dedot typink) from the
// shipped metadata (contracts/artifacts/*.json) into app/src/contracts, or
// into the folder given (scripts/test.sh compares that with the committed
// bindings, so they cannot drift from the contracts).
//
//   node app/typink.mjs [OUT_DIR]      (from web/)
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { resolve } from "node:path";

const here = fileURLToPath(new URL(".", import.meta.url));
const out = resolve(process.argv[2] ?? resolve(here, "src/contracts"));
for (const contract of ["identity", "groups", "anchors", "escrow"]) {
  const metadata = resolve(here, `../../contracts/artifacts/inkpost_${contract}.json`);
  execFileSync("npx", ["--no-install", "dedot", "typink", "-m", metadata, "-o", out], {
    cwd: resolve(here, ".."),
    stdio: ["ignore", "ignore", "pipe"],
  });
}
console.log(`bindings in ${out}`);
