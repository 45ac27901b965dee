import { sql, type Selectable } from "kysely";
import type { Database } from "../db/database.js";
import type { UsersTable } from "../db/tables.js";

export type UserRow = Selectable<UsersTable>;

/** The columns a user's wire form (User) is made of. */
export type UserProfileRow = Pick<UserRow, "id" | "username" | "email" | "name" | "status" | "roles" | "created_at" | "last_seen_at">;

export type UserFilter = {
  /** Matches username or email, case-insensitively, anywhere in them. */
  text?: string;
  status?: "active" | "suspended";
  role?: string;
};

/** A transaction-scoped lock that serialises creating the first user. */
const FIRST_USER_LOCK_ID = 0x64656e01;

export async function lockFirstUserCreation(db: Database): Promise<void> {
  await sql`SELECT pg_advisory_xact_lock(${FIRST_USER_LOCK_ID})`.execute(db);
}

export async function countUsers(db: Database): Promise<number> {
  const row = await db.selectFrom("users").select((eb) => eb.fn.countAll<number>().as("count")).where("deleted", "=", false).executeTakeFirstOrThrow();
  return Number(row.count);
}

export async function getUserById(db: Database, id: string): Promise<UserRow | undefined> {
  return db.selectFrom("users").selectAll().where("id", "=", id).where("deleted", "=", false).executeTakeFirst();
}

export async function getUserByUsername(db: Database, username: string): Promise<UserRow | undefined> {
  return db
    .selectFrom("users")
    .selectAll()
    .where(sql<string>`lower(username)`, "=", username.toLowerCase())
    .where("deleted", "=", false)
    .executeTakeFirst();
}

export async function getUserByEmail(db: Database, email: string): Promise<UserRow | undefined> {
  return db
    .selectFrom("users")
    .selectAll()
    .where(sql<string>`lower(email)`, "=", email.toLowerCase())
    .where("deleted", "=", false)
    .executeTakeFirst();
}

export type NewUser = { username: string; email: string; name: string; hashedPassword: string; roles: string[]; now: Date };

export async function insertUser(db: Database, user: NewUser): Promise<UserRow> {
  return db
    .insertInto("users")
    .values({
      username: user.username,
      email: user.email,
      name: user.name,
      hashed_password: user.hashedPassword,
      roles: user.roles,
      created_at: user.now,
      updated_at: user.now,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
}

function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => "\\" + c);
}

export async function listUsers(db: Database, filter: UserFilter, limit: number, offset: number): Promise<{ rows: UserRow[]; count: number }> {
  let query = db.selectFrom("users").where("deleted", "=", false);
  if (filter.text) {
    const pattern = `%${escapeLike(filter.text)}%`;
    query = query.where((eb) => eb.or([eb("username", "ilike", pattern), eb("email", "ilike", pattern)]));
  }
  if (filter.status) query = query.where("status", "=", filter.status);
  if (filter.role) query = query.where(sql<boolean>`${filter.role} = ANY(roles)`);
  const [rows, total] = await Promise.all([
    query.selectAll().orderBy(sql`lower(username)`).orderBy("id").limit(limit).offset(offset).execute(),
    query.select((eb) => eb.fn.countAll<number>().as("count")).executeTakeFirstOrThrow(),
  ]);
  return { rows, count: Number(total.count) };
}

export async function updateUserStatus(db: Database, id: string, status: "active" | "suspended", now: Date): Promise<UserRow> {
  return db.updateTable("users").set({ status, updated_at: now }).where("id", "=", id).returningAll().executeTakeFirstOrThrow();
}

export async function updateUserRoles(db: Database, id: string, roles: string[], now: Date): Promise<UserRow> {
  return db.updateTable("users").set({ roles, updated_at: now }).where("id", "=", id).returningAll().executeTakeFirstOrThrow();
}

export async function updateUserPassword(db: Database, id: string, hashedPassword: string, now: Date): Promise<void> {
  await db.updateTable("users").set({ hashed_password: hashedPassword, updated_at: now }).where("id", "=", id).execute();
}

/**
 * Locks the rows of all owners until the transaction ends, so that two
 * concurrent demotions cannot both see "another owner is left".
 */
export async function lockOwners(db: Database): Promise<UserRow[]> {
  return db
    .selectFrom("users")
    .selectAll()
    .where(sql<boolean>`'owner' = ANY(roles)`)
    .where("deleted", "=", false)
    .orderBy("id")
    .forUpdate()
    .execute();
}
