import { createHash } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestServer, type TestServer } from "../../../test/support/testServer.js";
import type { Template, TemplateVersion } from "../../sdk/schemas/templateApi.js";
import { createFirstOwner, createTestUser, withToken, type TestUser } from "../users/testUsers.js";
import { createTemplate, createVersion, pushVersion, tarOf, uploadArchive, VALID_DEN_YAML, waitForImport } from "./testTemplates.js";

describe("templates API", () => {
  let server: TestServer;
  let owner: TestUser;
  let member: TestUser;
  let templateAdmin: TestUser;
  const api = (method: "GET" | "POST" | "PATCH" | "DELETE", url: string, user: TestUser, payload?: unknown) =>
    server.app.inject({ method, url: `/api/v2${url}`, headers: withToken(user.token), ...(payload === undefined ? {} : { payload: payload as object }) });

  beforeAll(async () => {
    server = await createTestServer();
    owner = await createFirstOwner(server.app);
    member = await createTestUser(server.app, owner, "member");
    templateAdmin = await createTestUser(server.app, owner, "tadmin", ["template-admin"]);
  });
  afterAll(async () => {
    await server?.stop();
  });

  const templateCount = async () => Number((await server.database.pool.query("SELECT count(*) AS n FROM templates")).rows[0].n);

  it("stores uploads by content: the same bytes give the same file", async () => {
    const data = await tarOf({ "den.yaml": VALID_DEN_YAML });
    const first = await uploadArchive(server.app, owner.token, data);
    expect(first.hash).toBe(createHash("sha256").update(data).digest("hex"));
    const second = await uploadArchive(server.app, templateAdmin.token, data);
    expect(second).toEqual(first);
    const download = await api("GET", `/files/${first.id}`, owner);
    expect(download.statusCode).toBe(200);
    expect(download.headers["content-type"]).toBe("application/x-tar");
    expect(download.rawPayload.equals(data)).toBe(true);
  });

  it("imports a version: the job succeeds and parameters and resources become known", async () => {
    const file = await uploadArchive(server.app, owner.token, await tarOf({ "den.yaml": VALID_DEN_YAML, "README.md": "# Local dev\n" }));
    const created = await createVersion(server.app, owner.token, { file_id: file.id, message: "first" });
    expect(created).toMatchObject({ template_id: null, message: "first", file_id: file.id, created_by_name: "admin" });
    expect(created.name).toMatch(/^[a-z]+-[a-z]+-\d+$/);
    const version = await waitForImport(server.app, owner.token, created.id);
    expect(version.job).toMatchObject({ status: "succeeded", error: null, type: "template_version_import" });
    expect(version.readme).toBe("# Local dev\n");

    const params = await api("GET", `/templateversions/${version.id}/parameters`, member);
    expect(params.statusCode).toBe(200);
    expect(params.json()).toEqual([expect.objectContaining({ name: "greeting", type: "string", default: "hello", mutable: true })]);

    const resources = await api("GET", `/templateversions/${version.id}/resources`, member);
    expect(resources.statusCode).toBe(200);
    expect(resources.json()).toEqual({
      resources: expect.arrayContaining([
        { name: "home", driver: "process", kind: "directory", lifetime: "persistent" },
        { name: "box", driver: "process", kind: "process", lifetime: "ephemeral" },
      ]),
      agents: [{ name: "main", resource: "box" }],
    });

    const logs = await api("GET", `/templateversions/${version.id}/logs`, member);
    expect(logs.statusCode).toBe(200);
    const lines = logs.json() as Array<{ id: number; stage: string; output: string }>;
    expect(lines.map((l) => l.stage)).toContain("Checking den.yaml");
    const later = await api("GET", `/templateversions/${version.id}/logs?after=${lines[0]!.id}`, member);
    expect((later.json() as unknown[]).length).toBe(lines.length - 1);
    expect((await api("GET", `/templateversions/${version.id}/logs?follow=true`, member)).json()).toMatchObject({ validations: [{ field: "follow" }] });
  });

  it("creates a template from a succeeded version, with den.yaml's display name, and finds it by id and name", async () => {
    const version = await pushVersion(server.app, owner.token, { "den.yaml": VALID_DEN_YAML });
    const res = await api("POST", "/organizations/default/templates", owner, { name: "local-dev", version_id: version.id });
    expect(res.statusCode).toBe(201);
    const template = res.json() as Template;
    expect(template).toMatchObject({
      name: "local-dev",
      display_name: "Local dev",
      description: "A workspace on the server host",
      icon: "/icon/terminal.svg",
      active_version_id: version.id,
      active_version_name: version.name,
      created_by_name: "admin",
    });
    expect((await api("GET", `/templates/${template.id}`, member)).json()).toEqual(template);
    expect((await api("GET", "/organizations/default/templates/local-dev", member)).json()).toEqual(template);
    const org = (await server.database.db.selectFrom("organizations").select("id").executeTakeFirstOrThrow()).id;
    expect((await api("GET", `/organizations/${org}/templates`, member)).json()).toEqual([template]);
    expect((await api("GET", `/templateversions/${version.id}`, member)).json()).toMatchObject({ template_id: template.id });
    const audit = await server.database.db.selectFrom("audit_logs").selectAll().where("resource_type", "=", "template").where("action", "=", "create").execute();
    expect(audit).toEqual([expect.objectContaining({ resource_id: template.id, resource_target: "local-dev", status_code: 201, user_id: owner.id })]);
  });

  it("refuses bad names (400), taken names (409) and versions that are used, failed or missing (400)", async () => {
    const version = await pushVersion(server.app, owner.token, { "den.yaml": VALID_DEN_YAML.replace("default: hello", "default: hi") });
    const before = await templateCount();
    const bad = await api("POST", "/organizations/default/templates", owner, { name: "Not_A_Label", version_id: version.id });
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toMatchObject({ validations: [{ field: "name", detail: expect.stringContaining("DNS label") }] });
    const taken = await api("POST", "/organizations/default/templates", owner, { name: "local-dev", version_id: version.id });
    expect(taken.statusCode).toBe(409);
    expect(taken.json().message).toContain("local-dev");

    const existing = (await api("GET", "/organizations/default/templates/local-dev", owner)).json() as Template;
    const used = await api("POST", "/organizations/default/templates", owner, { name: "other", version_id: existing.active_version_id });
    expect(used.statusCode).toBe(400);
    expect(used.json()).toMatchObject({ validations: [{ field: "version_id", detail: expect.stringContaining("another template") }] });

    const failed = await pushVersion(server.app, owner.token, { "den.yaml": "resources: [\n" });
    const fromFailed = await api("POST", "/organizations/default/templates", owner, { name: "broken", version_id: failed.id });
    expect(fromFailed.statusCode).toBe(400);
    expect(fromFailed.json()).toMatchObject({ validations: [{ field: "version_id", detail: expect.stringContaining("failed") }] });

    const missing = await api("POST", "/organizations/default/templates", owner, { name: "ghost", version_id: "00000000-0000-4000-8000-000000000000" });
    expect(missing.statusCode).toBe(400);
    expect(missing.json()).toMatchObject({ validations: [{ field: "version_id" }] });
    expect(await templateCount()).toBe(before);

    expect((await api("POST", "/organizations/nope/templates", owner, { name: "x", version_id: version.id })).statusCode).toBe(404);
    expect((await api("GET", "/templates/00000000-0000-4000-8000-000000000000", owner)).statusCode).toBe(404);
    expect((await api("GET", "/templateversions/not-a-uuid", owner)).statusCode).toBe(400);
    const noFile = await api("POST", "/organizations/default/templateversions", owner, { file_id: "00000000-0000-4000-8000-000000000000" });
    expect(noFile.statusCode).toBe(400);
    expect(noFile.json()).toMatchObject({ validations: [{ field: "file_id" }] });
  });

  it("lists versions, promotes a succeeded one, and refuses to promote failed or foreign ones", async () => {
    const template = await createTemplate(server.app, owner.token, "promo");
    const second = await pushVersion(server.app, owner.token, { "den.yaml": VALID_DEN_YAML.replace("hello", "hi") }, { templateId: template.id, name: "v2", message: "hi" });
    expect(second).toMatchObject({ name: "v2", template_id: template.id, job: { status: "succeeded" } });
    const dup = await api("POST", "/organizations/default/templateversions", owner, { file_id: second.file_id, template_id: template.id, name: "v2" });
    expect(dup.statusCode).toBe(409);

    const versions = (await api("GET", `/templates/${template.id}/versions`, member)).json() as TemplateVersion[];
    expect(versions.map((v) => v.id)).toEqual([template.active_version_id, second.id]);
    expect((await api("GET", `/templates/${template.id}`, owner)).json()).toMatchObject({ active_version_id: template.active_version_id });

    const promoted = await api("PATCH", `/templates/${template.id}/versions`, templateAdmin, { id: second.id });
    expect(promoted.statusCode).toBe(200);
    expect(promoted.json()).toMatchObject({ active_version_id: second.id, active_version_name: "v2" });

    const failed = await pushVersion(server.app, owner.token, { "den.yaml": "cost: lots\n" }, { templateId: template.id });
    expect(failed.job.status).toBe("failed");
    const promoteFailed = await api("PATCH", `/templates/${template.id}/versions`, owner, { id: failed.id });
    expect(promoteFailed.statusCode).toBe(400);
    expect(promoteFailed.json()).toMatchObject({ validations: [{ field: "id", detail: expect.stringContaining("failed") }] });

    const other = await createTemplate(server.app, owner.token, "other-promo");
    const foreign = await api("PATCH", `/templates/${template.id}/versions`, owner, { id: other.active_version_id });
    expect(foreign.statusCode).toBe(400);
    expect((await api("GET", `/templates/${template.id}`, owner)).json()).toMatchObject({ active_version_id: second.id });

    const audit = await server.database.db
      .selectFrom("audit_logs")
      .selectAll()
      .where("resource_id", "=", template.id)
      .where("action", "=", "write")
      .orderBy("seq")
      .execute();
    expect(audit.map((a) => a.status_code)).toEqual([200, 400, 400]);
    expect(audit[0]!.diff).toEqual({ active_version_id: { old: template.active_version_id, new: second.id } });
  });

  it("updates display name, description and icon", async () => {
    const template = await createTemplate(server.app, owner.token, "patchme");
    const res = await api("PATCH", `/templates/${template.id}`, templateAdmin, { display_name: "Patched", icon: "/icon/x.svg" });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ display_name: "Patched", icon: "/icon/x.svg", description: "A workspace on the server host" });
    const bad = await api("PATCH", `/templates/${template.id}`, owner, { name: "renamed" });
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toMatchObject({ validations: [{ field: "name", detail: "unknown field" }] });
  });

  it("refuses to delete a template that workspaces use (409 naming how many), then deletes it and frees the name", async () => {
    const template = await createTemplate(server.app, owner.token, "in-use");
    const org = await server.database.db.selectFrom("organizations").select("id").executeTakeFirstOrThrow();
    const rows = await server.database.db
      .insertInto("workspaces")
      .values([
        { organization_id: org.id, owner_id: member.id, template_id: template.id, name: "ws1" },
        { organization_id: org.id, owner_id: member.id, template_id: template.id, name: "ws2" },
      ])
      .returning("id")
      .execute();
    const refused = await api("DELETE", `/templates/${template.id}`, owner);
    expect(refused.statusCode).toBe(409);
    expect(refused.json().message).toMatch(/used by 2 workspaces/);

    await server.database.db.updateTable("workspaces").set({ deleted: true }).where("id", "in", rows.map((r) => r.id)).execute();
    expect((await api("DELETE", `/templates/${template.id}`, templateAdmin)).statusCode).toBe(204);
    expect((await api("GET", `/templates/${template.id}`, owner)).statusCode).toBe(404);
    expect((await api("GET", "/organizations/default/templates/in-use", owner)).statusCode).toBe(404);
    expect((await api("DELETE", `/templates/${template.id}`, owner)).statusCode).toBe(404);
    const again = await createTemplate(server.app, owner.token, "in-use");
    expect(again.id).not.toBe(template.id);
  });

  it("lets members read templates, versions and their files but not change anything (403)", async () => {
    const template = await createTemplate(server.app, owner.token, "readonly");
    expect((await api("GET", "/organizations/default/templates", member)).statusCode).toBe(200);
    expect((await api("GET", `/templates/${template.id}/versions`, member)).statusCode).toBe(200);
    const version = (await api("GET", `/templateversions/${template.active_version_id}`, member)).json() as TemplateVersion;
    expect((await api("GET", `/files/${version.file_id}`, member)).statusCode).toBe(200);

    const upload = await server.app.inject({
      method: "POST",
      url: "/api/v2/files",
      headers: { ...withToken(member.token), "content-type": "application/x-tar" },
      payload: await tarOf({ "den.yaml": "name: mine\n" }),
    });
    expect(upload.statusCode).toBe(403);
    const forbidden = [
      await api("POST", "/organizations/default/templateversions", member, { file_id: version.file_id }),
      await api("POST", "/organizations/default/templates", member, { name: "mine", version_id: version.id }),
      await api("PATCH", `/templates/${template.id}`, member, { display_name: "mine" }),
      await api("PATCH", `/templates/${template.id}/versions`, member, { id: version.id }),
      await api("DELETE", `/templates/${template.id}`, member),
    ];
    expect(forbidden.map((r) => r.statusCode)).toEqual([403, 403, 403, 403, 403]);
    expect((await api("GET", `/templates/${template.id}`, member)).json()).toEqual(template);
    const denied = await server.database.db.selectFrom("audit_logs").select("status_code").where("user_id", "=", member.id).where("resource_type", "=", "template").execute();
    expect(denied.map((d) => d.status_code)).toEqual([403, 403, 403, 403]);
  });

  it("hides files that belong to no visible template from members", async () => {
    const orphan = await uploadArchive(server.app, owner.token, await tarOf({ "den.yaml": "name: orphan\n" }));
    expect((await api("GET", `/files/${orphan.id}`, member)).statusCode).toBe(404);
    expect((await api("GET", `/files/${orphan.id}`, templateAdmin)).statusCode).toBe(200);
    expect((await server.app.inject({ method: "GET", url: `/api/v2/files/${orphan.id}` })).statusCode).toBe(401);
  });
});
