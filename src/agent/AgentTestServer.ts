import { EventEmitter } from "node:events";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { pino } from "pino";
import { WebSocketServer, type WebSocket } from "ws";
import type { z } from "zod";
import {
  AGENT_TOKEN_HEADER,
  AgentLogsBatch,
  AgentStats,
  AppHealthBatch,
  LifecycleUpdate,
  MetadataBatch,
  type AgentLogEntry,
  type AgentManifest,
  type MetadataResult,
} from "../sdk/schemas/agentProtocol.js";
import { TunnelClient } from "../tunnel/openTunnel.js";
import { RpcChannel } from "../tunnel/rpcChannel.js";
import { TunnelPaths } from "../tunnel/tunnelSettings.js";
import { webSocketDuplex } from "../tunnel/webSocketDuplex.js";
import { CONNECT_PATH } from "./connection.js";
import { startAgent, type AgentOptions, type RunningAgent } from "./main.js";

/**
 * Plays the Den server for the agent's tests: a real WebSocket endpoint on
 * loopback that checks the agent token, opens the tunnel, sends the manifest
 * on /rpc and records (after validating them against the protocol) every
 * report the agent sends. Tests only; the real server lives in src/server.
 */
export class AgentTestServer {
  readonly lifecycle: Array<z.infer<typeof LifecycleUpdate>> = [];
  readonly logs: AgentLogEntry[] = [];
  readonly metadata: MetadataResult[] = [];
  readonly stats: AgentStats[] = [];
  /** The `apps` of each appHealth report, oldest first. */
  readonly appHealth: Array<z.infer<typeof AppHealthBatch>["apps"]> = [];
  /** Reports that did not match the protocol's schemas; a test expects none. */
  readonly protocolErrors: string[] = [];
  connections = 0;
  refusedUpgrades = 0;
  private current: { tunnel: TunnelClient; ws: WebSocket } | undefined;
  private readonly events = new EventEmitter();

  private constructor(
    private readonly http: Server,
    private readonly wss: WebSocketServer,
    public token: string,
    public manifest: AgentManifest,
  ) {
    this.events.setMaxListeners(100);
  }

  static async start(manifest: AgentManifest, token = "test-agent-token"): Promise<AgentTestServer> {
    const http = createServer((_req, res) => res.writeHead(404).end());
    const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false });
    const server = new AgentTestServer(http, wss, token, manifest);
    http.on("upgrade", (req, socket, head) => {
      if (req.url !== CONNECT_PATH || req.headers[AGENT_TOKEN_HEADER.toLowerCase()] !== server.token) {
        server.refusedUpgrades++;
        server.changed();
        const body = JSON.stringify({ message: "Agent token is invalid." });
        socket.end(`HTTP/1.1 401 Unauthorized\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`);
        return;
      }
      wss.handleUpgrade(req, socket, head, (ws) => server.onConnection(ws));
    });
    await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
    return server;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.http.address() as AddressInfo).port}`;
  }

  /** The tunnel of the agent's current connection. */
  tunnel(): TunnelClient {
    if (!this.current || this.current.tunnel.closed) throw new Error("the agent is not connected");
    return this.current.tunnel;
  }

  /** Ends the agent's WebSocket abruptly from the server's side. */
  dropConnection(): void {
    this.current?.ws.terminate();
  }

  /** Resolves with `check()`'s value once it is truthy, re-checking on every report; rejects after `timeoutMs`. */
  waitFor<T>(what: string, check: () => T | undefined | null | false, timeoutMs = 30_000): Promise<T> {
    return new Promise((resolve, reject) => {
      const attempt = () => {
        const value = check();
        if (!value) return;
        cleanup();
        resolve(value);
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`timed out waiting for ${what}; lifecycle so far: ${JSON.stringify(this.lifecycle)}`));
      }, timeoutMs);
      const cleanup = () => {
        clearTimeout(timer);
        this.events.off("change", attempt);
      };
      this.events.on("change", attempt);
      attempt();
    });
  }

  waitForLifecycle(state: string): Promise<z.infer<typeof LifecycleUpdate>> {
    return this.waitFor(`lifecycle ${state}`, () => this.lifecycle.find((l) => l.state === state));
  }

  /** Waits for the agent's connection number `n` (1 for the first) to have received the manifest. */
  waitForConnection(n: number): Promise<TunnelClient> {
    return this.waitFor(`connection ${n}`, () => this.connections >= n && this.current && !this.current.tunnel.closed && this.current.tunnel);
  }

  async close(): Promise<void> {
    this.current?.tunnel.close();
    for (const ws of this.wss.clients) ws.terminate();
    this.wss.close();
    this.http.closeAllConnections();
    await new Promise<void>((resolve) => this.http.close(() => resolve()));
  }

  private changed(): void {
    this.events.emit("change");
  }

  private onConnection(ws: WebSocket): void {
    const tunnel = new TunnelClient(webSocketDuplex(ws), { onClose: () => this.changed() });
    this.current = { tunnel, ws };
    void tunnel.openStream(TunnelPaths.rpc).then(
      (stream) => {
        const rpc = new RpcChannel(stream, (method, params) => this.onCall(method, params));
        rpc.notify("manifest", this.manifest);
        this.connections++;
        this.changed();
      },
      () => ws.terminate(),
    );
  }

  private onCall(method: string, params: unknown): null {
    const check = <S extends z.ZodType>(schema: S): z.infer<S> => {
      const parsed = schema.safeParse(params);
      if (!parsed.success) {
        this.protocolErrors.push(`${method}: ${parsed.error.message}`);
        throw new Error(`invalid ${method}`);
      }
      return parsed.data;
    };
    if (method === "lifecycle") this.lifecycle.push(check(LifecycleUpdate));
    else if (method === "logs") this.logs.push(...check(AgentLogsBatch).logs);
    else if (method === "metadata") this.metadata.push(...check(MetadataBatch).results);
    else if (method === "stats") this.stats.push(check(AgentStats));
    else if (method === "appHealth") this.appHealth.push(check(AppHealthBatch).apps);
    else {
      this.protocolErrors.push(`unknown method ${method}`);
      throw new Error(`unknown method ${method}`);
    }
    this.changed();
    return null;
  }
}

/** A manifest for tests: an agent "main" of workspace "ws1" owned by "alice", working in `directory`. */
export function testManifest(directory: string, overrides: Partial<AgentManifest> = {}): AgentManifest {
  return {
    agent_id: "00000000-0000-4000-8000-000000000001",
    agent_name: "main",
    workspace_id: "00000000-0000-4000-8000-000000000002",
    workspace_name: "ws1",
    owner_name: "alice",
    owner_email: "alice@example.com",
    directory,
    env: {},
    scripts: [],
    metadata: [],
    apps: [],
    ssh_host_key: "",
    pty_idle_timeout: 3600,
    ...overrides,
  };
}

/**
 * Starts an agent in this process against `server`, with quick retries and
 * stats; `den` inside its sessions is the built dist/den.js (vitest's
 * global setup builds it). Set DEN_TEST_LOG=debug to see the agent's log.
 */
export function startTestAgent(server: AgentTestServer, overrides: Partial<AgentOptions> = {}): RunningAgent {
  return startAgent({
    url: server.url,
    token: "test-agent-token",
    log: pino({ level: process.env.DEN_TEST_LOG ?? "silent" }),
    denCommand: [process.execPath, join(import.meta.dirname, "..", "..", "dist", "den.js")],
    backoff: { baseMs: 50, maxMs: 500 },
    refusedRetryMs: 100,
    statsIntervalMs: 200,
    ...overrides,
  });
}
