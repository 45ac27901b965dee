// One idle workspace agent without a workspace: the real agent's connection
// (src/agent/connection.ts: the WebSocket, the HTTP/2 tunnel, pings,
// reconnects), its RPC channel and outbox, and the reports an idle agent
// makes on the real intervals. What it leaves out is what happens inside a
// workspace: scripts, and the metadata commands (their values are made up,
// so that thousands of agents do not spawn thousands of shells on the
// benchmark's machine).
import { pino, type Logger } from "pino";
import { Writable } from "node:stream";
import { AgentConnection } from "../src/agent/connection.js";
import { parseManifest } from "../src/agent/parseManifest.js";
import { ServerOutbox } from "../src/agent/ServerOutbox.js";
import { SessionStats } from "../src/agent/stats/SessionStats.js";
import type { AgentManifest } from "../src/sdk/schemas/agentProtocol.js";
import { RpcChannel } from "../src/tunnel/rpcChannel.js";
import { TunnelPaths } from "../src/tunnel/tunnelSettings.js";

/** src/agent/main.ts's default statsIntervalMs. */
const STATS_INTERVAL_MS = 30_000;
/** MetadataCollector's default flushMs: results of one round travel together. */
const METADATA_FLUSH_MS = 1000;

/** What went wrong (or right) for the agents of one process, counted from their connections' logs. */
export type AgentEvents = {
  connects: number;
  /** A dial that failed: refused, timed out, reset; the agent retries with back-off. */
  dialFailures: number;
  /** The server refused the token (the agent then retries only slowly). */
  refusals: number;
  /** An open connection that dropped. */
  disconnects: number;
  /** A report (lifecycle, metadata, stats) the server answered with an error. */
  rejectedReports: number;
};

export function newAgentEvents(): AgentEvents {
  return { connects: 0, dialFailures: 0, refusals: 0, disconnects: 0, rejectedReports: 0 };
}

/** A pino logger that counts the connection's events instead of printing them. */
export function countingLogger(events: AgentEvents): Logger {
  const counted: Record<string, keyof AgentEvents> = {
    "connected to the server": "connects",
    "cannot reach the server; retrying": "dialFailures",
    "disconnected from the server": "disconnects",
    "the server rejected an agent report": "rejectedReports",
  };
  const sink = new Writable({
    write(line: Buffer, _enc, cb) {
      const msg = (JSON.parse(line.toString()) as { msg: string }).msg;
      const key = counted[msg] ?? (msg.startsWith("the server refused the agent token") ? "refusals" : undefined);
      if (key) events[key]++;
      cb();
    },
  });
  return pino({ level: "info", base: null, timestamp: false }, sink);
}

export class SimulatedAgent {
  private readonly outbox: ServerOutbox;
  private readonly stats = new SessionStats();
  private readonly connection: AgentConnection;
  private readonly timers: NodeJS.Timeout[] = [];
  private manifest: AgentManifest | undefined;
  private flushTimer: NodeJS.Timeout | undefined;
  private readonly started = performance.now();
  private resolveReady: (ms: number) => void = () => undefined;
  /** Milliseconds from start() to the server's answer to lifecycle `ready`. */
  readonly ready = new Promise<number>((resolve) => (this.resolveReady = resolve));
  /** Milliseconds from start() to the first manifest. */
  manifestMs: number | undefined;

  constructor(url: string, token: string, log: Logger) {
    this.outbox = new ServerOutbox(log);
    this.connection = new AgentConnection({
      url,
      token,
      log,
      onStream: (incoming) => {
        if (incoming.path !== TunnelPaths.rpc) return incoming.refuse(404, `a simulated agent serves only ${TunnelPaths.rpc}`);
        const channel = new RpcChannel(incoming.accept(), (method, params) => {
          if (method !== "manifest") throw new Error(`the agent has no method ${JSON.stringify(method)}`);
          this.onManifest(parseManifest(params));
          this.connection.connectionHealthy();
          return null;
        });
        this.outbox.attach(channel);
      },
    });
    // Like the real agent's stats timer, this one runs from the agent's start, connected or not;
    // a random phase stands for agents that started at different times.
    this.every(STATS_INTERVAL_MS, () => this.outbox.pushLatest("stats", this.stats.snapshot(this.connection.bytes)));
  }

  start(): void {
    this.connection.start();
  }

  close(): void {
    for (const t of this.timers) clearTimeout(t);
    clearTimeout(this.flushTimer);
    this.connection.close();
  }

  get isConnected(): boolean {
    return this.connection.isConnected;
  }

  /** What the real agent does with its first manifest and no start scripts: lifecycle starting → ready, then metadata. */
  private onManifest(manifest: AgentManifest): void {
    if (this.manifest) return;
    this.manifest = manifest;
    this.manifestMs = performance.now() - this.started;
    this.outbox.push("lifecycle", { state: "starting" });
    this.outbox.push("lifecycle", { state: "ready" });
    void this.outbox.drained(600_000).then(() => this.resolveReady(performance.now() - this.started));
    // MetadataCollector collects every item at once, then on its interval, and sends what one round found together.
    const pending = new Map<string, { key: string; value: string; error: string; collected_at: string }>();
    const collect = (key: string) => {
      pending.set(key, { key, value: key === "load" ? "0.42 0.37 0.30" : "1.2G", error: "", collected_at: new Date().toISOString() });
      this.flushTimer ??= setTimeout(() => {
        this.flushTimer = undefined;
        this.outbox.push("metadata", { results: [...pending.values()] });
        pending.clear();
      }, METADATA_FLUSH_MS);
    };
    for (const spec of manifest.metadata) {
      collect(spec.key);
      this.every(spec.interval * 1000, () => collect(spec.key));
    }
  }

  /** Runs `tick` every `ms`, the first time after a random part of `ms`. */
  private every(ms: number, tick: () => void): void {
    const first = setTimeout(() => {
      tick();
      const timer = setInterval(tick, ms);
      timer.unref();
      this.timers.push(timer);
    }, Math.random() * ms);
    first.unref();
    this.timers.push(first);
  }
}
