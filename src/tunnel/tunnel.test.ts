import { createHash, randomBytes } from "node:crypto";
import { connect, createServer, type AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { WebSocket, WebSocketServer } from "ws";
import { clientWebSocketOptions } from "./clientWebSocketOptions.js";
import { TunnelClient, TunnelStreamError } from "./openTunnel.js";
import { serveTunnel, type IncomingStream } from "./serveTunnel.js";
import { webSocketDuplex } from "./webSocketDuplex.js";

const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

/** A real WebSocket on loopback: the agent side serves, the server side opens streams. */
async function tunnelPair(onStream: (s: IncomingStream) => void): Promise<TunnelClient & { agentWs: WebSocket }> {
  const wss = new WebSocketServer({ port: 0, host: "127.0.0.1", perMessageDeflate: false });
  await new Promise((r) => wss.once("listening", r));
  const accepted = new Promise<WebSocket>((resolve) => wss.once("connection", resolve));
  const agentWs = new WebSocket(`ws://127.0.0.1:${(wss.address() as AddressInfo).port}`, clientWebSocketOptions("ws://127.0.0.1/"));
  await new Promise((r) => agentWs.once("open", r));
  serveTunnel(webSocketDuplex(agentWs), onStream);
  const client = new TunnelClient(webSocketDuplex(await accepted));
  cleanups.push(() => {
    client.close();
    agentWs.terminate();
    wss.close();
  });
  return Object.assign(client, { agentWs });
}

describe("tunnel", () => {
  it("carries a byte-exact echo stream with half-close", async () => {
    const client = await tunnelPair((s) => {
      if (s.path !== "/echo") return s.refuse(404, "no such stream");
      const stream = s.accept();
      stream.pipe(stream);
    });
    const stream = await client.openStream("/echo");
    const data = randomBytes(8 * 1024 * 1024);
    const received: Buffer[] = [];
    const done = new Promise<void>((resolve) => stream.on("end", resolve));
    stream.on("data", (c: Buffer) => received.push(c));
    stream.end(data);
    await done;
    const digest = (b: Buffer) => createHash("sha256").update(b).digest("hex");
    expect(digest(Buffer.concat(received))).toBe(digest(data));
  });

  it("echoes more than the sockets buffer both ways at once without stalling", async () => {
    // Both sessions write while the other is busy writing, and Node's HTTP/2
    // stops reading while it writes: had the WebSockets stopped reading too,
    // each side's write would wait for the other's read.
    const echo = createServer({ allowHalfOpen: true }, (socket) => socket.pipe(socket));
    await new Promise<void>((resolve) => echo.listen(0, "127.0.0.1", resolve));
    cleanups.push(() => echo.close());
    const port = (echo.address() as AddressInfo).port;
    const client = await tunnelPair((s) => {
      const stream = s.accept();
      const socket = connect({ host: "127.0.0.1", port, allowHalfOpen: true });
      socket.pipe(stream);
      stream.pipe(socket);
    });
    const stream = await client.openStream("/tcp");
    const data = randomBytes(48 * 1024 * 1024);
    const hash = createHash("sha256");
    let received = 0;
    stream.on("data", (c: Buffer) => {
      hash.update(c);
      received += c.length;
    });
    const done = new Promise<void>((resolve) => stream.on("end", resolve));
    stream.end(data);
    await done;
    expect(received).toBe(data.length);
    expect(hash.digest("hex")).toBe(createHash("sha256").update(data).digest("hex"));
  });

  it("reports a refused stream with the agent's status and message", async () => {
    const client = await tunnelPair((s) => s.refuse(502, "nothing listens on port 9"));
    const err = await client.openStream("/tcp?port=9").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TunnelStreamError);
    expect((err as TunnelStreamError).status).toBe(502);
    expect((err as Error).message).toBe("nothing listens on port 9");
  });

  it("keeps a small stream responsive while another one is saturated", async () => {
    const client = await tunnelPair((s) => {
      const stream = s.accept();
      if (s.path === "/sink") stream.resume();
      else stream.pipe(stream);
    });
    const sink = await client.openStream("/sink");
    let pumping = true;
    const chunk = Buffer.alloc(1024 * 1024);
    const pump = async () => {
      while (pumping) if (!sink.write(chunk)) await new Promise((r) => sink.once("drain", r));
    };
    const pumped = pump();
    const echo = await client.openStream("/echo");
    for (let i = 0; i < 20; i++) {
      const got = new Promise<Buffer>((resolve) => echo.once("data", resolve));
      echo.write(`ping ${i}`);
      expect((await got).toString()).toBe(`ping ${i}`);
    }
    pumping = false;
    await pumped;
    sink.destroy();
    echo.destroy();
  });

  it("answers JSON requests", async () => {
    const client = await tunnelPair((s) => {
      const stream = s.accept();
      stream.end(JSON.stringify({ path: s.path, port: s.query.get("port") }));
    });
    expect(await client.getJson("/listening-ports?port=22")).toEqual({ path: "/listening-ports", port: "22" });
  });

  it("survives the agent's WebSocket dropping in the middle of a transfer", async () => {
    const client = await tunnelPair((s) => s.accept().resume());
    const stream = await client.openStream("/sink");
    const closed = new Promise<void>((resolve) => stream.on("close", resolve));
    stream.on("error", () => undefined);
    const chunk = Buffer.alloc(1024 * 1024);
    for (let i = 0; i < 8; i++) stream.write(chunk);
    client.agentWs.terminate();
    await closed;
    await expect(client.openStream("/sink")).rejects.toThrow();
    expect(client.closed).toBe(true);
  });
});
