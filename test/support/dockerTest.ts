import { execFile, spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type AddressInfo } from "node:net";
import { tmpdir, userInfo } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { randomUUID } from "node:crypto";
import type { BuildContext, ResourceState, TemplateFile } from "../../src/drivers/driver.js";
import type { Workspace } from "../../src/sdk/schemas/workspaces.js";
import type { WorkspaceTestApi } from "./workspaces.js";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

/**
 * A build context for calling a driver alone against the real engine: it
 * keeps what the driver records and logs, and serves `templateFiles` when
 * given (path → text, or a file with its mode).
 */
export function driverBuildContext(
  workspaceId: string,
  transition: BuildContext["transition"] = "start",
  templateFiles?: Record<string, string | TemplateFile>,
): BuildContext & { recorded: ResourceState[]; lines: string[] } {
  const recorded: ResourceState[] = [];
  const lines: string[] = [];
  const files = templateFiles && new Map(Object.entries(templateFiles).map(([path, f]) => [path, typeof f === "string" ? { data: Buffer.from(f), mode: 0o644 } : f]));
  return {
    workspace: { id: workspaceId, name: "errs", ownerId: randomUUID(), ownerName: "tester", ownerEmail: "t@example.com" },
    buildId: randomUUID(),
    transition,
    log: (_level, text) => lines.push(text),
    signal: new AbortController().signal,
    recordState: async (s) => void recorded.push(s),
    ...(files ? { templateFiles: async () => files } : {}),
    recorded,
    lines,
  };
}

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
export function dockerInspect<T = Record<string, unknown>>(kind: "container" | "volume" | "image" | "network", name: string): T | undefined {
  const res = spawnSync("docker", [kind, "inspect", name], { encoding: "utf8" });
  if (res.status !== 0) return undefined;
  return (JSON.parse(res.stdout) as T[])[0];
}

/** Removes every container, volume and network labelled with one of `workspaceIds` (cleanup after a failed test). */
export function removeDockerObjectsOf(workspaceIds: string[]): void {
  for (const id of workspaceIds) {
    const containers = spawnSync("docker", ["ps", "-aq", "--filter", `label=den.workspace_id=${id}`], { encoding: "utf8" }).stdout.trim().split("\n").filter(Boolean);
    if (containers.length) spawnSync("docker", ["rm", "-f", ...containers]);
    const volumes = spawnSync("docker", ["volume", "ls", "-q", "--filter", `label=den.workspace_id=${id}`], { encoding: "utf8" }).stdout.trim().split("\n").filter(Boolean);
    if (volumes.length) spawnSync("docker", ["volume", "rm", "-f", ...volumes]);
    const networks = spawnSync("docker", ["network", "ls", "-q", "--filter", `label=den.workspace_id=${id}`], { encoding: "utf8" }).stdout.trim().split("\n").filter(Boolean);
    if (networks.length) spawnSync("docker", ["network", "rm", ...networks]);
  }
}

/** A string output of a resource in the workspace's latest build; throws with the build's error when there is none. */
export function outputOf(ws: Workspace, resource: string, key = "name"): string {
  const value = ws.latest_build.resources.find((r) => r.name === resource)?.outputs[key];
  if (typeof value !== "string") throw new Error(`workspace ${ws.name} has no ${resource}.${key} (status ${ws.status}): ${ws.latest_build.job.error ?? ""}`);
  return value;
}

/**
 * Waits for the workspace's first agent to be ready. No event tells the test
 * that the agent's lifecycle changed: the API is polled with a deadline, and
 * a timeout shows the output of the container `resource`.
 */
