import type { BuildContext, Driver, ResourceRequest, ResourceState } from "../driver.js";
import { createDirectory, destroyDirectory, directoryExists } from "./directoryKind.js";
import { createProcess, destroyProcess, processExists, type AgentLauncher } from "./processKind.js";
import { checkDirectorySettings, checkProcessSettings } from "./processSettings.js";

export type ProcessDriverOptions = {
  /** Workspaces live under <dataDir>/workspaces/<workspace-id>. */
  dataDir: string;
  /** How long a new process's output goes to the build log, and an exit fails the start. Default 500 ms. */
  startWindowMs?: number;
  /** Cap of each process's two log files together. Default 5 MiB. */
  logCapBytes?: number;
  /** The node binary that runs the log writers. Default: the one running Den. */
  nodePath?: string;
  /** PATH given to commands unless their env sets one. Default: the usual system folders. */
  path?: string;
  /** How to launch `den agent` for agents declared in a process resource. */
  agent?: AgentLauncher;
};

const DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/**
 * The `process` driver: folders and plain processes on the provisioner's
 * host, as the user running Den. It isolates nothing (docs/drivers.md): it is
 * for single-tenant or trusted use; the docker driver is the isolated one.
 */
export function createProcessDriver(opts: ProcessDriverOptions): Driver {
  const processOptions = {
    dataDir: opts.dataDir,
    startWindowMs: opts.startWindowMs ?? 500,
    logCapBytes: opts.logCapBytes ?? 5 * 1024 * 1024,
    nodePath: opts.nodePath ?? process.execPath,
    path: opts.path ?? DEFAULT_PATH,
    agent: opts.agent,
  };
  return {
    name: "process",
    kinds: {
      directory: { defaultLifetime: "persistent", validate: (settings) => checkDirectorySettings(settings) },
      process: { defaultLifetime: "ephemeral", validate: (settings) => checkProcessSettings(settings, "template").issues },
    },
    async create(ctx: BuildContext, req: ResourceRequest): Promise<ResourceState> {
      if (req.kind === "directory") return createDirectory(ctx, req, opts.dataDir);
      if (req.kind === "process") return createProcess(ctx, req, processOptions);
      throw unknownKind(req.name, req.kind);
    },
    async exists(state: ResourceState): Promise<boolean> {
      if (state.kind === "directory") return directoryExists(state);
      if (state.kind === "process") return processExists(state);
      throw unknownKind(state.name, state.kind);
    },
    async destroy(ctx: BuildContext, state: ResourceState): Promise<void> {
      if (state.kind === "directory") return destroyDirectory(ctx, state, opts.dataDir);
      if (state.kind === "process") return destroyProcess(ctx, state, opts.dataDir);
      throw unknownKind(state.name, state.kind);
    },
  };
}

function unknownKind(resource: string, kind: string): Error {
  return new Error(`resource ${resource}: the process driver has no kind "${kind}"; its kinds: directory, process`);
}
