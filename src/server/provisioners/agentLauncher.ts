import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/**
 * How the process driver starts `den agent` on this host: the node running us
 * and the built entry point, dist/den.js (this module is at src/server/… or
 * dist/server/…, three levels below the package root).
 */
export function localAgentCommand(): string[] {
  const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");
  const entry = join(root, "dist", "den.js");
  if (!existsSync(entry)) throw new Error(`cannot launch agents: ${entry} is missing; run \`npm run build\``);
  return [process.execPath, entry, "agent"];
}
