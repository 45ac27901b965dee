import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildAgentTarball } from "../support/agentTarball.js";
import { hasCommand, requirePrerequisite } from "../support/prerequisites.js";
import { createTestServer, type TestServer } from "../support/testServer.js";

let agentDir: string;
let scratch: string;
let server: TestServer;
let baseUrl: string;
const children: ChildProcess[] = [];

/** A folder of symlinks to the few tools the init script uses, so that PATH holds no node (and only one downloader). */
function toolsWithoutNode(downloader: "curl" | "wget" = "curl"): string {
  const bin = join(scratch, `bin-${downloader}`);
  if (existsSync(bin)) return bin;
  mkdirSync(bin);
  for (const tool of ["sh", downloader, "tar", "gzip", "mktemp", "mkdir", "rm", "mv", "uname"]) {
    const found = spawnSync("sh", ["-c", `command -v ${tool}`], { encoding: "utf8" }).stdout.trim();
    if (!found) throw new Error(`${tool} not found`);
    symlinkSync(found, join(bin, tool));
  }
  return bin;
}

beforeAll(async () => {
  agentDir = await buildAgentTarball();
  scratch = mkdtempSync(join(tmpdir(), "den-agent-delivery-"));
  server = await createTestServer({ config: { agentDir } });
  await server.app.listen({ host: "127.0.0.1", port: 0 });
  const address = server.app.server.address();
  if (!address || typeof address === "string") throw new Error("no address");
  baseUrl = `http://127.0.0.1:${address.port}`;
  server.setAccessUrl(baseUrl);
}, 120_000);

afterAll(async () => {
  for (const child of children) if (child.exitCode === null) child.kill("SIGKILL");
  await server?.stop();
  if (scratch) rmSync(scratch, { recursive: true, force: true });
  if (agentDir) rmSync(agentDir, { recursive: true, force: true });
});

describe("the agent tarball", () => {
  it("unpacks and runs `den-agent --help` and `den-agent stat mem` with no node on the PATH", () => {
    const dir = join(scratch, "unpacked");
    mkdirSync(dir);
    const untar = spawnSync("tar", ["-xzf", join(agentDir, `den-agent-linux-${process.arch}.tar.gz`), "-C", dir]);
    expect(untar.status, String(untar.stderr)).toBe(0);
    const env = { PATH: "/nonexistent" };
    const help = spawnSync(join(dir, "den-agent", "den-agent"), ["--help"], { env, encoding: "utf8" });
    expect(help.status, help.stderr).toBe(0);
    expect(help.stdout).toContain("DEN_AGENT_TOKEN");
    const stat = spawnSync(join(dir, "den-agent", "den-agent"), ["stat", "mem"], { env, encoding: "utf8" });
    expect(stat.status, stat.stderr).toBe(0);
    expect(stat.stdout).toMatch(/\d/);
    // The footprint rule of issue 4: no server code, no database driver in the bundle.
    const bundle = readFileSync(join(dir, "den-agent", "den-agent.mjs"), "utf8");
    for (const word of ["pg-pool", "fastify", "kysely"]) expect(bundle.includes(word), word).toBe(false);
  });
});

describe("delivery routes", () => {
  it("serves the tarball at /bin/ under both arch spellings, and 404 with a reason for others", async () => {
    const tarball = readFileSync(join(agentDir, `den-agent-linux-${process.arch}.tar.gz`));
    const alias = process.arch === "x64" ? "amd64" : "aarch64";
    for (const name of [process.arch, alias]) {
      const res = await fetch(`${baseUrl}/bin/den-agent-linux-${name}.tar.gz`);
      expect(res.status).toBe(200);
      expect(res.headers.get("content-type")).toBe("application/gzip");
      expect(Buffer.from(await res.arrayBuffer()).equals(tarball)).toBe(true);
    }
    const unknown = await server.app.inject({ method: "GET", url: "/bin/den-agent-linux-sparc.tar.gz" });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json().message).toContain("amd64 (x64) or arm64");
    const other = process.arch === "x64" ? "arm64" : "x64";
    const notBuilt = await server.app.inject({ method: "GET", url: `/bin/den-agent-linux-${other}.tar.gz` });
    expect(notBuilt.statusCode).toBe(404);
    expect(notBuilt.json().message).toContain(`no agent for linux-${other}`);
  });

  it("answers 400 naming the field for a bad os or arch", async () => {
    const badArch = await server.app.inject({ method: "GET", url: "/api/v2/workspaceagents/init-script?os=linux&arch=sparc" });
    expect(badArch.statusCode).toBe(400);
    expect(JSON.stringify(badArch.json())).toContain("arch");
    const badOs = await server.app.inject({ method: "GET", url: "/api/v2/workspaceagents/init-script?os=windows&arch=amd64" });
    expect(badOs.statusCode).toBe(400);
    expect(JSON.stringify(badOs.json())).toContain("os");
  });

  it("gives an init script that refuses to run without DEN_AGENT_TOKEN", async () => {
    const script = await (await fetch(`${baseUrl}/api/v2/workspaceagents/init-script?os=linux&arch=amd64`)).text();
    const run = spawnSync("sh", ["-c", script], { env: { PATH: toolsWithoutNode() }, encoding: "utf8" });
    expect(run.status).toBe(1);
    expect(run.stderr).toContain("DEN_AGENT_TOKEN is not set");
  });
});

