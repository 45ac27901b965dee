import type { RouteSpec } from "../http/route.js";
import { BuildService } from "./buildService.js";
import { workspaceRoutes } from "./workspaceRoutes.js";
import { WorkspaceService, type WorkspaceDeps } from "./workspaceService.js";

export type WorkspaceArea = {
  workspaces: WorkspaceService;
  builds: BuildService;
  routes: RouteSpec[];
  /** Ends the open watch streams (server-sent events), so that closing the HTTP server does not wait on them. */
  closeAll(): void;
};

/** Builds the services and routes of workspaces and their builds. */
export function createWorkspaceArea(deps: WorkspaceDeps): WorkspaceArea {
  const workspaces = new WorkspaceService(deps);
  const builds = new BuildService(deps, workspaces);
  const watches = new Set<() => void>();
  return {
    workspaces,
    builds,
    routes: workspaceRoutes({ workspaces, builds, pubsub: deps.pubsub, watches }),
    closeAll() {
      for (const end of [...watches]) end();
    },
  };
}
