import { randomUUID } from "node:crypto";
import type { ProvisionerJobLog } from "../../sdk/schemas/provisionerJobs.js";
import type {
  CreateTemplateVersionRequest,
  TemplateVersion,
  TemplateVersionAgent,
  TemplateVersionResource,
  TemplateVersionResources,
} from "../../sdk/schemas/templateApi.js";
import type { ParameterSpec } from "../../sdk/schemas/templates.js";
import type { Actor } from "../auth/actor.js";
import { authorize } from "../auth/policy.js";
import type { Database } from "../db/database.js";
import { ConflictError, InputError, NotFoundError } from "../errors.js";
import { getJobLogsAfter, insertProvisionerJob, notifyJobQueued, toProvisionerJob } from "../provisioners/jobQueries.js";
import type { PubSub } from "../pubsub/pubsub.js";
import { fileExists } from "./fileQueries.js";
import { randomVersionName } from "./randomVersionName.js";
import { getOrganizationByRef, getTemplateById } from "./templateQueries.js";
import {
  getTemplateVersionById,
  insertTemplateVersion,
  listTemplateVersionsByTemplate,
  templateVersionNameTaken,
  type TemplateVersionRow,
} from "./templateVersionQueries.js";

const NOUN = "Template version";

/** A generated name can collide with an existing version's; a few fresh draws settle it. */
const NAME_ATTEMPTS = 5;

/** The parts of a stored TemplateSpec (template_versions.spec) that this area reads. */
type StoredSpec = {
  display_name?: string;
  description?: string;
  icon?: string;
  parameters?: ParameterSpec[];
  resources?: Record<string, { driver: string; kind: string; lifetime: "persistent" | "ephemeral" }>;
  agents?: Record<string, { resource: string }>;
};

/**
 * Template versions: an uploaded archive plus the import job that parses and
 * checks it. A version is immutable; what the import learnt (parameters,
 * resources) can be read once the job has succeeded.
 */
export class TemplateVersionService {
  constructor(
    private readonly db: Database,
    private readonly pubsub: PubSub,
  ) {}

  async create(actor: Actor, orgRef: string, req: CreateTemplateVersionRequest): Promise<TemplateVersion> {
    authorize(actor, "create", { type: "template" }, "Template");
    const org = await getOrganizationByRef(this.db, orgRef);
    if (!org) throw new NotFoundError("Organization");
    if (!(await fileExists(this.db, req.file_id))) {
      throw InputError.field("file_id", "no file has this id: upload the archive with POST /api/v2/files first");
    }
    if (req.template_id !== undefined) {
      const template = await getTemplateById(this.db, req.template_id);
      if (!template || template.organization_id !== org.id) throw InputError.field("template_id", `no template with this id in organization ${org.name}`);
      if (req.name !== undefined && (await templateVersionNameTaken(this.db, template.id, req.name))) {
        throw new ConflictError(`Template ${template.name} already has a version named ${JSON.stringify(req.name)}.`, "name");
      }
    }
    const id = randomUUID();
    for (let attempt = 1; ; attempt++) {
      const name = req.name ?? randomVersionName();
      try {
        // The job and the version are stored together, so a job never points at a missing version.
        await this.db.transaction().execute(async (tx) => {
          const jobId = await insertProvisionerJob(tx, {
            type: "template_version_import",
            organizationId: org.id,
            initiatorId: actor.userId,
            input: { template_version_id: id, file_id: req.file_id },
          });
          await insertTemplateVersion(tx, {
            id,
            templateId: req.template_id ?? null,
            organizationId: org.id,
            name,
            message: req.message ?? "",
            fileId: req.file_id,
            jobId,
            createdBy: actor.userId,
          });
        });
        break;
      } catch (err) {
        if (!isUniqueViolation(err)) throw err;
        if (req.name !== undefined) throw new ConflictError(`The template already has a version named ${JSON.stringify(req.name)}.`, "name");
        if (attempt >= NAME_ATTEMPTS) throw new Error("cannot find a free version name", { cause: err });
      }
    }
    // Only after the commit: a daemon woken earlier would not see the job yet.
    await notifyJobQueued(this.pubsub);
    return this.get(actor, id);
  }

  async get(actor: Actor, id: string): Promise<TemplateVersion> {
    return toTemplateVersion(await this.read(actor, id));
  }

  async listByTemplate(actor: Actor, templateId: string): Promise<TemplateVersion[]> {
    authorize(actor, "read", { type: "template" }, "Template");
    if (!(await getTemplateById(this.db, templateId))) throw new NotFoundError("Template");
    return (await listTemplateVersionsByTemplate(this.db, templateId)).map(toTemplateVersion);
  }

  async parameters(actor: Actor, id: string): Promise<ParameterSpec[]> {
    const spec = importedSpec(await this.read(actor, id), "parameters");
    return spec.parameters ?? [];
  }

  async resources(actor: Actor, id: string): Promise<TemplateVersionResources> {
    const spec = importedSpec(await this.read(actor, id), "resources");
    const resources: TemplateVersionResource[] = Object.entries(spec.resources ?? {}).map(([name, r]) => ({
      name,
      driver: r.driver,
      kind: r.kind,
      lifetime: r.lifetime,
    }));
    const agents: TemplateVersionAgent[] = Object.entries(spec.agents ?? {}).map(([name, a]) => ({ name, resource: a.resource }));
    return { resources, agents };
  }

  async logs(actor: Actor, id: string, after: number): Promise<ProvisionerJobLog[]> {
    const version = await this.read(actor, id);
    return getJobLogsAfter(this.db, version.job.id, after);
  }

  /** The import job of a version, for following its logs. */
  async jobIdOf(actor: Actor, id: string): Promise<string> {
    return (await this.read(actor, id)).job.id;
  }

  private async read(actor: Actor, id: string): Promise<TemplateVersionRow> {
    authorize(actor, "read", { type: "template" }, NOUN);
    const row = await getTemplateVersionById(this.db, id);
    if (!row) throw new NotFoundError(NOUN);
    return row;
  }
}

export function toTemplateVersion(row: TemplateVersionRow): TemplateVersion {
  return {
    id: row.id,
    template_id: row.template_id,
    organization_id: row.organization_id,
    name: row.name,
    message: row.message,
    file_id: row.file_id,
    created_at: row.created_at.toISOString(),
    created_by_name: row.created_by_name ?? "",
    job: toProvisionerJob(row.job),
    readme: row.readme,
  };
}

/** The parsed den.yaml of a version whose import succeeded; before that, nothing is known. */
export function importedSpec(row: Pick<TemplateVersionRow, "name" | "spec"> & { job: { status: string } }, what: string): StoredSpec {
  if (row.job.status !== "succeeded" || row.spec === null || typeof row.spec !== "object") {
    throw new ConflictError(
      `The ${what} of template version ${row.name} are not known: its import job is ${row.job.status}${row.job.status === "failed" ? " (see its logs)" : ""}.`,
    );
  }
  return row.spec as StoredSpec;
}

export function isUniqueViolation(err: unknown): boolean {
  return (err as { code?: string } | null)?.code === "23505";
}
