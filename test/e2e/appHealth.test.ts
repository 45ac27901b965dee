import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { isDeepStrictEqual } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Workspace } from "../../src/sdk/schemas/workspaces.js";
import { withToken } from "../../src/server/users/testUsers.js";
import { AGENT_TEMPLATE, AgentWorkspaceEnv } from "../support/agentWorkspace.js";
import { createTestTemplate } from "../support/templates.js";

/** Health checks run every second here; a change reaches the API within a few. */
const HEALTH_DEADLINE_MS = 30_000;

/**
 * The agent template of AgentWorkspaceEnv with four apps: `web`, checked
 * every second and unhealthy after 5 failures, on a port the test opens and
 * closes (the process driver runs the agent on this machine, so the test's
 * loopback is the workspace's); `idle`, whose port never opens and whose
 * threshold the test never reaches; and two apps without a health check.
 */
function appTemplate(webPort: number, idlePort: number): string {
  // AGENT_TEMPLATE ends with the agent `main`: the apps are its.
  return `${AGENT_TEMPLATE.replace("name: reach", "name: apps").trimEnd()}
    apps:
      - {slug: web, url: "http://127.0.0.1:${webPort}/", healthcheck: {url: "http://127.0.0.1:${webPort}/healthz", interval: 1, threshold: 5}}
      - {slug: idle, url: "http://127.0.0.1:${idlePort}/", healthcheck: {url: "http://127.0.0.1:${idlePort}/", interval: 2, threshold: 100}}
      - {slug: shell, command: "bash"}
      - {slug: docs, external: "https://example.com/docs"}
`;
}

/** A port that was free a moment ago. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

let t: AgentWorkspaceEnv;
let webPort: number;
let templateId: string;
let web: Server | undefined;

beforeAll(async () => {
  t = await AgentWorkspaceEnv.start();
  webPort = await freePort();
  const template = await createTestTemplate(t.env.server, t.jobs, t.owner.token, "apps", { "den.yaml": appTemplate(webPort, await freePort()) });
  templateId = template.id;
});

afterAll(async () => {
  await stopWeb();
  await t?.stop();
});

/** The app the `web` health check reaches: 200 on /healthz. */
async function startWeb(): Promise<void> {
  const server = createServer((req, res) => res.writeHead(req.url === "/healthz" ? 200 : 404).end());
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(webPort, "127.0.0.1", resolve);
  });
  web = server;
}

async function stopWeb(): Promise<void> {
  const server = web;
  web = undefined;
  if (!server) return;
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
}

/** Each app's health as `GET /api/v2/workspaces/:id` shows it, over HTTP as alice. */
async function appHealth(workspaceId: string): Promise<Record<string, string>> {
  const res = await fetch(`${t.env.url}/api/v2/workspaces/${workspaceId}`, { headers: withToken(t.alice.token) });
  if (res.status !== 200) throw new Error(`GET /workspaces/${workspaceId}: ${res.status} ${await res.text()}`);
  const ws = (await res.json()) as Workspace;
  return Object.fromEntries((ws.agents[0]?.apps ?? []).map((app) => [app.slug, app.health]));
}

/** Polls the workspace API until the apps' health is `expected`, with a deadline. */
async function waitForHealth(workspaceId: string, expected: Record<string, string>): Promise<void> {
  const deadline = Date.now() + HEALTH_DEADLINE_MS;
  for (;;) {
    const health = await appHealth(workspaceId);
    if (isDeepStrictEqual(health, expected)) return;
    if (Date.now() > deadline) throw new Error(`app health is ${JSON.stringify(health)}, not ${JSON.stringify(expected)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** What the agent last stored for the workspace's agent, straight from the database. */
async function storedHealth(workspaceId: string): Promise<Record<string, string>> {
  const row = await t.env.server.database.db.selectFrom("workspace_agents").select("app_health").where("workspace_id", "=", workspaceId).executeTakeFirstOrThrow();
  return row.app_health;
}

describe("app health from a real agent", () => {
  it("follows the app as it starts, stops and comes back, and is told again to a restarted server", async () => {
    const created = await t.api.createAndSettle(t.alice.token, { name: "apps1", template_id: templateId });
    expect(created.status).toBe("running");
    const ws = await t.waitForAgent(created.id, (agent) => agent.status === "connected");

    // Nothing listens on web's port yet: it stays initializing until 5 checks have failed.
    expect(await appHealth(ws.id)).toEqual({ web: "initializing", idle: "initializing", shell: "disabled", docs: "disabled" });
    // The API shows those states before the agent says anything; the stored report shows that it did.
    await pollStored(ws.id, (stored) => stored.shell === "disabled" && stored.docs === "disabled" && stored.idle === "initializing");

    await startWeb();
    await waitForHealth(ws.id, { web: "healthy", idle: "initializing", shell: "disabled", docs: "disabled" });

    await stopWeb();
    await waitForHealth(ws.id, { web: "unhealthy", idle: "initializing", shell: "disabled", docs: "disabled" });

    await startWeb();
    await waitForHealth(ws.id, { web: "healthy", idle: "initializing", shell: "disabled", docs: "disabled" });

    // A server that lost what the agent reported (here: forgot it, then restarted) learns it on reconnection.
    await t.env.server.database.db.updateTable("workspace_agents").set({ app_health: "{}" }).where("workspace_id", "=", ws.id).execute();
    await t.restartServer();
    await waitForHealth(ws.id, { web: "healthy", idle: "initializing", shell: "disabled", docs: "disabled" });
    expect(await storedHealth(ws.id)).toEqual({ web: "healthy", idle: "initializing", shell: "disabled", docs: "disabled" });
  });
});

/** Polls the stored report until `done` holds, with a deadline. */
async function pollStored(workspaceId: string, done: (stored: Record<string, string>) => boolean): Promise<void> {
  const deadline = Date.now() + HEALTH_DEADLINE_MS;
  for (;;) {
    const stored = await storedHealth(workspaceId);
    if (done(stored)) return;
    if (Date.now() > deadline) throw new Error(`the agent stored ${JSON.stringify(stored)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
