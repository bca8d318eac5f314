// A small read-only static server on 127.0.0.1 for Inkpost's web pieces:
// the chat app's build (web/app/dist) at `/`, and for the browser tests the
// WebAssembly build (/web/pkg/), the test pages (/web/tests/pages/) and the
// SDK's shared vectors (/sdk/tests/vectors/).
//
//   node web/serve.mjs [--port N] [--deployment FILE]
//
// serves the app (scripts/build-web.sh first) and, with --deployment, that
// file as /deployment.json (the app takes `?deployment=/deployment.json`).
//
// The port is the origin a relay must allow: --cors-origin http://127.0.0.1:N.
import { createServer } from "node:http";
import { readFile } from "node:fs/promises";
import { extname, join, normalize, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = resolve(fileURLToPath(import.meta.url), "../..");
const app = join(root, "web/app/dist");

const types = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript",
  ".mjs": "text/javascript",
  ".css": "text/css",
  ".wasm": "application/wasm",
  ".json": "application/json",
  ".png": "image/png",
};

/** The file a request path names, or undefined if it is not served. */
function fileOf(path, deployment) {
  if (path === "/deployment.json") return deployment;
  const served = ["/web/pkg/", "/web/tests/pages/", "/sdk/tests/vectors/"];
  if (served.some((prefix) => path.startsWith(prefix))) return join(root, path);
  if (path.startsWith("/web/") || path.startsWith("/sdk/")) return undefined;
  return join(app, path === "/" ? "index.html" : path);
}

/**
 * Starts serving on 127.0.0.1:`port` (0: any free port), with `deployment`
 * (a file) as /deployment.json if given; resolves with the server.
 */
export function serve(port = 0, deployment = undefined) {
  const server = createServer(async (request, response) => {
    // normalize() resolves `..`, so a path cannot climb out of the roots.
    const path = normalize(decodeURIComponent(new URL(request.url, "http://x").pathname));
    const file = fileOf(path, deployment);
    try {
      if (!file) throw new Error("not served");
      const body = await readFile(file);
      response.writeHead(200, { "content-type": types[extname(file)] ?? "application/octet-stream" });
      response.end(body);
    } catch {
      response.writeHead(404).end();
    }
  });
  return new Promise((ready, failed) => {
    server.once("error", failed);
    server.listen(port, "127.0.0.1", () => ready(server));
  });
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const option = (name) => {
    const at = process.argv.indexOf(name);
    return at > 0 ? process.argv[at + 1] : undefined;
  };
  const server = await serve(Number(option("--port") ?? 5173), option("--deployment"));
  console.log(`Inkpost web app: http://127.0.0.1:${server.address().port}/`);
}
