import { randomUUID } from "node:crypto";
import type { Logger } from "pino";
import type { CreateWorkspaceRequest, ListWorkspacesResponse, UpdateWorkspaceRequest, Workspace } from "../../sdk/schemas/workspaces.js";
import { auditDiff, type AuditRequest, type AuditService } from "../audit/auditService.js";
import type { Actor } from "../auth/actor.js";
import { authorize, can, type Action } from "../auth/policy.js";
import type { Database } from "../db/database.js";
import { ConflictError, InputError, NotAllowedError, NotFoundError } from "../errors.js";
import { jobEvents } from "../provisioners/jobEvents.js";
import type { PubSub } from "../pubsub/pubsub.js";
import { getUserById, getUserByUsername } from "../users/queries.js";
import { announceBuild, enqueueBuild } from "./enqueueBuild.js";
import { parseWorkspaceQuery } from "./parseWorkspaceQuery.js";
import { getTemplate, getTemplateVersion, getWorkspaceById, getWorkspaceByOwnerAndName, insertWorkspace, listWorkspaces, renameWorkspace, type ListFilter, type WorkspaceRow } from "./queries.js";
import { parameterSpecsOf, resolveBuildParameters } from "./resolveBuildParameters.js";
import { toWorkspaces } from "./workspaceViews.js";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export type WorkspaceDeps = { db: Database; pubsub: PubSub; audit: AuditService; log: Logger };

/** Whether the error is PostgreSQL's unique violation of this index. */
function isUniqueViolation(err: unknown, constraint: string): boolean {
  const e = err as { code?: string; constraint?: string };
  return e.code === "23505" && e.constraint === constraint;
}

/**
 * Workspaces: creating one (with its first build), finding, listing and
 * renaming. Builds after the first are BuildService's. Members see and
 * change only their own workspaces; someone else's answers like a missing one.
 */
export class WorkspaceService {
  constructor(private readonly deps: WorkspaceDeps) {}

  /** The user a `/users/{user}/…` path names: `me`, an id or a username. */
  async resolveUser(actor: Actor, ref: string): Promise<{ id: string; username: string }> {
    const row =
      ref === "me" ? await getUserById(this.deps.db, actor.userId) : UUID.test(ref) ? await getUserById(this.deps.db, ref.toLowerCase()) : await getUserByUsername(this.deps.db, ref);
    if (!row) throw new NotFoundError("User");
    return { id: row.id, username: row.username };
  }

  /** Loads a workspace the actor may `action`; NotFoundError when it may not even see it. */
  async authorized(actor: Actor, id: string, action: Action, opts: { includeDeleted?: boolean } = {}): Promise<WorkspaceRow> {
    const row = UUID.test(id) ? await getWorkspaceById(this.deps.db, id.toLowerCase(), opts) : undefined;
    if (!row) throw new NotFoundError("Workspace");
    authorize(actor, action, { type: "workspace", ownerId: row.owner_id }, "Workspace");
    return row;
  }

  async get(actor: Actor, id: string, opts: { includeDeleted?: boolean } = {}): Promise<Workspace> {
    return this.view(await this.authorized(actor, id, "read", opts));
  }

  async getByOwnerAndName(actor: Actor, userRef: string, name: string): Promise<Workspace> {
    const owner = await this.resolveUser(actor, userRef).catch(() => undefined);
    const row = owner ? await getWorkspaceByOwnerAndName(this.deps.db, owner.id, name) : undefined;
    if (!row) throw new NotFoundError("Workspace");
    authorize(actor, "read", { type: "workspace", ownerId: row.owner_id }, "Workspace");
    return this.view(row);
  }

  async list(actor: Actor, q: string | undefined, limit: number, offset: number): Promise<ListWorkspacesResponse> {
    const parsed = parseWorkspaceQuery(q);
    const filter: ListFilter = { template: parsed.template, status: parsed.status, name: parsed.name };
    if (parsed.owner === "me") filter.ownerId = actor.userId;
    else if (parsed.owner !== undefined) filter.ownerName = parsed.owner;
    // Without the right to read everyone's workspaces, a search only ever sees one's own.
    if (!can(actor, "read", { type: "workspace" })) filter.ownerId = actor.userId;
    const { rows, count } = await listWorkspaces(this.deps.db, filter, limit, offset);
    return { workspaces: await toWorkspaces(this.deps.db, rows), count };
  }

