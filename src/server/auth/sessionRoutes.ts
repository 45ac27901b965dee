import { randomBytes } from "node:crypto";
import type { FastifyReply } from "fastify";
import { Empty } from "../../sdk/schemas/common.js";
import { LoginRequest, LoginResponse } from "../../sdk/schemas/users.js";
import { auditRequestOf } from "../audit/auditService.js";
import type { Clock } from "../clock.js";
import { RateLimitError } from "../errors.js";
import { serializeCookie } from "../http/cookies.js";
import { RateLimiter } from "../http/rateLimiter.js";
import { defineRoute, type RouteSpec } from "../http/route.js";
import { CSRF_COOKIE, SESSION_COOKIE } from "./authenticate.js";
import type { SessionService } from "./sessions.js";

export type SessionRoutesOptions = {
  sessions: SessionService;
  clock: Clock;
  /** Login attempts per IP address per minute; 0 disables the limit. */
  loginRateLimit: number;
  sessionLifetimeSeconds: number;
  /** Cookies get the Secure flag when the server is reached over https. */
  secureCookies: boolean;
};

export function sessionRoutes(opts: SessionRoutesOptions): RouteSpec[] {
  const limiter = new RateLimiter(opts.loginRateLimit, opts.clock);
  const setCookies = (reply: FastifyReply, token: string, csrf: string, maxAgeSeconds: number) => {
    void reply.header("set-cookie", [
      serializeCookie(SESSION_COOKIE, token, { httpOnly: true, sameSite: "Lax", secure: opts.secureCookies, maxAgeSeconds }),
      // Readable by the dashboard's scripts, which echo it in the Den-CSRF-Token header.
      serializeCookie(CSRF_COOKIE, csrf, { sameSite: "Lax", secure: opts.secureCookies, maxAgeSeconds }),
    ]);
  };

  return [
    defineRoute({
      method: "POST",
      url: "/users/login",
      summary: "Log in with email and password; answers a session token and sets the session and CSRF cookies.",
      tags: ["users"],
      auth: "none",
      body: LoginRequest,
      response: LoginResponse,
      handler: async ({ body, req, reply }) => {
        const retryAfter = limiter.hit(`login:${req.ip}`);
        if (retryAfter > 0) throw new RateLimitError("Too many login attempts from your address; try again later.", retryAfter);
        const key = await opts.sessions.login(body.email, body.password, auditRequestOf(req));
        setCookies(reply, key.token, randomBytes(24).toString("base64url"), opts.sessionLifetimeSeconds);
        return { session_token: key.token };
      },
    }),
    defineRoute({
      method: "POST",
      url: "/users/logout",
      summary: "End the current session and clear the cookies.",
      tags: ["users"],
      auth: "user",
      body: Empty,
      status: 204,
      handler: async ({ actor, req, reply }) => {
        await opts.sessions.logout(actor!, auditRequestOf(req));
        setCookies(reply, "", "", 0);
        return undefined;
      },
    }),
  ];
}
