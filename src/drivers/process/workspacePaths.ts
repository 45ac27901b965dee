import { realpath, rm, rmdir } from "node:fs/promises";
import { dirname, isAbsolute, join, relative, resolve, sep } from "node:path";

/**
 * Where the process driver keeps a workspace's files:
 * <dataDir>/workspaces/<workspace-id>/<resource> for directories and
 * <dataDir>/workspaces/<workspace-id>/.logs/<resource>.log for process output.
 */
export type WorkspacePaths = {
  /** <dataDir>/workspaces: nothing outside it is ever removed. */
  root: string;
  /** <root>/<workspace-id>, also the default HOME and working directory of processes. */
  workspaceDir: string;
  logsDir: string;
  resourceDir(resource: string): string;
  logFile(resource: string): string;
};

// Names become path segments, so they are held to a safe alphabet even though
// the template parser already checks resource names: state may come from an
// older version or a hand-edited row.
const SEGMENT = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;

export function workspacePaths(dataDir: string, workspaceId: string): WorkspacePaths {
  if (!SEGMENT.test(workspaceId) || workspaceId.includes("..")) throw new Error(`workspace id "${workspaceId}" cannot be used as a folder name`);
  const root = join(resolve(dataDir), "workspaces");
  const workspaceDir = join(root, workspaceId);
  const logsDir = join(workspaceDir, ".logs");
  return {
    root,
    workspaceDir,
    logsDir,
    resourceDir: (resource) => join(workspaceDir, safeSegment(resource)),
    logFile: (resource) => join(logsDir, `${safeSegment(resource)}.log`),
  };
}

function safeSegment(name: string): string {
  if (!SEGMENT.test(name) || name.includes("..")) throw new Error(`resource name "${name}" cannot be used as a folder name: use letters, digits, "-", "_" and "."`);
  return name;
}

/**
 * Throws unless `path` lies strictly inside `root`, also once symbolic links
 * in its parent folders are resolved, so that a tampered state or a link
 * planted in the data directory cannot make the driver remove other files.
 */
export async function assertInside(root: string, path: string): Promise<void> {
  const refuse = () => new Error(`refusing to remove ${path}: it is not inside ${root}`);
  if (!isAbsolute(path) || !isStrictlyInside(root, resolve(path))) throw refuse();
  const realRoot = await realpathOrSelf(root);
  const realParent = await realpathOrSelf(dirname(resolve(path)));
  if (realParent !== realRoot && !isStrictlyInside(realRoot, realParent)) throw refuse();
}

function isStrictlyInside(root: string, path: string): boolean {
  const rel = relative(root, path);
  return rel !== "" && !rel.startsWith(`..${sep}`) && rel !== ".." && !isAbsolute(rel);
}

async function realpathOrSelf(path: string): Promise<string> {
  try {
    return await realpath(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return path;
    throw err;
  }
}

/**
 * After a workspace is deleted: removes its process logs and its folder if
 * nothing else is left in it. Resources of the same workspace may be
 * destroyed in any order, so each destroy of a delete build tries this.
 */
export async function removeWorkspaceLeftovers(paths: WorkspacePaths): Promise<void> {
  await rm(paths.logsDir, { recursive: true, force: true });
  try {
    await rmdir(paths.workspaceDir);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== "ENOENT" && code !== "ENOTEMPTY" && code !== "EEXIST") throw err;
  }
}
