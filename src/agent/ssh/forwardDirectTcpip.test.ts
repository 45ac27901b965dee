import { createHash, randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { connect, createServer, type Socket } from "node:net";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hasCommand, requirePrerequisite } from "../../../test/support/prerequisites.js";
import { eventually, startEchoServer, startTestSshHost, TEST_HOST, type TestSshHost } from "./startTestSshHost.js";

const hasSsh = requirePrerequisite("ssh (openssh-client)", hasCommand("ssh"), "apt-get install openssh-client");

const sha = (data: Buffer) => createHash("sha256").update(data).digest("hex");

/** Sends `data`, shuts the write side, and resolves with everything read until the peer ends. */
function exchange(socket: Socket, data: Buffer): Promise<Buffer> {
  const chunks: Buffer[] = [];
  return new Promise((resolve, reject) => {
    socket.on("data", (chunk: Buffer) => chunks.push(chunk));
    socket.once("error", reject);
    socket.once("end", () => resolve(Buffer.concat(chunks)));
    socket.end(data);
  });
}

/** A port that was just free: listened on, then closed. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return typeof address === "object" && address !== null ? address.port : 0;
}

describe.runIf(hasSsh)("local forwarding (direct-tcpip) with OpenSSH", () => {
  let host: TestSshHost;
  let echo: Awaited<ReturnType<typeof startEchoServer>>;
  beforeAll(async () => {
    host = await startTestSshHost();
    echo = await startEchoServer();
  });
  afterAll(async () => {
    await echo.close();
    await host.close();
  });

  it("carries data both ways through ssh -W and passes each side's EOF on", async () => {
    const data = randomBytes(3 * 1024 * 1024);
    // The echo server answers only what it got and ends when its input ends:
    // all of it coming back proves the client's EOF reached it after the
    // data, and ssh exiting 0 proves the server's EOF came back.
    const run = host.spawn("ssh", ["-F", host.configPath, "-W", `127.0.0.1:${echo.port}`, TEST_HOST]);
    const chunks: Buffer[] = [];
    run.stdout?.on("data", (chunk: Buffer) => chunks.push(chunk));
    const exit = new Promise<number | null>((resolve) => run.once("close", (code) => resolve(code)));
    run.stdin?.end(data);
    expect(await exit).toBe(0);
    expect(sha(Buffer.concat(chunks))).toBe(sha(data));
  });

  it("carries data through ssh -L", async () => {
    const socketPath = join(host.local, "forward.sock");
    const ssh = host.spawn("ssh", ["-F", host.configPath, "-N", "-o", "ExitOnForwardFailure=yes", "-L", `${socketPath}:127.0.0.1:${echo.port}`, TEST_HOST]);
    try {
      await eventually(() => existsSync(socketPath), "ssh listens on the forward's socket");
      const data = randomBytes(1024 * 1024);
      const [first, second] = await Promise.all([exchange(connect(socketPath), data), exchange(connect(socketPath), Buffer.from("second"))]);
      expect(sha(first)).toBe(sha(data));
      expect(second.toString()).toBe("second");
    } finally {
      ssh.kill();
    }
  });

  it("fails the client's channel open when nothing listens on the target", async () => {
    const port = await closedPort();
    const run = await host.ssh(["-W", `127.0.0.1:${port}`, TEST_HOST]);
    expect(run.code).toBe(255);
    expect(run.stderr).toMatch(/stdio forwarding failed|open failed/);
  });
});
