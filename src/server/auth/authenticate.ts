import type { FastifyRequest } from "fastify";
import type { Role } from "../../sdk/schemas/users.js";
import type { Clock } from "../clock.js";
import type { Database } from "../db/database.js";
import { AuthenticationError } from "../errors.js";
import { readCookie } from "../http/cookies.js";
import type { Actor } from "./actor.js";
import { parseApiKey, secretMatches } from "./apiKeys.js";

export const SESSION_HEADER = "den-session-token";
export const SESSION_COOKIE = "den_session_token";
export const CSRF_COOKIE = "den_csrf_token";
export const CSRF_HEADER = "den-csrf-token";

/** Sliding sessions are written back at most this often, not on every request. */
const SLIDE_GRANULARITY_MS = 60_000;

export type Authenticator = (req: FastifyRequest) => Promise<Actor | null>;

/**
 * Reads the token from the header (preferred) or the cookie. No token: null.
 * A token that is malformed, unknown, expired or belongs to a suspended user:
 * AuthenticationError, so that a client learns its token is bad.
 */
export function createAuthenticator(db: Database, clock: Clock): Authenticator {
  return async (req) => {
    const header = req.headers[SESSION_HEADER];
    const fromHeader = Array.isArray(header) ? header[0] : header;
    const fromCookie = fromHeader ? undefined : readCookie(req.headers.cookie, SESSION_COOKIE);
    const token = fromHeader ?? fromCookie;
    if (!token) return null;
    const actor = await authenticateToken(db, clock, token);
    if (!actor) throw new AuthenticationError("Your session token is invalid or has expired; log in again.");
    return { ...actor, via: fromHeader ? "header" : "cookie" };
  };
}

export async function authenticateToken(db: Database, clock: Clock, token: string): Promise<Omit<Actor, "via"> | null> {
  const parsed = parseApiKey(token);
  if (!parsed) return null;
  const row = await db
    .selectFrom("api_keys")
    .innerJoin("users", "users.id", "api_keys.user_id")
    .select([
      "api_keys.id as key_id",
      "api_keys.hashed_secret",
      "api_keys.expires_at",
      "api_keys.lifetime_seconds",
      "api_keys.login_type",
      "api_keys.last_used",
      "users.id as user_id",
      "users.username",
      "users.email",
      "users.roles",
      "users.status",
      "users.deleted",
    ])
    .where("api_keys.id", "=", parsed.id)
    .executeTakeFirst();
  if (!row || !secretMatches(parsed.secret, row.hashed_secret)) return null;
  const now = clock.now();
  if (row.expires_at.getTime() <= now.getTime()) return null;
  if (row.status !== "active" || row.deleted) return null;

  if (!row.last_used || now.getTime() - row.last_used.getTime() >= SLIDE_GRANULARITY_MS) {
    const update: { last_used: Date; expires_at?: Date } = { last_used: now };
    // Sessions slide on use; API tokens keep the lifetime they were made with.
    if (row.login_type === "password") update.expires_at = new Date(now.getTime() + row.lifetime_seconds * 1000);
    await db.updateTable("api_keys").set(update).where("id", "=", row.key_id).execute();
    await db.updateTable("users").set({ last_seen_at: now }).where("id", "=", row.user_id).execute();
  }
  return {
    userId: row.user_id,
    username: row.username,
    email: row.email,
    roles: withMember(row.roles),
    apiKeyId: row.key_id,
  };
}

export function withMember(roles: string[]): Role[] {
  const set = new Set<Role>(roles as Role[]);
  set.add("member");
  return [...set];
}
