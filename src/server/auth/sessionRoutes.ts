import { randomBytes } from "node:crypto";
import type { FastifyReply, FastifyRequest } from "fastify";
import { Empty } from "../../sdk/schemas/common.js";
import { LoginRequest, LoginResponse } from "../../sdk/schemas/users.js";
import { auditRequestOf } from "../audit/auditService.js";
import type { Clock } from "../clock.js";
import { RateLimitError } from "../errors.js";
import { cookieDomainsOf, serializeCookie } from "../http/cookies.js";
import { RateLimiter } from "../http/rateLimiter.js";
import { defineRoute, type RouteSpec } from "../http/route.js";
import { CSRF_COOKIE, SESSION_COOKIE } from "./authenticate.js";
import type { SessionService } from "./sessions.js";

export type SessionRoutesOptions = {
  sessions: SessionService;
  clock: Clock;
  /** Login attempts per IP address per minute; 0 disables the limit. */
  loginRateLimit: number;
  /** Cookies get the Secure flag when the server is reached over https. */
  secureCookies: boolean;
};

/**
 * How long the browser keeps the host-only session cookie, or the empty one
 * logout leaves in its place: the longest a browser allows (Chromium caps
 * cookies at 400 days). The session itself ends when the server says so.
 */
const COOKIE_SLOT_SECONDS = 400 * 24 * 3600;

/** Paths under which a planted copy is expired; a copy under any other path is still refused (sessionTokenOf). */
const PLANTED_COOKIE_PATHS = ["/", "/api", "/api/v2"];

/*
 * Session fixation from app hosts. Subdomain apps live on hosts below the
 * dashboard's (*.den.example.com) or next to it (*.apps.example.com). A script
 * of such a page can set `den_session_token=<its own token>; Domain=<a parent
 * of the dashboard's host>`; the browser then sends it to the dashboard next
 * to (or, without one, instead of) the dashboard's host-only cookie, and the
 * Cookie header does not say which is which. So:
 *
 * - two or more session cookies are refused, never guessed between
 *   (sessionTokenOf), and so are two or more CSRF cookies (checkCsrf);
 * - the host-only slot is never left empty once a browser has logged in: the
 *   session cookie lasts COOKIE_SLOT_SECONDS rather than the session's
 *   lifetime (a stale token counts as none), and logout replaces it with an
 *   empty host-only "tombstone" of the same lifetime rather than deleting it.
 *   A copy planted after logout, or after the session expired, then arrives as
 *   a second cookie and is refused, where it would otherwise log the person in
 *   as the planter;
 * - login and logout answers expire planted copies where they can: for the
 *   host and each parent domain, under the paths the API is reached by. Other
 *   paths stay refused, and the error message says to clear the site's cookies.
 *
 * What is left: a browser that never logged in to this host (or whose cookies
 * for it alone were cleared) has no host-only cookie, so one planted copy
 * arrives alone and counts. The top bar shows whose session it is, and
 * logging in replaces it.
 */
export function sessionRoutes(opts: SessionRoutesOptions): RouteSpec[] {
  const limiter = new RateLimiter(opts.loginRateLimit, opts.clock);
  const setCookies = (req: FastifyRequest, reply: FastifyReply, session: { token: string; csrf: string } | "tombstone") => {
    const secure = opts.secureCookies;
    // Planted copies go first: a browser that does not tell host-only from Domain cookies (RFC 6265 before 6265bis) may drop ours with them.
    const expired = (name: string) => [
      ...PLANTED_COOKIE_PATHS.filter((path) => path !== "/").map((path) => serializeCookie(name, "", { path, secure, maxAgeSeconds: 0 })),
      ...cookieDomainsOf(req.hostname).flatMap((domain) => PLANTED_COOKIE_PATHS.map((path) => serializeCookie(name, "", { domain, path, secure, maxAgeSeconds: 0 }))),
    ];
    void reply.header("set-cookie", [
      ...expired(SESSION_COOKIE),
      ...expired(CSRF_COOKIE),
      serializeCookie(SESSION_COOKIE, session === "tombstone" ? "" : session.token, { httpOnly: true, sameSite: "Lax", secure, maxAgeSeconds: COOKIE_SLOT_SECONDS }),
      // Readable by the dashboard's scripts, which echo it in the Den-CSRF-Token header.
      serializeCookie(CSRF_COOKIE, session === "tombstone" ? "" : session.csrf, { sameSite: "Lax", secure, maxAgeSeconds: session === "tombstone" ? 0 : COOKIE_SLOT_SECONDS }),
    ]);
  };

  return [
    defineRoute({
      method: "POST",
      url: "/users/login",
      summary: "Log in with email and password; answers a session token and sets the session and CSRF cookies.",
      tags: ["users"],
      auth: "none",
      ignoresSession: true,
      body: LoginRequest,
      response: LoginResponse,
      handler: async ({ body, req, reply }) => {
        const retryAfter = limiter.hit(`login:${req.ip}`);
        if (retryAfter > 0) throw new RateLimitError("Too many login attempts from your address; try again later.", retryAfter);
        const key = await opts.sessions.login(body.email, body.password, auditRequestOf(req));
        setCookies(req, reply, { token: key.token, csrf: randomBytes(24).toString("base64url") });
        return { session_token: key.token };
      },
    }),
    defineRoute({
      method: "POST",
      url: "/users/logout",
      summary: "End the current session; the session cookie is left empty, not deleted (see sessionRoutes.ts).",
      tags: ["users"],
      auth: "user",
      body: Empty,
      status: 204,
      handler: async ({ actor, req, reply }) => {
        await opts.sessions.logout(actor!, auditRequestOf(req));
        setCookies(req, reply, "tombstone");
        return undefined;
      },
    }),
  ];
}
