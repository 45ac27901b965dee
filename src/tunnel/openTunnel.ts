import http2, { type ClientHttp2Session, type ClientHttp2Stream, type IncomingHttpHeaders } from "node:http2";
import type { Duplex } from "node:stream";
import { TUNNEL_SESSION_MEMORY, TUNNEL_WINDOW, tunnelSettings } from "./tunnelSettings.js";

/**
 * The server's end of an agent tunnel: an HTTP/2 client over the agent's
 * WebSocket. Every stream to the agent (ssh, pty, tcp, rpc) is a request on
 * this one session.
 */
export class TunnelClient {
  readonly session: ClientHttp2Session;
  private pingTimer: NodeJS.Timeout | undefined;
  private readonly duplex: Duplex;

  constructor(duplex: Duplex, opts: { pingIntervalMs?: number; onClose?: () => void } = {}) {
    this.duplex = duplex;
    this.session = http2.connect("http://den-agent", {
      createConnection: () => duplex,
      settings: tunnelSettings,
      maxSessionMemory: TUNNEL_SESSION_MEMORY,
    });
    this.session.on("connect", () => this.session.setLocalWindowSize(TUNNEL_WINDOW));
    this.session.on("error", () => undefined);
    this.session.on("close", () => {
      clearInterval(this.pingTimer);
      opts.onClose?.();
    });
    const interval = opts.pingIntervalMs ?? 15_000;
    this.pingTimer = setInterval(() => {
      // A ping unanswered by the next interval means the agent is gone.
      let answered = false;
      const ok = this.session.ping((err) => {
        answered = !err;
      });
      if (!ok) return;
      setTimeout(() => {
        if (!answered && !this.session.closed) this.close();
      }, interval).unref();
    }, interval);
    this.pingTimer.unref();
  }

  get closed(): boolean {
    return this.session.closed || this.session.destroyed;
  }

  /**
   * Opens a bidirectional stream to the agent. Resolves once the agent has
   * accepted it (status 200); rejects with the agent's message otherwise.
   */
  openStream(path: string, headers: Record<string, string> = {}): Promise<ClientHttp2Stream> {
    return new Promise((resolve, reject) => {
      if (this.closed) return reject(new TunnelClosedError());
      let stream: ClientHttp2Stream;
      try {
        stream = this.session.request({ ":method": "POST", ":path": path, ...headers }, { endStream: false });
      } catch (err) {
        return reject(err instanceof Error ? err : new Error(String(err)));
      }
      const onError = (err: Error) => reject(err);
      stream.once("error", onError);
      stream.once("response", (h: IncomingHttpHeaders) => {
        stream.off("error", onError);
        const status = Number(h[":status"]);
        if (status === 200) return resolve(stream);
        const message = decodeURIComponent(String(h["den-error"] ?? `agent answered ${status}`));
        stream.destroy();
        reject(new TunnelStreamError(status, message));
      });
    });
  }

  /** A request with a JSON answer (e.g. listening ports). */
  async getJson<T>(path: string): Promise<T> {
    const stream = await this.openStream(path);
    stream.end();
    const chunks: Buffer[] = [];
    for await (const c of stream) chunks.push(c as Buffer);
    return JSON.parse(Buffer.concat(chunks).toString("utf8")) as T;
  }

  /** Ends the tunnel at once; see webSocketDuplex.ts for why not gracefully. */
  close(): void {
    clearInterval(this.pingTimer);
    this.duplex.destroy();
    this.session.destroy();
  }
}

export class TunnelClosedError extends Error {
  override name = "TunnelClosedError";
  constructor() {
    super("the agent's connection is closed");
  }
}

export class TunnelStreamError extends Error {
  override name = "TunnelStreamError";
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}
