import { readFileSync } from "node:fs";
import type { BuildInfo } from "../sdk/schemas/users.js";

/**
 * Version and commit: `npm run build` writes dist/buildinfo.json; when running
 * from src/ (tests) we read package.json and call the commit "development".
 */
export function readBuildInfo(): BuildInfo {
  const read = (rel: string): Record<string, string> | undefined => {
    try {
      return JSON.parse(readFileSync(new URL(rel, import.meta.url), "utf8")) as Record<string, string>;
    } catch {
      return undefined;
    }
  };
  const built = read("../buildinfo.json");
  const pkg = read("../../package.json");
  return {
    version: built?.version ?? pkg?.version ?? "0.0.0",
    commit: built?.commit ?? "development",
    node_version: process.version,
  };
}
