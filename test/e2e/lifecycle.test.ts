import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Template } from "../../src/sdk/schemas/templateApi.js";
import type { Workspace, WorkspaceBuild } from "../../src/sdk/schemas/workspaces.js";
import { failStaleJobs } from "../../src/server/provisioners/jobQueries.js";
import { createFirstOwner, createTestUser, type TestUser } from "../../src/server/users/testUsers.js";
import { JobWatcher } from "../support/jobWatcher.js";
import { createTestTemplate } from "../support/templates.js";
import { createTestServer, type TestServer } from "../support/testServer.js";
import { isAlive, killRecordedProcesses, pidOf, WorkspaceTestApi } from "../support/workspaces.js";

/** A home directory that survives stops, and a process that writes the greeting into it. */
const HOME_TEMPLATE = `
name: lifecycle
parameters:
  - {name: greeting, type: string, default: hello, mutable: true, validation: {regex: "^[a-z]+$", error: "lower-case letters only"}}
  - {name: region, type: string, default: eu, options: [{name: Europe, value: eu}, {name: America, value: us}]}
resources:
  home: {driver: process, kind: directory, lifetime: persistent}
  box:
    driver: process
    kind: process
    lifetime: ephemeral
    command: ["sh", "-c", "echo \${{ params.greeting }} > \\"$HOME/greeting\\"; exec sleep infinity"]
    env: {HOME: "\${{ resources.home.path }}"}
agents:
  main: {resource: box}
`;

/**
 * Processes created one after the other, each watched for the driver's start
 * window: a start that lasts many provisioner heartbeats, so that a cancel
 * lands half-way.
 */
const SLOW_BOXES = 12;
const SLOW_TEMPLATE = `
name: slow
resources:
${Array.from({ length: SLOW_BOXES }, (_, i) => i + 1)
  .map((i) => `  box${i}: {driver: process, kind: process, lifetime: ephemeral, command: ["sleep", "infinity"]${i > 1 ? `, depends_on: [box${i - 1}]` : ""}}`)
  .join("\n")}
`;

/** Just a process, for many workspaces at once. */
const SMALL_TEMPLATE = `
name: small
resources:
  box: {driver: process, kind: process, lifetime: ephemeral, command: ["sleep", "infinity"]}
`;

let server: TestServer;
let jobs: JobWatcher;
let api: WorkspaceTestApi;
let owner: TestUser;
let alice: TestUser;
let bob: TestUser;
let home: Template;

beforeAll(async () => {
  server = await createTestServer();
  jobs = await JobWatcher.start(server);
  api = new WorkspaceTestApi(server, jobs);
  owner = await createFirstOwner(server.app);
  alice = await createTestUser(server.app, owner, "alice");
  bob = await createTestUser(server.app, owner, "bob");
  home = await createTestTemplate(server, jobs, owner.token, "lifecycle", { "den.yaml": HOME_TEMPLATE });
});

afterAll(async () => {
  if (server) await killRecordedProcesses(server);
  await jobs?.close();
  await server?.stop();
});

function homePath(ws: Workspace): string {
  const path = ws.latest_build.resources.find((r) => r.name === "home")?.outputs.path;
  if (typeof path !== "string") throw new Error(`workspace ${ws.name} has no home directory`);
  return path;
}

