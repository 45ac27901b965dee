import type { Database } from "../db/database.js";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Which of `ids` are workspaces of this deployment that were deleted. Ids this
 * database does not know are not answered: another Den server may share the
 * Docker engine, and its objects are not ours to remove.
 */
export async function listDeletedWorkspaceIds(db: Database, ids: readonly string[]): Promise<ReadonlySet<string>> {
  const valid = ids.filter((id) => UUID.test(id));
  if (valid.length === 0) return new Set();
  const rows = await db.selectFrom("workspaces").select("id").where("id", "in", valid).where("deleted", "=", true).execute();
  return new Set(rows.map((r) => r.id));
}
