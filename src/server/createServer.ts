import type { FastifyInstance } from "fastify";
import type pg from "pg";
import type { Logger } from "pino";
import { createAuthenticator } from "./auth/authenticate.js";
import { readBuildInfo } from "./buildInfo.js";
import type { Clock } from "./clock.js";
import { parseDuration, type ServerConfig } from "./config.js";
import type { Database } from "./db/database.js";
import { buildApp, type HttpObserver } from "./http/app.js";
import type { RouteSpec } from "./http/route.js";

/** What every service is built from. Made by main.ts, or by a test. */
export type ServerDeps = {
  db: Database;
  pool: pg.Pool;
  log: Logger;
  clock: Clock;
  config: ServerConfig;
  observe?: HttpObserver;
};

export type DenServer = {
  app: FastifyInstance;
  routes: RouteSpec[];
  /** Stops background work; the caller closes the app and the database. */
  close(): Promise<void>;
};

/** Wires the services and the HTTP app; listens on nothing. */
export async function createServer(deps: ServerDeps): Promise<DenServer> {
  const { db, clock, config } = deps;
  const sessionDurationMs = parseDuration(config.sessionDuration);
  void sessionDurationMs;
  const routes: RouteSpec[] = [];
  const app = await buildApp({
    log: deps.log,
    clock,
    authenticate: createAuthenticator(db, clock),
    routes,
    buildInfo: readBuildInfo(),
    apiRateLimit: config.apiRateLimit,
    observe: deps.observe,
  });
  return {
    app,
    routes,
    async close() {},
  };
}
