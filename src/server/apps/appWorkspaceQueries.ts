import { sql } from "kysely";
import { AgentAppSpec } from "../../sdk/schemas/agentProtocol.js";
import type { PortShareLevel } from "../../sdk/schemas/portShares.js";
import type { WorkspaceStatus } from "../../sdk/schemas/workspaces.js";
import type { Database } from "../db/database.js";
import { deriveWorkspaceStatus } from "../workspaces/deriveWorkspaceStatus.js";
import { maxPortShareLevel } from "./maxPortShareLevel.js";

export type AppAgent = {
  id: string;
  name: string;
  /** Apps of the agent's den.yaml; malformed entries are left out. */
  apps: AgentAppSpec[];
  /** slug → disabled | initializing | healthy | unhealthy, as the agent last reported. */
  appHealth: Record<string, string>;
};

/** What the proxy needs to know about the workspace an app URL names. */
export type AppWorkspace = {
  workspaceId: string;
  workspaceName: string;
  ownerId: string;
  ownerName: string;
  status: WorkspaceStatus;
  /** The highest level its ports may be shared at (the den.yaml of its latest build). */
  maxPortShareLevel: PortShareLevel;
  /** The agents of its latest start build (also while stopped, so that their apps can still be named). */
  agents: AppAgent[];
};

/** Looks a workspace up by its owner's user name and its name, as URLs spell them (lower case). */
export async function getAppWorkspace(db: Database, ownerName: string, workspaceName: string): Promise<AppWorkspace | undefined> {
  const row = await db
    .selectFrom("workspaces as w")
    .innerJoin("users as u", "u.id", "w.owner_id")
    // The latest build, through the (workspace_id, build_number) index.
    .innerJoin("workspace_builds as lb", "lb.workspace_id", "w.id")
    .where("lb.build_number", "=", (eb) => eb.selectFrom("workspace_builds as b").select((b) => b.fn.max("b.build_number").as("n")).whereRef("b.workspace_id", "=", "w.id"))
    .innerJoin("provisioner_jobs as j", "j.id", "lb.job_id")
    .innerJoin("template_versions as v", "v.id", "lb.template_version_id")
    .select([
      "w.id",
      "w.name",
      "u.id as owner_id",
      "u.username as owner_name",
      "lb.transition",
      "j.status as job_status",
      sql<unknown>`v.spec -> 'max_port_share_level'`.as("max_port_share_level"),
    ])
    .where(sql<string>`lower(u.username)`, "=", ownerName)
    .where("u.deleted", "=", false)
    .where(sql<string>`lower(w.name)`, "=", workspaceName)
    .where("w.deleted", "=", false)
    .executeTakeFirst();
  if (!row) return undefined;
  const agents = await db
    .selectFrom("workspace_agents as a")
    .select(["a.id", "a.name", "a.spec", "a.app_health"])
    .where("a.build_id", "=", (eb) =>
      eb.selectFrom("workspace_builds as b").select("b.id").where("b.workspace_id", "=", row.id).where("b.transition", "=", "start").orderBy("b.build_number", "desc").limit(1),
    )
    .orderBy("a.name")
    .execute();
  return {
    workspaceId: row.id,
    workspaceName: row.name,
    ownerId: row.owner_id,
    ownerName: row.owner_name,
    status: deriveWorkspaceStatus(row.transition, row.job_status),
    maxPortShareLevel: maxPortShareLevel({ max_port_share_level: row.max_port_share_level }),
    agents: agents.map((a) => ({ id: a.id, name: a.name, apps: parseApps(a.spec.apps), appHealth: a.app_health ?? {} })),
  };
}

function parseApps(value: unknown): AgentAppSpec[] {
  if (!Array.isArray(value)) return [];
  return value.flatMap((app) => {
    const parsed = AgentAppSpec.safeParse(app);
    return parsed.success ? [parsed.data] : [];
  });
}

/** Marks the workspace as used now (its autostop counts from there). */
export async function touchWorkspaceLastUsed(db: Database, workspaceId: string): Promise<void> {
  await db.updateTable("workspaces").set({ last_used_at: sql`now()` }).where("id", "=", workspaceId).execute();
}

/** Whether a user may still act (exists, not deleted, active), with their roles. */
export async function getActiveUser(db: Database, userId: string): Promise<{ id: string; username: string; roles: string[] } | undefined> {
  return db
    .selectFrom("users")
    .select(["id", "username", "roles"])
    .where("id", "=", userId)
    .where("deleted", "=", false)
    .where("status", "=", "active")
    .executeTakeFirst();
}
