import type { CreateTemplateRequest, Template, UpdateTemplateRequest } from "../../sdk/schemas/templateApi.js";
import { auditDiff, type AuditRequest, type AuditService } from "../audit/auditService.js";
import type { Actor } from "../auth/actor.js";
import { authorize } from "../auth/policy.js";
import type { Database } from "../db/database.js";
import { ConflictError, InputError, NotFoundError } from "../errors.js";
import {
  countWorkspacesOfTemplate,
  getOrganizationByRef,
  getTemplateById,
  getTemplateByName,
  insertTemplate,
  listTemplatesByOrganization,
  lockTemplate,
  markTemplateDeleted,
  updateTemplateActiveVersion,
  updateTemplateFields,
  type TemplateRow,
} from "./templateQueries.js";
import { lockTemplateVersion, setTemplateVersionTemplate } from "./templateVersionQueries.js";
import { importedSpec, isUniqueViolation } from "./templateVersionService.js";

const NOUN = "Template";

/**
 * Templates: a name people pick from, pointing at its active version.
 * Everyone logged in may read them; owners and template admins change them,
 * and every change is audited.
 */
export class TemplateService {
  constructor(
    private readonly db: Database,
    private readonly audit: AuditService,
  ) {}

  async list(actor: Actor, orgRef: string): Promise<Template[]> {
    authorize(actor, "read", { type: "template" }, NOUN);
    const org = await this.organization(orgRef);
    return (await listTemplatesByOrganization(this.db, org.id)).map(toTemplate);
  }

  async get(actor: Actor, id: string): Promise<Template> {
    authorize(actor, "read", { type: "template" }, NOUN);
    const row = await getTemplateById(this.db, id);
    if (!row) throw new NotFoundError(NOUN);
    return toTemplate(row);
  }

  async getByName(actor: Actor, orgRef: string, name: string): Promise<Template> {
    authorize(actor, "read", { type: "template" }, NOUN);
    const org = await this.organization(orgRef);
    const row = await getTemplateByName(this.db, org.id, name);
    if (!row) throw new NotFoundError(NOUN);
    return toTemplate(row);
  }

  async create(actor: Actor, orgRef: string, req: CreateTemplateRequest, request: AuditRequest): Promise<Template> {
    const draft = { userId: actor.userId, action: "create" as const, resourceType: "template", resourceTarget: req.name };
    const id = await this.audit.track(request, draft, 201, async (d) => {
      authorize(actor, "create", { type: "template" }, NOUN);
      const org = await this.organization(orgRef);
      const taken = () => new ConflictError(`A template named ${JSON.stringify(req.name)} already exists.`, "name");
      try {
        const templateId = await this.db.transaction().execute(async (tx) => {
          // Locked, so that two templates cannot both take the same version.
          const version = await lockTemplateVersion(tx, req.version_id);
          if (!version || version.organization_id !== org.id) throw InputError.field("version_id", `no template version with this id in organization ${org.name}`);
          if (version.template_id !== null) throw InputError.field("version_id", "belongs to another template: push a new version for this one");
          if (version.job_status !== "succeeded") {
            throw InputError.field("version_id", `its import job is ${version.job_status}; only a version whose import succeeded can make a template`);
          }
          if (await getTemplateByName(tx, org.id, req.name)) throw taken();
          const spec = importedSpec({ name: version.name, spec: version.spec, job: { status: version.job_status } }, "details");
          const newId = await insertTemplate(tx, {
            organizationId: org.id,
            name: req.name,
            displayName: req.display_name ?? spec.display_name ?? "",
            description: req.description ?? spec.description ?? "",
            icon: req.icon ?? spec.icon ?? "",
            activeVersionId: version.id,
            createdBy: actor.userId,
          });
          await setTemplateVersionTemplate(tx, version.id, newId);
          return newId;
        });
        d.resourceId = templateId;
        d.diff = { name: { old: null, new: req.name }, active_version_id: { old: null, new: req.version_id } };
        return templateId;
      } catch (err) {
        // Two creates with one name can both pass the check; the unique index decides.
        if (isUniqueViolation(err)) throw taken();
        throw err;
      }
    });
    return this.get(actor, id);
  }

