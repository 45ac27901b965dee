import { hostname } from "node:os";
import type { Logger } from "pino";
import { dockerDriverOptions } from "../../drivers/docker/dockerOptions.js";
import { createDriverRegistry } from "../../drivers/registry.js";
import { ProvisionerDaemon } from "../../provisioner/provisionerDaemon.js";
import type { ServerConfig } from "../config.js";
import type { Database } from "../db/database.js";
import type { PubSub } from "../pubsub/pubsub.js";
import { localAgentCommand } from "./agentLauncher.js";
import { failStaleJobs } from "./jobQueries.js";
import { PgJobSource } from "./pgJobSource.js";
import { listDeletedWorkspaceIds } from "./listDeletedWorkspaceIds.js";

/** A running job with no heartbeat for this long is failed. */
export const JOB_STALE_AFTER_MS = 30_000;
const REAPER_INTERVAL_MS = 10_000;
/** How often labelled Docker objects of deleted workspaces are looked for. */
const RECONCILE_INTERVAL_MS = 60_000;

export type Provisioners = { source: PgJobSource; stop(): Promise<void> };

/**
 * The in-process provisioner daemons (--provisioner-daemons) and the reaper
 * that fails jobs whose daemon died. Every replica runs a reaper; the UPDATE
 * is idempotent, so they do not step on each other.
 */
export function startProvisioners(deps: { db: Database; pubsub: PubSub; log: Logger; config: ServerConfig; agentUrl: () => string }): Provisioners {
  const log = deps.log.child({ component: "provisioner" });
  const source = new PgJobSource(deps.db, deps.pubsub, log);
  const drivers = createDriverRegistry({
    dataDir: deps.config.dataDir,
    process: { agent: { command: localAgentCommand(), url: deps.agentUrl } },
    docker: {
      ...dockerDriverOptions(deps.config),
      // Read at each build, so that a changed setting (a test pointing it at a dead socket) takes effect.
      host: () => deps.config.dockerHost,
      agentUrl: deps.agentUrl,
    },
  });
  const daemons = Array.from({ length: deps.config.provisionerDaemons }, (_, i) =>
    new ProvisionerDaemon({ id: `${hostname()}-${process.pid}-${i + 1}`, source, drivers, log }),
  );
  for (const d of daemons) d.start();
  const reap = () =>
    failStaleJobs(deps.db, deps.pubsub, JOB_STALE_AFTER_MS)
      .then((ids) => ids.length > 0 && log.warn({ jobIds: ids }, "failed jobs whose provisioner stopped heartbeating"))
      .catch((err: unknown) => log.warn({ err }, "cannot reap stale jobs"));
  void reap();
  const reaper = setInterval(reap, REAPER_INTERVAL_MS);
  reaper.unref();
  // A machine without Docker is normal: an unreachable engine is logged at debug only.
  const reconcile = () =>
    drivers
      .reconcile((ids) => listDeletedWorkspaceIds(deps.db, ids))
      .then((removed) => Object.entries(removed).forEach(([driver, objects]) => objects.length > 0 && log.warn({ driver, objects }, "removed objects of deleted workspaces")))
      .catch((err: unknown) => log[(err as Error).name === "EngineUnreachableError" ? "debug" : "warn"]({ err }, "cannot reconcile driver objects"));
  const reconciler = setInterval(reconcile, RECONCILE_INTERVAL_MS);
  reconciler.unref();
  return {
    source,
    async stop() {
      clearInterval(reaper);
      clearInterval(reconciler);
      await Promise.all(daemons.map((d) => d.stop()));
      drivers.close();
    },
  };
}
