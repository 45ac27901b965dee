import type { Logger } from "pino";
import type { DeletePortShareRequest, UpsertPortShareRequest, WorkspacePortShare, WorkspacePortShares } from "../../sdk/schemas/portShares.js";
import { auditDiff, type AuditRequest, type AuditService } from "../audit/auditService.js";
import type { Actor } from "../auth/actor.js";
import type { Database } from "../db/database.js";
import { InputError, NotFoundError } from "../errors.js";
import type { WorkspaceService } from "../workspaces/workspaceService.js";
import { exceedsPortShareLevel, maxPortShareLevel } from "./maxPortShareLevel.js";
import { deletePortShare, getLatestBuildSpec, listPortShares, upsertPortShare, type PortShareRow } from "./portShareQueries.js";

export type PortShareDeps = { db: Database; audit: AuditService; workspaces: WorkspaceService; log: Logger };

/**
 * Sharing a workspace's ports beyond its owner. Only the owner (or a site
 * owner) manages them; anyone else is told the workspace does not exist, as
 * WorkspaceService does. The template sets how far a port may be shared.
 */
export class PortShareService {
  constructor(private readonly deps: PortShareDeps) {}

  async list(actor: Actor, workspaceId: string): Promise<WorkspacePortShares> {
    const workspace = await this.deps.workspaces.authorized(actor, workspaceId, "update");
    const spec = await getLatestBuildSpec(this.deps.db, workspace.id);
    const shares = await listPortShares(this.deps.db, workspace.id);
    return { max_level: maxPortShareLevel(spec), shares: shares.map(toPortShare) };
  }

  async upsert(actor: Actor, workspaceId: string, input: UpsertPortShareRequest, request: AuditRequest): Promise<WorkspacePortShare> {
    const draft = { userId: actor.userId, action: "write" as const, resourceType: "workspace_port_share", resourceId: workspaceId };
    return this.deps.audit.track(request, draft, 200, async (d) => {
      const workspace = await this.deps.workspaces.authorized(actor, workspaceId, "update");
      Object.assign(d, { resourceId: workspace.id, resourceTarget: `${workspace.owner_name}/${workspace.name}.${input.agent_name}:${input.port}` });
      const level = input.share_level;
      if (level === "owner") throw InputError.field("share_level", "a port is open to its owner without a share; use DELETE to stop sharing");
      const spec = await getLatestBuildSpec(this.deps.db, workspace.id);
      checkAgent(spec, input.agent_name);
      const max = maxPortShareLevel(spec);
      if (exceedsPortShareLevel(level, max)) {
        throw InputError.field("share_level", `the workspace's template allows sharing ports up to "${max}" (its max_port_share_level), not "${level}"`);
      }
      const protocol = input.protocol ?? "http";
      const { before, after } = await upsertPortShare(this.deps.db, { workspaceId: workspace.id, agentName: input.agent_name, port: input.port, shareLevel: level, protocol });
      d.diff = auditDiff(before ? { share_level: before.share_level, protocol: before.protocol } : { share_level: "owner" }, { share_level: level, protocol });
      this.deps.log.info({ workspaceId: workspace.id, agentName: input.agent_name, port: input.port, shareLevel: level }, "port shared");
      return toPortShare(after);
    });
  }

  async delete(actor: Actor, workspaceId: string, input: DeletePortShareRequest, request: AuditRequest): Promise<void> {
    const draft = { userId: actor.userId, action: "delete" as const, resourceType: "workspace_port_share", resourceId: workspaceId };
    await this.deps.audit.track(request, draft, 204, async (d) => {
      const workspace = await this.deps.workspaces.authorized(actor, workspaceId, "update");
      Object.assign(d, { resourceId: workspace.id, resourceTarget: `${workspace.owner_name}/${workspace.name}.${input.agent_name}:${input.port}` });
      const removed = await deletePortShare(this.deps.db, workspace.id, input.agent_name, input.port);
      if (!removed) throw new NotFoundError(`Port share of port ${input.port} on agent ${input.agent_name}`);
      d.diff = auditDiff({ share_level: removed.share_level, protocol: removed.protocol }, { share_level: "owner" });
      this.deps.log.info({ workspaceId: workspace.id, agentName: input.agent_name, port: input.port }, "port unshared");
    });
  }
}

/** Refuses an agent the workspace's template does not declare, listing those it does. */
function checkAgent(spec: unknown, agentName: string): void {
  const agents = spec !== null && typeof spec === "object" ? (spec as { agents?: unknown }).agents : undefined;
  const names = agents !== null && typeof agents === "object" ? Object.keys(agents as object).sort() : [];
  if (names.includes(agentName)) return;
  const known = names.length === 0 ? "it has no agents" : `its agents: ${names.join(", ")}`;
  throw InputError.field("agent_name", `the workspace has no agent named "${agentName}" (${known})`);
}

function toPortShare(row: PortShareRow): WorkspacePortShare {
  return {
    workspace_id: row.workspace_id,
    agent_name: row.agent_name,
    port: row.port,
    share_level: row.share_level,
    protocol: row.protocol,
    created_at: row.created_at.toISOString(),
    updated_at: row.updated_at.toISOString(),
  };
}