export async function waitForAgentReady(api: WorkspaceTestApi, token: string, id: string, resource = "dev", timeoutMs = 90_000): Promise<Workspace> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ws = await api.get(token, id);
    const agent = ws.agents[0];
    if (agent?.lifecycle_state === "ready") return ws;
    if (agent && ["start_error", "start_timeout"].includes(agent.lifecycle_state)) throw new Error(`agent ${agent.lifecycle_state}`);
    if (Date.now() > deadline) {
      const logs = ws.status === "running" ? docker("logs", "--tail", "30", outputOf(ws, resource)) : "";
      throw new Error(`the agent is ${agent?.status}/${agent?.lifecycle_state} after ${timeoutMs} ms; container output:\n${logs}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

const SSHD = "/usr/sbin/sshd";

/** Whether OpenSSH's server and client are installed (scripts/install-test-deps.sh installs both). */
export function sshdIsInstalled(): boolean {
  return existsSync(SSHD) && spawnSync("sh", ["-c", "command -v ssh && command -v ssh-keygen"], { stdio: "ignore" }).status === 0;
}

export type PrivateSshd = {
  /** ssh://user@127.0.0.1:port, a DOCKER_HOST that reaches the local engine over ssh. */
  dockerHost: string;
  port: number;
  /** An ssh_config for the client: the test's key and a known_hosts that holds the server's key. */
  clientConfig: string;
  /** An ssh_config like clientConfig whose known_hosts does not know the server, for the failure case. */
  strangerConfig: string;
  /** How many logins the server accepted so far (from its log). */
  acceptedLogins(): number;
  log(): string;
  close(): Promise<void>;
};

/**
 * A private OpenSSH server on a free loopback port, as the current user,
 * with a temporary host key and one authorised temporary client key, so that
 * ssh://<user>@127.0.0.1:<port> reaches this machine (and its Docker
 * engine) the way a remote Docker host is reached. OpenSSH ignores $HOME
 * when it looks for ~/.ssh, so the client is configured by a file (ssh -F).
 */
export async function startPrivateSshd(): Promise<PrivateSshd> {
  const dir = mkdtempSync(join(tmpdir(), "den-sshd-"));
  const keygen = (name: string) => {
    const res = spawnSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", name, "-f", join(dir, name)], { encoding: "utf8" });
    if (res.status !== 0) throw new Error(`ssh-keygen: ${res.stderr}`);
  };
  keygen("host_key");
  keygen("client_key");
  writeFileSync(join(dir, "authorized_keys"), readFileSync(join(dir, "client_key.pub")), { mode: 0o600 });
  const user = userInfo().username;
  // sshd refuses to start without its privilege separation folder, which a fresh install may not have made yet.
  if (process.getuid?.() === 0) mkdirSync("/run/sshd", { recursive: true, mode: 0o755 });
  const port = await freePort();
  writeFileSync(
    join(dir, "sshd_config"),
    [
      "ListenAddress 127.0.0.1",
      `HostKey ${join(dir, "host_key")}`,
      `AuthorizedKeysFile ${join(dir, "authorized_keys")}`,
      "PasswordAuthentication no",
      "KbdInteractiveAuthentication no",
      "PermitRootLogin prohibit-password",
      // The temporary folder is the test's own; sshd's ownership checks are about shared homes.
      "StrictModes no",
      "UsePAM no",
      "PidFile none",
      "LogLevel INFO",
      "",
    ].join("\n"),
  );
  const hostKey = readFileSync(join(dir, "host_key.pub"), "utf8").split(" ").slice(0, 2).join(" ");
  writeFileSync(join(dir, "known_hosts"), `[127.0.0.1]:${port} ${hostKey}\n`);
  writeFileSync(join(dir, "empty_known_hosts"), "");
  const clientConfig = (knownHosts: string) =>
    [
      "Host *",
      `  IdentityFile ${join(dir, "client_key")}`,
      "  IdentitiesOnly yes",
      `  UserKnownHostsFile ${knownHosts}`,
      "  GlobalKnownHostsFile /dev/null",
      "  StrictHostKeyChecking yes",
      "  LogLevel ERROR",
      "",
    ].join("\n");
  writeFileSync(join(dir, "ssh_config"), clientConfig(join(dir, "known_hosts")));
  writeFileSync(join(dir, "stranger_ssh_config"), clientConfig(join(dir, "empty_known_hosts")));

  let log = "";
  const child = spawn(SSHD, ["-D", "-e", "-f", join(dir, "sshd_config"), "-p", String(port)], { stdio: ["ignore", "ignore", "pipe"] });
  child.stderr.on("data", (c: Buffer) => (log += c.toString()));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  await new Promise<void>((resolve, reject) => {
    child.stderr.on("data", () => log.includes("Server listening on") && resolve());
    child.once("error", reject);
    child.once("exit", (code) => reject(new Error(`sshd exited with ${code} before listening: ${log}`)));
  });
  return {
    dockerHost: `ssh://${user}@127.0.0.1:${port}`,
    port,
    clientConfig: join(dir, "ssh_config"),
    strangerConfig: join(dir, "stranger_ssh_config"),
    acceptedLogins: () => log.split("\n").filter((l) => l.startsWith("Accepted publickey")).length,
    log: () => log,
    async close() {
      if (child.exitCode === null && child.signalCode === null) child.kill();
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A TCP port that was free a moment ago (sshd takes a port number, not a listening socket). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}
