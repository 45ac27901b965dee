import type { IncomingHttpHeaders } from "node:http";
import type { Role } from "../../sdk/schemas/users.js";
import type { Clock } from "../clock.js";
import type { Database } from "../db/database.js";
import { AuthenticationError } from "../errors.js";
import { readCookies } from "../http/cookies.js";
import type { Actor } from "./actor.js";
import { parseApiKey, secretMatches } from "./apiKeys.js";

export const SESSION_HEADER = "den-session-token";
export const SESSION_COOKIE = "den_session_token";
export const CSRF_COOKIE = "den_csrf_token";
export const CSRF_HEADER = "den-csrf-token";

/** Sliding sessions are written back at most this often, not on every request. */
const SLIDE_GRANULARITY_MS = 60_000;

export type Authenticator = (req: { headers: IncomingHttpHeaders }) => Promise<Actor | null>;

/** Why a request carrying several session (or CSRF) cookies is refused. */
export function conflictingCookiesMessage(kind: "session" | "CSRF"): string {
  return `Your browser sent conflicting Den ${kind} cookies, possibly set by a workspace app; log in again or clear this site's cookies.`;
}

/**
 * The session or API token a request carries: the Den-Session-Token header,
 * else the session cookie. An empty cookie (the tombstone logout leaves) is
 * no token.
 *
 * Several session cookies are an AuthenticationError: a page on an app host
 * (`*.<dashboard host>`) can set `den_session_token` with `Domain=` a parent
 * of the dashboard's host, which the browser then sends next to the
 * dashboard's own host-only cookie. The Cookie header does not say which
 * cookie has which Domain or Path, so picking one could log the visitor in as
 * whoever planted the other (see sessionRoutes.ts and docs/apps.md).
 */
export function sessionTokenOf(headers: IncomingHttpHeaders): { token: string; via: Actor["via"] } | undefined {
  const header = headers[SESSION_HEADER];
  const fromHeader = Array.isArray(header) ? header[0] : header;
  if (fromHeader) return { token: fromHeader, via: "header" };
  const cookies = readCookies(headers.cookie, SESSION_COOKIE);
  if (cookies.length > 1) throw new AuthenticationError(conflictingCookiesMessage("session"));
  return cookies[0] ? { token: cookies[0], via: "cookie" } : undefined;
}

/**
 * Reads the token from the header (preferred) or the cookie. No token: null.
 * A header token that is malformed, unknown, expired or belongs to a
 * suspended user: AuthenticationError, so that a client learns its token is
 * bad. Such a cookie counts as no token: the browser keeps the session cookie
 * longer than the session (sessionRoutes.ts says why) and cannot drop it by
 * itself, so it must still reach the login page and public routes.
 */
export function createAuthenticator(db: Database, clock: Clock): Authenticator {
  return async (req) => {
    const sent = sessionTokenOf(req.headers);
    if (!sent) return null;
    const actor = await authenticateToken(db, clock, sent.token);
    if (actor) return { ...actor, via: sent.via };
    if (sent.via === "cookie") return null;
    throw new AuthenticationError("Your session token is invalid or has expired; log in again.");
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
