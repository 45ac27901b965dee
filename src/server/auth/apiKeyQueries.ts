import type { Selectable } from "kysely";
import type { Database } from "../db/database.js";
import type { ApiKeysTable } from "../db/tables.js";

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
