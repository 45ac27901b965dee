import type { Duplex } from "node:stream";
import type { FastifyRequest } from "fastify";
import type { WebSocket } from "ws";
import { z } from "zod";
import { AGENT_TOKEN_HEADER, ListeningPort, PtyClientFrame } from "../../sdk/schemas/agentProtocol.js";
import type { TunnelClient } from "../../tunnel/openTunnel.js";
import { TunnelStreamError } from "../../tunnel/openTunnel.js";
import { TunnelPaths } from "../../tunnel/tunnelSettings.js";
import { webSocketDuplex } from "../../tunnel/webSocketDuplex.js";
import type { Actor } from "../auth/actor.js";
import { hashSecret } from "../auth/apiKeys.js";
import { authorize } from "../auth/policy.js";
import type { Database } from "../db/database.js";
import { AuthenticationError, ConflictError, NotFoundError } from "../errors.js";
import { defineRoute, type RouteSpec } from "../http/route.js";
import type { AgentConnections } from "./agentConnections.js";
import { endConnectionLog, getAgentById, getAgentByTokenHash, getAgentLogs, startConnectionLog, type AgentRow } from "./agentQueries.js";

const AgentParams = z.object({ id: z.uuid("must be an agent id (a UUID)") });
const PtyQuery = z.object({
  reconnect: z.uuid("must be a UUID that identifies the terminal session"),
  width: z.coerce.number().int().min(1).max(1000).default(80),
  height: z.coerce.number().int().min(1).max(1000).default(24),
  command: z.string().max(4096).optional(),
});
const TcpQuery = z.object({ port: z.coerce.number().int().min(1, "must be a port from 1 to 65535").max(65535, "must be a port from 1 to 65535") });
const LogsQuery = z.object({ after: z.coerce.number().int().min(0).default(0) });

type Deps = { db: Database; connections: AgentConnections };

/**
 * The agent's connection, and clients' ways into a workspace through it:
 * SSH bytes, reconnecting PTYs and TCP forwards, each a WebSocket relayed onto
 * one stream of the agent's tunnel. Only the workspace's owner (or a site
 * owner) may connect; others get the 404 of a missing agent.
 */
export function agentRoutes(deps: Deps): RouteSpec[] {
  const tags = ["agents"];
  const connectable = async (actor: Actor | null, id: string) => {
    const agent = await getAgentById(deps.db, id);
    if (!agent) throw new NotFoundError("Agent");
    authorize(actor!, "update", { type: "workspace", ownerId: agent.owner_id }, "Agent");
    const tunnel = agent.current ? deps.connections.tunnel(agent.id) : undefined;
    if (!tunnel) throw new ConflictError(`The agent "${agent.name}" of workspace ${agent.workspace_name} is not connected; is the workspace running?`);
    return { agent, tunnel };
  };

  return [
    defineRoute({
      method: "GET",
      url: "/workspaceagents/me/connect",
      summary: "The agent's connection (WebSocket, Den-Agent-Token header)",
      tags,
      auth: "none",
      handler: () => {
        throw new ConflictError("This endpoint only accepts WebSocket upgrades.");
      },
      websocket: async (socket, { req }) => {
        const token = header(req, AGENT_TOKEN_HEADER);
        const agent = token ? await getAgentByTokenHash(deps.db, hashSecret(token)) : undefined;
        if (!agent) throw new AuthenticationError("Invalid agent token.");
        if (!agent.current) throw new NotFoundError("Current build of this agent");
        await deps.connections.serve(socket, agent);
      },
    }),
    defineRoute({
      method: "GET",
      url: "/workspaceagents/:id/logs",
      summary: "Logs of the agent's scripts",
      tags,
      auth: "user",
      params: AgentParams,
      query: LogsQuery,
      handler: async ({ params, query, actor }) => {
        const agent = await getAgentById(deps.db, params.id);
        if (!agent) throw new NotFoundError("Agent");
        authorize(actor!, "read", { type: "workspace", ownerId: agent.owner_id }, "Agent");
        return getAgentLogs(deps.db, agent.id, query.after);
      },
    }),
    defineRoute({
      method: "GET",
      url: "/workspaceagents/:id/listening-ports",
      summary: "TCP ports listening inside the workspace",
      tags,
      auth: "user",
      params: AgentParams,
      response: z.object({ ports: z.array(ListeningPort) }),
      handler: async ({ params, actor }) => {
        const { tunnel } = await connectable(actor, params.id);
        return { ports: await tunnel.getJson<ListeningPort[]>(TunnelPaths.listeningPorts) };
      },
    }),
    relayRoute("ssh", "SSH to the agent (raw SSH bytes over a WebSocket)", undefined, () => TunnelPaths.ssh),
    relayRoute("tcp", "A TCP connection to a port inside the workspace", TcpQuery, (q) => `${TunnelPaths.tcp}?port=${q.port}`),
    relayRoute("udp", "A UDP flow to a port inside the workspace (datagrams framed as in src/tunnel/datagramFraming.ts)", TcpQuery, (q) => `${TunnelPaths.udp}?port=${q.port}`),
    defineRoute({
      method: "GET",
      url: "/workspaceagents/:id/pty",
      summary: "A reconnecting terminal (WebSocket; see docs/pty-protocol.md)",
      tags,
      auth: "user",
      params: AgentParams,
      query: PtyQuery,
      handler: () => {
        throw new ConflictError("This endpoint only accepts WebSocket upgrades.");
      },
      websocket: async (socket, { params, query, actor, req }) => {
        const { agent, tunnel } = await connectable(actor, params.id);
        const qs = new URLSearchParams({ reconnect: query.reconnect, width: String(query.width), height: String(query.height) });
        if (query.command) qs.set("command", query.command);
        const stream = await openOrExplain(tunnel, `${TunnelPaths.pty}?${qs}`);
        await relayPty(socket, stream, await logStart(deps.db, actor!, agent, "pty", req), deps.db);
      },
    }),
  ];

  function relayRoute<Q>(kind: "ssh" | "tcp" | "udp", summary: string, query: z.ZodType<Q> | undefined, path: (q: Q) => string): RouteSpec {
    return defineRoute({
      method: "GET",
      url: `/workspaceagents/:id/${kind}`,
      summary,
      tags,
      auth: "user",
      params: AgentParams,
      query,
      handler: () => {
        throw new ConflictError("This endpoint only accepts WebSocket upgrades.");
      },
      websocket: async (socket, { params, query: q, actor, req }) => {
        const { agent, tunnel } = await connectable(actor, params.id);
        const stream = await openOrExplain(tunnel, path(q as Q));
        const logId = await logStart(deps.db, actor!, agent, kind === "ssh" ? "ssh" : "port-forward", req, kind === "ssh" ? "" : `${kind} port ${(q as { port: number }).port}`);
        relayBytes(socket, stream, (bytesIn, bytesOut) => void endConnectionLog(deps.db, logId, bytesIn, bytesOut).catch(() => undefined));
      },
    });
  }
}