describe("a workspace with the process driver", () => {
  it("goes create → running → stop (process gone, home kept) → start (file still there) → delete (home gone)", async () => {
    const created = await api.create(alice.token, { name: "dev", template_id: home.id });
    expect(created).toMatchObject({ name: "dev", owner_name: "alice", template_name: "lifecycle", latest_build: { build_number: 1, transition: "start" } });
    expect(["pending", "starting"]).toContain(created.status);

    const running = await api.settle(alice.token, created.latest_build);
    expect(running.status, running.latest_build.job.error ?? "").toBe("running");
    expect(running.latest_build.parameters).toEqual(expect.arrayContaining([{ name: "greeting", value: "hello" }, { name: "region", value: "eu" }]));
    expect(running.agents).toEqual([expect.objectContaining({ name: "main", resource_name: "box", status: "connecting", lifecycle_state: "created" })]);
    const firstPid = pidOf(running);
    expect(isAlive(firstPid)).toBe(true);
    const dir = homePath(running);
    expect(readFileSync(join(dir, "greeting"), "utf8").trim()).toBe("hello");
    writeFileSync(join(dir, "notes.txt"), "kept across stops");

    const stopped = await api.settle(alice.token, await api.build(alice.token, running.id, { transition: "stop" }));
    expect(stopped.status, stopped.latest_build.job.error ?? "").toBe("stopped");
    expect(isAlive(firstPid)).toBe(false);
    expect(stopped.latest_build.resources.map((r) => r.name)).toEqual(["home"]);
    expect(readFileSync(join(dir, "notes.txt"), "utf8")).toBe("kept across stops");

    const restarted = await api.settle(alice.token, await api.build(alice.token, running.id, { transition: "start" }));
    expect(restarted.status, restarted.latest_build.job.error ?? "").toBe("running");
    expect(homePath(restarted)).toBe(dir);
    expect(readFileSync(join(dir, "notes.txt"), "utf8")).toBe("kept across stops");
    const secondPid = pidOf(restarted);
    expect(secondPid).not.toBe(firstPid);
    expect(isAlive(secondPid)).toBe(true);

    const deleted = await api.settle(alice.token, await api.build(alice.token, running.id, { transition: "delete" }));
    expect(deleted).toMatchObject({ status: "deleted", deleted: true });
    expect(isAlive(secondPid)).toBe(false);
    expect(existsSync(dir)).toBe(false);
    expect((await api.call(alice.token, "GET", `/workspaces/${running.id}`)).statusCode).toBe(404);
    expect((await api.call(alice.token, "GET", "/users/me/workspace/dev")).statusCode).toBe(404);

    const builds = await api.ok<WorkspaceBuild[]>(alice.token, "GET", `/workspaces/${running.id}/builds`);
    expect(builds.map((b) => `${b.build_number}:${b.transition}:${b.job.status}`)).toEqual(["4:delete:succeeded", "3:start:succeeded", "2:stop:succeeded", "1:start:succeeded"]);

    const audit = await api.ok<{ audit_logs: Array<{ action: string; resource_id: string; status_code: number }> }>(owner.token, "GET", "/audit?q=resource_type:workspace");
    const mine = audit.audit_logs.filter((a) => a.resource_id === running.id).map((a) => `${a.action}:${a.status_code}`);
    expect(mine.sort()).toEqual(["create:201", "delete:201", "start:201", "stop:201"]);

    // The name is free again.
    const again = await api.createAndSettle(alice.token, { name: "dev", template_id: home.id });
    expect(again.status).toBe("running");
    await api.settle(alice.token, await api.build(alice.token, again.id, { transition: "delete" }));
  });

  it("answers 409 to one of two concurrent transitions, naming the build that runs", async () => {
    const ws = await api.createAndSettle(alice.token, { name: "race", template_id: home.id });
    const [a, b] = await Promise.all([
      api.call(alice.token, "POST", `/workspaces/${ws.id}/builds`, { transition: "stop" }),
      api.call(alice.token, "POST", `/workspaces/${ws.id}/builds`, { transition: "delete" }),
    ]);
    const statuses = [a.statusCode, b.statusCode].sort();
    expect(statuses).toEqual([201, 409]);
    const winner = (a.statusCode === 201 ? a : b).json() as WorkspaceBuild;
    const loser = (a.statusCode === 409 ? a : b).json() as { message: string };
    expect(winner.build_number).toBe(2);
    expect(loser.message).toContain(`Build #2 (${winner.transition})`);
    const ended = await api.settle(alice.token, winner);
    expect(["stopped", "deleted"]).toContain(ended.status);
    const builds = await api.ok<WorkspaceBuild[]>(alice.token, "GET", `/workspaces/${ws.id}/builds`);
    expect(builds).toHaveLength(2);
    if (ended.status === "stopped") await api.settle(alice.token, await api.build(alice.token, ws.id, { transition: "delete" }));
  });

  it("cancels a slow start, leaves the workspace consistent, and a new build repairs it", async () => {
    const slow = await createTestTemplate(server, jobs, owner.token, "slow", { "den.yaml": SLOW_TEMPLATE });
    const ws = await api.create(alice.token, { name: "slow", template_id: slow.id });
    await jobs.waitForLog(ws.latest_build.job.id, "Started box1");
    const cancel = await api.call(alice.token, "PATCH", `/workspacebuilds/${ws.latest_build.id}/cancel`);
    expect(cancel.statusCode, cancel.body).toBe(200);
    expect((cancel.json() as WorkspaceBuild).status).toBe("canceling");

    const canceled = await api.settle(alice.token, ws.latest_build);
    expect(canceled.status).toBe("canceled");
    expect(canceled.latest_build.job.status).toBe("canceled");
    // What the build had created before the cancel is recorded, so nothing is orphaned.
    const leftovers = canceled.latest_build.resources.map((r) => r.outputs.pid).filter((p): p is number => typeof p === "number");
    expect(leftovers.length).toBeGreaterThan(0);
    expect(leftovers.length).toBeLessThan(SLOW_BOXES);
    const again = await api.call(alice.token, "PATCH", `/workspacebuilds/${ws.latest_build.id}/cancel`);
    expect(again.statusCode).toBe(409);
    expect((again.json() as { message: string }).message).toMatch(/already ended \(canceled\)/);

    const repaired = await api.settle(alice.token, await api.build(alice.token, ws.id, { transition: "start" }));
    expect(repaired.status, repaired.latest_build.job.error ?? "").toBe("running");
    expect(repaired.latest_build.resources).toHaveLength(SLOW_BOXES);
    for (const pid of leftovers) expect(isAlive(pid), `leftover ${pid}`).toBe(false);
    for (const r of repaired.latest_build.resources) expect(isAlive(r.outputs.pid as number)).toBe(true);
    await api.settle(alice.token, await api.build(alice.token, ws.id, { transition: "delete" }));
  });

  it("fails a build whose provisioner stopped heartbeating, and a new start repairs the workspace", async () => {
    const ws = await api.createAndSettle(alice.token, { name: "crashy", template_id: home.id });
    const oldPid = pidOf(ws);
    // A daemon that claimed a start build and died: running, heartbeat long ago, the state of the build before.
    const job = await server.database.pool.query<{ id: string }>(
      `INSERT INTO provisioner_jobs (type, organization_id, initiator_id, input, status, worker_id, started_at, heartbeat_at)
       VALUES ('workspace_build', $1, $2, '{}', 'running', 'dead-daemon', now() - interval '1 hour', now() - interval '1 hour') RETURNING id`,
      [ws.organization_id, alice.id],
    );
    const jobId = job.rows[0]!.id;
    await server.database.pool.query(
      `INSERT INTO workspace_builds (workspace_id, template_version_id, build_number, transition, initiator_id, job_id, parameters, state)
       SELECT workspace_id, template_version_id, 2, 'start', initiator_id, $2, parameters, state FROM workspace_builds WHERE workspace_id = $1 AND build_number = 1`,
      [ws.id, jobId],
    );
    expect((await api.get(alice.token, ws.id)).status).toBe("starting");
    expect((await api.call(alice.token, "POST", `/workspaces/${ws.id}/builds`, { transition: "start" })).statusCode).toBe(409);

    // The server's reaper may get there first; either way the job ends failed with a clear error.
    await failStaleJobs(server.database.db, jobs.events, 30_000);
    const failed = await api.get(alice.token, ws.id);
    expect(failed.status).toBe("failed");
    expect(failed.latest_build.job.error).toMatch(/provisioner stopped responding/);

    const repaired = await api.settle(alice.token, await api.build(alice.token, ws.id, { transition: "start" }));
    expect(repaired.status, repaired.latest_build.job.error ?? "").toBe("running");
    expect(isAlive(oldPid)).toBe(false);
    expect(isAlive(pidOf(repaired))).toBe(true);
    expect(homePath(repaired)).toBe(homePath(ws));
    await api.settle(alice.token, await api.build(alice.token, ws.id, { transition: "delete" }));
  });

  it("builds 20 workspaces at once on the 3 provisioner daemons, all reaching running", async () => {
    const small = await createTestTemplate(server, jobs, owner.token, "small", { "den.yaml": SMALL_TEMPLATE });
    const created = await Promise.all(Array.from({ length: 20 }, (_, i) => api.create(bob.token, { name: `many-${i}`, template_id: small.id })));
    const settled = await Promise.all(created.map((ws) => api.settle(bob.token, ws.latest_build)));
    for (const ws of settled) expect(ws.status, `${ws.name}: ${ws.latest_build.job.error}`).toBe("running");
    expect(new Set(settled.map((ws) => pidOf(ws))).size).toBe(20);
    const workers = new Set(settled.map((ws) => ws.latest_build.job.worker_id));
    expect(workers.size).toBe(server.config.provisionerDaemons);

    const list = await api.ok<{ workspaces: Workspace[]; count: number }>(bob.token, "GET", `/workspaces?q=${encodeURIComponent("owner:me template:small status:running")}&limit=5`);
    expect(list.count).toBe(20);
    expect(list.workspaces).toHaveLength(5);

    const deletes = await Promise.all(settled.map((ws) => api.build(bob.token, ws.id, { transition: "delete" })));
    const gone = await Promise.all(deletes.map((b) => api.settle(bob.token, b)));
    for (const ws of gone) expect(ws.status).toBe("deleted");
    for (const ws of settled) expect(isAlive(pidOf(ws))).toBe(false);
  });
});
