import { sql } from "kysely";
import type { AgentLogEntry } from "../../sdk/schemas/agentProtocol.js";
import type { Database } from "../db/database.js";

/** An agent with what the server needs to serve and authorize it. */
export type AgentRow = {
  id: string;
  name: string;
  workspace_id: string;
  build_id: string;
  spec: Record<string, unknown>;
  lifecycle_state: string;
  workspace_name: string;
  owner_id: string;
  owner_name: string;
  owner_email: string;
  ssh_host_key: string | null;
  /** Whether the agent belongs to the workspace's latest build, and that build is a start. */
  current: boolean;
};

function agentQuery(db: Database) {
  return db
    .selectFrom("workspace_agents as a")
    .innerJoin("workspaces as w", "w.id", "a.workspace_id")
    .innerJoin("users as u", "u.id", "w.owner_id")
    .select([
      "a.id",
      "a.name",
      "a.workspace_id",
      "a.build_id",
      "a.spec",
      "a.lifecycle_state",
      "w.name as workspace_name",
      "w.owner_id",
      "u.username as owner_name",
      "u.email as owner_email",
      "w.ssh_host_key",
      sql<boolean>`NOT w.deleted AND a.build_id = (
        SELECT b.id FROM workspace_builds b WHERE b.workspace_id = w.id AND b.transition = 'start'
        ORDER BY b.build_number DESC LIMIT 1
      ) AND (
        SELECT b.transition FROM workspace_builds b WHERE b.workspace_id = w.id ORDER BY b.build_number DESC LIMIT 1
      ) = 'start'`.as("current"),
    ]);
}

export async function getAgentByTokenHash(db: Database, tokenHash: Buffer): Promise<AgentRow | undefined> {
  return agentQuery(db).where("a.token_hash", "=", tokenHash).executeTakeFirst() as Promise<AgentRow | undefined>;
}

export async function getAgentById(db: Database, id: string): Promise<AgentRow | undefined> {
  return agentQuery(db).where("a.id", "=", id).executeTakeFirst() as Promise<AgentRow | undefined>;
}

/** Stores a host key unless another replica stored one first; answers the key in force. */
export async function ensureWorkspaceHostKey(db: Database, workspaceId: string, candidate: string): Promise<string> {
  await db.updateTable("workspaces").set({ ssh_host_key: candidate }).where("id", "=", workspaceId).where("ssh_host_key", "is", null).execute();
  const row = await db.selectFrom("workspaces").select("ssh_host_key").where("id", "=", workspaceId).executeTakeFirstOrThrow();
  return row.ssh_host_key!;
}

export async function markAgentConnected(db: Database, agentId: string, replica: string): Promise<void> {
  await db
    .updateTable("workspace_agents")
    .set({
      first_connected_at: sql`COALESCE(first_connected_at, now())`,
      last_connected_at: sql`now()`,
      disconnected_at: null,
      connected_replica: replica,
      updated_at: sql`now()`,
    })
    .where("id", "=", agentId)
    .execute();
}

export async function touchAgent(db: Database, agentId: string): Promise<void> {
  await db.updateTable("workspace_agents").set({ last_connected_at: sql`now()` }).where("id", "=", agentId).execute();
}

export async function markAgentDisconnected(db: Database, agentId: string, replica: string): Promise<void> {
  // Only if no newer connection (on another replica) took over meanwhile.
  await db
    .updateTable("workspace_agents")
    .set({ disconnected_at: sql`now()`, connected_replica: null, updated_at: sql`now()` })
    .where("id", "=", agentId)
    .where("connected_replica", "=", replica)
    .execute();
}

export async function updateAgentLifecycle(db: Database, agentId: string, state: string, detail: string): Promise<void> {
  await db
    .updateTable("workspace_agents")
    .set({
      lifecycle_state: state,
      lifecycle_detail: detail,
      ready_at: state === "ready" ? sql`now()` : sql`ready_at`,
      updated_at: sql`now()`,
    })
    .where("id", "=", agentId)
    .execute();
}

export async function insertAgentLogs(db: Database, agentId: string, logs: AgentLogEntry[]): Promise<void> {
  if (logs.length === 0) return;
  await db
    .insertInto("workspace_agent_logs")
    .values(logs.map((l) => ({ agent_id: agentId, created_at: l.time, source: l.source, level: l.level, output: l.output })))
    .execute();
}

export async function getAgentLogs(db: Database, agentId: string, after: number, limit = 5000) {
  const rows = await db
    .selectFrom("workspace_agent_logs")
    .select(["id", "created_at", "source", "level", "output"])
    .where("agent_id", "=", agentId)
    .where("id", ">", after)
    .orderBy("id")
    .limit(limit)
    .execute();
  return rows.map((r) => ({ ...r, created_at: new Date(r.created_at).toISOString() }));
}

export async function mergeAgentJson(db: Database, agentId: string, column: "metadata" | "app_health", patch: Record<string, unknown>): Promise<void> {
  await db
    .updateTable("workspace_agents")
    .set({ [column]: sql`${sql.ref(column)} || ${JSON.stringify(patch)}::jsonb` })
    .where("id", "=", agentId)
    .execute();
}

export async function setAgentStats(db: Database, agentId: string, workspaceId: string, stats: Record<string, unknown>, inUse: boolean): Promise<void> {
  await db.updateTable("workspace_agents").set({ stats: JSON.stringify(stats) }).where("id", "=", agentId).execute();
  if (inUse) await db.updateTable("workspaces").set({ last_used_at: sql`now()` }).where("id", "=", workspaceId).execute();
}

export async function startConnectionLog(db: Database, entry: { userId: string; workspaceId: string; agentId: string; type: "ssh" | "pty" | "port-forward"; ip: string | null; detail: string }): Promise<string> {
  const row = await db
    .insertInto("connection_logs")
    .values({ user_id: entry.userId, workspace_id: entry.workspaceId, agent_id: entry.agentId, type: entry.type, ip: entry.ip, detail: entry.detail })
    .returning("id")
    .executeTakeFirstOrThrow();
  await db.updateTable("workspaces").set({ last_used_at: sql`now()` }).where("id", "=", entry.workspaceId).execute();
  return row.id;
}

export async function endConnectionLog(db: Database, id: string, bytesIn: number, bytesOut: number): Promise<void> {
  await db.updateTable("connection_logs").set({ ended_at: sql`now()`, bytes_in: bytesIn, bytes_out: bytesOut }).where("id", "=", id).execute();
}
