import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { createSocket as createUdpSocket } from "node:dgram";
import { connect, createServer, type AddressInfo, type Server } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AgentWorkspaceEnv } from "../support/agentWorkspace.js";

/** A child should never take this long; the limit only keeps a hung one from outliving the test. */
const RUN_LIMIT_MS = 60_000;
const MIB = 1024 * 1024;

let t: AgentWorkspaceEnv;
/** Listens "inside the workspace" (the process driver's workspace is this host's loopback). */
let hashing: Server;

beforeAll(async () => {
  t = await AgentWorkspaceEnv.start();
  await t.createReady("pf");
  hashing = createServer({ allowHalfOpen: true }, (socket) => {
    const hash = createHash("sha256");
    let bytes = 0;
    socket.on("data", (c: Buffer) => {
      hash.update(c);
      bytes += c.length;
    });
    socket.on("end", () => socket.end(`${bytes} ${hash.digest("hex")}`));
    socket.on("error", () => undefined);
  });
  await new Promise<void>((resolve) => hashing.listen(0, "127.0.0.1", resolve));
});

afterAll(async () => {
  hashing?.close();
  await t?.stop();
});

async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
  const port = (probe.address() as AddressInfo).port;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

/** `den port-forward` running until the test stops it; resolves once it printed what it forwards. */
type Forward = { child: ChildProcessWithoutNullStreams; stdout: () => string; stderr: () => string; stderrShows: (text: string) => Promise<void> };

async function startForward(args: string[]): Promise<Forward> {
  const child = spawn(process.execPath, t.cli.argv(["port-forward", ...args]), { env: t.cli.env(), timeout: RUN_LIMIT_MS });
  let stdout = "";
  let stderr = "";
  child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
  const forwards = args.filter((a) => a === "--tcp" || a === "--udp").length;
  await new Promise<void>((resolve, reject) => {
    child.stdout.on("data", (c: Buffer) => {
      stdout += c.toString();
      if (stdout.split("\n").filter((l) => l.startsWith("Forwarding ")).length === forwards) resolve();
    });
    child.on("close", (code) => reject(new Error(`den port-forward exited with ${code}: ${stderr}`)));
  });
  const stderrShows = (text: string) =>
    new Promise<void>((resolve, reject) => {
      const check = () => {
        if (!stderr.includes(text)) return;
        child.stderr.off("data", check);
        resolve();
      };
      child.stderr.on("data", check);
      child.once("close", () => reject(new Error(`den port-forward exited without printing ${JSON.stringify(text)}: ${stderr}`)));
      check();
    });
  return { child, stdout: () => stdout, stderr: () => stderr, stderrShows };
}

/** Sends `size` random bytes, ends its side (half-close), and answers what came back and the sha256 it sent. */
function sendRandom(port: number, size: number): Promise<{ answer: string; sent: string }> {
  return new Promise((resolve, reject) => {
    const hash = createHash("sha256");
    const socket = connect({ port, host: "127.0.0.1", allowHalfOpen: true });
    let answer = "";
    socket.on("data", (c: Buffer) => (answer += c.toString()));
    socket.on("end", () => {
      socket.end();
      resolve({ answer, sent: `${size} ${hash.digest("hex")}` });
    });
    socket.on("error", reject);
    socket.on("connect", () => {
      let left = size;
      const pump = () => {
        while (left > 0) {
          const chunk = randomBytes(Math.min(left, MIB));
          hash.update(chunk);
          left -= chunk.length;
          if (!socket.write(chunk)) return void socket.once("drain", pump);
        }
        socket.end();
      };
      pump();
    });
  });
}

function waitForClose(socketPort: number): Promise<{ data: string }> {
  return new Promise((resolve, reject) => {
    const socket = connect({ port: socketPort, host: "127.0.0.1" });
    let data = "";
    socket.on("data", (c: Buffer) => (data += c.toString()));
    socket.on("close", () => resolve({ data }));
    socket.on("error", reject);
    socket.on("connect", () => socket.write("hello?"));
  });
}

