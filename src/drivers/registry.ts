import type { Driver } from "./driver.js";
import { createDockerDriver, type DockerDriverOptions } from "./docker/dockerDriver.js";
import { DockerEngine } from "./docker/DockerEngine.js";
import { reconcileDockerObjects } from "./docker/reconcileDockerObjects.js";
import { createProcessDriver, type ProcessDriverOptions } from "./process/processDriver.js";

export type DriverRegistry = {
  /** The driver called `name`; throws an error listing the known drivers when there is none. */
  get(name: string): Driver;
  list(): Driver[];
  /**
   * Removes objects that drivers labelled for workspaces that were deleted
   * (see reconcileDockerObjects); `deletedWorkspaces` answers which of the
   * given ids were. Answers what it removed, per driver.
   */
  reconcile(deletedWorkspaces: (ids: string[]) => Promise<ReadonlySet<string>>): Promise<Record<string, string[]>>;
  /** Closes what drivers keep open between builds (for an ssh:// Docker host, its ssh processes). */
  close(): void;
};

export type DriverRegistryOptions = {
  /** The server's data directory; the process driver keeps workspaces under <dataDir>/workspaces. */
  dataDir: string;
  /** Tuning of the process driver (tests shorten its start window). */
  process?: Omit<ProcessDriverOptions, "dataDir">;
  /** The Docker engine, the agents' access URL and the host folders templates may mount. */
  docker?: DockerDriverOptions;
};

/**
 * Every driver this build of Den has, by name. This is the one place that
 * names drivers; the provisioner only asks the registry.
 */
export function createDriverRegistry(opts: DriverRegistryOptions): DriverRegistry {
  const drivers: Driver[] = [createProcessDriver({ ...opts.process, dataDir: opts.dataDir }), createDockerDriver(opts.docker)];
  const byName = new Map(drivers.map((d) => [d.name, d]));
  return {
    get(name) {
      const driver = byName.get(name);
      if (!driver) throw new Error(`unknown driver "${name}"; known drivers: ${[...byName.keys()].join(", ")}`);
      return driver;
    },
    list() {
      return [...drivers];
    },
    close() {
      for (const driver of drivers) driver.close?.();
    },
    async reconcile(deletedWorkspaces) {
      const host = opts.docker?.host;
      const engine = new DockerEngine((typeof host === "function" ? host() : host) || undefined, { certPath: opts.docker?.certPath, sshConfig: opts.docker?.sshConfig });
      const removed = await reconcileDockerObjects(engine, deletedWorkspaces).finally(() => engine.close());
      return {
        docker: [...removed.removedContainers.map((n) => `container ${n}`), ...removed.removedVolumes.map((n) => `volume ${n}`), ...removed.removedNetworks.map((n) => `network ${n}`)],
      };
    },
  };
}
