import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createFirstOwner, withToken, type TestUser } from "../../src/server/users/testUsers.js";
import { JobWatcher } from "../support/jobWatcher.js";
import { createTestTemplate } from "../support/templates.js";
import { createTestServer, type TestServer } from "../support/testServer.js";
import { isAlive, pidOf, WorkspaceTestApi } from "../support/workspaces.js";

const DEN = join(import.meta.dirname, "..", "..", "bin", "den");
const PSK = "external-provisioner-test-key";

const TEMPLATE = `
name: external
resources:
  home: {driver: process, kind: directory, lifetime: persistent}
  box:
    driver: process
    kind: process
    lifetime: ephemeral
    command: ["sh", "-c", "echo from-external > \\"$HOME/marker\\"; exec sleep infinity"]
    env: {HOME: "\${{ resources.home.path }}"}
`;

/**
 * `den provisioner start` on "another host": a child process that takes jobs
 * over the API with the pre-shared key, while the server runs no daemons.
 */
describe("external provisioner daemon", () => {
  let server: TestServer;
  let url: string;
  let owner: TestUser;
  let jobs: JobWatcher;
  let api: WorkspaceTestApi;
  let daemon: ChildProcess;
  let daemonOutput = "";
  const dataDir = mkdtempSync(join(tmpdir(), "den-ext-provisioner-"));

  beforeAll(async () => {
    server = await createTestServer({ config: { provisionerDaemons: 0, provisionerPsk: PSK } });
    url = await server.app.listen({ host: "127.0.0.1", port: 0 });
    server.setAccessUrl(url);
    owner = await createFirstOwner(server.app);
    jobs = await JobWatcher.start(server);
    api = new WorkspaceTestApi(server, jobs);
    daemon = spawn(process.execPath, [DEN, "provisioner", "start", "--url", url, "--psk", PSK, "--data-dir", dataDir, "--daemons", "2"], {
      env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: dataDir },
      stdio: ["ignore", "pipe", "pipe"],
    });
    daemon.stdout!.on("data", (c: Buffer) => (daemonOutput += c.toString()));
    daemon.stderr!.on("data", (c: Buffer) => (daemonOutput += c.toString()));
    await new Promise<void>((resolve, reject) => {
      daemon.stdout!.on("data", () => daemonOutput.includes("Provisioner running") && resolve());
      daemon.once("exit", (code) => reject(new Error(`den provisioner exited with ${code}: ${daemonOutput}`)));
    });
  });

  afterAll(async () => {
    daemon?.kill("SIGTERM");
    await new Promise((resolve) => (daemon.exitCode !== null ? resolve(undefined) : daemon.once("exit", resolve)));
    await jobs?.close();
    await server?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("imports a template and runs a workspace's builds on the daemon's host", async () => {
    const template = await createTestTemplate(server, jobs, owner.token, "external", { "den.yaml": TEMPLATE });
    const ws = await api.createAndSettle(owner.token, { name: "ext", template_id: template.id, rich_parameter_values: [] });
    expect(ws.status, daemonOutput).toBe("running");
    expect(ws.latest_build.job.worker_id).toMatch(/-ext\d$/);
    const home = String(ws.latest_build.resources.find((r) => r.name === "home")?.outputs.path);
    // The process driver ran under the daemon's --data-dir, not the server's.
    expect(home.startsWith(dataDir)).toBe(true);
    expect(readFileSync(join(home, "marker"), "utf8").trim()).toBe("from-external");
    const pid = pidOf(ws);
    expect(isAlive(pid)).toBe(true);

    const stopped = await api.settle(owner.token, await api.build(owner.token, ws.id, { transition: "stop" }));
    expect(stopped.status).toBe("stopped");
    expect(isAlive(pid)).toBe(false);
    const deleted = await api.settle(owner.token, await api.build(owner.token, ws.id, { transition: "delete" }));
    expect(deleted.status).toBe("deleted");

    // Both daemons of the process at once: each heartbeats and completes the job it claimed.
    const pair = await Promise.all(["a", "b", "c"].map((name) => api.createAndSettle(owner.token, { name, template_id: template.id, rich_parameter_values: [] })));
    expect(pair.map((w) => w.status)).toEqual(["running", "running", "running"]);
    for (const w of pair) expect((await api.settle(owner.token, await api.build(owner.token, w.id, { transition: "delete" }))).status).toBe("deleted");
  });

  it("refuses a wrong pre-shared key and a job it did not claim", async () => {
    const wrongKey = await server.app.inject({
      method: "POST",
      url: "/api/v2/provisionerdaemons/jobs/acquire",
      headers: { "den-provisioner-key": "wrong" },
      payload: { worker_id: "intruder" },
    });
    expect(wrongKey.statusCode).toBe(401);
    const notClaimed = await server.app.inject({
      method: "POST",
      url: "/api/v2/provisionerdaemons/jobs/00000000-0000-4000-8000-000000000000/heartbeat",
      headers: { "den-provisioner-key": PSK, "den-provisioner-worker": "intruder" },
      payload: {},
    });
    expect(notClaimed.statusCode).toBe(404);
    // A user's session token is no provisioner key.
    const asUser = await server.app.inject({ method: "POST", url: "/api/v2/provisionerdaemons/jobs/acquire", headers: withToken(owner.token), payload: { worker_id: "x" } });
    expect(asUser.statusCode).toBe(401);
  });

  it("refuses a Docker host it cannot use with one line naming the option", () => {
    const run = spawnSync(process.execPath, [DEN, "provisioner", "start", "--url", url, "--psk", PSK, "--data-dir", dataDir, "--docker-host", "bogus://x"], {
      env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: dataDir },
      encoding: "utf8",
      timeout: 30_000,
    });
    expect(run.status, run.stderr).toBe(1);
    expect(run.stdout).toBe("");
    expect(run.stderr).toMatch(/^den: --docker-host \(DEN_DOCKER_HOST\): DOCKER_HOST "bogus:\/\/x": must be .*\n$/);
    expect(run.stderr.trim().split("\n")).toHaveLength(1);
  });
});
