import { spawnSync } from "node:child_process";

/**
 * Decides whether a test that needs something from the machine (OpenSSH,
 * Chromium, a Docker engine) runs. On a developer's machine a missing
 * prerequisite skips the test; under CI=true it throws, so the test file fails
 * instead of passing by skipping (scripts/install-test-deps.sh installs them).
 *
 *   describe.runIf(requirePrerequisite("docker", dockerIsRunning(), "start dockerd"))("docker driver", …)
 */
export function requirePrerequisite(name: string, available: boolean, hint = "run scripts/install-test-deps.sh", env: NodeJS.ProcessEnv = process.env): boolean {
  if (available) return true;
  if (runsInCi(env)) throw new Error(`prerequisite missing: ${name} (${hint}); under CI=true a test may not skip for it`);
  return false;
}

export function runsInCi(env: NodeJS.ProcessEnv = process.env): boolean {
  const ci = env.CI?.trim().toLowerCase();
  return ci !== undefined && ci !== "" && ci !== "0" && ci !== "false";
}

/** Whether `command` is on the PATH. */
export function hasCommand(command: string): boolean {
  return spawnSync("sh", ["-c", 'command -v "$1"', "sh", command], { stdio: "ignore" }).status === 0;
}
