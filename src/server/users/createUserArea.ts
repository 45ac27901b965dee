import type { Logger } from "pino";
import type { AuditService } from "../audit/auditService.js";
import { ApiKeyCache } from "../auth/ApiKeyCache.js";
import { createAuthenticator, type Authenticator } from "../auth/authenticate.js";
import { AuthInvalidations } from "../auth/AuthInvalidations.js";
import { sessionRoutes } from "../auth/sessionRoutes.js";
import { SessionService, type PasswordVerifier } from "../auth/sessions.js";
import type { Clock } from "../clock.js";
import { parseDuration, type ServerConfig } from "../config.js";
import type { Database } from "../db/database.js";
import type { RouteSpec } from "../http/route.js";
import type { PubSub } from "../pubsub/pubsub.js";
import { tokenRoutes } from "./tokenRoutes.js";
import { TokenService } from "./tokenService.js";
import { userRoutes } from "./userRoutes.js";
import { UserService } from "./userService.js";

export type UserArea = {
  users: UserService;
  sessions: SessionService;
  tokens: TokenService;
  routes: RouteSpec[];
  /** Who a request comes from, through a cache of keys that every replica invalidates. */
  authenticate: Authenticator;
};

/** Builds authentication and the services and routes of users, sessions and tokens. */
export async function createUserArea(deps: {
  db: Database;
  clock: Clock;
  config: ServerConfig;
  audit: AuditService;
  pubsub: PubSub;
  log: Logger;
  /** Tests count password verifications through this. */
  verifyPassword?: PasswordVerifier;
}): Promise<UserArea> {
  const { db, clock, config, audit } = deps;
  const apiKeys = new ApiKeyCache(clock);
  const invalidations = new AuthInvalidations(deps.pubsub, apiKeys, deps.log);
  // Listen before answering anything, so that no invalidation published from then on is missed.
  await invalidations.start();
  const sessionLifetimeSeconds = Math.floor(parseDuration(config.sessionDuration) / 1000);
  const users = new UserService(db, clock, audit, invalidations, { verifyPassword: deps.verifyPassword });
  const sessions = new SessionService(db, clock, audit, invalidations, { sessionLifetimeSeconds, verifyPassword: deps.verifyPassword });
  const tokens = new TokenService(db, clock, users, audit, invalidations);
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
  return { users, sessions, tokens, routes, authenticate: createAuthenticator(db, clock, apiKeys) };
}
