import { sql } from "kysely";
import type { Database } from "../db/database.js";

/** Queries of templates; the versions have their own file. */

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isUuid(text: string): boolean {
  return UUID.test(text);
}

/** An organization by name or id (the `{org}` of a path). */
export async function getOrganizationByRef(db: Database, ref: string): Promise<{ id: string; name: string } | undefined> {
  let query = db.selectFrom("organizations").select(["id", "name"]);
  query = isUuid(ref) ? query.where((eb) => eb.or([eb("id", "=", ref), eb("name", "=", ref)])) : query.where("name", "=", ref);
  return query.executeTakeFirst();
}

export type TemplateRow = {
  id: string;
  organization_id: string;
  name: string;
  display_name: string;
  description: string;
  icon: string;
  active_version_id: string | null;
  active_version_name: string | null;
  created_by_name: string | null;
  created_at: Date;
  updated_at: Date;
};

function selectTemplates(db: Database) {
  return db
    .selectFrom("templates as t")
    .leftJoin("template_versions as av", "av.id", "t.active_version_id")
    .leftJoin("users as u", "u.id", "t.created_by")
    .select([
      "t.id",
      "t.organization_id",
      "t.name",
      "t.display_name",
      "t.description",
      "t.icon",
      "t.active_version_id",
      "av.name as active_version_name",
      "u.username as created_by_name",
      "t.created_at",
      "t.updated_at",
    ])
    .where("t.deleted", "=", false);
}

export async function listTemplatesByOrganization(db: Database, organizationId: string): Promise<TemplateRow[]> {
  return selectTemplates(db).where("t.organization_id", "=", organizationId).orderBy("t.name").execute();
}

export async function getTemplateById(db: Database, id: string): Promise<TemplateRow | undefined> {
  return selectTemplates(db).where("t.id", "=", id).executeTakeFirst();
}

export async function getTemplateByName(db: Database, organizationId: string, name: string): Promise<TemplateRow | undefined> {
  return selectTemplates(db)
    .where("t.organization_id", "=", organizationId)
    .where(sql<string>`lower(t.name)`, "=", name.toLowerCase())
    .executeTakeFirst();
}

/** Locks a template that is not deleted, so that a concurrent delete or promote waits for this transaction. */
export async function lockTemplate(tx: Database, id: string): Promise<{ id: string; name: string; active_version_id: string | null } | undefined> {
  return tx
    .selectFrom("templates")
    .select(["id", "name", "active_version_id"])
    .where("id", "=", id)
    .where("deleted", "=", false)
    .forUpdate()
    .executeTakeFirst();
}

export async function insertTemplate(
  tx: Database,
  t: { organizationId: string; name: string; displayName: string; description: string; icon: string; activeVersionId: string; createdBy: string },
): Promise<string> {
  const row = await tx
    .insertInto("templates")
    .values({
      organization_id: t.organizationId,
      name: t.name,
      display_name: t.displayName,
      description: t.description,
      icon: t.icon,
      active_version_id: t.activeVersionId,
      created_by: t.createdBy,
    })
    .returning("id")
    .executeTakeFirstOrThrow();
  return row.id;
}

export async function updateTemplateFields(tx: Database, id: string, fields: { display_name?: string; description?: string; icon?: string }): Promise<void> {
  await tx
    .updateTable("templates")
    .set({ ...fields, updated_at: sql`now()` })
    .where("id", "=", id)
    .execute();
}

export async function updateTemplateActiveVersion(tx: Database, id: string, versionId: string): Promise<void> {
  await tx.updateTable("templates").set({ active_version_id: versionId, updated_at: sql`now()` }).where("id", "=", id).execute();
}

/** Soft delete: versions, files and builds of old workspaces keep referring to the row. */
export async function markTemplateDeleted(tx: Database, id: string): Promise<void> {
  await tx.updateTable("templates").set({ deleted: true, updated_at: sql`now()` }).where("id", "=", id).execute();
}

export async function countWorkspacesOfTemplate(db: Database, templateId: string): Promise<number> {
  const row = await db
    .selectFrom("workspaces")
    .select((eb) => eb.fn.countAll<number>().as("n"))
    .where("template_id", "=", templateId)
    .where("deleted", "=", false)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}
