import { sql } from "kysely";
import type { JobStatus } from "../../sdk/schemas/provisionerJobs.js";
import type { WorkspaceStatus } from "../../sdk/schemas/workspaces.js";
import type { Database } from "../db/database.js";
import type { Transition } from "../db/workspaceTables.js";
import { statusConditions } from "./deriveWorkspaceStatus.js";

/** A workspace with what its JSON needs from its owner and template. */
export type WorkspaceRow = {
  id: string;
  organization_id: string;
  owner_id: string;
  owner_name: string;
  template_id: string;
  template_name: string;
  template_display_name: string;
  template_icon: string;
  template_active_version_id: string | null;
  name: string;
  deleted: boolean;
  created_at: Date;
  updated_at: Date;
  last_used_at: Date;
};

function selectWorkspaces(db: Database) {
  return db
    .selectFrom("workspaces as w")
    .innerJoin("users as o", "o.id", "w.owner_id")
    .innerJoin("templates as t", "t.id", "w.template_id")
    .select([
      "w.id",
      "w.organization_id",
      "w.owner_id",
      "o.username as owner_name",
      "w.template_id",
      "t.name as template_name",
      "t.display_name as template_display_name",
      "t.icon as template_icon",
      "t.active_version_id as template_active_version_id",
      "w.name",
      "w.deleted",
      "w.created_at",
      "w.updated_at",
      "w.last_used_at",
    ]);
}

export async function getWorkspaceById(db: Database, id: string, opts: { includeDeleted?: boolean } = {}): Promise<WorkspaceRow | undefined> {
  let query = selectWorkspaces(db).where("w.id", "=", id);
  if (!opts.includeDeleted) query = query.where("w.deleted", "=", false);
  return query.executeTakeFirst();
}

export async function getWorkspaceByOwnerAndName(db: Database, ownerId: string, name: string): Promise<WorkspaceRow | undefined> {
  return selectWorkspaces(db)
    .where("w.owner_id", "=", ownerId)
    .where(sql<string>`lower(w.name)`, "=", name.toLowerCase())
    .where("w.deleted", "=", false)
    .executeTakeFirst();
}

/**
 * Locks a live workspace's row until the transaction ends, so that two
 * requests for a new build cannot both see "no build running".
 */
export async function lockWorkspace(tx: Database, id: string): Promise<{ id: string; owner_id: string; name: string; template_id: string; organization_id: string } | undefined> {
  return tx
    .selectFrom("workspaces")
    .select(["id", "owner_id", "name", "template_id", "organization_id"])
    .where("id", "=", id)
    .where("deleted", "=", false)
    .forUpdate()
    .executeTakeFirst();
}

export type ListFilter = { ownerId?: string; ownerName?: string; template?: string; status?: WorkspaceStatus; name?: string };

function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => "\\" + c);
}

export async function listWorkspaces(db: Database, filter: ListFilter, limit: number, offset: number): Promise<{ rows: WorkspaceRow[]; count: number }> {
  let query = selectWorkspaces(db)
    // The latest build, through the (workspace_id, build_number) index.
    .innerJoinLateral(
      (eb) =>
        eb
          .selectFrom("workspace_builds as b")
          .select(["b.transition", "b.job_id"])
          .whereRef("b.workspace_id", "=", "w.id")
          .orderBy("b.build_number", "desc")
          .limit(1)
          .as("lb"),
      (join) => join.onTrue(),
    )
    .innerJoin("provisioner_jobs as j", "j.id", "lb.job_id")
    .where("w.deleted", "=", false);
  if (filter.ownerId) query = query.where("w.owner_id", "=", filter.ownerId);
  if (filter.ownerName) query = query.where(sql<string>`lower(o.username)`, "=", filter.ownerName.toLowerCase());
  if (filter.template) query = query.where(sql<string>`lower(t.name)`, "=", filter.template.toLowerCase());
  if (filter.name) query = query.where("w.name", "ilike", `%${escapeLike(filter.name)}%`);
  if (filter.status) {
    const cond = statusConditions(filter.status);
    query = query.where("j.status", "=", cond.job);
    if (cond.transition) query = query.where("lb.transition", "=", cond.transition);
  }
  const [rows, total] = await Promise.all([
    query.orderBy(sql`lower(o.username)`).orderBy(sql`lower(w.name)`).orderBy("w.id").limit(limit).offset(offset).execute(),
    query.clearSelect().select((eb) => eb.fn.countAll<number>().as("count")).executeTakeFirstOrThrow(),
  ]);
  return { rows, count: Number(total.count) };
}

