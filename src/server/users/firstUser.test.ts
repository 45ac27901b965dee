import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestServer, type TestServer } from "../../../test/support/testServer.js";
import { TEST_PASSWORD, withToken } from "./testUsers.js";

describe("first user", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await createTestServer();
  });
  afterAll(async () => {
    await server.stop();
  });

  const first = (username: string) => ({
    method: "POST" as const,
    url: "/api/v2/users/first",
    payload: { username, email: `${username}@example.com`, password: TEST_PASSWORD, name: "First Owner" },
  });

  it("creates exactly one owner when two requests race, then refuses with 409", async () => {
    expect((await server.app.inject({ method: "GET", url: "/api/v2/users/first" })).json()).toEqual({ exists: false });

    const [a, b] = await Promise.all([server.app.inject(first("alice")), server.app.inject(first("bob"))]);
    expect([a.statusCode, b.statusCode].sort()).toEqual([201, 409]);
    const winner = a.statusCode === 201 ? a : b;
    const user = winner.json();
    expect(user).toMatchObject({ roles: ["owner", "member"], status: "active", name: "First Owner" });

    const users = await server.database.db.selectFrom("users").select(["username", "roles"]).execute();
    expect(users).toHaveLength(1);

    const org = await server.database.db.selectFrom("organizations").select("id").where("is_default", "=", true).executeTakeFirstOrThrow();
    expect(user.organization_ids).toEqual([org.id]);

    expect((await server.app.inject({ method: "GET", url: "/api/v2/users/first" })).json()).toEqual({ exists: true });
    const again = await server.app.inject(first("carol"));
    expect(again.statusCode).toBe(409);
    expect(again.json()).toMatchObject({ message: expect.stringContaining("already been created") });
  });

  it("lets the first user log in and see themselves as owner", async () => {
    const [owner] = await server.database.db.selectFrom("users").select(["email", "username"]).execute();
    const login = await server.app.inject({ method: "POST", url: "/api/v2/users/login", payload: { email: owner!.email, password: TEST_PASSWORD } });
    expect(login.statusCode).toBe(201);
    const me = await server.app.inject({ method: "GET", url: "/api/v2/users/me", headers: withToken(login.json().session_token) });
    expect(me.statusCode).toBe(200);
    expect(me.json()).toMatchObject({ username: owner!.username, roles: ["owner", "member"] });
  });

  it("stores a scrypt hash, never the password", async () => {
    const rows = await server.database.db.selectFrom("users").select("hashed_password").execute();
    for (const row of rows) {
      expect(row.hashed_password).toMatch(/^scrypt\$/);
      expect(row.hashed_password).not.toContain(TEST_PASSWORD);
    }
  });
});
