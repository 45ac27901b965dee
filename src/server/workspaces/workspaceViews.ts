import { agentConnectionStatus } from "../agents/agentStatus.js";
import type { Workspace, WorkspaceAgent, WorkspaceBuild, WorkspaceResource } from "../../sdk/schemas/workspaces.js";
import type { Database } from "../db/database.js";
import { toProvisionerJob } from "../provisioners/jobQueries.js";
import { deriveWorkspaceStatus } from "./deriveWorkspaceStatus.js";
import { getAgentsOfBuilds, getLatestBuilds, type AgentRow, type BuildRow, type WorkspaceRow } from "./queries.js";

/** The JSON of a build. */
export function toWorkspaceBuild(row: BuildRow): WorkspaceBuild {
  const job = toProvisionerJob({
    id: row.job_id,
    type: row.job_type,
    status: row.job_status,
    error: row.job_error,
    created_at: row.job_created_at,
    started_at: row.job_started_at,
    completed_at: row.job_completed_at,
    worker_id: row.job_worker_id,
  });
  return {
    id: row.id,
    workspace_id: row.workspace_id,
    workspace_name: row.workspace_name,
    workspace_owner_id: row.workspace_owner_id,
    workspace_owner_name: row.workspace_owner_name,
    build_number: row.build_number,
    transition: row.transition,
    status: deriveWorkspaceStatus(row.transition, row.job_status),
    template_version_id: row.template_version_id,
    template_version_name: row.template_version_name,
    initiator_id: row.initiator_id,
    initiator_name: row.initiator_name ?? "",
    created_at: row.created_at.toISOString(),
    updated_at: row.updated_at.toISOString(),
    job,
    resources: toResources(row.state),
    parameters: Object.entries(row.parameters ?? {}).map(([name, value]) => ({ name, value })),
  };
}

/**
 * What a build's recorded state shows the user: the resources and their
 * outputs, never the driver's private data (container ids, handles).
 */
function toResources(state: unknown[]): WorkspaceResource[] {
  const resources: WorkspaceResource[] = [];
  for (const item of Array.isArray(state) ? state : []) {
    if (!item || typeof item !== "object") continue;
    const s = item as Record<string, unknown>;
    const outputs: WorkspaceResource["outputs"] = {};
    for (const [key, value] of Object.entries((s.outputs ?? {}) as Record<string, unknown>)) {
      if (typeof value === "string" || typeof value === "number" || typeof value === "boolean") outputs[key] = value;
    }
    resources.push({
      name: String(s.name ?? ""),
      driver: String(s.driver ?? ""),
      kind: String(s.kind ?? ""),
      lifetime: s.lifetime === "persistent" ? "persistent" : "ephemeral",
      outputs,
    });
  }
  return resources;
}

function toAgent(row: AgentRow): WorkspaceAgent {
  const spec = row.spec as {
    dir?: string;
    connection_timeout?: number;
    metadata?: Array<{ key: string; display_name: string }>;
    apps?: Array<Omit<WorkspaceAgent["apps"][number], "health"> & { healthcheck?: unknown }>;
  };
  const status = agentConnectionStatus(row, new Date(), spec.connection_timeout ?? 120);
  const reported = row.metadata as Record<string, { value?: string; error?: string; collected_at?: string }>;
  return {
    lifecycle_detail: row.lifecycle_detail,
    directory: spec.dir ?? "",
    metadata: (spec.metadata ?? []).map((m) => ({
      key: m.key,
      display_name: m.display_name,
      value: reported[m.key]?.value ?? "",
      error: reported[m.key]?.error ?? "",
      collected_at: reported[m.key]?.collected_at ?? null,
    })),
    apps: (spec.apps ?? []).map(({ healthcheck, ...app }) => ({
      ...app,
      display_name: app.display_name ?? app.slug,
      subdomain: app.subdomain ?? false,
      share: app.share ?? "owner",
      hidden: app.hidden ?? false,
      health: (row.app_health[app.slug] as WorkspaceAgent["apps"][number]["health"] | undefined) ?? (healthcheck ? "initializing" : "disabled"),
    })),
    id: row.id,
    name: row.name,
    resource_name: row.resource_name,
    status,
    lifecycle_state: row.lifecycle_state,
    created_at: row.created_at.toISOString(),
    first_connected_at: row.first_connected_at?.toISOString() ?? null,
    last_connected_at: row.last_connected_at?.toISOString() ?? null,
  };
}

/** The JSON of workspaces, in the order given, with their latest builds and agents (three queries in all). */
export async function toWorkspaces(db: Database, rows: WorkspaceRow[]): Promise<Workspace[]> {
  const latest = await getLatestBuilds(db, rows.map((r) => r.id));
  const agents = await getAgentsOfBuilds(db, [...latest.values()].map((b) => b.id));
  const agentsByBuild = new Map<string, WorkspaceAgent[]>();
  for (const agent of agents) {
    const list = agentsByBuild.get(agent.build_id) ?? [];
    list.push(toAgent(agent));
    agentsByBuild.set(agent.build_id, list);
  }
  const workspaces: Workspace[] = [];
  for (const row of rows) {
    const build = latest.get(row.id);
    // Every workspace is created with its first build in one transaction.
    if (!build) throw new Error(`workspace ${row.id} has no build`);
    const latestBuild = toWorkspaceBuild(build);
    workspaces.push({
      id: row.id,
      name: row.name,
      owner_id: row.owner_id,
      owner_name: row.owner_name,
      organization_id: row.organization_id,
      template_id: row.template_id,
      template_name: row.template_name,
      template_display_name: row.template_display_name,
      template_icon: row.template_icon,
      template_active_version_id: row.template_active_version_id,
      created_at: row.created_at.toISOString(),
      updated_at: row.updated_at.toISOString(),
      last_used_at: row.last_used_at.toISOString(),
      deleted: row.deleted,
      status: latestBuild.status,
      outdated: row.template_active_version_id !== null && row.template_active_version_id !== build.template_version_id,
      latest_build: latestBuild,
      agents: agentsByBuild.get(build.id) ?? [],
    });
  }
  return workspaces;
}
