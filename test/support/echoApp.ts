import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { WebSocketServer } from "ws";

/**
 * A small web app for tests and benchmarks of the app proxy. The process
 * driver runs workspaces on this machine, so a test starts it on loopback
 * and points a template's app `url` at it.
 *
 * - `GET /` an HTML page (`<h1 id="echo-app">Echo app</h1>`).
 * - `GET|POST|… /echo…` JSON `EchoRequest`: what the app received (method,
 *   raw path and query, headers). Any path ending in `/echo` answers it.
 * - `POST /upload` streams the body and answers `{ bytes, sha256 }`.
 * - `GET /download?bytes=N` streams N bytes of `downloadBytes` (see
 *   `downloadSha256`), with backpressure.
 * - `GET /sse` server-sent events: `data: 0` at once, then one event per
 *   `EchoApp.sendEvent`, until `EchoApp.endEvents`. `GET /sse?count=N&interval=MS`
 *   sends N events by itself instead.
 * - WebSocket on any path ending in `/ws`: echoes every message (text as
 *   text, binary as binary).
 * - `GET /set-cookie` tries to set `den_session_token`, `den_app_token` and
 *   `den_csrf_token` to "evil", and `app=1`.
 * - `GET /redirect` answers 302 to `./echo` (`?to=` for another target).
 * - `GET /status?code=N` answers status N.
 * - `GET /small` answers 13 bytes (`hello, world\n`): for benchmarks.
 */
export type EchoApp = {
  port: number;
  /** `http://127.0.0.1:<port>` (https for a TLS app). */
  url: string;
  https: boolean;
  /** Requests answered so far, WebSocket upgrades included. */
  readonly requests: number;
  /** TCP connections accepted so far (fewer than requests when clients keep connections alive). */
  readonly connections: number;
  /** TCP connections open now. */
  readonly openConnections: number;
  /** Sends an event to every open /sse stream. */
  sendEvent(data: string): void;
  /** Ends every open /sse stream. */
  endEvents(): void;
  /** Stops listening and drops every open connection. */
  close(): Promise<void>;
};

export type EchoRequest = {
  method: string;
  /** The request target as received: raw path and query. */
  url: string;
  path: string;
  query: Record<string, string>;
  headers: Record<string, string | string[] | undefined>;
};

export type EchoAppOptions = {
  /** 0 (default) picks a free port. */
  port?: number;
  host?: string;
  /** Serve HTTPS with a fresh self-signed certificate (needs the openssl command). */
  tls?: boolean;
  /** How long an idle keep-alive connection stays open (Node's default: 5 s). */
  keepAliveTimeoutMs?: number;
};

/** The bytes /download streams are a fixed pattern of this (prime) period, so that a moved block changes the checksum. */
const PATTERN = makePattern(65_521);

