import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestServer, type TestServer } from "../../../test/support/testServer.js";

describe("http app", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await createTestServer();
  });
  afterAll(async () => {
    await server.stop();
  });

  it("answers /healthz with OK", async () => {
    const res = await server.app.inject({ method: "GET", url: "/healthz" });
    expect(res.statusCode).toBe(200);
    expect(res.body).toBe("OK");
  });

  it("answers buildinfo with the version", async () => {
    const res = await server.app.inject({ method: "GET", url: "/api/v2/buildinfo" });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ version: expect.stringMatching(/^\d+\.\d+\.\d+/), commit: expect.any(String) });
  });

  it("answers unknown API routes with a JSON 404", async () => {
    const res = await server.app.inject({ method: "GET", url: "/api/v2/nope" });
    expect(res.statusCode).toBe(404);
    expect(res.json()).toMatchObject({ message: expect.stringContaining("/api/v2/nope") });
  });

  it("has the default organization after migrating", async () => {
    const orgs = await server.database.db.selectFrom("organizations").selectAll().execute();
    expect(orgs).toHaveLength(1);
    expect(orgs[0]).toMatchObject({ name: "default", is_default: true });
  });
});
