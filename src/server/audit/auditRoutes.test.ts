import { isDeepStrictEqual } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestServer, type TestServer } from "../../../test/support/testServer.js";
import type { AuditLog } from "../../sdk/schemas/audit.js";
import { createFirstOwner, createTestUser, loginAs, TEST_PASSWORD, withToken, type TestUser } from "../users/testUsers.js";

describe("audit log", () => {
  let server: TestServer;
  let owner: TestUser;
  let auditor: TestUser;
  let member: TestUser;
  const secrets: string[] = [TEST_PASSWORD];
  beforeAll(async () => {
    server = await createTestServer();
    owner = await createFirstOwner(server.app);
    auditor = await createTestUser(server.app, owner, "audrey", ["auditor"]);
    member = await createTestUser(server.app, owner, "mo");
    secrets.push(owner.token, auditor.token, member.token);
  });
  afterAll(async () => {
    await server.stop();
  });

  const call = (method: "GET" | "POST" | "PUT" | "DELETE", url: string, token: string | undefined, payload?: object) =>
    server.app.inject({ method, url: `/api/v2${url}`, headers: { ...(token ? withToken(token) : {}), "user-agent": "audit-test/1.0" }, ...(payload ? { payload } : {}) });
  const search = async (q: string, token = auditor.token): Promise<{ audit_logs: AuditLog[]; count: number }> => {
    const res = await call("GET", `/audit?q=${encodeURIComponent(q)}&limit=500`, token);
    expect(res.statusCode, res.body).toBe(200);
    return res.json();
  };

  it("records the first user and every user created", async () => {
    const created = await search("action:create resource_type:user");
    expect(created.audit_logs.map((l) => l.resource_target).sort()).toEqual(["admin", "audrey", "mo"]);
    const first = created.audit_logs.find((l) => l.resource_target === "admin")!;
    expect(first).toMatchObject({ user_id: owner.id, username: "admin", status_code: 201, additional_fields: { first_user: true } });
    const mo = created.audit_logs.find((l) => l.resource_target === "mo")!;
    expect(mo).toMatchObject({ user_id: owner.id, resource_id: member.id, diff: { username: { old: null, new: "mo" }, roles: { old: null, new: [] } } });
  });

  it("records logins that work and logins that fail, with address and user agent", async () => {
    const ok = await call("POST", "/users/login", undefined, { email: member.email, password: TEST_PASSWORD });
    secrets.push(ok.json().session_token);
    await call("POST", "/users/login", undefined, { email: member.email, password: "wrong password" });
    await call("POST", "/users/login", undefined, { email: "ghost@example.com", password: "wrong password" });
    const logins = (await search("action:login")).audit_logs;
    const success = logins.find((l) => l.status_code === 201 && l.resource_id === ok.json().session_token.split("-")[0]);
    expect(success).toMatchObject({ user_id: member.id, resource_type: "api_key", resource_target: "mo", ip: "127.0.0.1", user_agent: "audit-test/1.0" });
    expect(logins.find((l) => l.status_code === 401 && l.user_id === member.id)).toMatchObject({ additional_fields: { reason: "wrong password" } });
    expect(logins.find((l) => l.status_code === 401 && l.user_id === null)).toMatchObject({ resource_target: "ghost@example.com", username: null });
    // Newest first.
    expect(logins[0]!.resource_target).toBe("ghost@example.com");
    expect((await search("action:login status_code:401")).count).toBe(2);
    expect((await search("action:login username:MO")).count).toBe(3);
  });

  it("records logout, suspend, activate, role and password changes, tokens made and deleted", async () => {
    const session = (await call("POST", "/users/login", undefined, { email: member.email, password: TEST_PASSWORD })).json().session_token as string;
    expect((await call("POST", "/users/logout", session)).statusCode).toBe(204);
    await call("PUT", "/users/mo/status/suspend", owner.token);
    await call("PUT", "/users/mo/status/activate", owner.token);
    await call("PUT", "/users/mo/roles", owner.token, { roles: ["template-admin"] });
    await call("PUT", "/users/mo/password", owner.token, { password: "a new password" });
    // The reset ended mo's sessions.
    member.token = await loginAs(server.app, member.email, "a new password");
    const key = (await call("POST", "/users/me/keys/tokens", owner.token, { token_name: "audited" })).json().key as string;
    secrets.push(key);
    await call("DELETE", "/users/me/keys/audited", owner.token);

    const logs = (await search("")).audit_logs;
    const find = (pred: (l: AuditLog) => boolean) => {
      const found = logs.find(pred);
      expect(found).toBeDefined();
      return found!;
    };
    expect(find((l) => l.action === "logout")).toMatchObject({ user_id: member.id, resource_id: session.split("-")[0], status_code: 204 });
    expect(find((l) => l.action === "write" && isDeepStrictEqual(l.diff, { status: { old: "active", new: "suspended" } }))).toMatchObject({
      user_id: owner.id,
      resource_type: "user",
      resource_id: member.id,
      resource_target: "mo",
      diff: { status: { old: "active", new: "suspended" } },
      status_code: 200,
    });
    const diffIs = (expected: object) => (l: AuditLog) => l.action === "write" && isDeepStrictEqual(l.diff, expected);
    find(diffIs({ status: { old: "suspended", new: "active" } }));
    find(diffIs({ roles: { old: [], new: ["template-admin"] } }));
    expect(find((l) => l.action === "write" && "password" in l.diff)).toMatchObject({ diff: { password: { secret: true } }, status_code: 204 });
    const tokenId = key.split("-")[0];
    expect(find((l) => l.action === "create" && l.resource_type === "api_key")).toMatchObject({ resource_id: tokenId, resource_target: "audited", status_code: 201 });
    expect(find((l) => l.action === "delete" && l.resource_type === "api_key")).toMatchObject({ resource_id: tokenId, resource_target: "audited", status_code: 204 });
    expect((await search("audited")).count).toBe(2);
  });

  it("records refused attempts with their status", async () => {
    await call("PUT", "/users/admin/status/suspend", auditor.token);
    await call("POST", "/users", member.token, { username: "sneaky", email: "sneaky@example.com", password: TEST_PASSWORD });
    const refused = (await search("status_code:403")).audit_logs;
    expect(refused).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ user_id: auditor.id, action: "write", resource_target: "admin" }),
        expect.objectContaining({ user_id: member.id, action: "create", resource_target: "sneaky" }),
      ]),
    );
  });

  it("never holds a password, a hash or a token secret", async () => {
    const { rows } = await server.database.pool.query<{ t: string }>("SELECT audit_logs::text AS t FROM audit_logs");
    expect(rows.length).toBeGreaterThan(10);
    const hashes = (await server.database.db.selectFrom("users").select("hashed_password").execute()).map((u) => u.hashed_password);
    for (const { t } of rows) {
      expect(t).not.toContain("scrypt$");
      for (const secret of [...secrets.map((s) => s.split("-").at(-1)!), ...hashes, "a new password"]) expect(t).not.toContain(secret);
    }
  });

  it("pages with a count and is for owners and auditors only", async () => {
    const all = await search("");
    const page = (await call("GET", "/audit?limit=2&offset=1", owner.token)).json();
    expect(page.count).toBe(all.count);
    expect(page.audit_logs.map((l: AuditLog) => l.id)).toEqual(all.audit_logs.slice(1, 3).map((l) => l.id));
    expect((await call("GET", "/audit", member.token)).statusCode).toBe(403);
    expect((await call("GET", "/audit", undefined)).statusCode).toBe(401);
    expect((await search("resource_type:nothing")).count).toBe(0);
  });
});
