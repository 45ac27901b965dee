import { createHash, randomBytes } from "node:crypto";
import { connect, type Socket } from "node:net";
import ssh2 from "ssh2";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hasCommand, requirePrerequisite } from "../../../test/support/prerequisites.js";
import { remoteForwardHost } from "./RemoteForwards.js";
import { eventually, startEchoServer, startTestSshHost, TEST_HOST, waitForOutput, type TestSshHost } from "./startTestSshHost.js";

const hasSsh = requirePrerequisite("ssh (openssh-client)", hasCommand("ssh"), "apt-get install openssh-client");

const sha = (data: Buffer) => createHash("sha256").update(data).digest("hex");

function exchange(socket: Socket, data: Buffer): Promise<Buffer> {
  const chunks: Buffer[] = [];
  return new Promise((resolve, reject) => {
    socket.on("data", (chunk: Buffer) => chunks.push(chunk));
    socket.once("error", reject);
    socket.once("end", () => resolve(Buffer.concat(chunks)));
    socket.end(data);
  });
}

function refuses(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, "127.0.0.1");
    socket.once("connect", () => {
      socket.destroy();
      resolve(false);
    });
    socket.once("error", () => resolve(true));
  });
}

describe("remoteForwardHost", () => {
  it("binds loopback addresses as asked and everything else to 127.0.0.1", () => {
    expect(remoteForwardHost("127.0.0.1")).toBe("127.0.0.1");
    expect(remoteForwardHost("127.0.0.2")).toBe("127.0.0.2");
    expect(remoteForwardHost("::1")).toBe("::1");
    expect(remoteForwardHost("localhost")).toBe("127.0.0.1");
    expect(remoteForwardHost("")).toBe("127.0.0.1");
    expect(remoteForwardHost("0.0.0.0")).toBe("127.0.0.1");
    expect(remoteForwardHost("*")).toBe("127.0.0.1");
    expect(remoteForwardHost("10.1.2.3")).toBe("127.0.0.1");
  });
});

describe.runIf(hasSsh)("remote forwarding (tcpip-forward) with OpenSSH", () => {
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

  it("listens inside the workspace for ssh -R, carries data with half-close, and stops listening when the client leaves", async () => {
    // LogLevel INFO on the command line wins over the config's ERROR and makes ssh print the port it got.
    const ssh = host.spawn("ssh", ["-F", host.configPath, "-N", "-o", "LogLevel=INFO", "-o", "ExitOnForwardFailure=yes", "-R", `0:127.0.0.1:${echo.port}`, TEST_HOST]);
    const [, allocated] = await waitForOutput(ssh, "stderr", /Allocated port (\d+) for remote forward/);
    const port = Number(allocated);
    const data = randomBytes(2 * 1024 * 1024);
    const [first, second] = await Promise.all([exchange(connect(port, "127.0.0.1"), data), exchange(connect(port, "127.0.0.1"), Buffer.from("two"))]);
    expect(sha(first)).toBe(sha(data));
    expect(second.toString()).toBe("two");

    ssh.kill("SIGKILL");
    await eventually(() => refuses(port), `port ${port} is closed after the connection ended`);
  });

  it("cancels a forward on cancel-tcpip-forward and refuses a second forward on the same port", async () => {
    const client = new ssh2.Client();
    await new Promise<void>((resolve, reject) => {
      client.once("ready", () => resolve());
      client.once("error", reject);
      client.connect({ host: "127.0.0.1", port: host.port, username: "anyone" });
    });
    client.on("error", () => undefined);
    try {
      const port = await new Promise<number>((resolve, reject) => client.forwardIn("127.0.0.1", 0, (err, bound) => (err ? reject(err) : resolve(bound))));
      expect(await refuses(port)).toBe(false);
      await expect(new Promise((resolve, reject) => client.forwardIn("127.0.0.1", port, (err) => (err ? reject(err) : resolve(undefined))))).rejects.toThrow();
      await new Promise<void>((resolve, reject) => client.unforwardIn("127.0.0.1", port, (err) => (err ? reject(err) : resolve())));
      await eventually(() => refuses(port), `port ${port} is closed after the cancel`);
    } finally {
      client.end();
    }
  });
});