  async update(actor: Actor, id: string, req: UpdateTemplateRequest, request: AuditRequest): Promise<Template> {
    const draft = { userId: actor.userId, action: "write" as const, resourceType: "template", resourceId: id };
    await this.audit.track(request, draft, 200, async (d) => {
      authorize(actor, "update", { type: "template" }, NOUN);
      await this.db.transaction().execute(async (tx) => {
        if (!(await lockTemplate(tx, id))) throw new NotFoundError(NOUN);
        const before = (await getTemplateById(tx, id))!;
        d.resourceTarget = before.name;
        const fields = { display_name: req.display_name, description: req.description, icon: req.icon };
        const changes = Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined)) as UpdateTemplateRequest;
        d.diff = auditDiff(pick(before, Object.keys(changes)), changes);
        if (Object.keys(changes).length > 0) await updateTemplateFields(tx, id, changes);
      });
    });
    return this.get(actor, id);
  }

  /** Makes a succeeded version of this template the one new workspaces and updates use. */
  async promote(actor: Actor, id: string, versionId: string, request: AuditRequest): Promise<Template> {
    const draft = { userId: actor.userId, action: "write" as const, resourceType: "template", resourceId: id };
    await this.audit.track(request, draft, 200, async (d) => {
      authorize(actor, "update", { type: "template" }, NOUN);
      await this.db.transaction().execute(async (tx) => {
        const template = await lockTemplate(tx, id);
        if (!template) throw new NotFoundError(NOUN);
        d.resourceTarget = template.name;
        const version = await lockTemplateVersion(tx, versionId);
        if (!version || version.template_id !== id) throw InputError.field("id", `no version of template ${template.name} has this id`);
        if (version.job_status !== "succeeded") {
          throw InputError.field("id", `version ${version.name}'s import job is ${version.job_status}; only a version whose import succeeded can be promoted`);
        }
        d.diff = { active_version_id: { old: template.active_version_id, new: version.id } };
        d.additionalFields = { version_name: version.name };
        await updateTemplateActiveVersion(tx, id, version.id);
      });
    });
    return this.get(actor, id);
  }

  /** Refused while workspaces use the template: they build from its versions. */
  async delete(actor: Actor, id: string, request: AuditRequest): Promise<void> {
    const draft = { userId: actor.userId, action: "delete" as const, resourceType: "template", resourceId: id };
    await this.audit.track(request, draft, 204, async (d) => {
      authorize(actor, "delete", { type: "template" }, NOUN);
      await this.db.transaction().execute(async (tx) => {
        // The lock makes a workspace create that locks the template (FOR SHARE) wait for us, and us for it.
        const template = await lockTemplate(tx, id);
        if (!template) throw new NotFoundError(NOUN);
        d.resourceTarget = template.name;
        const inUse = await countWorkspacesOfTemplate(tx, id);
        if (inUse > 0) {
          throw new ConflictError(
            `Template ${template.name} is used by ${inUse} workspace${inUse === 1 ? "" : "s"}; delete ${inUse === 1 ? "it" : "them"} first.`,
          );
        }
        await markTemplateDeleted(tx, id);
      });
    });
  }

  private async organization(ref: string): Promise<{ id: string; name: string }> {
    const org = await getOrganizationByRef(this.db, ref);
    if (!org) throw new NotFoundError("Organization");
    return org;
  }
}

export function toTemplate(row: TemplateRow): Template {
  if (row.active_version_id === null) throw new Error(`template ${row.id} has no active version`);
  return {
    id: row.id,
    organization_id: row.organization_id,
    name: row.name,
    display_name: row.display_name,
    description: row.description,
    icon: row.icon,
    active_version_id: row.active_version_id,
    active_version_name: row.active_version_name ?? "",
    created_by_name: row.created_by_name ?? "",
    created_at: row.created_at.toISOString(),
    updated_at: row.updated_at.toISOString(),
  };
}

function pick(row: TemplateRow, keys: string[]): Record<string, unknown> {
  const source = row as unknown as Record<string, unknown>;
  return Object.fromEntries(keys.map((k) => [k, source[k]]));
}
