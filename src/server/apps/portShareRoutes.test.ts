import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startListeningTestServer } from "../../../test/support/cli.js";
import { JobWatcher } from "../../../test/support/jobWatcher.js";
import { createTestTemplate, promoteNewVersion } from "../../../test/support/templates.js";
import type { TestServer } from "../../../test/support/testServer.js";
import { killRecordedProcesses, WorkspaceTestApi } from "../../../test/support/workspaces.js";
import type { AuditLog } from "../../sdk/schemas/audit.js";
import type { WorkspacePortShare, WorkspacePortShares } from "../../sdk/schemas/portShares.js";
import type { Template } from "../../sdk/schemas/templateApi.js";
import type { Workspace } from "../../sdk/schemas/workspaces.js";
import { createFirstOwner, createTestUser, type TestUser } from "../users/testUsers.js";
import { getPortShare } from "./portShareQueries.js";

/** Two agents in one process, so that the agent name matters; ports may be shared with logged-in users. */
const SHARING_TEMPLATE = `
name: sharing
max_port_share_level: authenticated
resources:
  box: {driver: process, kind: process, lifetime: ephemeral, command: ["sleep", "infinity"]}
agents:
  main: {resource: box}
  side: {resource: box}
`;

/** No max_port_share_level: ports stay with their owner. */
const CLOSED_TEMPLATE = `
name: closed
resources:
  box: {driver: process, kind: process, lifetime: ephemeral, command: ["sleep", "infinity"]}
agents:
  main: {resource: box}
`;

type ErrorBody = { message: string; validations?: Array<{ field: string; detail: string }> };

let server: TestServer;
let jobs: JobWatcher;
let api: WorkspaceTestApi;
let owner: TestUser;
let alice: TestUser;
let bob: TestUser;
let sharing: Template;
let closed: Template;

beforeAll(async () => {
  // Agents of the workspaces dial the server, so it listens.
  const listening = await startListeningTestServer();
  server = listening.server;
  server.setAccessUrl(listening.url);
  jobs = await JobWatcher.start(server);
  api = new WorkspaceTestApi(server, jobs);
  owner = await createFirstOwner(server.app);
  alice = await createTestUser(server.app, owner, "alice");
  bob = await createTestUser(server.app, owner, "bob");
  sharing = await createTestTemplate(server, jobs, owner.token, "sharing", { "den.yaml": SHARING_TEMPLATE });
  closed = await createTestTemplate(server, jobs, owner.token, "closed", { "den.yaml": CLOSED_TEMPLATE });
});

afterAll(async () => {
  if (server) await killRecordedProcesses(server);
  await jobs?.close();
  await server?.stop();
});

const shareUrl = (ws: Workspace) => `/workspaces/${ws.id}/port-share`;

async function storedShares(): Promise<unknown[]> {
  const { rows } = await server.database.pool.query("SELECT * FROM workspace_port_shares ORDER BY workspace_id, agent_name, port");
  return rows;
}

async function deleteWorkspace(token: string, ws: Workspace): Promise<void> {
  await api.settle(token, await api.build(token, ws.id, { transition: "delete" }));
}

