import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/**
 * The folder that holds package.json, examples/ and schemas/. This module
 * sits at src/cli/ or, once built, at dist/cli/: two levels below it either way.
 */
export function packageRoot(): string {
  return join(dirname(fileURLToPath(import.meta.url)), "..", "..");
}
