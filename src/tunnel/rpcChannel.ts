import type { Duplex } from "node:stream";

/**
 * Requests and notifications as JSON lines over one tunnel stream, both ways.
 * A message with an `id` expects an answer with the same id; one without is a
 * notification. Used for the agent's RPCs (manifest, lifecycle, logs,
 * metadata, stats) beside the data streams of the same tunnel.
 */
export type RpcMessage =
  | { id?: number; method: string; params?: unknown }
  | { id: number; result?: unknown; error?: string };

export type RpcHandler = (method: string, params: unknown) => Promise<unknown> | unknown;

const MAX_LINE = 16 * 1024 * 1024;

export class RpcChannel {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private buffer = "";
  private closed = false;

  constructor(
    private readonly stream: Duplex,
    private readonly handler: RpcHandler,
  ) {
    stream.setEncoding("utf8");
    stream.on("data", (chunk: string) => this.onData(chunk));
    const onEnd = () => this.close(new Error("the RPC stream closed"));
    stream.on("end", onEnd);
    stream.on("close", onEnd);
    stream.on("error", onEnd);
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Calls `method` on the other side and waits for its answer. */
  call<T>(method: string, params?: unknown, timeoutMs = 30_000): Promise<T> {
    if (this.closed) return Promise.reject(new Error("the RPC stream is closed"));
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`${method}: no answer within ${timeoutMs} ms`));
      }, timeoutMs);
      timer.unref?.();
      this.pending.set(id, {
        resolve: (v) => (clearTimeout(timer), resolve(v as T)),
        reject: (e) => (clearTimeout(timer), reject(e)),
      });
      this.send({ id, method, params });
    });
  }

  /** Sends a message that expects no answer. */
  notify(method: string, params?: unknown): void {
    if (!this.closed) this.send({ method, params });
  }

  close(err = new Error("the RPC channel closed")): void {
    if (this.closed) return;
    this.closed = true;
    for (const p of this.pending.values()) p.reject(err);
    this.pending.clear();
    this.stream.destroy();
  }

  private send(msg: RpcMessage): void {
    this.stream.write(JSON.stringify(msg) + "\n");
  }

  private onData(chunk: string): void {
    this.buffer += chunk;
    if (this.buffer.length > MAX_LINE) return this.close(new Error("RPC message too large"));
    let nl: number;
    while ((nl = this.buffer.indexOf("\n")) >= 0) {
      const line = this.buffer.slice(0, nl);
      this.buffer = this.buffer.slice(nl + 1);
      if (line.trim()) this.onMessage(line);
    }
  }

  private onMessage(line: string): void {
    let msg: RpcMessage;
    try {
      msg = JSON.parse(line) as RpcMessage;
    } catch {
      return this.close(new Error("malformed RPC message"));
    }
    if ("method" in msg && typeof msg.method === "string") {
      const { id, method, params } = msg;
      Promise.resolve()
        .then(() => this.handler(method, params))
        .then(
          (result) => id !== undefined && !this.closed && this.send({ id, result: result ?? null }),
          (err: unknown) => id !== undefined && !this.closed && this.send({ id, error: err instanceof Error ? err.message : String(err) }),
        );
      return;
    }
    const answer = msg as { id: number; result?: unknown; error?: string };
    const p = this.pending.get(answer.id);
    if (!p) return;
    this.pending.delete(answer.id);
    if (answer.error !== undefined) p.reject(new Error(answer.error));
    else p.resolve(answer.result);
  }
}
