import { execFile, spawnSync } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

/** Whether a Docker engine answers on the default socket (or DOCKER_HOST). */
export function dockerIsRunning(): boolean {
  return spawnSync("docker", ["info", "--format", "{{.ServerVersion}}"], { stdio: "ignore", timeout: 10_000 }).status === 0;
}

/** Whether scripts/build-test-image.sh can work: debootstrap is installed, or a test image was already built. */
export function canBuildTestImage(): boolean {
  if (spawnSync("sh", ["-c", "command -v debootstrap || test -x /usr/sbin/debootstrap"], { stdio: "ignore" }).status === 0) return true;
  return spawnSync("docker", ["images", "-q", "den-test-image"], { encoding: "utf8" }).stdout.trim() !== "";
}

/** Builds (once, cached) the Debian test image with scripts/build-test-image.sh and answers its reference. */
export async function buildTestImage(): Promise<string> {
  const { stdout } = await promisify(execFile)("bash", [join(root, "scripts", "build-test-image.sh")], { cwd: root, maxBuffer: 16 * 1024 * 1024 });
  const image = stdout.trim().split("\n").pop() ?? "";
  if (!/^den-test-image:[0-9a-f]{12}$/.test(image)) throw new Error(`build-test-image.sh printed no image reference: ${stdout}`);
  return image;
}

/** `docker …` with the CLI; throws with its stderr on failure. */
export function docker(...args: string[]): string {
  const res = spawnSync("docker", args, { encoding: "utf8", timeout: 120_000 });
  if (res.status !== 0) throw new Error(`docker ${args.join(" ")}: ${res.stderr || res.error?.message}`);
  return res.stdout.trim();
}

/** `docker inspect` of one object, or undefined when there is none. */
export function dockerInspect<T = Record<string, unknown>>(kind: "container" | "volume", name: string): T | undefined {
  const res = spawnSync("docker", [kind, "inspect", name], { encoding: "utf8" });
  if (res.status !== 0) return undefined;
  return (JSON.parse(res.stdout) as T[])[0];
}

/** Removes every container and volume labelled with one of `workspaceIds` (cleanup after a failed test). */
export function removeDockerObjectsOf(workspaceIds: string[]): void {
  for (const id of workspaceIds) {
    const containers = spawnSync("docker", ["ps", "-aq", "--filter", `label=den.workspace_id=${id}`], { encoding: "utf8" }).stdout.trim().split("\n").filter(Boolean);
    if (containers.length) spawnSync("docker", ["rm", "-f", ...containers]);
    const volumes = spawnSync("docker", ["volume", "ls", "-q", "--filter", `label=den.workspace_id=${id}`], { encoding: "utf8" }).stdout.trim().split("\n").filter(Boolean);
    if (volumes.length) spawnSync("docker", ["volume", "rm", "-f", ...volumes]);
  }
}
