import type { WebSocket } from "ws";
import type { ProvisionerJobLog } from "../../sdk/schemas/provisionerJobs.js";
import type { CreateWorkspaceBuildRequest, WorkspaceBuild } from "../../sdk/schemas/workspaces.js";
import type { AuditRequest } from "../audit/auditService.js";
import type { Actor } from "../auth/actor.js";
import { authorize, type Action } from "../auth/policy.js";
import { ConflictError, InputError, NotFoundError } from "../errors.js";
import { jobEvents } from "../provisioners/jobEvents.js";
import { getJobLogsAfter, requestJobCancel } from "../provisioners/jobQueries.js";
import { streamJobLogs } from "../provisioners/jobLogStream.js";
import { announceBuild, enqueueBuild } from "./enqueueBuild.js";
import { getBuildById, getBuildByNumber, getLatestBuildForUpdate, getTemplateVersion, listBuilds, lockWorkspace, type BuildRow } from "./queries.js";
import { parameterSpecsOf, resolveBuildParameters } from "./resolveBuildParameters.js";
import type { WorkspaceDeps, WorkspaceService } from "./workspaceService.js";
import { toWorkspaceBuild } from "./workspaceViews.js";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const ACTIVE_JOB = new Set(["pending", "running", "canceling"]);

/**
 * Workspace builds: start, stop and delete, one at a time per workspace;
 * their logs; canceling one.
 */
export class BuildService {
  constructor(
    private readonly deps: WorkspaceDeps,
    private readonly workspaces: WorkspaceService,
  ) {}

  async create(actor: Actor, workspaceId: string, input: CreateWorkspaceBuildRequest, request: AuditRequest): Promise<WorkspaceBuild> {
    const draft = { userId: actor.userId, action: input.transition, resourceType: "workspace", resourceId: workspaceId };
    return this.deps.audit.track(request, draft, 201, async (d) => {
      const action: Action = input.transition === "delete" ? "delete" : "update";
      // Authorize before locking, so that someone else's workspace answers 404 without waiting on its lock.
      const visible = await this.workspaces.authorized(actor, workspaceId, action);
      d.resourceTarget = visible.name;
      const buildId = await this.deps.db.transaction().execute(async (tx) => {
        const ws = await lockWorkspace(tx, visible.id);
        if (!ws) throw new NotFoundError("Workspace");
        const latest = await getLatestBuildForUpdate(tx, ws.id);
        if (!latest) throw new Error(`workspace ${ws.id} has no build`);
        if (ACTIVE_JOB.has(latest.job_status)) {
          throw new ConflictError(
            `Build #${latest.build_number} (${latest.transition}) of this workspace is still ${latest.job_status}; wait for it to end or cancel it.`,
          );
        }
        const versionId = input.template_version_id ?? latest.template_version_id;
        let parameters = latest.parameters;
        if (input.transition === "start") {
          const version = await getTemplateVersion(tx, versionId);
          if (!version || version.template_id !== ws.template_id) throw InputError.field("template_version_id", "no such version of this workspace's template");
          const specs = parameterSpecsOf(version.spec, "template_version_id");
          parameters = resolveBuildParameters(specs, input.rich_parameter_values ?? [], {
            previous: latest.parameters,
            transition: versionId === latest.template_version_id ? "start" : "update",
          });
        } else {
          if ((input.rich_parameter_values ?? []).length > 0) throw InputError.field("rich_parameter_values", `parameters can change only with a start build, not ${input.transition}`);
          if (input.template_version_id !== undefined && input.template_version_id !== latest.template_version_id) {
            throw InputError.field("template_version_id", `a ${input.transition} build uses the version of the build before it; change versions with a start build`);
          }
        }
        const { buildId } = await enqueueBuild(tx, {
          workspaceId: ws.id,
          organizationId: ws.organization_id,
          templateVersionId: versionId,
          buildNumber: latest.build_number + 1,
          transition: input.transition,
          initiatorId: actor.userId,
          parameters,
          state: latest.state,
        });
        d.additionalFields = { build_number: latest.build_number + 1, template_version_id: versionId };
        return buildId;
      });
      await announceBuild(this.deps.pubsub, visible.id);
      return this.view(buildId);
    });
  }

  async list(actor: Actor, workspaceId: string, limit: number, offset: number): Promise<WorkspaceBuild[]> {
    const ws = await this.workspaces.authorized(actor, workspaceId, "read", { includeDeleted: true });
    return (await listBuilds(this.deps.db, ws.id, limit, offset)).map(toWorkspaceBuild);
  }

  async get(actor: Actor, buildId: string): Promise<WorkspaceBuild> {
    return toWorkspaceBuild(await this.authorized(actor, buildId, "read"));
  }

  async getByNumber(actor: Actor, userRef: string, workspaceName: string, buildNumber: number): Promise<WorkspaceBuild> {
    const ws = await this.workspaces.getByOwnerAndName(actor, userRef, workspaceName);
    const row = await getBuildByNumber(this.deps.db, ws.id, buildNumber);
    if (!row) throw new NotFoundError("Workspace build");
    return toWorkspaceBuild(row);
  }

  async logs(actor: Actor, buildId: string, after: number): Promise<ProvisionerJobLog[]> {
    const build = await this.authorized(actor, buildId, "read");
    return getJobLogsAfter(this.deps.db, build.job_id, after);
  }

  async followLogs(actor: Actor, buildId: string, after: number, socket: WebSocket): Promise<void> {
    const build = await this.authorized(actor, buildId, "read");
    await streamJobLogs(socket, this.deps, build.job_id, after);
  }

  async cancel(actor: Actor, buildId: string, request: AuditRequest): Promise<WorkspaceBuild> {
    const draft = { userId: actor.userId, action: "write" as const, resourceType: "workspace_build", resourceId: buildId };
    return this.deps.audit.track(request, draft, 200, async (d) => {
      const build = await this.authorized(actor, buildId, "update");
      Object.assign(d, { resourceTarget: `${build.workspace_name} #${build.build_number}`, additionalFields: { cancel: true } });
      const status = await requestJobCancel(this.deps.db, this.deps.pubsub, build.job_id);
      if (!status) {
        const now = await this.view(build.id);
        throw new ConflictError(`Build #${build.build_number} (${build.transition}) has already ended (${now.job.status}); there is nothing to cancel.`);
      }
      await this.deps.pubsub.publish(jobEvents.workspace(build.workspace_id), status);
      return this.view(build.id);
    });
  }

  /** Loads a build the actor may `action` on its workspace (deleted workspaces included, for their history). */
  private async authorized(actor: Actor, buildId: string, action: Action): Promise<BuildRow> {
    const row = UUID.test(buildId) ? await getBuildById(this.deps.db, buildId.toLowerCase()) : undefined;
    if (!row) throw new NotFoundError("Workspace build");
    authorize(actor, action, { type: "workspace", ownerId: row.workspace_owner_id }, "Workspace build");
    return row;
  }

  private async view(buildId: string): Promise<WorkspaceBuild> {
    const row = await getBuildById(this.deps.db, buildId);
    if (!row) throw new NotFoundError("Workspace build");
    return toWorkspaceBuild(row);
  }
}