export async function renameWorkspace(db: Database, id: string, name: string): Promise<void> {
  await db.updateTable("workspaces").set({ name, updated_at: sql`now()` }).where("id", "=", id).execute();
}

/** A build with its job and the names its JSON shows. */
export type BuildRow = {
  id: string;
  workspace_id: string;
  workspace_name: string;
  workspace_owner_id: string;
  workspace_owner_name: string;
  build_number: number;
  transition: Transition;
  template_version_id: string;
  template_version_name: string;
  initiator_id: string | null;
  initiator_name: string | null;
  parameters: Record<string, string>;
  state: unknown[];
  created_at: Date;
  updated_at: Date;
  job_id: string;
  job_type: "template_version_import" | "workspace_build";
  job_status: JobStatus;
  job_error: string | null;
  job_created_at: Date;
  job_started_at: Date | null;
  job_completed_at: Date | null;
  job_worker_id: string | null;
};

function selectBuilds(db: Database) {
  return db
    .selectFrom("workspace_builds as b")
    .innerJoin("provisioner_jobs as j", "j.id", "b.job_id")
    .innerJoin("template_versions as v", "v.id", "b.template_version_id")
    .innerJoin("workspaces as w", "w.id", "b.workspace_id")
    .innerJoin("users as o", "o.id", "w.owner_id")
    .leftJoin("users as i", "i.id", "b.initiator_id")
    .select([
      "b.id",
      "b.workspace_id",
      "w.name as workspace_name",
      "w.owner_id as workspace_owner_id",
      "o.username as workspace_owner_name",
      "b.build_number",
      "b.transition",
      "b.template_version_id",
      "v.name as template_version_name",
      "b.initiator_id",
      "i.username as initiator_name",
      "b.parameters",
      "b.state",
      "b.created_at",
      "b.updated_at",
      "b.job_id",
      "j.type as job_type",
      "j.status as job_status",
      "j.error as job_error",
      "j.created_at as job_created_at",
      "j.started_at as job_started_at",
      "j.completed_at as job_completed_at",
      "j.worker_id as job_worker_id",
    ]);
}

export async function getBuildById(db: Database, id: string): Promise<BuildRow | undefined> {
  return selectBuilds(db).where("b.id", "=", id).executeTakeFirst();
}

export async function getBuildByNumber(db: Database, workspaceId: string, buildNumber: number): Promise<BuildRow | undefined> {
  return selectBuilds(db).where("b.workspace_id", "=", workspaceId).where("b.build_number", "=", buildNumber).executeTakeFirst();
}

export async function listBuilds(db: Database, workspaceId: string, limit: number, offset: number): Promise<BuildRow[]> {
  return selectBuilds(db).where("b.workspace_id", "=", workspaceId).orderBy("b.build_number", "desc").limit(limit).offset(offset).execute();
}

/** The latest build of each workspace given. */
export async function getLatestBuilds(db: Database, workspaceIds: readonly string[]): Promise<Map<string, BuildRow>> {
  const byWorkspace = new Map<string, BuildRow>();
  if (workspaceIds.length === 0) return byWorkspace;
  const rows = await selectBuilds(db)
    .where("b.id", "in", (eb) =>
      eb
        .selectFrom("workspace_builds")
        .select("id")
        .distinctOn("workspace_id")
        .where("workspace_id", "in", [...workspaceIds])
        .orderBy("workspace_id")
        .orderBy("build_number", "desc"),
    )
    .execute();
  for (const row of rows) byWorkspace.set(row.workspace_id, row);
  return byWorkspace;
}

