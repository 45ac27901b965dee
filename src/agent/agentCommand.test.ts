import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { AgentTestServer, testManifest } from "./AgentTestServer.js";

const denJs = join(import.meta.dirname, "..", "..", "dist", "den.js");
const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** `den agent` as its own process (dist/ is built by vitest's global setup). */
function runDenAgent(env: Record<string, string>): { child: ChildProcess; exited: Promise<number | null>; stderr: () => string } {
  const child = spawn(process.execPath, [denJs, "agent"], { env: { ...process.env, ...env }, stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  child.stderr!.on("data", (c: Buffer) => (stderr += c.toString()));
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  cleanups.push(() => child.kill("SIGKILL"));
  return { child, exited, stderr: () => stderr };
}

describe("den agent (the command)", () => {
  it("on SIGTERM runs the stop scripts, reports shutting_down then off, and exits 0", async () => {
    const dir = mkdtempSync(join(tmpdir(), "den-agent-cmd-"));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const server = await AgentTestServer.start(
      testManifest(dir, {
        scripts: [
          { name: "hello", run_on: "start", script: "echo started", blocks_login: false, timeout: 0 },
          { name: "goodbye", run_on: "stop", script: "echo stopping now; echo bye > stopped-marker", blocks_login: false, timeout: 0 },
        ],
      }),
    );
    cleanups.push(() => server.close());
    const agent = runDenAgent({ DEN_AGENT_URL: server.url, DEN_AGENT_TOKEN: server.token, DEN_AGENT_LOG_LEVEL: "warn" });
    await server.waitForLifecycle("ready");
    agent.child.kill("SIGTERM");
    expect(await agent.exited).toBe(0);
    expect(server.lifecycle.map((l) => l.state)).toEqual(["starting", "ready", "shutting_down", "off"]);
    expect(readFileSync(join(dir, "stopped-marker"), "utf8")).toBe("bye\n");
    expect(server.logs).toContainEqual(expect.objectContaining({ source: "goodbye", output: "stopping now" }));
    expect(server.protocolErrors).toEqual([]);
  });

  it("reports shutdown_error when a stop script fails, and still exits 0", async () => {
    const dir = mkdtempSync(join(tmpdir(), "den-agent-cmd-"));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const server = await AgentTestServer.start(
      testManifest(dir, { scripts: [{ name: "cleanup", run_on: "stop", script: "echo cannot clean >&2; exit 4", blocks_login: false, timeout: 0 }] }),
    );
    cleanups.push(() => server.close());
    const agent = runDenAgent({ DEN_AGENT_URL: server.url, DEN_AGENT_TOKEN: server.token, DEN_AGENT_LOG_LEVEL: "error" });
    await server.waitForLifecycle("ready");
    agent.child.kill("SIGINT");
    expect(await agent.exited).toBe(0);
    const failure = server.lifecycle.at(-1)!;
    expect(failure.state).toBe("shutdown_error");
    expect(failure.detail).toContain('script "cleanup" exited with code 4');
    expect(failure.detail).toContain("cannot clean");
    expect(existsSync(join(dir, "stopped-marker"))).toBe(false);
  });

  it("exits 1 with the variable named when DEN_AGENT_TOKEN is missing", async () => {
    const agent = runDenAgent({ DEN_AGENT_URL: "http://127.0.0.1:9", DEN_AGENT_TOKEN: "" });
    expect(await agent.exited).toBe(1);
    expect(agent.stderr()).toBe("den: DEN_AGENT_TOKEN: must be set to the agent token of the workspace's build\n");
  });
});
