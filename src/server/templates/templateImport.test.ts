import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { WebSocket } from "ws";
import { createTestServer, type TestServer } from "../../../test/support/testServer.js";
import { createDriverRegistry } from "../../drivers/registry.js";
import { ProvisionerDaemon } from "../../provisioner/provisionerDaemon.js";
import type { ProvisionerJobLog } from "../../sdk/schemas/provisionerJobs.js";
import { MAX_TEMPLATE_ARCHIVE_BYTES } from "../../sdk/schemas/templateApi.js";
import { PgJobSource } from "../provisioners/pgJobSource.js";
import { PubSub } from "../pubsub/pubsub.js";
import { createFirstOwner, withToken, type TestUser } from "../users/testUsers.js";
import { createVersion, pushVersion, tarOf, uploadArchive, VALID_DEN_YAML, waitForImport } from "./testTemplates.js";

const lines = (...text: string[]) => `${text.join("\n")}\n`;

/** Lines 1-10 of a template that imports cleanly; cases append to it. */
const BASE = [
  "resources:",
  "  home:",
  "    driver: process",
  "    kind: directory",
  "    lifetime: persistent",
  "  box:",
  "    driver: process",
  "    kind: process",
  "    lifetime: ephemeral",
  '    command: ["sleep", "infinity"]',
];

type Closed = { code: number; reason: string };

/** Opens the follow socket of a version's logs and collects what it sends until it closes. */
async function followVersionLogs(server: TestServer, versionId: string, token?: string): Promise<{ logs: ProvisionerJobLog[]; closed: Promise<Closed> }> {
  const logs: ProvisionerJobLog[] = [];
  let onClose: (c: Closed) => void = () => undefined;
  const closed = new Promise<Closed>((resolve) => (onClose = resolve));
  await server.app.injectWS(`/api/v2/templateversions/${versionId}/logs?follow=true`, token ? { headers: withToken(token) } : {}, {
    onInit: (ws: WebSocket) => {
      ws.on("message", (data) => logs.push(JSON.parse(data.toString()) as ProvisionerJobLog));
      ws.on("close", (code, reason) => onClose({ code, reason: reason.toString() }));
    },
  });
  return { logs, closed };
}

describe("template version imports", () => {
  let server: TestServer;
  let owner: TestUser;
  beforeAll(async () => {
    server = await createTestServer();
    owner = await createFirstOwner(server.app);
  });
  afterAll(async () => {
    await server?.stop();
  });

  const failures: Array<{ name: string; yaml: string; error: RegExp }> = [
    { name: "broken YAML", yaml: lines("resources:", "  home: [1, 2", "agents: {}"), error: /^den\.yaml:3:1: invalid YAML/ },
    { name: "unknown key", yaml: lines("descripton: x", ...BASE), error: /^den\.yaml:1:1: unknown key "descripton"/ },
    { name: "bad expression", yaml: lines(...BASE, '    dir: "${{ params.greeting + }}"'), error: /^den\.yaml:11:\d+: bad expression/ },
    { name: "missing resource reference", yaml: lines(...BASE, '    dir: "${{ resources.ghost.path }}"'), error: /^den\.yaml:11:\d+: unknown resource "ghost"/ },
    {
      name: "cycle",
      yaml: lines(...BASE, "    depends_on: [web]", "  web:", "    driver: process", "    kind: process", "    lifetime: ephemeral", "    command: [sleep, infinity]", "    depends_on: [box]"),
      error: /^den\.yaml:\d+:\d+: dependency cycle/,
    },
    {
      name: "parameter default of the wrong type",
      yaml: lines("parameters:", "  - name: cpus", "    type: number", "    default: many", ...BASE),
      error: /^den\.yaml:4:\d+: .*default/,
    },
    { name: "unknown driver", yaml: lines(...BASE).replace("driver: process", "driver: vmware"), error: /^den\.yaml:3:\d+: .*unknown driver "vmware"/ },
  ];

  for (const c of failures) {
    it(`fails the import of a template with a ${c.name}, naming file:line:column, and stores no spec`, async () => {
      const version = await pushVersion(server.app, owner.token, { "den.yaml": c.yaml });
      expect(version.job.status).toBe("failed");
      expect(version.job.error).toContain("den.yaml:");
      const res = await server.app.inject({ method: "GET", url: `/api/v2/templateversions/${version.id}/logs`, headers: withToken(owner.token) });
      const errors = (res.json() as ProvisionerJobLog[]).filter((l) => l.level === "error").map((l) => l.output);
      expect(errors.some((e) => c.error.test(e)), errors.join("\n")).toBe(true);
      const row = await server.database.db.selectFrom("template_versions").select("spec").where("id", "=", version.id).executeTakeFirstOrThrow();
      expect(row.spec).toBeNull();
      const params = await server.app.inject({ method: "GET", url: `/api/v2/templateversions/${version.id}/parameters`, headers: withToken(owner.token) });
      expect(params.statusCode).toBe(409);
      expect(params.json().message).toContain("failed");
      const template = await server.app.inject({
        method: "POST",
        url: "/api/v2/organizations/default/templates",
        headers: withToken(owner.token),
        payload: { name: "from-broken", version_id: version.id },
      });
      expect(template.statusCode).toBe(400);
    });
  }

  it("fails the import of bytes that are not a tar archive with a clear message", async () => {
    const file = await uploadArchive(server.app, owner.token, Buffer.from("this is not a tar archive, just some text\n".repeat(30)));
    const version = await waitForImport(server.app, owner.token, (await createVersion(server.app, owner.token, { file_id: file.id })).id);
    expect(version.job.status).toBe("failed");
    expect(version.job.error).toMatch(/tar archive/);
    expect(await server.database.db.selectFrom("templates").select("id").execute()).toEqual([]);
  });

  it("answers 413 to an archive over the size limit and stores nothing", async () => {
    const files = async () => (await server.database.db.selectFrom("files").select("id").execute()).length;
    const before = await files();
    const res = await server.app.inject({
      method: "POST",
      url: "/api/v2/files",
      headers: { ...withToken(owner.token), "content-type": "application/x-tar" },
      payload: Buffer.alloc(MAX_TEMPLATE_ARCHIVE_BYTES + 1),
    });
    expect(res.statusCode).toBe(413);
    expect(res.json().message).toMatch(/too large/);
    expect(await files()).toBe(before);
  });

  it("answers 400 naming the body to an upload that is not sent as a tar", async () => {
    const json = await server.app.inject({ method: "POST", url: "/api/v2/files", headers: withToken(owner.token), payload: { not: "a tar" } });
    expect(json.statusCode).toBe(400);
    expect(json.json()).toMatchObject({ validations: [{ field: "body" }] });
    const empty = await server.app.inject({ method: "POST", url: "/api/v2/files", headers: { ...withToken(owner.token), "content-type": "application/x-tar" }, payload: Buffer.alloc(0) });
    expect(empty.statusCode).toBe(400);
  });

  it("streams the logs of a finished import over a WebSocket and closes with its status", async () => {
    const version = await pushVersion(server.app, owner.token, { "den.yaml": lines(...BASE, '    dir: "${{ resources.ghost.path }}"') });
    const { logs, closed } = await followVersionLogs(server, version.id, owner.token);
    expect(await closed).toEqual({ code: 1000, reason: "failed" });
    expect(logs.map((l) => l.output)).toContainEqual(expect.stringMatching(/^den\.yaml:11:\d+: unknown resource "ghost"/));
    const all = await server.app.inject({ method: "GET", url: `/api/v2/templateversions/${version.id}/logs`, headers: withToken(owner.token) });
    expect(logs).toEqual(all.json());
  });

  it("closes the follow socket of a request without a session with 4401", async () => {
    const version = await pushVersion(server.app, owner.token, { "den.yaml": VALID_DEN_YAML });
    const { logs, closed } = await followVersionLogs(server, version.id);
    expect((await closed).code).toBe(4401);
    expect(logs).toEqual([]);
  });
});

