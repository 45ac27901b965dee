import type { Logger } from "pino";
import type { RpcChannel } from "../tunnel/rpcChannel.js";

type Item = { method: string; params: unknown };

/** Log entries the server accepts in one `logs` call (AgentLogsBatch). */
const MAX_LOGS_PER_CALL = 1000;

/**
 * The agent's calls to the server (lifecycle, logs, metadata, stats), queued
 * and delivered in order over whichever RPC stream is current. While the
 * agent is disconnected they wait, so that nothing reported during a server
 * restart is lost; past `maxQueued` the oldest logs are dropped first,
 * never lifecycle changes. Delivery is at least once: a call whose answer
 * was lost with the connection is sent again on the next one, so the server
 * must take a repeated report calmly.
 */
export class ServerOutbox {
  private readonly queue: Item[] = [];
  private channel: RpcChannel | undefined;
  private flushing = false;
  /** How many items at the head of the queue the current call carries. */
  private inFlight = 0;
  private readonly drainWaiters = new Set<() => void>();

  constructor(
    private readonly log: Logger,
    private readonly maxQueued = 2000,
  ) {}

  /** Sends over `channel` from now on (the server opened a new /rpc stream). */
  attach(channel: RpcChannel): void {
    this.channel = channel;
    void this.flush();
  }

  push(method: string, params: unknown): void {
    this.queue.push({ method, params });
    this.trim();
    void this.flush();
  }

  /** Queues `params`, replacing a queued call of the same method: only the newest matters (stats). */
  pushLatest(method: string, params: unknown): void {
    const queued = this.queue.findIndex((item, i) => i >= this.inFlight && item.method === method);
    if (queued >= 0) this.queue.splice(queued, 1);
    this.push(method, params);
  }

  get pending(): number {
    return this.queue.length;
  }

  /** Resolves true once everything queued was delivered, false after `timeoutMs`. */
  drained(timeoutMs: number): Promise<boolean> {
    if (this.queue.length === 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        resolve(true);
      };
      const timer = setTimeout(() => {
        this.drainWaiters.delete(done);
        resolve(false);
      }, timeoutMs);
      this.drainWaiters.add(done);
    });
  }

  private async flush(): Promise<void> {
    if (this.flushing) return;
    this.flushing = true;
    try {
      while (this.queue.length > 0) {
        const channel = this.channel;
        if (!channel || channel.isClosed) return;
        const { item, count } = this.next();
        this.inFlight = count;
        try {
          await channel.call(item.method, item.params);
          this.queue.splice(0, count);
        } catch (err) {
          // A closed stream: keep the call for the next connection. An open
          // one that answered with an error will refuse it again: drop it.
          if (channel.isClosed) return;
          this.log.warn({ err, method: item.method }, "the server rejected an agent report");
          this.queue.splice(0, count);
        } finally {
          this.inFlight = 0;
        }
      }
      for (const done of this.drainWaiters) done();
      this.drainWaiters.clear();
    } finally {
      this.flushing = false;
    }
    // A call pushed while the last one was in flight.
    if (this.queue.length > 0 && this.channel && !this.channel.isClosed) void this.flush();
  }

  /** The head of the queue; consecutive `logs` calls travel as one. */
  private next(): { item: Item; count: number } {
    const head = this.queue[0]!;
    if (head.method !== "logs") return { item: head, count: 1 };
    const logs: unknown[] = [];
    let count = 0;
    for (const item of this.queue) {
      if (item.method !== "logs") break;
      const entries = (item.params as { logs: unknown[] }).logs;
      if (count > 0 && logs.length + entries.length > MAX_LOGS_PER_CALL) break;
      logs.push(...entries);
      count++;
    }
    return { item: { method: "logs", params: { logs } }, count };
  }

  private trim(): void {
    let dropped = 0;
    // Items in flight are never dropped.
    for (let i = Math.max(1, this.inFlight); this.queue.length > this.maxQueued && i < this.queue.length; ) {
      if (this.queue[i]!.method === "lifecycle") i++;
      else {
        this.queue.splice(i, 1);
        dropped++;
      }
    }
    if (dropped > 0) this.log.warn({ dropped }, "too many agent reports waiting for the server: dropped the oldest");
  }
}
