import { createHash } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestServer, type TestServer } from "../../../test/support/testServer.js";
import type { Clock } from "../clock.js";
import { createFirstOwner, createTestUser, withToken, type TestUser } from "./testUsers.js";

describe("API tokens", () => {
  let now = Date.parse("2031-07-01T09:30:00Z");
  const clock: Clock = { now: () => new Date(now) };
  let server: TestServer;
  let owner: TestUser;
  let member: TestUser;
  beforeAll(async () => {
    server = await createTestServer({ clock });
    owner = await createFirstOwner(server.app);
    member = await createTestUser(server.app, owner, "max");
  });
  afterAll(async () => {
    await server.stop();
  });

  const inject = (method: "GET" | "POST" | "PUT" | "DELETE", url: string, token: string, payload?: object) =>
    server.app.inject({ method, url: `/api/v2${url}`, headers: withToken(token), ...(payload === undefined ? {} : { payload }) });
  const create = async (token: string, body: object, user = "me") => {
    const res = await inject("POST", `/users/${user}/keys/tokens`, token, body);
    expect(res.statusCode, res.body).toBe(201);
    return res.json().key as string;
  };

  it("creates a token of the form <10 alnum>-<22 alnum> that authenticates as its user", async () => {
    const key = await create(member.token, { token_name: "ci", lifetime: 3600 });
    expect(key).toMatch(/^[a-zA-Z0-9]{10}-[a-zA-Z0-9]{22}$/);
    const me = await inject("GET", "/users/me", key);
    expect(me.statusCode).toBe(200);
    expect(me.json().username).toBe("max");

    const list = await inject("GET", "/users/me/keys/tokens", member.token);
    expect(list.statusCode).toBe(200);
    const tokens = list.json() as Array<Record<string, unknown>>;
    const ci = tokens.find((t) => t.token_name === "ci")!;
    expect(ci).toMatchObject({ id: key.split("-")[0], user_id: member.id, login_type: "token", expires_at: new Date(now + 3600_000).toISOString() });
    expect(JSON.stringify(tokens)).not.toContain(key.split("-")[1]);
    // Sessions are not tokens and are not listed.
    expect(tokens.every((t) => t.login_type === "token")).toBe(true);

    const one = await inject("GET", "/users/max/keys/tokens/ci", member.token);
    expect(one.json()).toEqual(ci);
  });

  it("refuses a second token with the same name with 409", async () => {
    await create(member.token, { token_name: "dup" });
    const again = await inject("POST", "/users/me/keys/tokens", member.token, { token_name: "dup" });
    expect(again.statusCode).toBe(409);
    // Another user may use the same name.
    await create(owner.token, { token_name: "dup" });
  });

  it("stores only the SHA-256 of the secret, in no column in clear", async () => {
    const key = await create(member.token, { token_name: "secretcheck" });
    const [id, secret] = key.split("-") as [string, string];
    const row = await server.database.db.selectFrom("api_keys").selectAll().where("id", "=", id).executeTakeFirstOrThrow();
    expect(row.hashed_secret.equals(createHash("sha256").update(secret).digest())).toBe(true);
    const forms = [secret, Buffer.from(secret).toString("hex"), Buffer.from(secret).toString("base64"), key];
    for (const [column, value] of Object.entries(row)) {
      const text = Buffer.isBuffer(value) ? `${value.toString("latin1")} ${value.toString("hex")} ${value.toString("base64")}` : String(value);
      for (const form of forms) expect(text, column).not.toContain(form);
    }
    // Nor anywhere else in the database's text of that table.
    const { rows } = await server.database.pool.query<{ t: string }>("SELECT api_keys::text AS t FROM api_keys");
    for (const r of rows) expect(r.t).not.toContain(secret);
  });

  it("expires a token after its lifetime, without sliding on use", async () => {
    const key = await create(member.token, { token_name: "short", lifetime: 120 });
    now += 90_000;
    expect((await inject("GET", "/users/me", key)).statusCode).toBe(200);
    now += 40_000;
    expect((await inject("GET", "/users/me", key)).statusCode).toBe(401);
  });

  it("stops a suspended user's tokens working, without deleting them", async () => {
    const sue = await createTestUser(server.app, owner, "sue");
    const key = await create(sue.token, { token_name: "sues" });
    expect((await inject("PUT", "/users/sue/status/suspend", owner.token)).statusCode).toBe(200);
    expect((await inject("GET", "/users/me", key)).statusCode).toBe(401);
    expect((await inject("GET", "/users/me", sue.token)).statusCode).toBe(401);
    const stored = await server.database.db.selectFrom("api_keys").select("id").where("user_id", "=", sue.id).execute();
    expect(stored).toHaveLength(2);
    expect((await inject("PUT", "/users/sue/status/activate", owner.token)).statusCode).toBe(200);
    expect((await inject("GET", "/users/me", key)).statusCode).toBe(200);
  });

  it("deletes a token by id or by name; a deleted token stops working", async () => {
    const a = await create(member.token, { token_name: "del-a" });
    const b = await create(member.token, { token_name: "del-b" });
    expect((await inject("DELETE", `/users/me/keys/${a.split("-")[0]}`, member.token)).statusCode).toBe(204);
    expect((await inject("DELETE", "/users/max/keys/del-b", member.token)).statusCode).toBe(204);
    expect((await inject("GET", "/users/me", a)).statusCode).toBe(401);
    expect((await inject("GET", "/users/me", b)).statusCode).toBe(401);
    expect((await inject("DELETE", "/users/me/keys/del-b", member.token)).statusCode).toBe(404);
  });

  it("lets an owner manage anyone's tokens; others' tokens look missing to a member", async () => {
    const forMax = await create(owner.token, { token_name: "by-owner" }, "max");
    expect((await inject("GET", "/users/me", forMax)).json().username).toBe("max");
    expect((await inject("GET", "/users/max/keys/tokens", owner.token)).statusCode).toBe(200);

    const hidden = await inject("GET", `/users/${owner.id}/keys/tokens/dup`, member.token);
    const missing = await inject("GET", "/users/me/keys/tokens/nosuchtoken", member.token);
    expect(hidden.statusCode).toBe(404);
    expect(hidden.json()).toEqual(missing.json());
    expect((await inject("GET", "/users/admin/keys/tokens", member.token)).statusCode).toBe(404);
    expect((await inject("DELETE", "/users/admin/keys/dup", member.token)).statusCode).toBe(404);
    expect((await inject("POST", "/users/admin/keys/tokens", member.token, {})).statusCode).toBe(404);
    // The owner's token is still there.
    expect((await inject("GET", "/users/me/keys/tokens/dup", owner.token)).statusCode).toBe(200);
  });

  it("defaults the lifetime to 30 days and names unnamed tokens uniquely", async () => {
    await create(member.token, {});
    await create(member.token, {});
    const tokens = (await inject("GET", "/users/me/keys/tokens", member.token)).json() as Array<{ token_name: string; created_at: string; expires_at: string }>;
    const unnamed = tokens.filter((t) => t.token_name.startsWith("token-"));
    expect(unnamed).toHaveLength(2);
    expect(unnamed[0]!.token_name).not.toBe(unnamed[1]!.token_name);
    for (const t of unnamed) expect(Date.parse(t.expires_at) - Date.parse(t.created_at)).toBe(30 * 24 * 3600 * 1000);
  });
});
