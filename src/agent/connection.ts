import type { IncomingMessage } from "node:http";
import type { Socket } from "node:net";
import type { Logger } from "pino";
import { WebSocket } from "ws";
import { clientWebSocketOptions } from "../tunnel/clientWebSocketOptions.js";
import { serveTunnel, type IncomingStream } from "../tunnel/serveTunnel.js";
import { webSocketDuplex } from "../tunnel/webSocketDuplex.js";
import { backoffDelay, defaultBackoff, type Backoff } from "./backoff.js";

export const CONNECT_PATH = "/api/v2/workspaceagents/me/connect";

/**
 * AGENT_TOKEN_HEADER of src/sdk/schemas/agentProtocol.ts, repeated: a value
 * imported from there loads zod, ~10 MB of an idle agent's memory.
 * connection.test.ts checks that the two agree.
 */
export const TOKEN_HEADER = "Den-Agent-Token";

export type ConnectionOptions = {
  /** The server's base URL (http or https), as in DEN_AGENT_URL. */
  url: string;
  token: string;
  log: Logger;
  onStream: (incoming: IncomingStream) => void;
  backoff?: Backoff;
  /** Wait after the server refused the token: slow, as only a new build brings a new one. */
  refusedRetryMs?: number;
  /** WebSocket pings; a ping unanswered by the next one ends the connection. */
  pingIntervalMs?: number;
};

/** Statuses with which the server refuses the agent's token (gone, revoked or replaced by a new build). */
const TOKEN_REFUSED = new Set([401, 403, 404]);

/**
 * The agent's one connection to the server: a WebSocket dialled out to
 * /api/v2/workspaceagents/me/connect with the agent token, carrying the
 * HTTP/2 tunnel the server opens its streams on. After any drop (the
 * server restarting included) it dials again with exponential back-off and
 * full jitter; `connectionHealthy()` resets the back-off once the server has
 * shown it works (sent the manifest), so a server that accepts and then
 * drops at once is not hammered.
 */
export class AgentConnection {
  private ws: WebSocket | undefined;
  private attempt = 0;
  private retryTimer: NodeJS.Timeout | undefined;
  private closed = false;
  private socket: Socket | undefined;
  private pastRx = 0;
  private pastTx = 0;
  private connects = 0;

  constructor(private readonly opts: ConnectionOptions) {}

  start(): void {
    this.dial();
  }

  get isConnected(): boolean {
    return this.ws?.readyState === WebSocket.OPEN;
  }

  /** How many times the agent has connected so far. */
  get connectionCount(): number {
    return this.connects;
  }

  /** Bytes received and sent on every connection so far (WebSocket and tunnel overhead included). */
  get bytes(): { rx: number; tx: number } {
    return { rx: this.pastRx + (this.socket?.bytesRead ?? 0), tx: this.pastTx + (this.socket?.bytesWritten ?? 0) };
  }

  connectionHealthy(): void {
    this.attempt = 0;
  }

  /** Ends the connection for good. */
  close(): void {
    this.closed = true;
    clearTimeout(this.retryTimer);
    this.ws?.terminate();
  }

  private dial(): void {
    if (this.closed) return;
    const { log, token } = this.opts;
    const url = connectUrl(this.opts.url);
    log.debug({ url }, "connecting to the server");
    const ws = new WebSocket(url, {
      ...clientWebSocketOptions(url),
      headers: { [TOKEN_HEADER]: token },
      handshakeTimeout: 15_000,
    });
    this.ws = ws;
    let refusedStatus: number | undefined;
    let lastError: Error | undefined;
    let opened = false;
    let pingTimer: NodeJS.Timeout | undefined;

    ws.on("upgrade", (res: IncomingMessage) => {
      this.socket = res.socket as Socket;
    });
    ws.on("unexpected-response", (_req, res: IncomingMessage) => {
      refusedStatus = res.statusCode;
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => (body = (body + chunk).slice(0, 1024)));
      const done = () => {
        lastError = new Error(`the server answered ${res.statusCode}: ${describeBody(body)}`);
        ws.terminate();
      };
      res.once("end", done);
      res.once("error", done);
      setTimeout(done, 5_000).unref();
    });
    ws.on("error", (err) => {
      lastError ??= err;
    });
    ws.on("open", () => {
      opened = true;
      this.connects++;
      log.info({ url, connection: this.connects }, "connected to the server");
      const session = serveTunnel(webSocketDuplex(ws), this.opts.onStream);
      // A tunnel that ends on its own (a protocol error) ends the WebSocket too, to dial again.
      session.once("close", () => ws.terminate());
      let answered = true;
      ws.on("pong", () => (answered = true));
      pingTimer = setInterval(() => {
        if (!answered) {
          log.warn("the server stopped answering pings: reconnecting");
          ws.terminate();
          return;
        }
        answered = false;
        ws.ping();
      }, this.opts.pingIntervalMs ?? 15_000);
    });
    ws.on("close", (code: number, reason: Buffer) => {
      clearInterval(pingTimer);
      // The server accepts the upgrade, checks the token, and closes with 4000 + the HTTP status.
      if (code >= 4000 && code < 5000 && refusedStatus === undefined) {
        refusedStatus = code - 4000;
        lastError = new Error(`the server closed the connection: ${reason.toString() || `status ${refusedStatus}`}`);
      }
      if (this.socket) {
        this.pastRx += this.socket.bytesRead;
        this.pastTx += this.socket.bytesWritten;
        this.socket = undefined;
      }
      if (this.ws === ws) this.ws = undefined;
      if (this.closed) return;
      if (opened) log.warn({ code }, "disconnected from the server");
      this.scheduleRetry(refusedStatus, lastError);
    });
  }

  private scheduleRetry(status: number | undefined, err: Error | undefined): void {
    const { log } = this.opts;
    let delay: number;
    if (status !== undefined && TOKEN_REFUSED.has(status)) {
      delay = this.opts.refusedRetryMs ?? 60_000;
      log.error(
        { status, err: err?.message, retryInMs: delay },
        "the server refused the agent token: the workspace may have been rebuilt or deleted, or DEN_AGENT_TOKEN is wrong; retrying slowly",
      );
    } else {
      delay = backoffDelay(this.attempt++, this.opts.backoff ?? defaultBackoff);
      log.warn({ status, err: err?.message, retryInMs: delay }, "cannot reach the server; retrying");
    }
    this.retryTimer = setTimeout(() => this.dial(), delay);
  }
}

/** ws(s)://<server>/api/v2/workspaceagents/me/connect, keeping a path prefix of the base URL. */
export function connectUrl(base: string): string {
  const url = new URL(base);
  url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
  url.pathname = url.pathname.replace(/\/+$/, "") + CONNECT_PATH;
  url.search = "";
  url.hash = "";
  return url.toString();
}

/** The `message` of a Den error body, else the start of the body. */
function describeBody(body: string): string {
  try {
    const parsed = JSON.parse(body) as { message?: unknown };
    if (typeof parsed.message === "string") return parsed.message;
  } catch {
    // Not JSON: show it as it is.
  }
  return body.trim().slice(0, 200) || "(no body)";
}