describe("port sharing", () => {
  it("lets the owner share, list, change and unshare a port, and audits each change", async () => {
    const ws = await api.createAndSettle(alice.token, { name: "web", template_id: sharing.id });
    const empty = await api.ok<WorkspacePortShares>(alice.token, "GET", shareUrl(ws));
    expect(empty).toEqual({ max_level: "authenticated", shares: [] });

    const shared = await api.ok<WorkspacePortShare>(alice.token, "POST", shareUrl(ws), { agent_name: "side", port: 8080, share_level: "authenticated" });
    expect(shared).toMatchObject({ workspace_id: ws.id, agent_name: "side", port: 8080, share_level: "authenticated", protocol: "http" });
    expect(await getPortShare(server.database.db, ws.id, "side", 8080)).toEqual({ share_level: "authenticated", protocol: "http" });
    // The same port of the other agent is another port.
    expect(await getPortShare(server.database.db, ws.id, "main", 8080)).toBeUndefined();

    const changed = await api.ok<WorkspacePortShare>(alice.token, "POST", shareUrl(ws), { agent_name: "side", port: 8080, share_level: "authenticated", protocol: "https" });
    expect(changed).toMatchObject({ protocol: "https", created_at: shared.created_at });
    await api.ok(alice.token, "POST", shareUrl(ws), { agent_name: "main", port: 3000, share_level: "authenticated" });
    const listed = await api.ok<WorkspacePortShares>(alice.token, "GET", shareUrl(ws));
    expect(listed.shares.map((s) => [s.agent_name, s.port, s.share_level, s.protocol])).toEqual([
      ["main", 3000, "authenticated", "http"],
      ["side", 8080, "authenticated", "https"],
    ]);

    const removed = await api.call(alice.token, "DELETE", shareUrl(ws), { agent_name: "side", port: 8080 });
    expect(removed.statusCode, removed.body).toBe(204);
    expect(await getPortShare(server.database.db, ws.id, "side", 8080)).toBeUndefined();
    const again = await api.call(alice.token, "DELETE", shareUrl(ws), { agent_name: "side", port: 8080 });
    expect(again.statusCode).toBe(404);
    expect((again.json() as ErrorBody).message).toMatch(/port 8080/);

    const audit = await api.ok<{ audit_logs: AuditLog[] }>(owner.token, "GET", `/audit?q=${encodeURIComponent("resource_type:workspace_port_share")}&limit=100`);
    const rows = audit.audit_logs.filter((l) => l.resource_id === ws.id).reverse();
    expect(rows.map((l) => [l.action, l.status_code, l.resource_target])).toEqual([
      ["write", 200, "alice/web.side:8080"],
      ["write", 200, "alice/web.side:8080"],
      ["write", 200, "alice/web.main:3000"],
      ["delete", 204, "alice/web.side:8080"],
      ["delete", 404, "alice/web.side:8080"],
    ]);
    expect(rows[0]!.diff).toEqual({ share_level: { old: "owner", new: "authenticated" }, protocol: { old: null, new: "http" } });
    expect(rows[1]!.diff).toEqual({ protocol: { old: "http", new: "https" } });
    expect(rows[3]!.diff).toEqual({ share_level: { old: "authenticated", new: "owner" }, protocol: { old: "https", new: null } });
    await deleteWorkspace(alice.token, ws);
  });

  it("answers another member exactly as for a missing workspace, and lets a site owner manage the shares", async () => {
    const ws = await api.createAndSettle(alice.token, { name: "private", template_id: sharing.id });
    await api.ok(alice.token, "POST", shareUrl(ws), { agent_name: "main", port: 5000, share_level: "authenticated" });
    const before = await storedShares();
    const missing = await api.call(bob.token, "GET", "/workspaces/00000000-0000-4000-8000-000000000000/port-share");
    expect(missing.statusCode).toBe(404);
    for (const [method, payload] of [
      ["GET", undefined],
      ["POST", { agent_name: "main", port: 5001, share_level: "authenticated" }],
      ["DELETE", { agent_name: "main", port: 5000 }],
    ] as const) {
      const res = await api.call(bob.token, method, shareUrl(ws), payload);
      expect(res.statusCode, method).toBe(404);
      expect(res.json(), method).toEqual(missing.json());
    }
    expect(await storedShares()).toEqual(before);

    const byOwner = await api.ok<WorkspacePortShares>(owner.token, "GET", shareUrl(ws));
    expect(byOwner.shares.map((s) => s.port)).toEqual([5000]);
    await api.ok(owner.token, "POST", shareUrl(ws), { agent_name: "main", port: 5001, share_level: "authenticated" });
    expect((await api.call(owner.token, "DELETE", shareUrl(ws), { agent_name: "main", port: 5000 })).statusCode).toBe(204);
    const after = await api.ok<WorkspacePortShares>(alice.token, "GET", shareUrl(ws));
    expect(after.shares.map((s) => s.port)).toEqual([5001]);
    await deleteWorkspace(alice.token, ws);
  });

  it("refuses bad input naming the field, and stores nothing", async () => {
    const ws = await api.createAndSettle(alice.token, { name: "strict", template_id: sharing.id });
    await api.ok(alice.token, "POST", shareUrl(ws), { agent_name: "main", port: 4000, share_level: "authenticated" });
    const before = await storedShares();
    const good = { agent_name: "main", port: 4001, share_level: "authenticated" };
    const cases: Array<["POST" | "DELETE", unknown, string, RegExp]> = [
      ["POST", { ...good, share_level: "public" }, "share_level", /allows sharing ports up to "authenticated".*not "public"/],
      ["POST", { ...good, share_level: "owner" }, "share_level", /use DELETE to stop sharing/],
      ["POST", { ...good, share_level: "everyone" }, "share_level", /./],
      ["POST", { ...good, protocol: "ftp" }, "protocol", /./],
      ["POST", { ...good, port: 0 }, "port", /1 to 65535/],
      ["POST", { ...good, port: 65536 }, "port", /1 to 65535/],
      ["POST", { ...good, port: 80.5 }, "port", /whole number/],
      ["POST", { ...good, port: "80" }, "port", /whole number/],
      ["POST", { ...good, agent_name: "nope" }, "agent_name", /no agent named "nope" \(its agents: main, side\)/],
      ["POST", { ...good, agent_name: "" }, "agent_name", /empty/],
      ["POST", { ...good, colour: "red" }, "colour", /unknown field/],
      ["POST", { port: 4001, share_level: "authenticated" }, "agent_name", /./],
      ["DELETE", { agent_name: "main" }, "port", /./],
      ["DELETE", { agent_name: "main", port: -1 }, "port", /1 to 65535/],
    ];
    for (const [method, body, field, detail] of cases) {
      const res = await api.call(alice.token, method, shareUrl(ws), body);
      expect(res.statusCode, `${method} ${JSON.stringify(body)} → ${res.body}`).toBe(400);
      const v = (res.json() as ErrorBody).validations?.find((x) => x.field === field);
      expect(v?.detail, `${method} ${JSON.stringify(body)} → ${res.body}`).toMatch(detail);
    }
    expect(await storedShares()).toEqual(before);
    await deleteWorkspace(alice.token, ws);
  });

  it("follows the template: nothing above owner by default, and what its latest build's version allows", async () => {
    const ws = await api.createAndSettle(alice.token, { name: "locked", template_id: closed.id });
    expect(await api.ok<WorkspacePortShares>(alice.token, "GET", shareUrl(ws))).toEqual({ max_level: "owner", shares: [] });
    const refused = await api.call(alice.token, "POST", shareUrl(ws), { agent_name: "main", port: 8000, share_level: "authenticated" });
    expect(refused.statusCode).toBe(400);
    expect((refused.json() as ErrorBody).validations).toEqual([{ field: "share_level", detail: expect.stringMatching(/up to "owner"/) }]);

    // A new version that opens sharing counts once the workspace is built from it.
    const opened = await promoteNewVersion(server, jobs, owner.token, closed.id, { "den.yaml": CLOSED_TEMPLATE.replace("name: closed", "name: closed\nmax_port_share_level: public") });
    expect((await api.ok<WorkspacePortShares>(alice.token, "GET", shareUrl(ws))).max_level).toBe("owner");
    await api.settle(alice.token, await api.build(alice.token, ws.id, { transition: "start", template_version_id: opened.id }));
    expect((await api.ok<WorkspacePortShares>(alice.token, "GET", shareUrl(ws))).max_level).toBe("public");
    await api.ok(alice.token, "POST", shareUrl(ws), { agent_name: "main", port: 8000, share_level: "public" });
    expect(await getPortShare(server.database.db, ws.id, "main", 8000)).toEqual({ share_level: "public", protocol: "http" });

    // Once deleted, the workspace's shares are served to nobody, and they go with its row.
    await deleteWorkspace(alice.token, ws);
    expect(await getPortShare(server.database.db, ws.id, "main", 8000)).toBeUndefined();
    expect((await api.call(alice.token, "GET", shareUrl(ws))).statusCode).toBe(404);
    await server.database.db.transaction().execute(async (tx) => {
      await tx.deleteFrom("workspace_agents").where("workspace_id", "=", ws.id).execute();
      await tx.deleteFrom("workspace_builds").where("workspace_id", "=", ws.id).execute();
      await tx.deleteFrom("workspaces").where("id", "=", ws.id).execute();
    });
    const { rows } = await server.database.pool.query("SELECT 1 FROM workspace_port_shares WHERE workspace_id = $1", [ws.id]);
    expect(rows).toEqual([]);
  });
});
