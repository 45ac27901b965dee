#!/usr/bin/env node
// Builds dist/ from src/: every TypeScript file is transpiled on its own (esbuild,
// no bundling) so that dist/ mirrors src/, and non-code assets (SQL migrations,
// example templates) are copied beside them. Type checking is `npm run typecheck`.
import { build } from "esbuild";
import { cpSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { execFileSync } from "node:child_process";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const src = join(root, "src");
const dist = join(root, "dist");
// Build beside dist/ and swap it in at the end, so that a `den` running from
// dist/ (a test, a server) never sees it half-written or missing for long.
const out = join(root, `.dist-build-${process.pid}`);

function walk(dir, files = []) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) walk(path, files);
    else files.push(path);
  }
  return files;
}

const all = walk(src);
const code = all.filter((f) => f.endsWith(".ts") && !f.endsWith(".test.ts") && !f.endsWith(".d.ts"));
const assets = all.filter((f) => !f.endsWith(".ts"));

rmSync(out, { recursive: true, force: true });
await build({
  entryPoints: code,
  outdir: out,
  outbase: src,
  format: "esm",
  platform: "node",
  target: "node20",
  sourcemap: "linked",
  logLevel: "warning",
});
for (const file of assets) {
  const dest = join(out, relative(src, file));
  mkdirSync(dirname(dest), { recursive: true });
  cpSync(file, dest);
}
let commit = "unknown";
try {
  commit = execFileSync("git", ["rev-parse", "HEAD"], { cwd: root, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
} catch {
  // Not a git checkout (a tarball install): the commit stays unknown.
}
const { version } = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
writeFileSync(join(out, "buildinfo.json"), JSON.stringify({ version, commit }) + "\n");

const old = join(root, `.dist-old-${process.pid}`);
try {
  renameSync(dist, old);
} catch {
  // No dist/ yet.
}
renameSync(out, dist);
rmSync(old, { recursive: true, force: true });
