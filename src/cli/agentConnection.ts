import type { Duplex } from "node:stream";
import { WebSocket } from "ws";
import type { DenClient } from "../sdk/client/DenClient.js";
import { SESSION_TOKEN_HEADER } from "../sdk/client/http.js";
import type { Workspace, WorkspaceAgent } from "../sdk/schemas/workspaces.js";
import { clientWebSocketOptions } from "../tunnel/clientWebSocketOptions.js";
import { webSocketDuplex } from "../tunnel/webSocketDuplex.js";
import { CliError } from "./errors.js";
import { findWorkspace } from "./workspaceRef.js";

/** `[owner/]workspace[.agent]` as `den ssh` and friends take it. */
export type AgentTargetRef = { workspace: string; agent?: string };

export type AgentTarget = { workspace: Workspace; agent: WorkspaceAgent };

/** The relays the server offers for an agent (see src/server/agents/agentRoutes.ts). */
export type RelayKind = "ssh" | "tcp" | "udp";

/**
 * Splits `owner/ws.agent`. Workspace and user names are DNS labels (no dots),
 * so the first dot after the owner can only start the agent's name.
 */
export function parseAgentTarget(text: string): AgentTargetRef {
  const slash = text.lastIndexOf("/");
  const dot = text.indexOf(".", slash + 1);
  if (dot < 0) return { workspace: text };
  const agent = text.slice(dot + 1);
  if (agent === "") throw new CliError(`"${text}" names no agent after the dot: use WORKSPACE or WORKSPACE.AGENT`);
  return { workspace: text.slice(0, dot), agent };
}

/** The agent a target names: the workspace's only one, or the one named after the dot. */
export function pickAgent(workspace: Workspace, agentName: string | undefined): WorkspaceAgent | undefined {
  const agents = workspace.agents;
  if (agentName !== undefined) {
    const found = agents.find((a) => a.name === agentName);
    if (!found) {
      const names = agents.map((a) => a.name).join(", ") || "none";
      throw new CliError(`workspace ${workspace.owner_name}/${workspace.name} has no agent named "${agentName}" (its agents: ${names})`);
    }
    return found;
  }
  if (agents.length > 1) {
    const names = agents.map((a) => a.name).join(", ");
    throw new CliError(`workspace ${workspace.owner_name}/${workspace.name} has several agents (${names}): pick one with ${workspace.name}.AGENT`);
  }
  return agents[0];
}

/** Looks the target up once; the agent is undefined while the workspace has none (yet). */
export async function findAgentTarget(client: DenClient, text: string): Promise<{ workspace: Workspace; agent: WorkspaceAgent | undefined; ref: AgentTargetRef }> {
  const ref = parseAgentTarget(text);
  const workspace = await findWorkspace(client, ref.workspace);
  return { workspace, agent: pickAgent(workspace, ref.agent), ref };
}

/** The relay was refused or ended by the server, with its reason (close code 4000 + HTTP status). */
export class RelayError extends CliError {
  readonly status: number | undefined;
  constructor(message: string, status?: number) {
    super(message);
    this.status = status;
  }
}

/** A relay's byte stream, and how it ended: the server's reason, or undefined for a normal end. */
export type Relay = { stream: Duplex; ended: Promise<RelayError | undefined> };

/**
 * Opens a relay WebSocket to the agent and answers a half-closable byte
 * stream over it. The server closes the WebSocket with 4000 + an HTTP status
 * and a reason when it cannot relay (agent not connected, nothing listening
 * on the port, not yours). The stream may fail first with a plain "closed"
 * error (a write that raced the close): `ended` has the server's reason, as
 * a RelayError that is one line for people.
 */
export function openAgentRelay(client: DenClient, agentId: string, kind: RelayKind, query: Record<string, string | number> = {}): Promise<Relay> {
  const url = client.http.apiUrl(`/workspaceagents/${encodeURIComponent(agentId)}/${kind}`, query).replace(/^http/, "ws");
  const headers: Record<string, string> = {};
  if (client.token) headers[SESSION_TOKEN_HEADER] = client.token;
  const ws = new WebSocket(url, { ...clientWebSocketOptions(url), headers });
  let settle: (error: RelayError | undefined) => void = () => undefined;
  const ended = new Promise<RelayError | undefined>((resolve) => (settle = resolve));
  return new Promise((resolve, reject) => {
    let stream: Duplex | undefined;
    ws.once("unexpected-response", (_req, res) => {
      let body = "";
      res.on("data", (c: Buffer) => (body += c.toString()));
      res.on("end", () => reject(new RelayError(`the server refused the ${kind} relay: ${messageOf(body) ?? `HTTP ${res.statusCode}`}`, res.statusCode)));
      res.on("error", () => reject(new RelayError(`the server refused the ${kind} relay: HTTP ${res.statusCode}`, res.statusCode)));
    });
    ws.once("error", (err) => {
      if (!stream) reject(new CliError(`cannot reach ${client.url}: ${err.message}`));
    });
    // Registered before webSocketDuplex's own listener, so that the server's
    // reason, not a generic "closed", is the error the stream fails with.
    ws.once("close", (code, reason) => {
      const error = closeError(code, reason.toString());
      settle(error);
      if (!stream) reject(error ?? new RelayError(`the server closed the ${kind} relay`));
      else if (error) stream.destroy(error);
    });
    ws.once("open", () => {
      stream = webSocketDuplex(ws, { halfClose: true });
      resolve({ stream, ended });
    });
  });
}

/** The error a close code stands for, or undefined for a normal close. */
export function closeError(code: number, reason: string): RelayError | undefined {
  if (code === 1000 || code === 1005) return undefined;
  if (code >= 4000 && code < 5000) return new RelayError(reason || `the server ended the relay (status ${code - 4000})`, code - 4000);
  if (code === 1006) return new RelayError("the connection to the server was lost");
  return new RelayError(`the server closed the relay (code ${code}${reason ? `: ${reason}` : ""})`);
}

function messageOf(body: string): string | undefined {
  try {
    const parsed = JSON.parse(body) as { message?: unknown };
    return typeof parsed.message === "string" ? parsed.message : undefined;
  } catch {
    return undefined;
  }
}