describe("den port-forward", () => {
  it("carries 100 MiB with a matching sha256 while den ssh stays responsive, and stops on Ctrl-C", async () => {
    const local = await freePort();
    const remote = (hashing.address() as AddressInfo).port;
    const fwd = await startForward(["pf", "--tcp", `${local}:${remote}`]);
    try {
      expect(fwd.stdout()).toBe(`Forwarding 127.0.0.1:${local} -> port ${remote} in alice/pf\n`);
      const transfer = sendRandom(local, 100 * MIB);
      const shell = t.den(["ssh", "pf", "--", "cat"], { input: "still here\n" });
      const [moved, echoed] = await Promise.all([transfer, shell]);
      expect(moved.answer).toBe(moved.sent);
      expect(echoed).toMatchObject({ code: 0, stdout: "still here\n" });
    } finally {
      fwd.child.kill("SIGINT");
    }
    const code = await new Promise<number | null>((resolve) => fwd.child.once("close", resolve));
    expect(code).toBe(0);
  });

  it("reports a port nothing listens on inside the workspace and closes the local connection", async () => {
    const local = await freePort();
    const closed = await freePort();
    const fwd = await startForward(["pf", "--tcp", `127.0.0.1:${local}:${closed}`]);
    try {
      expect(await waitForClose(local)).toEqual({ data: "" });
      await fwd.stderrShows(`den: port ${local} -> ${closed}: nothing is listening on port ${closed} inside the workspace\n`);
      // The forward keeps serving other connections.
      expect(await waitForClose(local)).toEqual({ data: "" });
    } finally {
      fwd.child.kill("SIGINT");
    }
  });

  it("forwards UDP datagrams both ways, each local peer on a flow of its own", async () => {
    // A UDP echo server "inside the workspace" that answers with the sender's port, to show flows stay apart.
    const echo = createUdpSocket("udp4");
    echo.on("message", (msg, peer) => echo.send(Buffer.concat([msg, Buffer.from(` via ${peer.port}`)]), peer.port, peer.address));
    await new Promise<void>((resolve) => echo.bind(0, "127.0.0.1", resolve));
    const remote = echo.address().port;
    const local = await freePort();
    const fwd = await startForward(["pf", "--udp", `${local}:${remote}`]);
    const clients = [createUdpSocket("udp4"), createUdpSocket("udp4")];
    try {
      const answers = await Promise.all(
        clients.map(async (client, i) => {
          await new Promise<void>((resolve) => client.bind(0, "127.0.0.1", resolve));
          const got: string[] = [];
          client.on("message", (msg) => got.push(msg.toString()));
          // UDP may drop: send until three answers came back (bounded).
          for (let n = 0; got.length < 3 && n < 200; n++) {
            client.send(`hello ${i}`, local, "127.0.0.1");
            await new Promise((r) => setTimeout(r, 25));
          }
          return got;
        }),
      );
      for (const [i, got] of answers.entries()) {
        expect(got.length).toBeGreaterThanOrEqual(3);
        expect(got[0]).toMatch(new RegExp(`^hello ${i} via \\d+$`));
        // One flow per client: every answer to a client came through the same agent-side socket.
        expect(new Set(got.map((g) => g.split(" via ")[1])).size).toBe(1);
      }
      expect(answers[0]![0]!.split(" via ")[1]).not.toBe(answers[1]![0]!.split(" via ")[1]);
    } finally {
      for (const c of clients) c.close();
      echo.close();
      fwd.child.kill("SIGINT");
    }
  });

  it("refuses a missing or malformed forward in one line", async () => {
    expect(await t.den(["port-forward", "pf"])).toMatchObject({ code: 1, stderr: "den: nothing to forward: give at least one --tcp or --udp [BIND:]LOCAL:REMOTE\n" });
    expect(await t.den(["port-forward", "pf", "--tcp", "80"])).toMatchObject({ code: 1 });
    expect(await t.den(["port-forward", "pf", "--udp", "x:53"])).toMatchObject({ code: 1 });
  });
});
