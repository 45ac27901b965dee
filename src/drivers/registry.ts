import type { Driver } from "./driver.js";
import { createProcessDriver, type ProcessDriverOptions } from "./process/processDriver.js";

export type DriverRegistry = {
  /** The driver called `name`; throws an error listing the known drivers when there is none. */
  get(name: string): Driver;
  list(): Driver[];
};

export type DriverRegistryOptions = {
  /** The server's data directory; the process driver keeps workspaces under <dataDir>/workspaces. */
  dataDir: string;
  /** Tuning of the process driver (tests shorten its start window). */
  process?: Omit<ProcessDriverOptions, "dataDir">;
};

/**
 * Every driver this build of Den has, by name. This is the one place that
 * names drivers; the provisioner only asks the registry.
 */
export function createDriverRegistry(opts: DriverRegistryOptions): DriverRegistry {
  const drivers: Driver[] = [createProcessDriver({ ...opts.process, dataDir: opts.dataDir })];
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
  };
}
