import { sql } from "kysely";
import type { PortShareProtocol, SharedPortLevel } from "../../sdk/schemas/portShares.js";
import type { Database } from "../db/database.js";

export type PortShareRow = {
  workspace_id: string;
  agent_name: string;
  port: number;
  share_level: SharedPortLevel;
  protocol: PortShareProtocol;
  created_at: Date;
  updated_at: Date;
};

/**
 * How a port of a live workspace is shared, for the app proxy; undefined when
 * it is not (only its owner may open it). The caller caps the level at the
 * template's current maximum.
 */
export async function getPortShare(
  db: Database,
  workspaceId: string,
  agentName: string,
  port: number,
): Promise<{ share_level: "authenticated" | "public"; protocol: "http" | "https" } | undefined> {
  return db
    .selectFrom("workspace_port_shares as s")
    .innerJoin("workspaces as w", "w.id", "s.workspace_id")
    .select(["s.share_level", "s.protocol"])
    .where("s.workspace_id", "=", workspaceId)
    .where("s.agent_name", "=", agentName)
    .where("s.port", "=", port)
    .where("w.deleted", "=", false)
    .executeTakeFirst();
}

export async function listPortShares(db: Database, workspaceId: string): Promise<PortShareRow[]> {
  return db.selectFrom("workspace_port_shares").selectAll().where("workspace_id", "=", workspaceId).orderBy("agent_name").orderBy("port").execute();
}

/** Inserts a share or changes the level and protocol of an existing one; returns the share before (if any) and after. */
export async function upsertPortShare(
  db: Database,
  share: { workspaceId: string; agentName: string; port: number; shareLevel: SharedPortLevel; protocol: PortShareProtocol },
): Promise<{ before: PortShareRow | undefined; after: PortShareRow }> {
  return db.transaction().execute(async (tx) => {
    const before = await tx
      .selectFrom("workspace_port_shares")
      .selectAll()
      .where("workspace_id", "=", share.workspaceId)
      .where("agent_name", "=", share.agentName)
      .where("port", "=", share.port)
      .forUpdate()
      .executeTakeFirst();
    const after = await tx
      .insertInto("workspace_port_shares")
      .values({ workspace_id: share.workspaceId, agent_name: share.agentName, port: share.port, share_level: share.shareLevel, protocol: share.protocol })
      .onConflict((oc) =>
        oc.columns(["workspace_id", "agent_name", "port"]).doUpdateSet({ share_level: share.shareLevel, protocol: share.protocol, updated_at: sql`now()` }),
      )
      .returningAll()
      .executeTakeFirstOrThrow();
    return { before, after };
  });
}

/** Removes a share; returns it, or undefined when the port was not shared. */
export async function deletePortShare(db: Database, workspaceId: string, agentName: string, port: number): Promise<PortShareRow | undefined> {
  return db
    .deleteFrom("workspace_port_shares")
    .where("workspace_id", "=", workspaceId)
    .where("agent_name", "=", agentName)
    .where("port", "=", port)
    .returningAll()
    .executeTakeFirst();
}

/**
 * The den.yaml of the template version the workspace's latest build used:
 * what decides its agents and the highest level its ports may be shared at.
 * Undefined when the workspace has no build.
 */
export async function getLatestBuildSpec(db: Database, workspaceId: string): Promise<unknown> {
  const row = await db
    .selectFrom("workspace_builds as b")
    .innerJoin("template_versions as v", "v.id", "b.template_version_id")
    .select("v.spec")
    .where("b.workspace_id", "=", workspaceId)
    .orderBy("b.build_number", "desc")
    .limit(1)
    .executeTakeFirst();
  return row?.spec;
}
