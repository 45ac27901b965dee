import pg from "pg";
import type { Logger } from "pino";

export type Listener = (payload: string) => void;

/**
 * Events between processes over PostgreSQL LISTEN/NOTIFY, so that every
 * replica sees what any replica publishes. One dedicated connection listens;
 * publishing goes through the pool. After a lost connection we reconnect,
 * LISTEN again, and tell every subscriber (payload "") so it can re-read what
 * it may have missed.
 */
export class PubSub {
  private client: pg.Client | undefined;
  private readonly listeners = new Map<string, Set<Listener>>();
  private closed = false;
  private connecting: Promise<void> | undefined;
  private retryMs = 100;
  /** LISTEN/UNLISTEN run one at a time: pg does not queue queries on a client for us. */
  private commands: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly url: string,
    private readonly pool: pg.Pool,
    private readonly log: Logger,
  ) {}

  /** Channel names are identifiers: keep them short and [a-z0-9_]. */
  static channel(...parts: string[]): string {
    return parts.join("_").replace(/[^a-zA-Z0-9_]/g, "").slice(0, 63);
  }

  async start(): Promise<void> {
    await this.connect();
  }

  async publish(channel: string, payload = ""): Promise<void> {
    await this.pool.query("SELECT pg_notify($1, $2)", [channel, payload]);
  }

  /** Resolves once the LISTEN is in place, so nothing published after it is missed. */
  async subscribe(channel: string, listener: Listener): Promise<() => Promise<void>> {
    let set = this.listeners.get(channel);
    if (!set) {
      set = new Set();
      this.listeners.set(channel, set);
      await this.ensureConnected();
      await this.command(`LISTEN "${channel}"`);
    }
    set.add(listener);
    return async () => {
      const current = this.listeners.get(channel);
      if (!current) return;
      current.delete(listener);
      if (current.size === 0) {
        this.listeners.delete(channel);
        await this.command(`UNLISTEN "${channel}"`).catch(() => undefined);
      }
    };
  }

  async close(): Promise<void> {
    this.closed = true;
    this.listeners.clear();
    const client = this.client;
    this.client = undefined;
    await client?.end().catch(() => undefined);
  }

  private command(sql: string): Promise<void> {
    const run = this.commands.then(async () => {
      await this.client?.query(sql);
    });
    this.commands = run.catch(() => undefined);
    return run;
  }

  private async ensureConnected(): Promise<void> {
    if (this.client) return;
    await this.connect();
  }

  private connect(): Promise<void> {
    this.connecting ??= this.doConnect().finally(() => (this.connecting = undefined));
    return this.connecting;
  }

  private async doConnect(): Promise<void> {
    const client = new pg.Client({ connectionString: this.url, application_name: "den-pubsub" });
    client.on("notification", (msg) => {
      for (const listener of this.listeners.get(msg.channel) ?? []) {
        try {
          listener(msg.payload ?? "");
        } catch (err) {
          this.log.error({ err, channel: msg.channel }, "pubsub listener failed");
        }
      }
    });
    client.on("error", (err) => {
      this.log.warn({ err }, "pubsub connection lost");
      this.reconnectLater(client);
    });
    client.on("end", () => this.reconnectLater(client));
    await client.connect();
    for (const channel of this.listeners.keys()) await client.query(`LISTEN "${channel}"`);
    this.client = client;
    this.retryMs = 100;
  }

  private reconnectLater(dead: pg.Client): void {
    if (this.closed || this.client !== dead) return;
    this.client = undefined;
    this.retry();
  }

  private retry(): void {
    const delay = this.retryMs;
    this.retryMs = Math.min(this.retryMs * 2, 5000);
    setTimeout(() => {
      if (this.closed) return;
      this.connect()
        .then(() => {
          // Tell everyone to catch up on what they may have missed while we were away.
          for (const set of this.listeners.values()) for (const l of set) l("");
        })
        .catch(() => this.retry());
    }, delay).unref();
  }
}
