import { createReadStream, existsSync, readFileSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { FastifyInstance } from "fastify";
import { z } from "zod";
import { defineRoute, type RouteSpec } from "../http/route.js";

/** Machine names as uname, Docker and Node spell them → the arch of our tarballs (Node's). */
const ARCH_ALIASES: Record<string, AgentArch> = { amd64: "x64", x64: "x64", x86_64: "x64", arm64: "arm64", aarch64: "arm64" };
export type AgentArch = "x64" | "arm64";

export type AgentDeliveryOptions = {
  /** Folder holding den-agent-linux-<arch>.tar.gz (and .sha256), built by scripts/buildAgent.mjs. */
  agentDir: string;
  /** The URL agents download from and dial. */
  accessUrl: () => string;
};

const InitScriptQuery = z.object({
  os: z.literal("linux", "must be linux: Den has agents for Linux only").default("linux"),
  arch: z
    .string()
    .refine((a) => a in ARCH_ALIASES, "must be amd64, x64, arm64 or aarch64 (or left out: the script then asks uname)")
    .optional(),
});

/** Where the build puts the tarballs: <package root>/dist/agent (this module is 3 levels below the root, in src/ or dist/). */
export function defaultAgentDir(): string {
  return join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..", "dist", "agent");
}

export function agentTarballName(arch: AgentArch): string {
  return `den-agent-linux-${arch}.tar.gz`;
}

/**
 * GET /api/v2/workspaceagents/init-script: the script a workspace runs to
 * fetch and start its agent (`curl -fsSL <url>/api/v2/workspaceagents/init-script | sh`
 * with DEN_AGENT_TOKEN set). Anyone may read it: it holds no secret.
 */
export function agentDeliveryRoutes(opts: AgentDeliveryOptions): RouteSpec[] {
  return [
    defineRoute({
      method: "GET",
      url: "/workspaceagents/init-script",
      summary: "A POSIX sh script that downloads the agent and runs it (DEN_AGENT_TOKEN from the environment)",
      tags: ["agents"],
      auth: "none",
      query: InitScriptQuery,
      handler: ({ query, reply }) => {
        const arch = query.arch === undefined ? undefined : ARCH_ALIASES[query.arch];
        const sha = arch ? readSha(opts.agentDir, arch) : undefined;
        const missing = arch && !sha ? `${join(opts.agentDir, agentTarballName(arch))} is missing on the server; run \`npm run build\` there` : undefined;
        return reply.type("text/x-shellscript; charset=utf-8").header("cache-control", "no-store").send(initScript(opts.accessUrl(), arch, sha, missing));
      },
    }),
  ];
}

/** GET /bin/den-agent-linux-<arch>.tar.gz, outside /api/v2 like Coder's /bin/coder-linux-amd64. */
export function registerAgentDownloads(app: FastifyInstance, opts: AgentDeliveryOptions): void {
  app.get<{ Params: { file: string } }>("/bin/:file", async (req, reply) => {
    const m = /^den-agent-linux-([a-z0-9_]+)\.tar\.gz$/.exec(req.params.file);
    const arch = m ? ARCH_ALIASES[m[1]!] : undefined;
    if (!arch) {
      return reply.status(404).send({ message: `No agent download ${JSON.stringify(req.params.file)}: Den serves den-agent-linux-<arch>.tar.gz for arch amd64 (x64) or arm64.`, code: "NOT_FOUND" });
    }
    const path = join(opts.agentDir, agentTarballName(arch));
    if (!existsSync(path)) {
      return reply.status(404).send({ message: `This server has no agent for linux-${arch}: ${agentTarballName(arch)} was not built (run \`npm run build\` on a linux-${arch} machine).`, code: "NOT_FOUND" });
    }
    const sha = readSha(opts.agentDir, arch);
    return reply
      .type("application/gzip")
      .header("content-length", statSync(path).size)
      .header("etag", sha ? `"${sha}"` : undefined)
      .send(createReadStream(path));
  });
}

function readSha(dir: string, arch: AgentArch): string | undefined {
  try {
    const text = readFileSync(join(dir, `${agentTarballName(arch)}.sha256`), "utf8").trim();
    return /^[0-9a-f]{64}$/.test(text) ? text : undefined;
  } catch {
    return undefined;
  }
}

function shellQuote(word: string): string {
  return `'${word.replaceAll("'", `'\\''`)}'`;
}

/**
 * The init script. The agent is unpacked once per agent build into a cache
 * folder keyed by the tarball's sha256 (DEN_AGENT_CACHE_DIR, default
 * /tmp/den-agent), so a restart of a container that keeps the cache skips the
 * download. Unpacking goes to a temporary folder renamed into place, so two
 * agents starting at once never run a half-written tree.
 */
export function initScript(accessUrl: string, arch: AgentArch | undefined, sha: string | undefined, missing: string | undefined): string {
  const url = accessUrl.replace(/\/+$/, "");
  const lines = [
    "#!/bin/sh",
    `# Den agent init script, from ${url}. Downloads the agent (it brings its own`,
    "# Node.js runtime; the image needs a glibc userland with tar, gzip, and curl or",
    "# wget) and runs it. Needs DEN_AGENT_TOKEN in the environment.",
    "set -eu",
    "fail() { echo \"den-agent init: $*\" >&2; exit 1; }",
    `DEN_AGENT_URL=\${DEN_AGENT_URL:-${shellQuote(url)}}`,
    '[ -n "${DEN_AGENT_TOKEN:-}" ] || fail "DEN_AGENT_TOKEN is not set: the driver that started this workspace passes the agent token of its build"',
  ];
  if (missing) lines.push(`fail ${shellQuote(`the server has no agent for this machine: ${missing}`)}`);
  lines.push(
    `arch=${arch ?? ""}`,
    'if [ -z "$arch" ]; then',
    '  case "$(uname -m)" in x86_64|amd64) arch=x64 ;; aarch64|arm64) arch=arm64 ;; *) fail "no Den agent for machine $(uname -m); there are agents for x86_64 and aarch64" ;; esac',
    "fi",
    `key=${sha ? sha.slice(0, 16) : ""}`,
    'cache=${DEN_AGENT_CACHE_DIR:-/tmp/den-agent}',
    'dir="$cache/${key:-latest}-$arch"',
    'if [ -z "$key" ] || [ ! -x "$dir/den-agent/den-agent" ]; then',
    '  mkdir -p "$cache" || fail "cannot create the cache folder $cache (set DEN_AGENT_CACHE_DIR to a writable folder)"',
    '  tmp=$(mktemp -d "$cache/.download.XXXXXX")',
    '  src="$DEN_AGENT_URL/bin/den-agent-linux-$arch.tar.gz"',
    '  if command -v curl >/dev/null 2>&1; then',
    '    curl -fsSL --retry 10 --retry-delay 1 --retry-connrefused -o "$tmp/agent.tar.gz" "$src" || { rm -rf "$tmp"; fail "download of $src failed (is the access URL reachable from the workspace?)"; }',
    '  elif command -v wget >/dev/null 2>&1; then',
    '    wget -q -t 10 -O "$tmp/agent.tar.gz" "$src" || { rm -rf "$tmp"; fail "download of $src failed (is the access URL reachable from the workspace?)"; }',
    "  else",
    '    rm -rf "$tmp"; fail "neither curl nor wget is installed in this image: install one of them (e.g. apt-get install -y curl)"',
    "  fi",
    '  tar -xzf "$tmp/agent.tar.gz" -C "$tmp" || { rm -rf "$tmp"; fail "cannot unpack $src (tar and gzip are needed)"; }',
    '  rm -f "$tmp/agent.tar.gz"',
    '  # Without a known build (no arch given) the copy is this run\'s own; otherwise another',
    '  # agent may have unpacked the same build meanwhile: keep its copy.',
    '  if [ -z "$key" ]; then dir=$tmp; elif [ -d "$dir" ]; then rm -rf "$tmp"; else mv "$tmp" "$dir"; fi',
    "fi",
    "export DEN_AGENT_URL DEN_AGENT_TOKEN",
    'exec "$dir/den-agent/den-agent"',
    "",
  );
  return lines.join("\n");
}