describe.runIf(requirePrerequisite("curl", hasCommand("curl"), "apt-get install curl"))("the init script", () => {
  it("downloads the agent with curl, unpacks it into the cache and starts it against the server", async () => {
    const cache = join(scratch, "cache");
    const arch = process.arch === "x64" ? "amd64" : "arm64";
    // As a workspace runs it: curl … | sh, with the token in the environment and no node anywhere on the PATH.
    const child = spawn("sh", ["-c", `curl -fsSL '${baseUrl}/api/v2/workspaceagents/init-script?os=linux&arch=${arch}' | sh`], {
      env: { PATH: toolsWithoutNode(), DEN_AGENT_TOKEN: "not-a-real-token", DEN_AGENT_CACHE_DIR: cache },
      stdio: ["ignore", "ignore", "pipe"],
    });
    children.push(child);
    let stderr = "";
    // The agent's first log line proves it runs: it reached our server's agent endpoint (which then refuses the made-up token).
    await new Promise<void>((resolve, reject) => {
      child.stderr!.on("data", (chunk: Buffer) => {
        stderr += chunk.toString();
        if (stderr.includes("connected to the server")) resolve();
      });
      child.once("exit", (code) => reject(new Error(`the init script exited with ${code}: ${stderr}`)));
    });
    expect(stderr).toContain('"role":"agent"');
    const unpacked = spawnSync("sh", ["-c", `ls -d '${cache}'/*-x64/den-agent/node '${cache}'/*-arm64/den-agent/node 2>/dev/null`], { encoding: "utf8" }).stdout.trim();
    expect(unpacked).not.toBe("");
    child.kill("SIGKILL");
  }, 60_000);

  it.runIf(requirePrerequisite("wget", hasCommand("wget"), "apt-get install wget"))("falls back to wget when the image has no curl", async () => {
    const script = await (await fetch(`${baseUrl}/api/v2/workspaceagents/init-script?os=linux&arch=${process.arch}`)).text();
    const child = spawn("sh", ["-c", script], {
      env: { PATH: toolsWithoutNode("wget"), DEN_AGENT_TOKEN: "not-a-real-token", DEN_AGENT_CACHE_DIR: join(scratch, "cache-wget") },
      stdio: ["ignore", "ignore", "pipe"],
    });
    children.push(child);
    let stderr = "";
    await new Promise<void>((resolve, reject) => {
      child.stderr!.on("data", (chunk: Buffer) => {
        stderr += chunk.toString();
        if (stderr.includes("connected to the server")) resolve();
      });
      child.once("exit", (code) => reject(new Error(`the init script exited with ${code}: ${stderr}`)));
    });
    child.kill("SIGKILL");
  }, 60_000);

  it("says so when the image has neither curl nor wget", async () => {
    const script = await (await fetch(`${baseUrl}/api/v2/workspaceagents/init-script?os=linux`)).text();
    const bin = join(scratch, "bin-none");
    mkdirSync(bin, { recursive: true });
    for (const tool of ["sh", "mktemp", "mkdir", "rm", "uname"]) symlinkSync(spawnSync("sh", ["-c", `command -v ${tool}`], { encoding: "utf8" }).stdout.trim(), join(bin, tool));
    const run = spawnSync("sh", ["-c", script], { env: { PATH: bin, DEN_AGENT_TOKEN: "t", DEN_AGENT_CACHE_DIR: join(scratch, "cache-none") }, encoding: "utf8" });
    expect(run.status).toBe(1);
    expect(run.stderr).toContain("neither curl nor wget is installed in this image");
  });
});
