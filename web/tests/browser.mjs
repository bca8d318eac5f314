// Opens one test page of web/ in headless Chromium and prints what the page
// reports, as one JSON line on stdout; the Rust tests (tests/tests/web.rs)
// run this and check the report against the native build and the chain.
//
//   node web/tests/browser.mjs PAGE [ARGS-JSON]
//
// The repository is served read-only on 127.0.0.1 (a free port): the
// WebAssembly build in web/pkg (scripts/build-web.sh), the pages in
// web/tests/pages, the SDK's shared vectors in sdk/tests/vectors. The page
// gets ARGS-JSON as `?args=` and sets `window.report` (or throws) when done.
// Chromium: $CHROMIUM, else `chromium` on PATH (Debian's package). The port:
// $INKPOST_PAGE_PORT (the origin a relay allows with --cors-origin), else any.
import { launch } from "./chromium.mjs";
import { serve } from "../serve.mjs";

const [page, args = "{}"] = process.argv.slice(2);
if (!page) {
  console.error("usage: node web/tests/browser.mjs PAGE [ARGS-JSON]");
  process.exit(2);
}
const timeoutMs = Number(process.env.INKPOST_BROWSER_TIMEOUT_MS ?? 120_000);

const server = await serve(Number(process.env.INKPOST_PAGE_PORT ?? 0));
const browser = await launch();
let failed = false;
try {
  const tab = await browser.newPage();
  const errors = [];
  tab.on("pageerror", (error) => errors.push(error.message));
  tab.on("console", (message) => console.error(`[page] ${message.text()}`));
  const { port } = server.address();
  const url = `http://127.0.0.1:${port}/web/tests/pages/${page}.html?args=${encodeURIComponent(args)}`;
  await tab.goto(url);
  const report = await tab
    .waitForFunction(() => window.report ?? window.failure, null, { timeout: timeoutMs })
    .then((handle) => handle.jsonValue())
    .catch((error) => ({ failure: `${error.message}; page errors: ${errors.join("; ")}` }));
  if (report.failure) {
    console.error(`page ${page} failed: ${report.failure}`);
    failed = true;
  } else {
    report.userAgent = await tab.evaluate(() => navigator.userAgent);
    console.log(JSON.stringify(report));
  }
} finally {
  await browser.close();
  server.close();
}
process.exit(failed ? 1 : 0);