  async create(actor: Actor, userRef: string, input: CreateWorkspaceRequest, request: AuditRequest): Promise<Workspace> {
    const draft = { userId: actor.userId, action: "create" as const, resourceType: "workspace", resourceTarget: input.name };
    return this.deps.audit.track(request, draft, 201, async (d) => {
      const owner = await this.resolveUser(actor, userRef);
      // Users are visible to everyone, so a refusal here is a 403, not a 404.
      if (!can(actor, "create", { type: "workspace", ownerId: owner.id })) throw new NotAllowedError(`You may not create workspaces for ${owner.username}.`);
      const version = await this.versionToCreateFrom(input);
      const specs = parameterSpecsOf(version.spec, input.template_version_id ? "template_version_id" : "template_id");
      const parameters = resolveBuildParameters(specs, input.rich_parameter_values ?? [], { transition: "create" });
      const id = randomUUID();
      d.resourceId = id;
      try {
        await this.deps.db.transaction().execute(async (tx) => {
          await insertWorkspace(tx, { id, organizationId: version.organization_id, ownerId: owner.id, templateId: version.template_id, name: input.name });
          await enqueueBuild(tx, {
            workspaceId: id,
            organizationId: version.organization_id,
            templateVersionId: version.id,
            buildNumber: 1,
            transition: "start",
            initiatorId: actor.userId,
            parameters,
            state: [],
          });
        });
      } catch (err) {
        if (isUniqueViolation(err, "workspaces_name_unique")) {
          const whose = owner.id === actor.userId ? "You already have" : `${owner.username} already has`;
          throw new ConflictError(`${whose} a workspace named "${input.name}"; pick another name or delete that one first.`);
        }
        throw err;
      }
      d.diff = auditDiff({}, { name: input.name, owner: owner.username, template_version_id: version.id, parameters });
      await announceBuild(this.deps.pubsub, id);
      this.deps.log.info({ workspaceId: id, ownerId: owner.id }, "workspace created");
      return this.get(actor, id);
    });
  }

  async update(actor: Actor, id: string, input: UpdateWorkspaceRequest, request: AuditRequest): Promise<Workspace> {
    const draft = { userId: actor.userId, action: "write" as const, resourceType: "workspace", resourceId: id };
    return this.deps.audit.track(request, draft, 200, async (d) => {
      const row = await this.authorized(actor, id, "update");
      Object.assign(d, { resourceId: row.id, resourceTarget: row.name });
      if (input.name !== undefined && input.name !== row.name) {
        try {
          await renameWorkspace(this.deps.db, row.id, input.name);
        } catch (err) {
          if (isUniqueViolation(err, "workspaces_name_unique")) throw new ConflictError(`${row.owner_name} already has a workspace named "${input.name}".`);
          throw err;
        }
        d.diff = auditDiff({ name: row.name }, { name: input.name });
        await this.deps.pubsub.publish(jobEvents.workspace(row.id), "renamed");
      }
      return this.get(actor, row.id);
    });
  }

  async view(row: WorkspaceRow): Promise<Workspace> {
    const [workspace] = await toWorkspaces(this.deps.db, [row]);
    return workspace!;
  }

  /** The version a new workspace builds: the one named, or the template's active one. */
  private async versionToCreateFrom(input: CreateWorkspaceRequest): Promise<{ id: string; template_id: string; organization_id: string; spec: unknown }> {
    let field = "template_version_id";
    let versionId = input.template_version_id;
    if (input.template_id !== undefined) {
      field = "template_id";
      const template = await getTemplate(this.deps.db, input.template_id);
      if (!template) throw InputError.field("template_id", "no such template");
      if (!template.active_version_id) throw InputError.field("template_id", "the template has no active version yet");
      versionId = template.active_version_id;
    }
    const version = versionId ? await getTemplateVersion(this.deps.db, versionId) : undefined;
    if (!version) throw InputError.field(field, "no such template version");
    if (!version.template_id || version.template_deleted !== false) throw InputError.field(field, "the version does not belong to a live template");
    return { id: version.id, template_id: version.template_id, organization_id: version.organization_id, spec: version.spec };
  }
}
