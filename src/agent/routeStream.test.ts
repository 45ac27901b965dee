import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import ssh2 from "ssh2";
import { afterEach, describe, expect, it } from "vitest";
import { AgentTestServer, startTestAgent, testManifest } from "./AgentTestServer.js";
import { generateHostKey } from "./ssh/serveSshConnection.js";

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

describe("den agent: SSH streams", () => {
  it("serves SSH over an /ssh stream in the workspace, with the session environment, counted in stats", async () => {
    const dir = mkdtempSync(join(tmpdir(), "den-agent-ssh-"));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const server = await AgentTestServer.start(testManifest(dir, { ssh_host_key: generateHostKey(), env: { FROM_TEMPLATE: "yes" } }));
    cleanups.push(() => server.close());
    const agent = startTestAgent(server);
    cleanups.push(() => agent.close());
    const tunnel = await server.waitForConnection(1);
    const stream = await tunnel.openStream("/ssh");
    const client = new ssh2.Client();
    cleanups.push(() => client.end());
    await new Promise<void>((resolve, reject) => {
      client.once("ready", resolve).once("error", reject);
      client.connect({ sock: stream, username: "dev" });
    });
    // The command waits for a line on stdin, so the session stays open until the stats have shown it.
    const channel = await new Promise<ssh2.ClientChannel>((resolve, reject) =>
      client.exec("echo $DEN $DEN_WORKSPACE_NAME $FROM_TEMPLATE; pwd; read line; echo got-$line", (err, ch) => (err ? reject(err) : resolve(ch))),
    );
    let output = "";
    channel.on("data", (c: Buffer) => (output += c.toString()));
    const closed = new Promise((resolve) => channel.on("close", resolve));
    await server.waitFor("an ssh session in the stats", () => server.stats.some((s) => s.sessions.ssh === 1));
    channel.end("bye\n");
    await closed;
    expect(output).toBe(`true ws1 yes\n${dir}\ngot-bye\n`);
  });
});
