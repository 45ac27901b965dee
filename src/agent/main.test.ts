import { createHash, randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type AddressInfo, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { AgentManifest, AgentScript, ListeningPort } from "../sdk/schemas/agentProtocol.js";
import { TunnelStreamError } from "../tunnel/openTunnel.js";
import { AgentTestServer, startTestAgent, testManifest } from "./AgentTestServer.js";
import type { AgentOptions } from "./main.js";

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "den-agent-test-"));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function script(name: string, text: string, extra: Partial<AgentScript> = {}): AgentScript {
  return { name, run_on: "start", script: text, blocks_login: false, timeout: 0, ...extra };
}

/** A test server with `overrides` in its manifest, and an agent connected to it. */
async function agentWith(overrides: Partial<AgentManifest>, agentOptions: Partial<AgentOptions> = {}) {
  const dir = tempDir();
  const server = await AgentTestServer.start(testManifest(dir, overrides));
  cleanups.push(() => server.close());
  const agent = startTestAgent(server, agentOptions);
  cleanups.push(() => agent.close());
  await server.waitForConnection(1);
  return { server, agent, dir };
}

async function listen(server: Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  cleanups.push(() => new Promise((resolve) => server.close(resolve)));
  return (server.address() as AddressInfo).port;
}

describe("den agent: scripts and lifecycle", () => {
  it("reaches ready and streams a start script's output, run in the workspace with the session environment", async () => {
    const { server, dir } = await agentWith(
      {
        env: { TEMPLATE_VAR: "from-template" },
        scripts: [script("setup", 'echo hello from setup; echo on-stderr >&2; echo "env $DEN $DEN_WORKSPACE_NAME $DEN_WORKSPACE_OWNER $DEN_AGENT_NAME $TEMPLATE_VAR token=${DEN_AGENT_TOKEN:-none} pwd=$PWD"')],
      },
      { baseEnv: { ...process.env, DEN_AGENT_TOKEN: "secret-token" } },
    );
    await server.waitForLifecycle("ready");
    expect(server.lifecycle.map((l) => l.state)).toEqual(["starting", "ready"]);
    const lines = await server.waitFor("three log lines", () => server.logs.length >= 3 && server.logs);
    expect(lines.every((l) => l.source === "setup")).toBe(true);
    expect(lines.find((l) => l.output === "hello from setup")?.level).toBe("info");
    expect(lines.find((l) => l.output === "on-stderr")?.level).toBe("warn");
    expect(lines.map((l) => l.output)).toContain(`env true ws1 alice main from-template token=none pwd=${dir}`);
    expect(server.protocolErrors).toEqual([]);
  });

  it("leaves git's hooks ready: GIT_ASKPASS and GIT_SSH_COMMAND run this agent's `den`", async () => {
    const { server } = await agentWith({
      scripts: [script("hooks", 'test -x "$GIT_ASKPASS" && echo "askpass=$(basename "$GIT_ASKPASS")"; echo "ssh=$GIT_SSH_COMMAND"; command -v den')],
    });
    await server.waitForLifecycle("ready");
    const outputs = (await server.waitFor("three lines", () => server.logs.length >= 3 && server.logs)).map((l) => l.output);
    expect(outputs).toContain("askpass=den-git-askpass");
    const den = outputs.find((o) => o.endsWith("/den"))!;
    expect(outputs).toContain(`ssh='${den}' gitssh --`);
  });

  it("takes a new manifest on reconnection without running the start scripts again", async () => {
    const { server, dir } = await agentWith({ scripts: [script("once", "echo ran >> runs")], env: { VERSION: "1" } });
    await server.waitForLifecycle("ready");
    server.manifest = { ...server.manifest, env: { VERSION: "2" } };
    server.dropConnection();
    const tunnel = await server.waitForConnection(2);
    const pty = await tunnel.openStream(`/pty?reconnect=${crypto.randomUUID()}`);
    cleanups.push(() => pty.destroy());
    let output = "";
    const seen = new Promise<void>((resolve) =>
      pty.on("data", (c: Buffer) => {
        output += c.toString();
        if (/version=2/.test(output)) resolve();
      }),
    );
    pty.write(JSON.stringify({ data: "echo version=$VERSION\r" }) + "\n");
    await seen;
    expect(readFileSync(join(dir, "runs"), "utf8")).toBe("ran\n");
    // Reports are delivered at least once: a "ready" whose answer was lost with the connection comes again.
    expect(server.lifecycle.map((l) => l.state).filter((s) => s === "starting")).toHaveLength(1);
  });

  it("reports start_error with the script, its exit code and the tail of its output", async () => {
    const { server } = await agentWith({
      scripts: [script("ok", "true"), script("install", "echo step one; echo step two; echo it broke >&2; exit 3")],
    });
    const failure = await server.waitForLifecycle("start_error");
    expect(failure.detail).toContain('script "install" exited with code 3');
    expect(failure.detail).toMatch(/step two[\s\S]*it broke/);
    expect(server.lifecycle.map((l) => l.state)).not.toContain("ready");
    await server.waitFor("the failure in the logs", () => server.logs.find((l) => l.level === "error" && l.output.includes("exited with code 3")));
  });

  it("reports start_timeout when a start script outlives its timeout", async () => {
    const { server } = await agentWith({ scripts: [script("slow", "echo waiting; sleep 30", { timeout: 1 })] });
    const timeout = await server.waitForLifecycle("start_timeout");
    expect(timeout.detail).toContain('script "slow" timed out after 1 s');
  });

  it("holds a /pty stream until the start script that blocks login has ended", async () => {
    const dir = tempDir();
    const go = join(dir, "go");
    const server = await AgentTestServer.start(
      testManifest(dir, {
        scripts: [script("prepare", `echo preparing; while [ ! -f ${go} ]; do sleep 0.05; done; echo prepared > made-by-script`, { blocks_login: true })],
      }),
    );
    cleanups.push(() => server.close());
    const agent = startTestAgent(server);
    cleanups.push(() => agent.close());
    const tunnel = await server.waitForConnection(1);
    await server.waitFor("the script to run", () => server.logs.some((l) => l.output === "preparing"));
    let opened = false;
    const pty = tunnel.openStream(`/pty?reconnect=${crypto.randomUUID()}`).then((s) => ((opened = true), s));
    // Streams are served in order: once a later one is answered, an ungated PTY would be open too.
    await tunnel.getJson("/listening-ports");
    expect(opened).toBe(false);
    writeFileSync(go, "");
    const stream = await pty;
    cleanups.push(() => stream.destroy());
    expect(readFileSync(join(dir, "made-by-script"), "utf8")).toBe("prepared\n");
  });

  it("refuses a login stream that waited too long for the start scripts", async () => {
    const { server } = await agentWith({ scripts: [script("forever", "sleep 30", { blocks_login: true })] }, { loginWaitTimeoutMs: 200 });
    const err = await server.tunnel().openStream(`/pty?reconnect=${crypto.randomUUID()}`).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TunnelStreamError);
    expect((err as TunnelStreamError).status).toBe(503);
    expect((err as Error).message).toContain('not ready for login yet: start scripts that block login are running (forever)');
  });

  it("reports metadata values, errors, and `den stat` figures", async () => {
    const { server } = await agentWith({
      metadata: [
        { key: "greeting", display_name: "Greeting", script: "echo hi-$DEN_AGENT_NAME", interval: 1, timeout: 5 },
        { key: "broken", display_name: "Broken", script: "echo oops >&2; exit 2", interval: 1, timeout: 5 },
        { key: "mem", display_name: "Memory", script: "den stat mem", interval: 1, timeout: 20 },
      ],
    });
    const latest = (key: string) => server.metadata.findLast((m) => m.key === key);
    expect((await server.waitFor("greeting", () => latest("greeting"))).value).toBe("hi-main");
    expect((await server.waitFor("broken", () => latest("broken"))).error).toBe("exited with code 2: oops");
    const mem = await server.waitFor("mem", () => latest("mem"));
    expect(mem.error).toBe("");
    expect(mem.value).toMatch(/^[\d.]+\/[\d.]+ GiB \(\d+%\)$/);
    // The interval repeats the command.
    await server.waitFor("a second greeting", () => server.metadata.filter((m) => m.key === "greeting").length >= 2);
  });

  it("reports stats with every session type and the connection's bytes", async () => {
    const { server } = await agentWith({});
    const stats = await server.waitFor("stats", () => server.stats.find((s) => s.rx_bytes > 0));
    expect(stats.sessions).toEqual({ ssh: 0, vscode: 0, pty: 0, "port-forward": 0 });
    expect(stats.tx_bytes).toBeGreaterThan(0);
  });

  it("keeps retrying a refused token and connects once the server accepts it", async () => {
    const dir = tempDir();
    const server = await AgentTestServer.start(testManifest(dir), "the-new-build-token");
    cleanups.push(() => server.close());
    const agent = startTestAgent(server);
    cleanups.push(() => agent.close());
    await server.waitFor("two refused attempts", () => server.refusedUpgrades >= 2);
    expect(server.connections).toBe(0);
    server.token = "test-agent-token";
    await server.waitForConnection(1);
    await server.waitForLifecycle("ready");
  });
});

