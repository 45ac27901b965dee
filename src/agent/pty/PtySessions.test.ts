import { readFileSync } from "node:fs";
import { mkdtempSync, rmSync } from "node:fs";
import type { ClientHttp2Stream } from "node:http2";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { AgentManifest } from "../../sdk/schemas/agentProtocol.js";
import { TunnelStreamError } from "../../tunnel/openTunnel.js";
import { AgentTestServer, startTestAgent, testManifest } from "../AgentTestServer.js";

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function agentWith(overrides: Partial<AgentManifest> = {}) {
  const dir = mkdtempSync(join(tmpdir(), "den-pty-test-"));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  const server = await AgentTestServer.start(testManifest(dir, overrides));
  cleanups.push(() => server.close());
  const agent = startTestAgent(server);
  cleanups.push(() => agent.close());
  await server.waitForConnection(1);
  return server;
}

/** A PTY client: collects output, sends PtyClientFrame lines, waits for text to appear. */
async function openPty(server: AgentTestServer, id: string, query = "") {
  const stream: ClientHttp2Stream = await server.tunnel().openStream(`/pty?reconnect=${id}${query}`);
  cleanups.push(() => stream.destroy());
  let output = "";
  const waiters = new Set<() => void>();
  stream.on("data", (chunk: Buffer) => {
    output += chunk.toString("utf8");
    for (const w of waiters) w();
  });
  const closed = new Promise<void>((resolve) => stream.on("close", resolve));
  stream.on("error", () => undefined);
  return {
    stream,
    closed,
    get output() {
      return output;
    },
    send(frame: object) {
      stream.write(JSON.stringify(frame) + "\n");
    },
    run(command: string) {
      this.send({ data: command + "\r" });
    },
    /** Resolves with the first match of `pattern` in the output. */
    waitFor(pattern: RegExp, timeoutMs = 20_000): Promise<RegExpMatchArray> {
      return new Promise((resolve, reject) => {
        const check = () => {
          const match = pattern.exec(output);
          if (!match) return;
          waiters.delete(check);
          clearTimeout(timer);
          resolve(match);
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`no ${pattern} in the output: ${JSON.stringify(output.slice(-500))}`));
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
  };
}

/** Running, and not a zombie waiting to be reaped. */
function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2)[0] !== "Z";
  } catch {
    return false;
  }
}

describe("den agent: reconnecting PTYs", () => {
  it("runs a shell in the workspace directory with TERM set", async () => {
    const server = await agentWith();
    const pty = await openPty(server, crypto.randomUUID());
    pty.run("echo den-$((6*7)) term=$TERM dir=$(pwd) den=$DEN");
    await pty.waitFor(/den-42 term=xterm-256color dir=\S+ den=true/);
    expect(pty.output).toContain(`dir=${server.manifest.directory}`);
  });

  it("replays the scrollback to a client that reconnects with the same id, to the same shell", async () => {
    const server = await agentWith();
    const id = crypto.randomUUID();
    const first = await openPty(server, id);
    first.run("echo den-$((6*7)) pid=$$");
    const pid = (await first.waitFor(/den-42 pid=(\d+)/))[1];
    first.stream.destroy();
    await first.closed;
    const second = await openPty(server, id);
    // The replay comes first, before any new input.
    await second.waitFor(/den-42 pid=\d+/);
    second.run("echo again-pid=$$");
    expect((await second.waitFor(/again-pid=(\d+)/))[1]).toBe(pid);
  });

  it("resizes the terminal from the query and from resize frames", async () => {
    const server = await agentWith();
    const pty = await openPty(server, crypto.randomUUID(), "&width=100&height=30");
    pty.run("echo size=$(stty size)");
    await pty.waitFor(/size=30 100/);
    pty.send({ width: 120, height: 40 });
    pty.run("echo size=$(stty size)");
    await pty.waitFor(/size=40 120/);
  });

  it("runs the command of the query instead of a shell", async () => {
    const server = await agentWith();
    const pty = await openPty(server, crypto.randomUUID(), `&command=${encodeURIComponent("echo from-command-$((1+1))")}`);
    await pty.waitFor(/from-command-2/);
    await pty.closed;
  });

  it("hangs up a detached session after the idle timeout", async () => {
    const server = await agentWith({ pty_idle_timeout: 1 });
    const pty = await openPty(server, crypto.randomUUID());
    pty.run("echo pid=$$");
    const pid = Number((await pty.waitFor(/pid=(\d+)/))[1]);
    expect(isAlive(pid)).toBe(true);
    pty.stream.destroy();
    // No event tells another process's end: poll with a deadline.
    const deadline = Date.now() + 20_000;
    while (isAlive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(isAlive(pid)).toBe(false);
  });

  it("keeps the session across a dropped connection: the agent reconnects and the same id finds the same shell", async () => {
    const server = await agentWith();
    const id = crypto.randomUUID();
    const first = await openPty(server, id);
    first.run("echo before-drop pid=$$");
    const pid = (await first.waitFor(/before-drop pid=(\d+)/))[1];
    server.dropConnection();
    await first.closed;
    await server.waitForConnection(2);
    const second = await openPty(server, id);
    await second.waitFor(/before-drop pid=\d+/);
    second.run("echo after-drop pid=$$");
    expect((await second.waitFor(/after-drop pid=(\d+)/))[1]).toBe(pid);
  });

  it("refuses bad query parameters naming the parameter", async () => {
    const server = await agentWith();
    const bad = async (query: string) => (await server.tunnel().openStream(`/pty?${query}`).catch((e: unknown) => e)) as TunnelStreamError;
    expect((await bad("reconnect=nope")).message).toBe('reconnect: must be a UUID, got "nope"');
    expect((await bad(`reconnect=${crypto.randomUUID()}&width=0`)).message).toMatch(/^width: /);
    expect((await bad(`reconnect=${crypto.randomUUID()}&height=x`)).status).toBe(400);
  });
});
