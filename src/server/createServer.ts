import type { FastifyInstance } from "fastify";
import type pg from "pg";
import type { Logger } from "pino";
import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import { AgentConnections } from "./agents/agentConnections.js";
import { agentDeliveryRoutes, defaultAgentDir, registerAgentDownloads } from "./agents/agentDeliveryRoutes.js";
import { agentRoutes } from "./agents/agentRoutes.js";
import { createAppArea } from "./apps/createAppArea.js";
import { portShareRoutes } from "./apps/portShareRoutes.js";
import { PortShareService } from "./apps/portShareService.js";
import { auditRoutes } from "./audit/auditRoutes.js";
import { deploymentRoutes } from "./deployment/deploymentRoutes.js";
import { AuditService } from "./audit/auditService.js";
import { readBuildInfo } from "./buildInfo.js";
import type { Clock } from "./clock.js";
import { parseDuration, type ServerConfig } from "./config.js";
import type { Database } from "./db/database.js";
import { buildApp, type HttpObserver } from "./http/app.js";
import { dashboard } from "./http/dashboard.js";
import { openApiRoute } from "./http/openapi.js";
import type { RouteSpec } from "./http/route.js";
import { PubSub } from "./pubsub/pubsub.js";
import { provisionerDaemonRoutes } from "./provisioners/provisionerDaemonRoutes.js";
import { startProvisioners } from "./provisioners/startProvisioners.js";
import { exampleRoutes } from "./templates/exampleRoute.js";
import { templateRoutes } from "./templates/templateRoutes.js";
import { createUserArea } from "./users/createUserArea.js";
import { createWorkspaceArea } from "./workspaces/createWorkspaceArea.js";

/** What every service is built from. Made by main.ts, or by a test. */
export type ServerDeps = {
  db: Database;
  pool: pg.Pool;
  /** For the LISTEN connection of the pub/sub, which cannot come from the pool. */
  databaseUrl: string;
  log: Logger;
  clock: Clock;
  config: ServerConfig;
  observe?: HttpObserver;
};

export type DenServer = {
  app: FastifyInstance;
  routes: RouteSpec[];
  /** Where users and agents reach this server, when only known after listening. */
  setAccessUrl(url: string): void;
  /** Stops background work; the caller closes the app and the database. */
  close(): Promise<void>;
};

/** Wires the services and the HTTP app; listens on nothing. */
export async function createServer(deps: ServerDeps): Promise<DenServer> {
  const { db, clock, config } = deps;
  const pubsub = new PubSub(deps.databaseUrl, deps.pool, deps.log.child({ component: "pubsub" }));
  await pubsub.start();
  // The URL agents dial: --access-url, or where we listen once we know (port 0).
  let accessUrl = config.accessUrl;
  const provisioners = startProvisioners({ db, pubsub, log: deps.log, config, agentUrl: () => accessUrl });
  const audit = new AuditService(db, clock, deps.log.child({ component: "audit" }));
  const userArea = await createUserArea({ db, clock, config, audit, pubsub, log: deps.log.child({ component: "auth" }) });
  const routes: RouteSpec[] = [...userArea.routes, ...auditRoutes(audit)];
  routes.push(...templateRoutes({ db, pubsub, audit }));
  routes.push(...exampleRoutes({ db, pubsub, audit }));
  const workspaceArea = createWorkspaceArea({ db, pubsub, audit, log: deps.log.child({ component: "workspaces" }) });
  routes.push(...workspaceArea.routes);
  const portShares = new PortShareService({ db, audit, workspaces: workspaceArea.workspaces, log: deps.log.child({ component: "port-shares" }) });
  routes.push(...portShareRoutes({ portShares }));
  routes.push(...provisionerDaemonRoutes({ db, source: provisioners.source, psk: config.provisionerPsk }));
  const agentConnections = new AgentConnections({
    db,
    pubsub,
    log: deps.log.child({ component: "agents" }),
    replicaId: `${hostname()}-${process.pid}-${randomBytes(4).toString("hex")}`,
    ptyIdleTimeoutSeconds: Math.round(parseDuration(config.ptyIdleTimeout) / 1000),
  });
  routes.push(...agentRoutes({ db, connections: agentConnections }));
  const appArea = await createAppArea({ db, clock, log: deps.log.child({ component: "apps" }), config, connections: agentConnections, authenticate: userArea.authenticate, accessUrl: () => accessUrl, observe: deps.observe });
  routes.push(...appArea.routes);
  const delivery = { agentDir: config.agentDir || defaultAgentDir(), accessUrl: () => accessUrl };
  routes.push(...agentDeliveryRoutes(delivery));
  const buildInfo = readBuildInfo();
  routes.push(...deploymentRoutes({ db, inProcessDaemons: config.provisionerDaemons, version: buildInfo.version }));
  routes.push(openApiRoute(routes, buildInfo.version));
  const app = await buildApp({
    log: deps.log,
    clock,
    authenticate: userArea.authenticate,
    routes,
    buildInfo,
    apiRateLimit: config.apiRateLimit,
    observe: deps.observe,
    // The web dashboard (site/dist) at `/`, after the API so that /api keeps its own 404s.
    extend: dashboard(),
    // Workspace apps, by path or on their own hosts, in front of the API and the dashboard.
    intercept: appArea.proxy,
  });
  registerAgentDownloads(app, delivery);
  // Dashboards' live-update streams never end on their own: end them when closing starts, so
  // that the app's close waits only for ordinary requests in flight.
  app.addHook("preClose", (done) => {
    workspaceArea.closeAll();
    done();
  });
  return {
    app,
    routes,
    setAccessUrl(url) {
      accessUrl = url;
    },
    async close() {
      appArea.proxy.close();
      agentConnections.closeAll();
      workspaceArea.closeAll();
      await provisioners.stop();
      await pubsub.close();
    },
  };
}