async function openOrExplain(tunnel: TunnelClient, path: string): Promise<Duplex> {
  try {
    return await tunnel.openStream(path);
  } catch (err) {
    if (err instanceof TunnelStreamError) throw new ConflictError(err.message);
    throw new ConflictError(`The agent did not accept the connection: ${(err as Error).message}`);
  }
}

function logStart(db: Database, actor: Actor, agent: AgentRow, type: "ssh" | "pty" | "port-forward", req: FastifyRequest, detail = ""): Promise<string> {
  return startConnectionLog(db, { userId: actor.userId, workspaceId: agent.workspace_id, agentId: agent.id, type, ip: req.ip ?? null, detail });
}

/** Bytes both ways with half-close, counting them for the connection log. */
function relayBytes(socket: WebSocket, stream: Duplex, onEnd: (bytesIn: number, bytesOut: number) => void): void {
  const client = webSocketDuplex(socket, { halfClose: true });
  let bytesIn = 0;
  let bytesOut = 0;
  client.on("data", (c: Buffer) => (bytesIn += c.length));
  stream.on("data", (c: Buffer) => (bytesOut += c.length));
  client.pipe(stream);
  stream.pipe(client);
  let ended = false;
  const finish = () => {
    if (ended) return;
    ended = true;
    client.destroy();
    stream.destroy();
    onEnd(bytesIn, bytesOut);
  };
  client.on("close", finish);
  stream.on("close", finish);
  client.on("error", finish);
  stream.on("error", finish);
}

/** Text frames from the client are PtyClientFrame JSON; output goes back as binary frames. */
async function relayPty(socket: WebSocket, stream: Duplex, logId: string, db: Database): Promise<void> {
  let bytesIn = 0;
  let bytesOut = 0;
  socket.on("message", (data: Buffer, isBinary: boolean) => {
    bytesIn += data.length;
    const text = data.toString("utf8");
    if (isBinary) {
      stream.write(JSON.stringify({ data: text }) + "\n");
      return;
    }
    const parsed = PtyClientFrame.safeParse(safeJson(text));
    if (!parsed.success) return socket.close(4400, "frames must be JSON {data?, height?, width?}");
    stream.write(JSON.stringify(parsed.data) + "\n");
  });
  stream.on("data", (chunk: Buffer) => {
    bytesOut += chunk.length;
    if (socket.readyState === socket.OPEN) socket.send(chunk, { binary: true });
  });
  const finish = () => {
    stream.destroy();
    if (socket.readyState === socket.OPEN) socket.close(1000);
    void endConnectionLog(db, logId, bytesIn, bytesOut).catch(() => undefined);
  };
  stream.once("close", finish);
  stream.once("end", finish);
  socket.once("close", () => stream.destroy());
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function header(req: FastifyRequest, name: string): string | undefined {
  const v = req.headers[name.toLowerCase()];
  return Array.isArray(v) ? v[0] : v;
}
