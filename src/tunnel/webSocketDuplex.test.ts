import { createHash, randomBytes } from "node:crypto";
import type { AddressInfo } from "node:net";
import type { Duplex } from "node:stream";
import { afterEach, describe, expect, it } from "vitest";
import { WebSocket, WebSocketServer } from "ws";
import { clientWebSocketOptions } from "./clientWebSocketOptions.js";
import { MAX_MESSAGE_BYTES, WEBSOCKET_HIGH_WATER_MARK, webSocketDuplex, type WebSocketDuplexOptions } from "./webSocketDuplex.js";

const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

type Pair = { client: Duplex; server: Duplex; clientWs: WebSocket; serverWs: WebSocket };

/** Two duplexes over a real WebSocket on loopback, dialled with the options Den's agent and CLI use. */
async function duplexPair(opts: WebSocketDuplexOptions = {}): Promise<Pair> {
  const wss = new WebSocketServer({ port: 0, host: "127.0.0.1", perMessageDeflate: false, maxPayload: 16 * 1024 * 1024 });
  await new Promise((r) => wss.once("listening", r));
  const accepted = new Promise<WebSocket>((resolve) => wss.once("connection", resolve));
  const clientWs = new WebSocket(`ws://127.0.0.1:${(wss.address() as AddressInfo).port}`, clientWebSocketOptions("ws://127.0.0.1/"));
  await new Promise((r) => clientWs.once("open", r));
  const serverWs = await accepted;
  const pair = { client: webSocketDuplex(clientWs, opts), server: webSocketDuplex(serverWs, opts), clientWs, serverWs };
  pair.client.on("error", () => undefined);
  pair.server.on("error", () => undefined);
  cleanups.push(() => {
    clientWs.terminate();
    serverWs.terminate();
    wss.close();
  });
  return pair;
}

/** Sizes of the binary messages a WebSocket receives. */
function messageSizes(ws: WebSocket): number[] {
  const sizes: number[] = [];
  ws.on("message", (data: Buffer, isBinary: boolean) => {
    if (isBinary) sizes.push(data.length);
  });
  return sizes;
}

function readAll(stream: Duplex): Promise<Buffer> {
  const chunks: Buffer[] = [];
  stream.on("data", (c: Buffer) => chunks.push(c));
  return new Promise((resolve, reject) => {
    stream.once("end", () => resolve(Buffer.concat(chunks)));
    stream.once("error", reject);
  });
}

const digest = (b: Buffer) => createHash("sha256").update(b).digest("hex");

async function until(condition: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setImmediate(r));
  }
}

