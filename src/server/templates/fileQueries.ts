import type { Database } from "../db/database.js";

export type FileRow = { id: string; hash: string; mimetype: string; data: Buffer; created_by: string | null };

/**
 * Stores an archive under its hash, or finds the one already stored: two
 * uploads of the same bytes share one row, also when they race.
 */
export async function insertFileOrGetExisting(db: Database, file: { hash: string; mimetype: string; data: Buffer; createdBy: string }): Promise<{ id: string; created: boolean }> {
  const inserted = await db
    .insertInto("files")
    .values({ hash: file.hash, mimetype: file.mimetype, data: file.data, created_by: file.createdBy })
    .onConflict((oc) => oc.column("hash").doNothing())
    .returning("id")
    .executeTakeFirst();
  if (inserted) return { id: inserted.id, created: true };
  const existing = await db.selectFrom("files").select("id").where("hash", "=", file.hash).executeTakeFirstOrThrow();
  return { id: existing.id, created: false };
}

export async function getFileById(db: Database, id: string): Promise<FileRow | undefined> {
  return db.selectFrom("files").select(["id", "hash", "mimetype", "data", "created_by"]).where("id", "=", id).executeTakeFirst();
}

export async function fileExists(db: Database, id: string): Promise<boolean> {
  const row = await db.selectFrom("files").select("id").where("id", "=", id).executeTakeFirst();
  return row !== undefined;
}

/** Whether a version of a template that is not deleted holds the file: then every user may read it. */
export async function isFileOfVisibleTemplate(db: Database, fileId: string): Promise<boolean> {
  const row = await db
    .selectFrom("template_versions as v")
    .innerJoin("templates as t", "t.id", "v.template_id")
    .select("v.id")
    .where("v.file_id", "=", fileId)
    .where("t.deleted", "=", false)
    .limit(1)
    .executeTakeFirst();
  return row !== undefined;
}
