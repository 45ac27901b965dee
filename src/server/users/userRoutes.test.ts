import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestServer, type TestServer } from "../../../test/support/testServer.js";
import { createFirstOwner, createTestUser, loginAs, TEST_PASSWORD, withToken, type TestUser } from "./testUsers.js";

describe("users", () => {
  let server: TestServer;
  let owner: TestUser;
  let userAdmin: TestUser;
  let member: TestUser;
  beforeAll(async () => {
    server = await createTestServer();
    owner = await createFirstOwner(server.app, "olivia");
    userAdmin = await createTestUser(server.app, owner, "ursula", ["user-admin"]);
    member = await createTestUser(server.app, owner, "mike");
  });
  afterAll(async () => {
    await server.stop();
  });

  const call = (method: "GET" | "POST" | "PUT", url: string, as: TestUser | string, payload?: object) =>
    server.app.inject({ method, url: `/api/v2${url}`, headers: withToken(typeof as === "string" ? as : as.token), ...(payload === undefined ? {} : { payload }) });

  it("creates users with roles, in the default organization", async () => {
    const res = await call("POST", "/users", owner, { username: "tara", email: "Tara@Example.com", password: TEST_PASSWORD, name: "Tara T", roles: ["template-admin", "member"] });
    expect(res.statusCode).toBe(201);
    const org = await server.database.db.selectFrom("organizations").select("id").where("is_default", "=", true).executeTakeFirstOrThrow();
    expect(res.json()).toMatchObject({ username: "tara", email: "Tara@Example.com", name: "Tara T", roles: ["template-admin", "member"], status: "active", organization_ids: [org.id], last_seen_at: null });
    const stored = await server.database.db.selectFrom("users").select("roles").where("username", "=", "tara").executeTakeFirstOrThrow();
    expect(stored.roles).toEqual(["template-admin"]);
  });

  it("refuses a username or email that exists, whatever its case, with 409", async () => {
    const dupName = await call("POST", "/users", owner, { username: "mike", email: "other@example.com", password: TEST_PASSWORD });
    expect(dupName.statusCode).toBe(409);
    expect(dupName.json()).toMatchObject({ message: expect.stringContaining("username"), detail: "username" });
    const dupEmail = await call("POST", "/users", owner, { username: "mike2", email: "MIKE@example.com", password: TEST_PASSWORD });
    expect(dupEmail.statusCode).toBe(409);
    expect(dupEmail.json()).toMatchObject({ detail: "email" });
  });

  it("lets a user admin create users with any role but owner", async () => {
    expect((await call("POST", "/users", userAdmin, { username: "aud", email: "aud@example.com", password: TEST_PASSWORD, roles: ["auditor"] })).statusCode).toBe(201);
    const res = await call("POST", "/users", userAdmin, { username: "boss", email: "boss@example.com", password: TEST_PASSWORD, roles: ["owner"] });
    expect(res.statusCode).toBe(403);
    expect(await server.database.db.selectFrom("users").select("id").where("username", "=", "boss").executeTakeFirst()).toBeUndefined();
  });

  it("finds a user by username, id or me; a missing one is 404", async () => {
    const byName = await call("GET", "/users/MIKE", owner);
    expect(byName.statusCode).toBe(200);
    expect((await call("GET", `/users/${byName.json().id}`, owner)).json().username).toBe("mike");
    expect((await call("GET", "/users/me", member)).json().id).toBe(member.id);
    expect((await call("GET", "/users/nobody", member)).statusCode).toBe(404);
    expect((await call("GET", "/users/00000000-0000-4000-8000-000000000000", member)).statusCode).toBe(404);
  });

  it("lists users with paging, search and filters", async () => {
    const all = await call("GET", "/users?limit=2&offset=0", member);
    expect(all.statusCode).toBe(200);
    const page1 = all.json();
    expect(page1.users).toHaveLength(2);
    const total = page1.count as number;
    expect(total).toBeGreaterThanOrEqual(5);
    const page2 = (await call("GET", "/users?limit=2&offset=2", member)).json();
    expect(page2.users[0].username > page1.users[1].username).toBe(true);

    const search = (await call("GET", `/users?q=${encodeURIComponent("IKE")}`, member)).json();
    expect(search.users.map((u: { username: string }) => u.username)).toEqual(["mike"]);
    const byEmail = (await call("GET", "/users?q=tara%40example", member)).json();
    expect(byEmail.count).toBe(1);
    const owners = (await call("GET", "/users?q=role:owner", member)).json();
    expect(owners.users.map((u: { username: string }) => u.username)).toEqual(["olivia"]);
    // LIKE wildcards are literal.
    expect((await call("GET", "/users?q=%25", member)).json().count).toBe(0);
    expect((await call("GET", "/users?q=_", member)).json().count).toBe(0);
    expect((await call("GET", "/users?q=colour:blue", member)).statusCode).toBe(400);
    expect((await call("GET", "/users?q=status:sleepy", member)).statusCode).toBe(400);
    expect((await call("GET", "/users?limit=0", member)).statusCode).toBe(400);
  });

  it("suspends and activates; filters by status; nobody suspends themselves", async () => {
    const target = await createTestUser(server.app, owner, "sid");
    const res = await call("PUT", "/users/sid/status/suspend", userAdmin);
    expect(res.statusCode).toBe(200);
    expect(res.json().status).toBe("suspended");
    expect((await call("GET", "/users?q=status:suspended", member)).json().users.map((u: { username: string }) => u.username)).toEqual(["sid"]);
    expect((await call("GET", "/users/me", target)).statusCode).toBe(401);
    expect((await call("PUT", "/users/sid/status/activate", userAdmin)).json().status).toBe("active");

    for (const self of [owner, userAdmin]) {
      const own = await call("PUT", "/users/me/status/suspend", self);
      expect(own.statusCode).toBe(403);
      expect(own.json().message).toContain("yourself");
    }
    expect((await call("PUT", "/users/olivia/status/suspend", userAdmin)).statusCode).toBe(403);
  });

  it("changes roles: only an owner grants owner, a user admin cannot touch an owner", async () => {
    expect((await call("PUT", "/users/mike/roles", userAdmin, { roles: ["auditor"] })).json().roles).toEqual(["auditor", "member"]);
    expect((await call("PUT", "/users/mike/roles", userAdmin, { roles: ["owner"] })).statusCode).toBe(403);
    expect((await call("PUT", "/users/olivia/roles", userAdmin, { roles: ["owner", "auditor"] })).statusCode).toBe(403);
    expect((await call("PUT", "/users/mike/roles", member, { roles: [] })).statusCode).toBe(403);
    const promoted = await call("PUT", "/users/mike/roles", owner, { roles: ["owner", "auditor", "owner"] });
    expect(promoted.json().roles).toEqual(["owner", "auditor", "member"]);
    // Now an owner: out of a user admin's reach.
    expect((await call("PUT", "/users/mike/status/suspend", userAdmin)).statusCode).toBe(403);
    expect((await call("PUT", "/users/mike/password", userAdmin, { password: "another password" })).statusCode).toBe(403);
    expect((await call("PUT", "/users/mike/roles", owner, { roles: [] })).json().roles).toEqual(["member"]);
  });

  it("keeps at least one active owner", async () => {
    const last = await call("PUT", "/users/me/roles", owner, { roles: [] });
    expect(last.statusCode).toBe(409);
    expect(last.json().message).toContain("last active owner");
    const second = await createTestUser(server.app, owner, "otto", ["owner"]);
    const [a, b] = await Promise.all([call("PUT", "/users/me/roles", owner, { roles: [] }), call("PUT", "/users/me/roles", second, { roles: [] })]);
    expect([a.statusCode, b.statusCode].sort()).toEqual([200, 409]);
    const owners = await server.database.db.selectFrom("users").select("username").where(sql<boolean>`'owner' = ANY(roles)`).execute();
    expect(owners).toHaveLength(1);
    // Put things back for the tests below.
    const remaining = owners[0]!.username === "olivia" ? owner : second;
    const restored = await call("PUT", `/users/${remaining === owner ? "otto" : "olivia"}/roles`, remaining, { roles: ["owner"] });
    expect(restored.statusCode).toBe(200);

    // Two owners suspending each other at once: one of them stays active.
    const [c, d] = await Promise.all([call("PUT", "/users/otto/status/suspend", owner), call("PUT", "/users/olivia/status/suspend", second)]);
    expect([c.statusCode, d.statusCode].sort()).toEqual([200, 409]);
    const active = await server.database.db.selectFrom("users").select("username").where(sql<boolean>`'owner' = ANY(roles)`).where("status", "=", "active").execute();
    expect(active).toHaveLength(1);
    if (c.statusCode === 409) {
      expect((await call("PUT", "/users/olivia/status/activate", second)).statusCode).toBe(200);
    } else {
      expect((await call("PUT", "/users/otto/status/activate", owner)).statusCode).toBe(200);
    }
  });

  it("changes your own password with the old one and ends your other sessions", async () => {
    const user = await createTestUser(server.app, owner, "pat");
    const other = await loginAs(server.app, user.email);
    const noOld = await call("PUT", "/users/me/password", user, { password: "new password 1" });
    expect(noOld.statusCode).toBe(400);
    expect(noOld.json().validations).toEqual([{ field: "old_password", detail: expect.stringContaining("required") }]);
    const wrongOld = await call("PUT", "/users/me/password", user, { old_password: "not it at all", password: "new password 1" });
    expect(wrongOld.statusCode).toBe(400);
    expect(wrongOld.json().validations[0].field).toBe("old_password");
    expect((await call("PUT", "/users/me/password", user, { old_password: TEST_PASSWORD, password: "new password 1" })).statusCode).toBe(204);
    expect((await call("GET", "/users/me", user)).statusCode).toBe(200);
    expect((await call("GET", "/users/me", other)).statusCode).toBe(401);
    await expect(loginAs(server.app, user.email)).rejects.toThrow(/401/);
    await loginAs(server.app, user.email, "new password 1");
  });

  it("lets owners and user admins reset someone else's password without the old one", async () => {
    const user = await createTestUser(server.app, owner, "quinn");
    expect((await call("PUT", "/users/quinn/password", userAdmin, { password: "reset password 1" })).statusCode).toBe(204);
    expect((await call("GET", "/users/me", user)).statusCode).toBe(401);
    await loginAs(server.app, user.email, "reset password 1");
    expect((await call("PUT", "/users/quinn/password", member, { password: "reset password 2" })).statusCode).toBe(403);
    const weak = await call("PUT", "/users/quinn/password", owner, { password: "short" });
    expect(weak.statusCode).toBe(400);
    expect(weak.json().message).toContain("at least 8 characters");
  });
});
