import { randomBytes } from "node:crypto";
import type { Logger } from "pino";
import type { AgentConnections } from "../agents/agentConnections.js";
import type { Authenticator } from "../auth/authenticate.js";
import type { Clock } from "../clock.js";
import { parseDuration, type ServerConfig } from "../config.js";
import type { Database } from "../db/database.js";
import type { HttpObserver } from "../http/app.js";
import type { RouteSpec } from "../http/route.js";
import { applicationRoutes } from "./applicationRoutes.js";
import { AppProxy } from "./AppProxy.js";
import { AppTokenSigner } from "./appTokens.js";
import { ensureDeploymentSecret } from "./deploymentSecrets.js";

/** Name of the app token signing key in deployment_secrets. */
const SIGNING_KEY = "app_token_signing_key";

export type AppAreaDeps = {
  db: Database;
  clock: Clock;
  log: Logger;
  config: ServerConfig;
  connections: AgentConnections;
  authenticate: Authenticator;
  accessUrl: () => string;
  observe?: HttpObserver;
};

/** The app proxy and its API routes, sharing one signing key with the other replicas. */
export async function createAppArea(deps: AppAreaDeps): Promise<{ routes: RouteSpec[]; proxy: AppProxy }> {
  const { config } = deps;
  const accessUrl = () => deps.accessUrl().replace(/\/+$/, "");
  const signer = new AppTokenSigner(await ensureDeploymentSecret(deps.db, SIGNING_KEY, () => randomBytes(32)));
  const proxy = new AppProxy({
    db: deps.db,
    clock: deps.clock,
    log: deps.log,
    connections: deps.connections,
    authenticate: deps.authenticate,
    signer,
    accessUrl,
    wildcardAccessUrl: config.wildcardAccessUrl,
    disablePathApps: config.disablePathApps,
    dangerousAllowPathAppSharing: config.dangerousAllowPathAppSharing,
    dangerousAllowPathAppSiteOwnerAccess: config.dangerousAllowPathAppSiteOwnerAccess,
    sessionDurationMs: parseDuration(config.sessionDuration),
    observe: deps.observe,
  });
  const routes = applicationRoutes({
    signer,
    clock: deps.clock,
    accessUrl,
    wildcardAccessUrl: config.wildcardAccessUrl,
    disablePathApps: config.disablePathApps,
  });
  return { routes, proxy };
}
