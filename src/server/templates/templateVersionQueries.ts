import { sql } from "kysely";
import type { JobStatus } from "../../sdk/schemas/provisionerJobs.js";
import type { Database } from "../db/database.js";
import type { JobRow } from "../provisioners/jobQueries.js";

export type TemplateVersionRow = {
  id: string;
  template_id: string | null;
  organization_id: string;
  name: string;
  message: string;
  file_id: string;
  spec: unknown;
  readme: string;
  created_at: Date;
  created_by_name: string | null;
  job: JobRow;
};

function selectVersions(db: Database) {
  return db
    .selectFrom("template_versions as v")
    .innerJoin("provisioner_jobs as j", "j.id", "v.job_id")
    .leftJoin("users as u", "u.id", "v.created_by")
    .select([
      "v.id",
      "v.template_id",
      "v.organization_id",
      "v.name",
      "v.message",
      "v.file_id",
      "v.spec",
      "v.readme",
      "v.created_at",
      "u.username as created_by_name",
      "j.id as job_id",
      "j.type as job_type",
      "j.status as job_status",
      "j.error as job_error",
      "j.created_at as job_created_at",
      "j.started_at as job_started_at",
      "j.completed_at as job_completed_at",
      "j.worker_id as job_worker_id",
    ]);
}

type SelectedVersion = Awaited<ReturnType<ReturnType<typeof selectVersions>["executeTakeFirstOrThrow"]>>;

function toRow(r: SelectedVersion): TemplateVersionRow {
  return {
    id: r.id,
    template_id: r.template_id,
    organization_id: r.organization_id,
    name: r.name,
    message: r.message,
    file_id: r.file_id,
    spec: r.spec,
    readme: r.readme,
    created_at: r.created_at,
    created_by_name: r.created_by_name,
    job: {
      id: r.job_id,
      type: r.job_type,
      status: r.job_status,
      error: r.job_error,
      created_at: r.job_created_at,
      started_at: r.job_started_at,
      completed_at: r.job_completed_at,
      worker_id: r.job_worker_id,
    },
  };
}

export async function getTemplateVersionById(db: Database, id: string): Promise<TemplateVersionRow | undefined> {
  const row = await selectVersions(db).where("v.id", "=", id).executeTakeFirst();
  return row && toRow(row);
}

/** A template's versions, oldest first (like Coder). */
export async function listTemplateVersionsByTemplate(db: Database, templateId: string): Promise<TemplateVersionRow[]> {
  const rows = await selectVersions(db).where("v.template_id", "=", templateId).orderBy("v.created_at").orderBy("v.id").execute();
  return rows.map(toRow);
}

export async function templateVersionNameTaken(db: Database, templateId: string, name: string): Promise<boolean> {
  const row = await db.selectFrom("template_versions").select("id").where("template_id", "=", templateId).where("name", "=", name).executeTakeFirst();
  return row !== undefined;
}

export async function insertTemplateVersion(
  tx: Database,
  v: { id: string; templateId: string | null; organizationId: string; name: string; message: string; fileId: string; jobId: string; createdBy: string },
): Promise<void> {
  await tx
    .insertInto("template_versions")
    .values({
      id: v.id,
      template_id: v.templateId,
      organization_id: v.organizationId,
      name: v.name,
      message: v.message,
      file_id: v.fileId,
      job_id: v.jobId,
      spec: null,
      created_by: v.createdBy,
    })
    .execute();
}

/** Locks a version with its job's status, so that two templates cannot both claim it. */
export async function lockTemplateVersion(
  tx: Database,
  id: string,
): Promise<{ id: string; template_id: string | null; organization_id: string; name: string; spec: unknown; job_status: JobStatus } | undefined> {
  return tx
    .selectFrom("template_versions as v")
    .innerJoin("provisioner_jobs as j", "j.id", "v.job_id")
    .select(["v.id", "v.template_id", "v.organization_id", "v.name", "v.spec", "j.status as job_status"])
    .where("v.id", "=", id)
    .forUpdate("v")
    .executeTakeFirst();
}

export async function setTemplateVersionTemplate(tx: Database, versionId: string, templateId: string): Promise<void> {
  await tx.updateTable("template_versions").set({ template_id: templateId, updated_at: sql`now()` }).where("id", "=", versionId).execute();
}
