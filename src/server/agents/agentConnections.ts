import type { Logger } from "pino";
import ssh2 from "ssh2";
import type { WebSocket } from "ws";
import {
  AgentLogsBatch,
  AgentStats,
  AppHealthBatch,
  LifecycleUpdate,
  MetadataBatch,
  type AgentManifest,
} from "../../sdk/schemas/agentProtocol.js";
import { TunnelClient } from "../../tunnel/openTunnel.js";
import { RpcChannel } from "../../tunnel/rpcChannel.js";
import { TunnelPaths } from "../../tunnel/tunnelSettings.js";
import { webSocketDuplex } from "../../tunnel/webSocketDuplex.js";
import type { Database } from "../db/database.js";
import { jobEvents } from "../provisioners/jobEvents.js";
import type { PubSub } from "../pubsub/pubsub.js";
import {
  ensureWorkspaceHostKey,
  insertAgentLogs,
  markAgentConnected,
  markAgentDisconnected,
  mergeAgentJson,
  setAgentStats,
  touchAgent,
  updateAgentLifecycle,
  type AgentRow,
} from "./agentQueries.js";

/** How often a connected agent's last_connected_at is refreshed; status goes stale after ~3 of these. */
export const AGENT_HEARTBEAT_MS = 15_000;

type Connection = { tunnel: TunnelClient; rpc: RpcChannel; agent: AgentRow };

/**
 * The agents connected to this replica: one HTTP/2 tunnel each, over the
 * WebSocket the agent dialled. Clients' streams (ssh, pty, tcp) are opened on
 * the tunnel; the agent's RPCs (lifecycle, logs, metadata, stats) are stored
 * and announced to every replica through pub/sub.
 */
export class AgentConnections {
  private readonly connections = new Map<string, Connection>();

  constructor(
    private readonly deps: { db: Database; pubsub: PubSub; log: Logger; replicaId: string; ptyIdleTimeoutSeconds: number },
  ) {}

  tunnel(agentId: string): TunnelClient | undefined {
    const c = this.connections.get(agentId);
    return c && !c.tunnel.closed ? c.tunnel : undefined;
  }

  /** Serves one agent connection until it drops. */
  async serve(ws: WebSocket, agent: AgentRow): Promise<void> {
    const log = this.deps.log.child({ agentId: agent.id, workspaceId: agent.workspace_id });
    // A reconnecting agent replaces its old tunnel here.
    this.connections.get(agent.id)?.tunnel.close();
    let heartbeat: NodeJS.Timeout | undefined;
    const tunnel = new TunnelClient(webSocketDuplex(ws), {
      onClose: () => {
        clearInterval(heartbeat);
        if (this.connections.get(agent.id)?.tunnel === tunnel) {
          this.connections.delete(agent.id);
          void markAgentDisconnected(this.deps.db, agent.id, this.deps.replicaId)
            .then(() => this.changed(agent))
            .catch((err: unknown) => log.warn({ err }, "cannot record the agent's disconnection"));
        }
        log.info("agent disconnected");
      },
    });
    try {
      const rpcStream = await tunnel.openStream(TunnelPaths.rpc);
      const rpc = new RpcChannel(rpcStream, (method, params) => this.handleRpc(agent, method, params));
      this.connections.set(agent.id, { tunnel, rpc, agent });
      await markAgentConnected(this.deps.db, agent.id, this.deps.replicaId);
      rpc.notify("manifest", await this.manifest(agent));
      heartbeat = setInterval(() => void touchAgent(this.deps.db, agent.id).catch(() => undefined), AGENT_HEARTBEAT_MS);
      heartbeat.unref();
      log.info("agent connected");
      await this.changed(agent);
    } catch (err) {
      log.warn({ err }, "agent connection failed during set-up");
      tunnel.close();
    }
  }

  closeAll(): void {
    for (const c of this.connections.values()) c.tunnel.close();
    this.connections.clear();
  }

  private async manifest(agent: AgentRow): Promise<AgentManifest> {
    const hostKey = agent.ssh_host_key ?? (await ensureWorkspaceHostKey(this.deps.db, agent.workspace_id, generateHostKey()));
    const spec = agent.spec as { dir?: string; env?: Record<string, string>; scripts?: AgentManifest["scripts"]; metadata?: AgentManifest["metadata"]; apps?: AgentManifest["apps"] };
    return {
      agent_id: agent.id,
      agent_name: agent.name,
      workspace_id: agent.workspace_id,
      workspace_name: agent.workspace_name,
      owner_name: agent.owner_name,
      owner_email: agent.owner_email,
      directory: spec.dir ?? "",
      env: spec.env ?? {},
      scripts: spec.scripts ?? [],
      metadata: spec.metadata ?? [],
      apps: spec.apps ?? [],
      ssh_host_key: hostKey,
      pty_idle_timeout: this.deps.ptyIdleTimeoutSeconds,
    };
  }

  private async handleRpc(agent: AgentRow, method: string, params: unknown): Promise<null> {
    const { db } = this.deps;
    switch (method) {
      case "lifecycle": {
        const u = LifecycleUpdate.parse(params);
        await updateAgentLifecycle(db, agent.id, u.state, u.detail ?? "");
        await this.changed(agent);
        return null;
      }
      case "logs": {
        const batch = AgentLogsBatch.parse(params);
        await insertAgentLogs(db, agent.id, batch.logs);
        await this.deps.pubsub.publish(agentLogsChannel(agent.id), "");
        return null;
      }
      case "metadata": {
        const batch = MetadataBatch.parse(params);
        const patch = Object.fromEntries(batch.results.map((r) => [r.key, { value: r.value, error: r.error, collected_at: r.collected_at }]));
        await mergeAgentJson(db, agent.id, "metadata", patch);
        await this.changed(agent);
        return null;
      }
      case "stats": {
        const stats = AgentStats.parse(params);
        const inUse = Object.values(stats.sessions).some((n) => n > 0);
        await setAgentStats(db, agent.id, agent.workspace_id, stats, inUse);
        return null;
      }
      case "appHealth": {
        const batch = AppHealthBatch.parse(params);
        await mergeAgentJson(db, agent.id, "app_health", batch.apps);
        await this.changed(agent);
        return null;
      }
      default:
        throw new Error(`unknown method ${method}`);
    }
  }

  private async changed(agent: AgentRow): Promise<void> {
    await this.deps.pubsub.publish(jobEvents.workspace(agent.workspace_id), "agent");
  }
}

export function agentLogsChannel(agentId: string): string {
  return `den_agentlog_${agentId.replaceAll("-", "")}`;
}

/** An ed25519 host key in OpenSSH format, made once per workspace. */
export function generateHostKey(): string {
  return ssh2.utils.generateKeyPairSync("ed25519").private;
}
