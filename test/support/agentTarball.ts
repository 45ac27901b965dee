import { execFile } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

/**
 * Builds the agent tarball (scripts/buildAgent.mjs) into a new folder and
 * answers that folder. Not dist/agent: `npm run build` in another terminal
 * replaces dist/ as a whole and would pull it away mid-test.
 */
export async function buildAgentTarball(): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), "den-test-agent-"));
  await promisify(execFile)(process.execPath, [join(root, "scripts", "buildAgent.mjs"), "--out-dir", dir], { cwd: root });
  return dir;
}
