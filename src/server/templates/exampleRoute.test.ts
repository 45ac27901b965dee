import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestServer, type TestServer } from "../../../test/support/testServer.js";
import type { Template, TemplateVersion } from "../../sdk/schemas/templateApi.js";
import { createFirstOwner, createTestUser, withToken, type TestUser } from "../users/testUsers.js";
import { listExamples } from "./exampleRoute.js";

describe("template examples route", () => {
  let server: TestServer;
  let owner: TestUser;
  let member: TestUser;
  const post = (user: TestUser, example: string, payload: object = {}) =>
    server.app.inject({ method: "POST", url: `/api/v2/organizations/default/templates/examples/${example}`, headers: withToken(user.token), payload });

  beforeAll(async () => {
    server = await createTestServer();
    owner = await createFirstOwner(server.app);
    member = await createTestUser(server.app, owner, "member");
  });
  afterAll(async () => {
    await server?.stop();
  });

  it("lists the bundled examples with their display names", async () => {
    const res = await server.app.inject({ method: "GET", url: "/api/v2/templates/examples", headers: withToken(member.token) });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toContainEqual({ name: "process", display_name: "Local dev", description: expect.stringContaining("server host") });
  });

  it("creates a template from an example in one call, its version imported and active", async () => {
    const res = await post(owner, "process");
    expect(res.statusCode, res.body).toBe(201);
    const template = res.json() as Template;
    expect(template).toMatchObject({ name: "process", display_name: "Local dev", created_by_name: "admin" });
    const version = (await server.app.inject({ method: "GET", url: `/api/v2/templateversions/${template.active_version_id}`, headers: withToken(owner.token) })).json() as TemplateVersion;
    expect(version.job.status).toBe("succeeded");
    expect(version.readme).not.toBe("");
    const params = await server.app.inject({ method: "GET", url: `/api/v2/templateversions/${version.id}/parameters`, headers: withToken(member.token) });
    expect(params.json()).toContainEqual(expect.objectContaining({ name: "greeting" }));

    const again = await post(owner, "process");
    expect(again.statusCode).toBe(409);
    const renamed = await post(owner, "process", { name: "second" });
    expect(renamed.statusCode, renamed.body).toBe(201);
    expect((renamed.json() as Template).name).toBe("second");
  });

  it("refuses members, unknown examples and bad names, naming the field", async () => {
    expect((await post(member, "process", { name: "mine" })).statusCode).toBe(403);
    const unknown = await post(owner, "no-such-example");
    expect(unknown.statusCode).toBe(400);
    expect(unknown.json().validations).toEqual([{ field: "example", detail: expect.stringContaining("process") }]);
    const traversal = await post(owner, "..%2F..%2Fetc");
    expect(traversal.statusCode).toBe(400);
    const badName = await post(owner, "process", { name: "Not A Label" });
    expect(badName.statusCode).toBe(400);
    expect(JSON.stringify(badName.json().validations)).toContain("name");
    const count = await server.database.pool.query("SELECT count(*)::int AS n FROM templates WHERE name = 'mine'");
    expect(count.rows[0].n).toBe(0);
  });

  it("lists only folders with a den.yaml, and falls back to the folder name", () => {
    const dir = mkdtempSync(join(tmpdir(), "den-examples-"));
    try {
      mkdirSync(join(dir, "b"));
      writeFileSync(join(dir, "b", "den.yaml"), "name: b\n");
      mkdirSync(join(dir, "a"));
      writeFileSync(join(dir, "a", "den.yaml"), "display_name: Alpha\ndescription: first\n");
      mkdirSync(join(dir, "empty"));
      expect(listExamples(dir)).toEqual([
        { name: "a", display_name: "Alpha", description: "first" },
        { name: "b", display_name: "b", description: "" },
      ]);
      expect(listExamples(join(dir, "missing"))).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
