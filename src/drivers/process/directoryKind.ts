import { mkdir, rm, stat } from "node:fs/promises";
import { DriverAbortError, type BuildContext, type ResourceRequest, type ResourceState } from "../driver.js";
import { checkDirectorySettings } from "./processSettings.js";
import { assertInside, removeWorkspaceLeftovers, workspacePaths } from "./workspacePaths.js";

/** A folder <dataDir>/workspaces/<workspace-id>/<resource>; its output `path`. An existing folder is kept as it is. */
export async function createDirectory(ctx: BuildContext, req: ResourceRequest, dataDir: string): Promise<ResourceState> {
  const issues = checkDirectorySettings(req.settings);
  if (issues.length > 0) throw new Error(`resource ${req.name}: ${issues.map((i) => `${i.path}: ${i.message}`).join("; ")}`);
  if (ctx.signal.aborted) throw new DriverAbortError(`creating directory ${req.name} was canceled`, { cause: ctx.signal.reason });
  const path = workspacePaths(dataDir, ctx.workspace.id).resourceDir(req.name);
  const created = await mkdir(path, { recursive: true });
  const state: ResourceState = { name: req.name, driver: "process", kind: "directory", lifetime: req.lifetime, outputs: { path }, data: { path } };
  await ctx.recordState(state);
  ctx.log("info", created === undefined ? `Using the existing directory ${path}` : `Created the directory ${path}`);
  return state;
}

export async function directoryExists(state: ResourceState): Promise<boolean> {
  try {
    return (await stat(recordedPath(state))).isDirectory();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return false;
    throw err;
  }
}

/**
 * Removes the folder and all it holds. Refuses any path outside the
 * workspace's own folder under <dataDir>/workspaces, whatever the state says.
 */
export async function destroyDirectory(ctx: BuildContext, state: ResourceState, dataDir: string): Promise<void> {
  const path = recordedPath(state);
  const paths = workspacePaths(dataDir, ctx.workspace.id);
  await assertInside(paths.workspaceDir, path);
  await rm(path, { recursive: true, force: true });
  ctx.log("info", `Removed the directory ${path}`);
  if (ctx.transition === "delete") await removeWorkspaceLeftovers(paths);
}

function recordedPath(state: ResourceState): string {
  const path = state.data.path;
  if (typeof path !== "string" || path === "") throw new Error(`resource ${state.name}: the recorded state is not that of a directory (path expected)`);
  return path;
}