/** The latest build of a workspace, within a transaction that locked it. */
export async function getLatestBuildForUpdate(
  tx: Database,
  workspaceId: string,
): Promise<{ id: string; build_number: number; transition: Transition; template_version_id: string; parameters: Record<string, string>; state: unknown[]; job_status: JobStatus } | undefined> {
  return tx
    .selectFrom("workspace_builds as b")
    .innerJoin("provisioner_jobs as j", "j.id", "b.job_id")
    .select(["b.id", "b.build_number", "b.transition", "b.template_version_id", "b.parameters", "b.state", "j.status as job_status"])
    .where("b.workspace_id", "=", workspaceId)
    .orderBy("b.build_number", "desc")
    .limit(1)
    .executeTakeFirst();
}

export type NewBuild = {
  id: string;
  workspaceId: string;
  templateVersionId: string;
  buildNumber: number;
  transition: Transition;
  initiatorId: string;
  jobId: string;
  parameters: Record<string, string>;
  /** The state the build starts from; see WorkspaceService.enqueueBuild. */
  state: unknown[];
};

export async function insertWorkspaceBuild(tx: Database, build: NewBuild): Promise<void> {
  await tx
    .insertInto("workspace_builds")
    .values({
      id: build.id,
      workspace_id: build.workspaceId,
      template_version_id: build.templateVersionId,
      build_number: build.buildNumber,
      transition: build.transition,
      initiator_id: build.initiatorId,
      job_id: build.jobId,
      parameters: JSON.stringify(build.parameters),
      state: JSON.stringify(build.state),
    })
    .execute();
}

export type AgentRow = {
  id: string;
  build_id: string;
  name: string;
  resource_name: string;
  lifecycle_state: string;
  created_at: Date;
  first_connected_at: Date | null;
  last_connected_at: Date | null;
  disconnected_at: Date | null;
  lifecycle_detail: string;
  spec: Record<string, unknown>;
  metadata: Record<string, unknown>;
  app_health: Record<string, string>;
};

export async function getAgentsOfBuilds(db: Database, buildIds: readonly string[]): Promise<AgentRow[]> {
  if (buildIds.length === 0) return [];
  return db
    .selectFrom("workspace_agents")
    .select(["id", "build_id", "name", "resource_name", "lifecycle_state", "created_at", "first_connected_at", "last_connected_at", "disconnected_at", "lifecycle_detail", "spec", "metadata", "app_health"])
    .where("build_id", "in", [...buildIds])
    .orderBy("name")
    .execute();
}

/** A template version a workspace can be built from: imported (it has a spec) and belonging to a live template. */
export type VersionRow = { id: string; template_id: string | null; organization_id: string; spec: unknown; template_deleted: boolean | null; active_version_id: string | null };

export async function getTemplateVersion(db: Database, id: string): Promise<VersionRow | undefined> {
  return db
    .selectFrom("template_versions as v")
    .leftJoin("templates as t", "t.id", "v.template_id")
    .select(["v.id", "v.template_id", "v.organization_id", "v.spec", "t.deleted as template_deleted", "t.active_version_id"])
    .where("v.id", "=", id)
    .executeTakeFirst();
}

export async function getTemplate(db: Database, id: string): Promise<{ id: string; organization_id: string; active_version_id: string | null } | undefined> {
  return db.selectFrom("templates").select(["id", "organization_id", "active_version_id"]).where("id", "=", id).where("deleted", "=", false).executeTakeFirst();
}

export async function insertWorkspace(
  tx: Database,
  ws: { id: string; organizationId: string; ownerId: string; templateId: string; name: string },
): Promise<void> {
  await tx
    .insertInto("workspaces")
    .values({ id: ws.id, organization_id: ws.organizationId, owner_id: ws.ownerId, template_id: ws.templateId, name: ws.name })
    .execute();
}
