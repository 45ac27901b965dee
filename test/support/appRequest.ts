import { request, type IncomingHttpHeaders, type IncomingMessage, type OutgoingHttpHeaders } from "node:http";
import type { Readable } from "node:stream";
import { WebSocket } from "ws";

/**
 * Requests to a Den server with any Host header. Node cannot resolve
 * `*.den.localhost`, so app hosts are reached by sending to the server's
 * loopback address with the app's host in the Host header, which is what a
 * browser resolving `*.localhost` to loopback sends too.
 */
export type AppRequestOptions = {
  /** The Host header; default the server's own. */
  host?: string;
  method?: string;
  /** Path and query as sent (not encoded again). */
  path: string;
  headers?: OutgoingHttpHeaders;
  body?: Buffer | string | Readable;
  /** Cookies to send, name → value. */
  cookies?: Record<string, string>;
};

export type AppResponse = {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
  text(): string;
  json<T = unknown>(): T;
  /** Set-Cookie headers, parsed to name → value. */
  cookies(): Record<string, string>;
};

/** Sends the request to `serverUrl` (http://127.0.0.1:port) and streams the answer, for large or endless bodies. */
export function appStream(serverUrl: string, opts: AppRequestOptions): Promise<IncomingMessage> {
  const server = new URL(serverUrl);
  const headers: OutgoingHttpHeaders = { ...opts.headers, host: opts.host ?? server.host };
  if (opts.cookies) headers.cookie = Object.entries(opts.cookies).map(([k, v]) => `${k}=${v}`).join("; ");
  return new Promise((resolve, reject) => {
    const req = request({ host: server.hostname, port: server.port, method: opts.method ?? "GET", path: opts.path, headers, agent: false }, resolve);
    req.on("error", reject);
    const body = opts.body;
    if (body === undefined || typeof body === "string" || Buffer.isBuffer(body)) req.end(body);
    else body.pipe(req);
  });
}

/** Sends the request and reads the whole answer. */
export async function appRequest(serverUrl: string, opts: AppRequestOptions): Promise<AppResponse> {
  const res = await appStream(serverUrl, opts);
  const chunks: Buffer[] = [];
  for await (const chunk of res) chunks.push(chunk as Buffer);
  const body = Buffer.concat(chunks);
  return {
    status: res.statusCode ?? 0,
    headers: res.headers,
    body,
    text: () => body.toString("utf8"),
    json: <T>() => JSON.parse(body.toString("utf8")) as T,
    cookies: () => parseSetCookies(res.headers["set-cookie"]),
  };
}

/** The name → value of Set-Cookie headers. */
export function parseSetCookies(headers: string[] | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of headers ?? []) {
    const pair = line.split(";", 1)[0]!;
    const eq = pair.indexOf("=");
    if (eq > 0) out[pair.slice(0, eq).trim()] = decodeURIComponent(pair.slice(eq + 1).trim());
  }
  return out;
}

/**
 * Opens a WebSocket to `path` on the server with this Host header; resolves
 * once open, rejects with the HTTP status when the upgrade is refused.
 */
export function openAppWebSocket(serverUrl: string, opts: { host?: string; path: string; headers?: Record<string, string>; cookies?: Record<string, string> }): Promise<WebSocket> {
  const server = new URL(serverUrl);
  const headers: Record<string, string> = { ...opts.headers, host: opts.host ?? server.host };
  if (opts.cookies) headers.cookie = Object.entries(opts.cookies).map(([k, v]) => `${k}=${v}`).join("; ");
  const ws = new WebSocket(`ws://${server.host}${opts.path}`, { headers, perMessageDeflate: false });
  return new Promise((resolve, reject) => {
    ws.once("open", () => resolve(ws));
    ws.once("unexpected-response", (_req, res) => {
      res.resume();
      ws.terminate();
      reject(new WebSocketRefused(res.statusCode ?? 0));
    });
    ws.once("error", reject);
  });
}

export class WebSocketRefused extends Error {
  constructor(readonly status: number) {
    super(`WebSocket upgrade refused with status ${status}`);
  }
}