describe("webSocketDuplex", () => {
  it("delivers many small writes intact and in order, in fewer messages", async () => {
    const { client, server, serverWs } = await duplexPair({ halfClose: true });
    const sizes = messageSizes(serverWs);
    const received = readAll(server);
    const writes: Buffer[] = [];
    for (let i = 0; i < 5000; i++) {
      const chunk = Buffer.from(`${i}:${"x".repeat(i % 97)};`);
      writes.push(chunk);
      client.write(chunk);
    }
    client.end();
    expect((await received).toString()).toBe(Buffer.concat(writes).toString());
    // Writes made in one turn of the event loop share a message.
    expect(sizes.length).toBeLessThan(writes.length / 10);
  });

  it("splits a large write into messages the server's maxPayload accepts", async () => {
    const { client, server, serverWs } = await duplexPair({ halfClose: true });
    const sizes = messageSizes(serverWs);
    const received = readAll(server);
    const data = randomBytes(3 * 1024 * 1024 + 123);
    client.end(data);
    expect(digest(await received)).toBe(digest(data));
    expect(sizes.length).toBeGreaterThanOrEqual(Math.ceil(data.length / MAX_MESSAGE_BYTES));
    expect(Math.max(...sizes)).toBeLessThanOrEqual(MAX_MESSAGE_BYTES);
  });

  it("holds a writer back while the peer does not read, then delivers every byte", async () => {
    const { client, server, clientWs } = await duplexPair({ halfClose: true });
    // Nobody reads the server's side yet: its push fills up, it pauses the
    // WebSocket, and the kernel's buffers fill until the client's socket
    // holds bytes it cannot send.
    const chunk = 64 * 1024;
    const total = 128 * 1024 * 1024;
    const data = randomBytes(chunk * 64);
    let written = 0;
    let waiting = false;
    let maxBuffered = 0;
    const pump = () => {
      waiting = false;
      while (written < total) {
        const at = written % data.length;
        written += chunk;
        const ok = client.write(data.subarray(at, at + chunk));
        maxBuffered = Math.max(maxBuffered, clientWs.bufferedAmount);
        if (!ok) {
          waiting = true;
          return void client.once("drain", pump);
        }
      }
      client.end();
    };
    pump();
    await until(() => waiting && clientWs.bufferedAmount >= WEBSOCKET_HIGH_WATER_MARK, "the socket to back up");
    // Stuck: the writer waits for 'drain', and what the stream holds is bounded.
    expect(written).toBeLessThan(total);
    const stuckAt = written;
    await new Promise((r) => setImmediate(r));
    expect(written).toBe(stuckAt);
    expect(maxBuffered).toBeLessThan(WEBSOCKET_HIGH_WATER_MARK + MAX_MESSAGE_BYTES + 2 * chunk);
    expect(client.writableLength).toBeLessThanOrEqual(client.writableHighWaterMark + chunk);

    const hash = createHash("sha256");
    let receivedBytes = 0;
    server.on("data", (c: Buffer) => {
      hash.update(c);
      receivedBytes += c.length;
    });
    await new Promise((r) => server.once("end", r));
    expect(receivedBytes).toBe(total);
    const expected = createHash("sha256");
    for (let at = 0; at < total; at += data.length) expected.update(data);
    expect(hash.digest("hex")).toBe(expected.digest("hex"));
  });

  it("keeps reading for the tunnel while its reader waits, so that the peer's writes complete", async () => {
    // Without half-close (the HTTP/2 tunnel) the reader's pause must not stop
    // the socket: HTTP/2 stops reading while it writes, and two sessions that
    // wait on each other's reads would stall (see FLOW_CONTROLLED_READ_BUFFER).
    const { client, server } = await duplexPair();
    server.pause();
    const data = randomBytes(24 * 1024 * 1024);
    const written = new Promise<Error | null | undefined>((resolve) => client.write(data, resolve));
    await until(() => server.readableLength === data.length, "the server to read every byte");
    expect(await written).toBeFalsy();
    const chunks: Buffer[] = [];
    let chunk: Buffer | null;
    while ((chunk = server.read() as Buffer | null) !== null) chunks.push(chunk);
    expect(digest(Buffer.concat(chunks))).toBe(digest(data));
  });

  it("half-closes each direction on its own, then closes the WebSocket", async () => {
    const { client, server, clientWs, serverWs } = await duplexPair({ halfClose: true });
    const closeCodes = Promise.all([clientWs, serverWs].map((ws) => new Promise<number>((resolve) => ws.once("close", resolve))));
    const atServer = readAll(server);
    client.write("request, ");
    client.end("and the end of it");
    expect((await atServer).toString()).toBe("request, and the end of it");
    // The client's side has ended; the server can still answer on its own.
    expect(serverWs.readyState).toBe(WebSocket.OPEN);
    const atClient = readAll(client);
    server.write("an answer ");
    server.end("after the request ended");
    expect((await atClient).toString()).toBe("an answer after the request ended");
    expect(await closeCodes).toEqual([1000, 1000]);
  });

  it("fails the stream when the peer goes away without ending its side", async () => {
    const { client, serverWs } = await duplexPair({ halfClose: true });
    const failed = new Promise<Error>((resolve) => client.once("error", resolve));
    serverWs.terminate();
    expect((await failed).message).toBe("the WebSocket closed before the stream ended");
  });

  it("sends what was written before a plain destroy, then closes", async () => {
    const { client, server, serverWs } = await duplexPair();
    const chunks: Buffer[] = [];
    server.on("data", (c: Buffer) => chunks.push(c));
    const closed = new Promise<number>((resolve) => serverWs.once("close", resolve));
    client.write("last words");
    client.destroy();
    expect(await closed).toBe(1000);
    expect(Buffer.concat(chunks).toString()).toBe("last words");
  });

  it("refuses writes once the WebSocket has closed", async () => {
    const { client, clientWs } = await duplexPair();
    clientWs.close();
    await new Promise((r) => clientWs.once("close", r));
    const err = await new Promise<Error | null | undefined>((resolve) => client.write("late", resolve));
    expect(err).toBeInstanceOf(Error);
  });
});