export async function startEchoApp(opts: EchoAppOptions = {}): Promise<EchoApp> {
  let requests = 0;
  let connections = 0;
  const events = new Set<ServerResponse>();
  const sockets = new Set<Socket>();
  const handler = (req: IncomingMessage, res: ServerResponse) => {
    requests++;
    serve(req, res, events);
  };
  const server: Server = opts.tls ? createHttpsServer(selfSignedCertificate(), handler) : createHttpServer(handler);
  if (opts.keepAliveTimeoutMs !== undefined) server.keepAliveTimeout = opts.keepAliveTimeoutMs;
  server.on(opts.tls ? "secureConnection" : "connection", (socket: Socket) => {
    connections++;
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
  });
  const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false });
  server.on("upgrade", (req: IncomingMessage, socket: Socket, head: Buffer) => {
    requests++;
    const path = (req.url ?? "/").split("?")[0]!;
    if (!path.endsWith("/ws")) return void socket.end("HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
    wss.handleUpgrade(req, socket, head, (ws) => {
      ws.on("message", (data, isBinary) => ws.send(data, { binary: isBinary }));
    });
  });
  await new Promise<void>((resolve, reject) => server.once("error", reject).listen(opts.port ?? 0, opts.host ?? "127.0.0.1", resolve));
  const address = server.address();
  if (!address || typeof address === "string") throw new Error("echo app has no TCP address");
  return {
    port: address.port,
    url: `${opts.tls ? "https" : "http"}://127.0.0.1:${address.port}`,
    https: opts.tls === true,
    get requests() {
      return requests;
    },
    get connections() {
      return connections;
    },
    get openConnections() {
      return sockets.size;
    },
    sendEvent(data) {
      for (const res of events) res.write(`data: ${data}\n\n`);
    },
    endEvents() {
      for (const res of events) res.end();
      events.clear();
    },
    async close() {
      for (const res of events) res.destroy();
      for (const client of wss.clients) client.terminate();
      for (const socket of sockets) socket.destroy();
      wss.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function serve(req: IncomingMessage, res: ServerResponse, events: Set<ServerResponse>): void {
  const url = req.url ?? "/";
  const q = url.indexOf("?");
  const path = q < 0 ? url : url.slice(0, q);
  const query = Object.fromEntries(new URLSearchParams(q < 0 ? "" : url.slice(q + 1)));
  const json = (status: number, body: unknown) => {
    const text = JSON.stringify(body);
    res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text) }).end(text);
  };
  if (path.endsWith("/echo")) {
    // Whatever the method, the body is read (and dropped) before answering.
    req.resume();
    req.on("end", () => json(200, { method: req.method ?? "GET", url, path, query, headers: req.headers } satisfies EchoRequest));
    return;
  }
  if (path.endsWith("/upload")) {
    const hash = createHash("sha256");
    let bytes = 0;
    req.on("data", (chunk: Buffer) => {
      bytes += chunk.length;
      hash.update(chunk);
    });
    req.on("end", () => json(200, { bytes, sha256: hash.digest("hex") }));
    return;
  }
  req.resume();
  if (path.endsWith("/download")) {
    const bytes = Number(query.bytes ?? 0);
    if (!Number.isSafeInteger(bytes) || bytes < 0) return json(400, { error: "bytes must be a whole number" });
    res.writeHead(200, { "content-type": "application/octet-stream", "content-length": bytes });
    downloadBytes(bytes).pipe(res);
    return;
  }
  if (path.endsWith("/sse")) {
    res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
    res.write("data: 0\n\n");
    const count = Number(query.count ?? 0);
    if (count > 0) {
      let sent = 1;
      const timer = setInterval(() => {
        if (sent >= count) {
          clearInterval(timer);
          return void res.end();
        }
        res.write(`data: ${sent++}\n\n`);
      }, Number(query.interval ?? 100));
      res.once("close", () => clearInterval(timer));
      return;
    }
    events.add(res);
    res.once("close", () => events.delete(res));
    return;
  }
  if (path.endsWith("/set-cookie")) {
    res.writeHead(200, {
      "content-type": "text/plain",
      "set-cookie": ["den_session_token=evil; Path=/", "den_app_token=evil; Path=/", "den_csrf_token=evil; Path=/", "app=1; Path=/"],
    });
    return void res.end("cookies\n");
  }
  if (path.endsWith("/redirect")) {
    res.writeHead(302, { location: query.to ?? "./echo", "content-length": 0 });
    return void res.end();
  }
  if (path.endsWith("/status")) {
    res.writeHead(Number(query.code ?? 200), { "content-type": "text/plain" });
    return void res.end(`status ${query.code ?? 200}\n`);
  }
  if (path.endsWith("/small")) {
    res.writeHead(200, { "content-type": "text/plain", "content-length": 13 });
    return void res.end("hello, world\n");
  }
  if (path === "/" || path.endsWith("/index.html")) {
    const page = `<!doctype html><html><head><meta charset="utf-8"><title>Echo app</title></head><body><h1 id="echo-app">Echo app</h1></body></html>\n`;
    res.writeHead(200, { "content-type": "text/html; charset=utf-8", "content-length": Buffer.byteLength(page) });
    return void res.end(page);
  }
  json(404, { error: `no such page: ${path}` });
}

/** The first `bytes` bytes of the download pattern, as a stream that respects backpressure. */
export function downloadBytes(bytes: number): Readable {
  let offset = 0;
  return new Readable({
    read(size) {
      if (offset >= bytes) return void this.push(null);
      const n = Math.min(bytes - offset, Math.max(size, 64 * 1024));
      this.push(patternSlice(offset, n));
      offset += n;
    },
  });
}

/** The SHA-256 (hex) of what /download?bytes=N sends. */
export function downloadSha256(bytes: number): string {
  const hash = createHash("sha256");
  for (let offset = 0; offset < bytes; offset += 1024 * 1024) hash.update(patternSlice(offset, Math.min(1024 * 1024, bytes - offset)));
  return hash.digest("hex");
}

function patternSlice(offset: number, length: number): Buffer {
  const out = Buffer.allocUnsafe(length);
  let written = 0;
  while (written < length) {
    const at = (offset + written) % PATTERN.length;
    written += PATTERN.copy(out, written, at, Math.min(PATTERN.length, at + length - written));
  }
  return out;
}

function makePattern(length: number): Buffer {
  const out = Buffer.alloc(length);
  let x = 0x9e3779b9;
  for (let i = 0; i < length; i++) {
    // xorshift32: cheap bytes that look random enough that no block repeats another.
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

function selfSignedCertificate(): { key: Buffer; cert: Buffer } {
  const dir = mkdtempSync(join(tmpdir(), "den-echo-tls-"));
  try {
    execFileSync(
      "openssl",
      ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", join(dir, "key.pem"), "-out", join(dir, "cert.pem"), "-days", "1", "-subj", "/CN=den-echo-app"],
      { stdio: "ignore" },
    );
    return { key: readFileSync(join(dir, "key.pem")), cert: readFileSync(join(dir, "cert.pem")) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
