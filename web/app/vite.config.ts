// The chat app: `npm run build` writes web/app/dist (static files; any web
// server, or `node web/serve.mjs`), `npm run dev` serves it with reloads.
import { defineConfig } from "vite";

export default defineConfig({
  // Relative URLs: the build works under any path.
  base: "./",
  build: { outDir: "dist", emptyOutDir: true, target: "es2022" },
  // The WebAssembly build (web/pkg) and the contracts' metadata live
  // outside app/.
  server: { fs: { allow: [".."] } },
});
