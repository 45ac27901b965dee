import react from "@vitejs/plugin-react";
import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";

const siteDir = fileURLToPath(new URL(".", import.meta.url));

// The dashboard is built into site/dist and served by `den server` at `/`
// (src/server/http/dashboard.ts); hashed files under /assets are cached forever.
export default defineConfig({
  root: siteDir,
  base: "/",
  plugins: [react()],
  logLevel: "warn",
  build: {
    outDir: "dist",
    emptyOutDir: true,
    assetsDir: "assets",
    sourcemap: false,
    target: "es2022",
    reportCompressedSize: false,
  },
  server: {
    // `npx vite --config site/vite.config.ts` against a `den server` on :3000.
    proxy: { "/api": { target: "http://127.0.0.1:3000", ws: true }, "/healthz": "http://127.0.0.1:3000" },
  },
});
