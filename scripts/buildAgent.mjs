#!/usr/bin/env node
// Builds dist/agent/den-agent-linux-<arch>.tar.gz, the agent the server hands
// to workspaces (GET /bin/den-agent-linux-<arch>.tar.gz, fetched by the init
// script). It must run on a plain glibc Linux with no Node installed, so it
// carries its own runtime:
//
//   den-agent/den-agent      launcher (sh): exec "$dir/node" "$dir/den-agent.mjs" agent
//   den-agent/node           the node binary running this build (process.execPath)
//   den-agent/den-agent.mjs  `den agent` and `den stat`, bundled by esbuild into one file
//   den-agent/node_modules/@lydell/node-pty[-linux-<arch>]  the PTY addon (external: native)
//   den-agent/crypto/build/Release/sshcrypto.node  ssh2's optional crypto binding when it was built (else pure JS)
//
// The bundle must not hold server code or the database driver: the build
// fails if it mentions pg-pool, fastify or kysely (issue 4, "Footprint").
import { build } from "esbuild";
import { chmodSync, cpSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createHash } from "node:crypto";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { create as createTar } from "tar";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const arch = process.arch;
if (process.platform !== "linux") {
  // Workspaces are Linux; a build on another OS has no Linux node binary to ship.
  console.warn(`buildAgent: skipped on ${process.platform} (the agent tarball needs a Linux node binary)`);
  process.exit(0);
}
// --out-dir DIR: tests build into a folder of their own, since `npm run build`
// (scripts/build.mjs) replaces dist/ as a whole while they run.
const outFlag = process.argv.indexOf("--out-dir");
const outDir = outFlag > 0 && process.argv[outFlag + 1] ? process.argv[outFlag + 1] : join(root, "dist", "agent");
const stage = join(root, `.agent-build-${process.pid}`);
const pkg = join(stage, "den-agent");
const tarball = join(outDir, `den-agent-linux-${arch}.tar.gz`);
const forbidden = ["pg-pool", "fastify", "kysely"];

// Only the agent's commands: the CLI's program would pull in every client
// verb, and src/den.ts loads the server on demand (esbuild would follow it).
const entry = `
import { Command, Option } from "commander";
import { agentCommand } from "./src/agent/agentCommand.ts";
import { statCommand } from "./src/agent/stat/statCommand.ts";
const program = new Command("den")
  .description("Den workspace agent")
  .addOption(new Option("-o, --output <format>", "output format").choices(["table", "json"]).default("table"))
  .exitOverride();
program.addCommand(agentCommand());
program.addCommand(statCommand({ stdout: process.stdout }));
program.parseAsync(process.argv).catch((err) => {
  if (err && err.code && String(err.code).startsWith("commander.")) { process.exitCode = err.exitCode; return; }
  process.stderr.write("den: " + (err instanceof Error ? err.message : String(err)) + "\\n");
  process.exitCode = 1;
});
`;

rmSync(stage, { recursive: true, force: true });
mkdirSync(pkg, { recursive: true });
try {
  await build({
    stdin: { contents: entry, resolveDir: root, loader: "ts", sourcefile: "den-agent-entry.ts" },
    bundle: true,
    outfile: join(pkg, "den-agent.mjs"),
    format: "esm",
    platform: "node",
    target: "node20",
    minifyWhitespace: true,
    legalComments: "none",
    // node-pty loads its addon through require(); it is shipped as a folder.
    // ssh2 and its cpu-features probe treat their native parts as optional.
    external: ["@lydell/node-pty", "cpu-features", "*.node"],
    // CommonJS dependencies (ssh2, node-pty, pino) call require() and read
    // __dirname at run time; in the ESM bundle both point at the bundle's folder.
    banner: {
      js: [
        'import { createRequire as __denCreateRequire } from "node:module";',
        'import { dirname as __denDirname } from "node:path";',
        'import { fileURLToPath as __denFileURLToPath } from "node:url";',
        "const require = __denCreateRequire(import.meta.url);",
        "const __filename = __denFileURLToPath(import.meta.url);",
        "const __dirname = __denDirname(__filename);",
      ].join(" "),
    },
    logLevel: "warning",
  });
  const bundle = readFileSync(join(pkg, "den-agent.mjs"), "utf8");
  const found = forbidden.filter((word) => bundle.includes(word));
  if (found.length > 0) throw new Error(`the agent bundle contains ${found.join(", ")}: server code or the database driver leaked into src/agent's imports`);

  for (const name of ["@lydell/node-pty", `@lydell/node-pty-linux-${arch}`]) {
    const from = join(root, "node_modules", name);
    if (!existsSync(from)) throw new Error(`${from} is missing: the agent needs node-pty's native addon; run npm ci`);
    cpSync(from, join(pkg, "node_modules", name), { recursive: true, filter: (path) => !/\.(md|d\.ts|map)$/.test(path) });
  }
  // ssh2 requires "./crypto/build/Release/sshcrypto.node" relative to its
  // own file, which is now the bundle: put the binding where that resolves.
  const sshcrypto = join(root, "node_modules", "ssh2", "lib", "protocol", "crypto", "build", "Release", "sshcrypto.node");
  if (existsSync(sshcrypto)) {
    mkdirSync(join(pkg, "crypto", "build", "Release"), { recursive: true });
    cpSync(sshcrypto, join(pkg, "crypto", "build", "Release", "sshcrypto.node"));
  }
  cpSync(process.execPath, join(pkg, "node"));
  chmodSync(join(pkg, "node"), 0o755);
  // The launcher finds its folder itself, so the tree can be unpacked anywhere.
  writeFileSync(
    join(pkg, "den-agent"),
    [
      "#!/bin/sh",
      "# Runs the Den agent with the Node.js runtime shipped beside it. Usage: den-agent [--help] (see `den agent --help`).",
      "# Builtins only: the image may lack even coreutils on the PATH.",
      'case "$0" in */*) dir=${0%/*} ;; *) dir=. ;; esac',
      'dir=$(CDPATH= cd -- "$dir" && pwd)',
      'case "${1-}" in stat) exec "$dir/node" "$dir/den-agent.mjs" "$@" ;; esac',
      'exec "$dir/node" "$dir/den-agent.mjs" agent "$@"',
      "",
    ].join("\n"),
  );
  chmodSync(join(pkg, "den-agent"), 0o755);

  mkdirSync(outDir, { recursive: true });
  const tmp = `${tarball}.${process.pid}`;
  // Level 6 instead of 9: the tarball is rebuilt by every `npm ci`; 9 costs seconds for ~1 %.
  await createTar({ gzip: { level: 6 }, file: tmp, cwd: stage, portable: true, mtime: new Date(0) }, ["den-agent"]);
  renameSync(tmp, tarball);
  const sha256 = createHash("sha256").update(readFileSync(tarball)).digest("hex");
  writeFileSync(`${tarball}.sha256`, `${sha256}\n`);
  console.log(`buildAgent: ${tarball} (${(statSync(tarball).size / 1e6).toFixed(1)} MB)`);
} finally {
  rmSync(stage, { recursive: true, force: true });
}
