import { mkdirSync } from "node:fs";
import { isAbsolute, join } from "node:path";

/**
 * The directory sessions and scripts start in: the manifest's `directory`
 * with `~` and relative paths taken from HOME, created if missing (a fresh
 * volume is empty). When it cannot be created, HOME is the fallback, so a
 * typo in a template still leaves a reachable workspace.
 */
export function prepareWorkspaceDirectory(directory: string, home: string): { path: string; error?: string } {
  let path = directory.trim() || home;
  if (path === "~") path = home;
  else if (path.startsWith("~/")) path = join(home, path.slice(2));
  else if (!isAbsolute(path)) path = join(home, path);
  try {
    mkdirSync(path, { recursive: true });
    return { path };
  } catch (err) {
    return { path: home, error: `cannot create ${path}: ${(err as Error).message}` };
  }
}
