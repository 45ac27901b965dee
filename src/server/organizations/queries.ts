import type { Database } from "../db/database.js";

/** The organization every user joins; migration 0001 creates it. */
export async function getDefaultOrganizationId(db: Database): Promise<string> {
  const row = await db.selectFrom("organizations").select("id").where("is_default", "=", true).executeTakeFirst();
  if (!row) throw new Error("the default organization is missing; the database was not migrated");
  return row.id;
}

export async function insertOrganizationMember(db: Database, organizationId: string, userId: string): Promise<void> {
  await db
    .insertInto("organization_members")
    .values({ organization_id: organizationId, user_id: userId })
    .onConflict((oc) => oc.columns(["organization_id", "user_id"]).doNothing())
    .execute();
}

/** Organization ids per user, for the users given. */
export async function getOrganizationIdsByUsers(db: Database, userIds: readonly string[]): Promise<Map<string, string[]>> {
  const byUser = new Map<string, string[]>();
  if (userIds.length === 0) return byUser;
  const rows = await db
    .selectFrom("organization_members")
    .select(["user_id", "organization_id"])
    .where("user_id", "in", [...userIds])
    .orderBy("created_at")
    .orderBy("organization_id")
    .execute();
  for (const row of rows) {
    const list = byUser.get(row.user_id) ?? [];
    list.push(row.organization_id);
    byUser.set(row.user_id, list);
  }
  return byUser;
}
