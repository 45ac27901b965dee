import type { IncomingHttpHeaders } from "node:http";
import type { Role } from "../../sdk/schemas/users.js";
import type { Clock } from "../clock.js";
import type { Database } from "../db/database.js";
import { AuthenticationError } from "../errors.js";
import { readCookies } from "../http/cookies.js";
import type { Actor } from "./actor.js";
import type { ApiKeyCache } from "./ApiKeyCache.js";
import { getApiKeyWithUser, touchApiKey, type ApiKeyWithUser } from "./apiKeyQueries.js";
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
export function createAuthenticator(db: Database, clock: Clock, cache: ApiKeyCache): Authenticator {
  return async (req) => {
    const sent = sessionTokenOf(req.headers);
    if (!sent) return null;
    const actor = await authenticateToken(db, clock, sent.token, cache);
    if (actor) return { ...actor, via: sent.via };
    if (sent.via === "cookie") return null;
    throw new AuthenticationError("Your session token is invalid or has expired; log in again.");
  };
}

/**
 * The actor a token stands for, or null. With a cache, a key read within the
 * last seconds is not read again (ApiKeyCache says why that is safe); its
 * secret and its expiry are still checked against this request and this
 * clock. A cached key that looks expired is read again, since another
 * replica may have slid the session forward.
 */
export async function authenticateToken(db: Database, clock: Clock, token: string, cache?: ApiKeyCache): Promise<Omit<Actor, "via"> | null> {
  const parsed = parseApiKey(token);
  if (!parsed) return null;
  const now = clock.now();
  let key = cache?.get(parsed.id);
  if (!key || key.expires_at.getTime() <= now.getTime()) {
    const read = async () => {
      const row = await getApiKeyWithUser(db, parsed.id);
      // Only keys that can authenticate are worth keeping.
      return row && row.user.status === "active" && !row.user.deleted ? row : undefined;
    };
    key = cache ? await cache.load(parsed.id, read) : await read();
  }
  if (!key || !secretMatches(parsed.secret, key.hashed_secret)) return null;
  if (key.expires_at.getTime() <= now.getTime()) return null;
  try {
    await recordUse(db, key, now);
  } catch (err) {
    // The key's last use was claimed but not written: read it again next time, so that the write is retried.
    cache?.dropKey(key.id);
    throw err;
  }
  return {
    userId: key.user.id,
    username: key.user.username,
    email: key.user.email,
    roles: withMember(key.user.roles),
    apiKeyId: key.id,
    profile: { user: key.user, organizationIds: key.organizationIds },
  };
}

/**
 * Writes the key's last use (and the user's last sighting) at most once per
 * SLIDE_GRANULARITY_MS, not on every request; a session's expiry slides
 * forward with it. The key object is updated first, so that the requests
 * arriving while the write is under way (they share the cached object) do
 * not write too.
 */
async function recordUse(db: Database, key: ApiKeyWithUser, now: Date): Promise<void> {
  if (key.last_used && now.getTime() - key.last_used.getTime() < SLIDE_GRANULARITY_MS) return;
  key.last_used = now;
  // Sessions slide on use; API tokens keep the lifetime they were made with.
  const expiresAt = key.login_type === "password" ? new Date(now.getTime() + key.lifetime_seconds * 1000) : undefined;
  if (expiresAt) key.expires_at = expiresAt;
  key.user = { ...key.user, last_seen_at: now };
  await touchApiKey(db, key.id, now, expiresAt);
}

export function withMember(roles: string[]): Role[] {
  const set = new Set<Role>(roles as Role[]);
  set.add("member");
  return [...set];
}