describe("den agent: ports", () => {
  it("forwards /tcp to a port inside the workspace, byte for byte, with half-close", async () => {
    const echo = createServer((socket) => socket.pipe(socket));
    const port = await listen(echo);
    const { server } = await agentWith({});
    const stream = await server.tunnel().openStream(`/tcp?port=${port}`);
    const data = randomBytes(20 * 1024 * 1024);
    const received: Buffer[] = [];
    stream.on("data", (c: Buffer) => received.push(c));
    const ended = new Promise<void>((resolve) => stream.on("end", resolve));
    stream.end(data);
    await ended;
    const sha = (b: Buffer) => createHash("sha256").update(b).digest("hex");
    expect(sha(Buffer.concat(received))).toBe(sha(data));
  });

  it("answers 502 naming the port when nothing listens on it", async () => {
    const closed = createServer();
    const port = await listen(closed);
    await new Promise((resolve) => closed.close(resolve));
    const { server } = await agentWith({});
    const err = await server.tunnel().openStream(`/tcp?port=${port}`).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TunnelStreamError);
    expect((err as TunnelStreamError).status).toBe(502);
    expect((err as Error).message).toBe(`nothing is listening on port ${port} inside the workspace`);
    const bad = await server.tunnel().openStream("/tcp?port=70000").catch((e: unknown) => e);
    expect((bad as TunnelStreamError).status).toBe(400);
    expect((bad as Error).message).toMatch(/^port: /);
  });

  it("lists a port listening inside the workspace with its process name", async () => {
    const port = await listen(createServer());
    const { server } = await agentWith({});
    const ports = await server.tunnel().getJson<ListeningPort[]>("/listening-ports");
    expect(ports).toContainEqual({ port, network: "tcp", process_name: readFileSync("/proc/self/comm", "utf8").trim() });
  });

  it("answers 404 for a stream it does not know", async () => {
    const { server } = await agentWith({});
    const err = await server.tunnel().openStream("/nope").catch((e: unknown) => e);
    expect((err as TunnelStreamError).status).toBe(404);
  });
});
