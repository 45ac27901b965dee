import type { AuditService } from "../audit/auditService.js";
import { sessionRoutes } from "../auth/sessionRoutes.js";
import { SessionService, type PasswordVerifier } from "../auth/sessions.js";
import type { Clock } from "../clock.js";
import { parseDuration, type ServerConfig } from "../config.js";
import type { Database } from "../db/database.js";
import type { RouteSpec } from "../http/route.js";
import { tokenRoutes } from "./tokenRoutes.js";
import { TokenService } from "./tokenService.js";
import { userRoutes } from "./userRoutes.js";
import { UserService } from "./userService.js";

export type UserArea = {
  users: UserService;
  sessions: SessionService;
  tokens: TokenService;
  routes: RouteSpec[];
};

/** Builds the services and routes of users, sessions and tokens. */
export function createUserArea(deps: {
  db: Database;
  clock: Clock;
  config: ServerConfig;
  audit: AuditService;
  /** Tests count password verifications through this. */
  verifyPassword?: PasswordVerifier;
}): UserArea {
  const { db, clock, config, audit } = deps;
  const sessionLifetimeSeconds = Math.floor(parseDuration(config.sessionDuration) / 1000);
  const users = new UserService(db, clock, audit, { verifyPassword: deps.verifyPassword });
  const sessions = new SessionService(db, clock, audit, { sessionLifetimeSeconds, verifyPassword: deps.verifyPassword });
  const tokens = new TokenService(db, clock, users, audit);
  const routes = [
    ...sessionRoutes({
      sessions,
      clock,
      loginRateLimit: config.loginRateLimit,
      secureCookies: config.accessUrl.startsWith("https:"),
    }),
    ...userRoutes(users),
    ...tokenRoutes(tokens),
  ];
  return { users, sessions, tokens, routes };
}
