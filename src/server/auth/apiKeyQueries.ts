import { sql, type Selectable } from "kysely";
import type { Database } from "../db/database.js";
import type { ApiKeysTable } from "../db/tables.js";
import type { UserProfileRow } from "../users/queries.js";

export type ApiKeyRow = Selectable<ApiKeysTable>;

/** The columns that may leave the server: never the hashed secret. */
const PUBLIC_COLUMNS = ["id", "user_id", "login_type", "token_name", "lifetime_seconds", "expires_at", "last_used", "created_at"] as const;
export type PublicApiKeyRow = Pick<ApiKeyRow, (typeof PUBLIC_COLUMNS)[number]>;

export type NewApiKey = {
  id: string;
  hashedSecret: Buffer;
  userId: string;
  loginType: "password" | "token";
  tokenName: string;
  lifetimeSeconds: number;
  expiresAt: Date;
  ip: string | null;
  now: Date;
};

export async function insertApiKey(db: Database, key: NewApiKey): Promise<void> {
  await db
    .insertInto("api_keys")
    .values({
      id: key.id,
      hashed_secret: key.hashedSecret,
      user_id: key.userId,
      login_type: key.loginType,
      token_name: key.tokenName,
      lifetime_seconds: key.lifetimeSeconds,
      expires_at: key.expiresAt,
      ip_address: key.ip,
      created_at: key.now,
      updated_at: key.now,
    })
    .execute();
}

export async function listTokensByUser(db: Database, userId: string): Promise<PublicApiKeyRow[]> {
  return db
    .selectFrom("api_keys")
    .select(PUBLIC_COLUMNS)
    .where("user_id", "=", userId)
    .where("login_type", "=", "token")
    .orderBy("created_at")
    .orderBy("id")
    .execute();
}

export async function getApiKeyById(db: Database, id: string): Promise<PublicApiKeyRow | undefined> {
  return db.selectFrom("api_keys").select(PUBLIC_COLUMNS).where("id", "=", id).executeTakeFirst();
}

/** One of the user's keys (session or token) by id, or one of their tokens by name. */
export async function getApiKeyOfUser(db: Database, userId: string, idOrName: string): Promise<PublicApiKeyRow | undefined> {
  const byId = await db.selectFrom("api_keys").select(PUBLIC_COLUMNS).where("user_id", "=", userId).where("id", "=", idOrName).executeTakeFirst();
  if (byId) return byId;
  return getTokenByName(db, userId, idOrName);
}

export async function getTokenByName(db: Database, userId: string, name: string): Promise<PublicApiKeyRow | undefined> {
  return db
    .selectFrom("api_keys")
    .select(PUBLIC_COLUMNS)
    .where("user_id", "=", userId)
    .where("login_type", "=", "token")
    .where("token_name", "=", name)
    .executeTakeFirst();
}

export async function deleteApiKey(db: Database, id: string): Promise<void> {
  await db.deleteFrom("api_keys").where("id", "=", id).execute();
}

/** Ends a user's login sessions, optionally sparing one; API tokens stay. */
export async function deleteSessionsOfUser(db: Database, userId: string, exceptId?: string): Promise<void> {
  let query = db.deleteFrom("api_keys").where("user_id", "=", userId).where("login_type", "=", "password");
  if (exceptId) query = query.where("id", "!=", exceptId);
  await query.execute();
}

/** A key with its user and the user's organizations, as authentication needs them. */
export type ApiKeyWithUser = Pick<ApiKeyRow, "id" | "hashed_secret" | "login_type" | "lifetime_seconds" | "expires_at" | "last_used"> & {
  user: UserProfileRow & { deleted: boolean };
  organizationIds: string[];
};

/** One round trip: the key, its user and the user's organization ids. */
export async function getApiKeyWithUser(db: Database, id: string): Promise<ApiKeyWithUser | undefined> {
  const row = await db
    .selectFrom("api_keys")
    .innerJoin("users", "users.id", "api_keys.user_id")
    .select([
      "api_keys.id",
      "api_keys.hashed_secret",
      "api_keys.login_type",
      "api_keys.lifetime_seconds",
      "api_keys.expires_at",
      "api_keys.last_used",
      "users.id as user_id",
      "users.username",
      "users.email",
      "users.name",
      "users.status",
      "users.roles",
      "users.deleted",
      "users.created_at as user_created_at",
      "users.last_seen_at",
      sql<string[]>`ARRAY(SELECT organization_id::text FROM organization_members WHERE user_id = users.id ORDER BY created_at, organization_id)`.as("organization_ids"),
    ])
    .where("api_keys.id", "=", id)
    .executeTakeFirst();
  if (!row) return undefined;
  return {
    id: row.id,
    hashed_secret: row.hashed_secret,
    login_type: row.login_type,
    lifetime_seconds: row.lifetime_seconds,
    expires_at: row.expires_at,
    last_used: row.last_used,
    user: {
      id: row.user_id,
      username: row.username,
      email: row.email,
      name: row.name,
      status: row.status,
      roles: row.roles,
      deleted: row.deleted,
      created_at: row.user_created_at,
      last_seen_at: row.last_seen_at,
    },
    organizationIds: row.organization_ids,
  };
}

/**
 * Records a use of a key, and of its user, in one round trip; a session's
 * new expiry slides it forward.
 */
export async function touchApiKey(db: Database, id: string, now: Date, expiresAt?: Date): Promise<void> {
  await db
    .with("touched", (qb) =>
      qb
        .updateTable("api_keys")
        .set(expiresAt ? { last_used: now, expires_at: expiresAt } : { last_used: now })
        .where("id", "=", id)
        .returning("user_id"),
    )
    .updateTable("users")
    .set({ last_seen_at: now })
    .where("id", "in", (eb) => eb.selectFrom("touched").select("user_id"))
    .execute();
}
