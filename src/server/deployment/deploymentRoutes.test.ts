import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DeploymentHealth } from "../../sdk/schemas/deployment.js";
import { createTestServer, type TestServer } from "../../../test/support/testServer.js";
import { createFirstOwner, createTestUser, withToken, type TestUser } from "../users/testUsers.js";

describe("GET /deployment/health", () => {
  let server: TestServer;
  let owner: TestUser;
  let member: TestUser;
  beforeAll(async () => {
    server = await createTestServer({ config: { provisionerDaemons: 0 } });
    owner = await createFirstOwner(server.app);
    member = await createTestUser(server.app, owner, "pat");
  });
  afterAll(async () => {
    await server.stop();
  });

  it("tells an owner about the database, the provisioners and the version", async () => {
    await server.database.pool.query(
      "INSERT INTO provisioner_jobs (type, organization_id, input, created_at) SELECT 'template_version_import', id, '{}', now() - interval '2 minutes' FROM organizations LIMIT 1",
    );
    const res = await server.app.inject({ method: "GET", url: "/api/v2/deployment/health", headers: withToken(owner.token) });
    expect(res.statusCode).toBe(200);
    const body = DeploymentHealth.parse(res.json());
    expect(body).toMatchObject({ healthy: true, database: { healthy: true, error: "" }, provisioners: { in_process_daemons: 0, jobs_pending: 1, jobs_running: 0 } });
    // No daemon runs here, so the job waits, and the page says for how long.
    expect(body.provisioners.oldest_pending_seconds).toBeGreaterThanOrEqual(110);
  });

  it("is for owners only", async () => {
    expect((await server.app.inject({ method: "GET", url: "/api/v2/deployment/health", headers: withToken(member.token) })).statusCode).toBe(403);
    expect((await server.app.inject({ method: "GET", url: "/api/v2/deployment/health" })).statusCode).toBe(401);
  });
});
