// Headless Chromium for the browser tests: $CHROMIUM, else Debian's
// `chromium` on PATH, driven by playwright-core.
import { execFileSync } from "node:child_process";
import { chromium } from "playwright-core";

function chromiumPath() {
  if (process.env.CHROMIUM) return process.env.CHROMIUM;
  for (const name of ["chromium", "chromium-browser"]) {
    try {
      return execFileSync("which", [name], { encoding: "utf8" }).trim();
    } catch {}
  }
  throw new Error("no Chromium: install Debian's `chromium` (scripts/install-deps.sh --web) or set CHROMIUM");
}

export function launch() {
  return chromium.launch({
    executablePath: chromiumPath(),
    headless: true,
    // Root in a container has no user namespaces for Chromium's sandbox.
    args: ["--no-sandbox"],
  });
}