describe("template versions whose import has not run", () => {
  let server: TestServer;
  let owner: TestUser;
  beforeAll(async () => {
    server = await createTestServer({ config: { provisionerDaemons: 0 } });
    owner = await createFirstOwner(server.app);
  });
  afterAll(async () => {
    await server?.stop();
  });

  it("answer 409 for parameters and resources and cannot make a template, naming the job status", async () => {
    const file = await uploadArchive(server.app, owner.token, await tarOf({ "den.yaml": VALID_DEN_YAML }));
    const version = await createVersion(server.app, owner.token, { file_id: file.id });
    expect(version.job.status).toBe("pending");
    for (const what of ["parameters", "resources"]) {
      const res = await server.app.inject({ method: "GET", url: `/api/v2/templateversions/${version.id}/${what}`, headers: withToken(owner.token) });
      expect(res.statusCode).toBe(409);
      expect(res.json().message).toContain("pending");
    }
    const template = await server.app.inject({
      method: "POST",
      url: "/api/v2/organizations/default/templates",
      headers: withToken(owner.token),
      payload: { name: "too-early", version_id: version.id },
    });
    expect(template.statusCode).toBe(400);
    expect(template.json()).toMatchObject({ validations: [{ field: "version_id", detail: expect.stringContaining("pending") }] });
  });

  it("keeps a follow socket open while the job waits and closes it when a daemon has run the job", async () => {
    const file = await uploadArchive(server.app, owner.token, await tarOf({ "den.yaml": VALID_DEN_YAML }));
    const version = await createVersion(server.app, owner.token, { file_id: file.id });
    const { logs, closed } = await followVersionLogs(server, version.id, owner.token);
    expect(logs).toEqual([]);
    // No daemon runs in this server: the job runs only once this one starts.
    const log = pino({ level: "silent" });
    const pubsub = new PubSub(server.database.url, server.database.pool, log);
    await pubsub.start();
    const daemon = new ProvisionerDaemon({
      id: "test-daemon",
      source: new PgJobSource(server.database.db, pubsub, log),
      drivers: createDriverRegistry({ dataDir: server.config.dataDir }),
      log,
    });
    daemon.start();
    try {
      expect(await closed).toEqual({ code: 1000, reason: "succeeded" });
      expect(logs.map((l) => l.stage)).toContain("Checking den.yaml");
      expect(logs.map((l) => l.id)).toEqual([...logs.map((l) => l.id)].sort((a, b) => a - b));
    } finally {
      await daemon.stop();
      await pubsub.close();
    }
  });
});
