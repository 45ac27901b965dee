import { createServer, type AddressInfo, type Server } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { portUrl } from "../../src/sdk/portUrl.js";
import type { WorkspacePortShares } from "../../src/sdk/schemas/portShares.js";
import type { Workspace } from "../../src/sdk/schemas/workspaces.js";
import { AGENT_TEMPLATE, AgentWorkspaceEnv } from "../support/agentWorkspace.js";
import { createTestTemplate } from "../support/templates.js";

/** The agent template, with ports that may be shared with anyone. */
const SHAREABLE_TEMPLATE = AGENT_TEMPLATE.replace("name: reach", "name: shareable\nmax_port_share_level: public");

let t: AgentWorkspaceEnv;
let ws: Workspace;
/** Listens "inside the workspace" (the process driver's workspace is this host's loopback). */
let listener: Server;
let listening: number;
/** The wildcard host the server reports, "" when it has none (or predates GET /applications/host). */
let wildcardHost: string;

beforeAll(async () => {
  t = await AgentWorkspaceEnv.start();
  const template = await createTestTemplate(t.env.server, t.jobs, t.owner.token, "shareable", { "den.yaml": SHAREABLE_TEMPLATE });
  const created = await t.api.createAndSettle(t.alice.token, { name: "web", template_id: template.id });
  if (created.status !== "running") throw new Error(`workspace web is ${created.status}: ${created.latest_build.job.error}`);
  ws = await t.waitForAgent(created.id, (a) => a.status === "connected");
  listener = createServer((socket) => socket.end());
  await new Promise<void>((resolve) => listener.listen(0, "127.0.0.1", resolve));
  listening = (listener.address() as AddressInfo).port;
  const host = await t.api.call(t.alice.token, "GET", "/applications/host");
  wildcardHost = host.statusCode === 200 ? (host.json() as { host: string }).host : "";
});

afterAll(async () => {
  listener?.close();
  await t?.stop();
});

const urlOf = (port: number, protocol: "http" | "https" = "http") => portUrl(t.env.url, wildcardHost, { owner: "alice", workspace: "web", agent: "main", port, protocol });

async function stored(): Promise<WorkspacePortShares> {
  return t.api.ok<WorkspacePortShares>(t.alice.token, "GET", `/workspaces/${ws.id}/port-share`);
}

describe("den port", () => {
  it("shares a port, lists it with the listening ones, and unshares it", async () => {
    const share = await t.den(["port", "share", "web", String(listening), "--level", "public"]);
    expect(share.code, share.stderr).toBe(0);
    expect(share.stdout).toContain(`Shared port ${listening} of alice/web.main (http) with everyone.`);
    const url = urlOf(listening);
    if (url) expect(share.stdout).toContain(url);
    else expect(share.stderr).toMatch(/no --wildcard-access-url/);
    expect((await stored()).shares).toMatchObject([{ agent_name: "main", port: listening, share_level: "public", protocol: "http" }]);

    // Changing the protocol of a shared port, naming the agent and the owner.
    const https = await t.den(["port", "share", "alice/web.main", "9443", "--protocol", "https"]);
    expect(https.code, https.stderr).toBe(0);
    expect(https.stdout).toContain("Shared port 9443 of alice/web.main (https) with logged-in users.");

    const table = await t.den(["port", "list", "web"]);
    expect(table.code, table.stderr).toBe(0);
    expect(table.stdout).toContain("may be shared up to: public");
    const lines = table.stdout.split("\n");
    expect(lines.find((l) => l.startsWith("AGENT"))).toMatch(/^AGENT\s+PORT\s+LISTENING\s+PROCESS\s+SHARED WITH\s+PROTOCOL\s+URL$/);
    expect(lines.find((l) => new RegExp(`^main\\s+${listening}\\s`).test(l))).toMatch(/\syes\s.*\spublic\s+http\s/);
    expect(lines.find((l) => /^main\s+9443\s/.test(l))).toMatch(/\sno\s.*\sauthenticated\s+https\s/);

    const json = await t.den(["port", "list", "web", "-o", "json"]);
    expect(json.code, json.stderr).toBe(0);
    const listed = JSON.parse(json.stdout) as { max_level: string; ports: Array<{ port: number; listening: boolean | null; share_level: string; protocol: string; url: string | null }> };
    expect(listed.max_level).toBe("public");
    expect(listed.ports.find((p) => p.port === listening)).toMatchObject({ listening: true, share_level: "public", protocol: "http", url: url ?? null });
    expect(listed.ports.find((p) => p.port === 9443)).toMatchObject({ listening: false, share_level: "authenticated", protocol: "https", url: urlOf(9443, "https") ?? null });

    const unshare = await t.den(["port", "unshare", "web", String(listening)]);
    expect(unshare.code, unshare.stderr).toBe(0);
    expect(unshare.stdout).toContain(`Port ${listening} of alice/web.main is no longer shared.`);
    const after = JSON.parse((await t.den(["port", "list", "web", "-o", "json"])).stdout) as typeof listed;
    // Still listening, but open to its owner only.
    expect(after.ports.find((p) => p.port === listening)).toMatchObject({ listening: true, share_level: "owner" });
    expect((await t.den(["port", "unshare", "web", "9443"])).code).toBe(0);
    expect((await stored()).shares).toEqual([]);
  });

  it("fails with one line on stderr naming what is wrong, and changes nothing", async () => {
    const before = await stored();
    const cases: Array<[string[], RegExp]> = [
      [["port", "share", "web", "70000"], /port.*1 to 65535/],
      [["port", "share", "web", "http"], /port.*1 to 65535/],
      [["port", "share", "web", "8080", "--level", "everyone"], /--level.*authenticated, public/],
      [["port", "share", "web", "8080", "--protocol", "ftp"], /--protocol.*http, https/],
      [["port", "share", "web.side", "8080"], /no agent named "side" \(its agents: main\)/],
      [["port", "share", "nosuch", "8080"], /no workspace named "nosuch"/],
      [["port", "unshare", "web", "8081"], /port 8081 of alice\/web.main is not shared/],
      [["port", "list", "bob/web"], /bob has no workspace/],
    ];
    for (const [args, message] of cases) {
      const run = await t.den(args);
      expect(run.code, `den ${args.join(" ")}: ${run.stderr}`).not.toBe(0);
      expect(run.stderr, `den ${args.join(" ")}`).toMatch(message);
      expect(run.stderr.trimEnd().split("\n"), `den ${args.join(" ")}: ${run.stderr}`).toHaveLength(1);
      expect(run.stdout).toBe("");
    }
    expect(await stored()).toEqual(before);
  });

  it("refuses a level above the template's maximum with the server's reason", async () => {
    const reach = await t.createReady("closed");
    const run = await t.den(["port", "share", "closed", "8080"]);
    expect(run.code).not.toBe(0);
    expect(run.stderr).toMatch(/share_level.*up to "owner"/);
    expect(run.stderr.trimEnd().split("\n")).toHaveLength(1);
    await t.api.settle(t.alice.token, await t.api.build(t.alice.token, reach.id, { transition: "delete" }));
  });

  it("explains each command in its help", async () => {
    for (const sub of ["share", "unshare", "list"]) {
      const help = await t.den(["port", sub, "--help"]);
      expect(help.code).toBe(0);
      expect(help.stdout).toContain(`$ den port ${sub}`);
    }
  });
});
