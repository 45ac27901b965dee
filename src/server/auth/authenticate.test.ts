import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestServer, type TestServer } from "../../../test/support/testServer.js";
import { createFirstOwner, createTestUser, loginAs, withToken, type TestUser } from "../users/testUsers.js";
import { manualClock } from "./manualClock.js";

const MINUTE = 60_000;

/** Every write to api_keys, recorded by a trigger, so that a test can count them. */
async function recordKeyWrites(server: TestServer): Promise<(keyId: string) => Promise<Array<{ last_used: Date; expires_at: Date }>>> {
  await server.database.pool.query(`
    CREATE TABLE test_key_writes (seq serial PRIMARY KEY, key_id text NOT NULL, last_used timestamptz, expires_at timestamptz NOT NULL);
    CREATE FUNCTION test_record_key_write() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN INSERT INTO test_key_writes (key_id, last_used, expires_at) VALUES (NEW.id, NEW.last_used, NEW.expires_at); RETURN NEW; END $$;
    CREATE TRIGGER test_record_key_write AFTER UPDATE ON api_keys FOR EACH ROW EXECUTE FUNCTION test_record_key_write();
  `);
  return async (keyId) =>
    (await server.database.pool.query<{ last_used: Date; expires_at: Date }>("SELECT last_used, expires_at FROM test_key_writes WHERE key_id = $1 ORDER BY seq", [keyId])).rows;
}

describe("authentication through the key cache", () => {
  const time = manualClock();
  let server: TestServer;
  let owner: TestUser;
  let member: TestUser;
  let writesOf: Awaited<ReturnType<typeof recordKeyWrites>>;
  beforeAll(async () => {
    server = await createTestServer({ clock: time.clock, config: { sessionDuration: "24h" } });
    owner = await createFirstOwner(server.app);
    member = await createTestUser(server.app, owner, "lena");
    writesOf = await recordKeyWrites(server);
  });
  afterAll(async () => {
    await server.stop();
  });

  const me = (token: string) => server.app.inject({ method: "GET", url: "/api/v2/users/me", headers: withToken(token) });
  const lastSeenOf = async (userId: string) =>
    (await server.database.db.selectFrom("users").select("last_seen_at").where("id", "=", userId).executeTakeFirstOrThrow()).last_seen_at;

  it("writes a token's last use at most once a minute, however many requests, and does write it", async () => {
    const created = await server.app.inject({ method: "POST", url: "/api/v2/users/me/keys/tokens", headers: withToken(member.token), payload: { token_name: "busy" } });
    const token = created.json().key as string;
    const id = token.split("-")[0]!;
    const t0 = time.clock.now();
    const answers = await Promise.all(Array.from({ length: 20 }, () => me(token)));
    expect(answers.map((r) => r.statusCode)).toEqual(Array(20).fill(200));
    expect(await writesOf(id)).toHaveLength(1);
    expect((await writesOf(id))[0]!.last_used).toEqual(t0);

    time.advance(MINUTE - 1000);
    for (let i = 0; i < 5; i++) expect((await me(token)).statusCode).toBe(200);
    expect(await writesOf(id)).toHaveLength(1);

    time.advance(1000);
    const res = await me(token);
    expect(res.statusCode).toBe(200);
    const writes = await writesOf(id);
    expect(writes).toHaveLength(2);
    expect(writes[1]!.last_used).toEqual(time.clock.now());
    // A token keeps the lifetime it was made with.
    expect(writes[1]!.expires_at).toEqual(writes[0]!.expires_at);
    expect(await lastSeenOf(member.id)).toEqual(time.clock.now());
    expect(res.json().last_seen_at).toBe(time.clock.now().toISOString());
  });

  it("slides a session forward with those writes, not between them", async () => {
    const token = await loginAs(server.app, member.email);
    const id = token.split("-")[0]!;
    expect((await me(token)).statusCode).toBe(200);
    const first = await writesOf(id);
    expect(first).toHaveLength(1);
    expect(first[0]!.expires_at.getTime()).toBe(time.clock.now().getTime() + 24 * 60 * MINUTE);
    time.advance(30_000);
    expect((await me(token)).statusCode).toBe(200);
    expect(await writesOf(id)).toHaveLength(1);
    time.advance(30_000);
    expect((await me(token)).statusCode).toBe(200);
    const second = await writesOf(id);
    expect(second).toHaveLength(2);
    expect(second[1]!.expires_at.getTime()).toBe(time.clock.now().getTime() + 24 * 60 * MINUTE);
  });

  it("refuses a wrong secret for a key whose id is cached", async () => {
    const token = await loginAs(server.app, member.email);
    expect((await me(token)).statusCode).toBe(200);
    const forged = `${token.split("-")[0]}-${"x".repeat(22)}`;
    expect((await me(forged)).statusCode).toBe(401);
    expect((await me(token)).statusCode).toBe(200);
  });

  it("answers /users/me from the authenticated key just as a lookup by name does", async () => {
    const token = await loginAs(server.app, owner.email);
    const mine = await me(token);
    const byName = await server.app.inject({ method: "GET", url: `/api/v2/users/${owner.username}`, headers: withToken(token) });
    expect(mine.statusCode).toBe(200);
    expect(mine.json()).toEqual(byName.json());
    expect(mine.json().organization_ids).toHaveLength(1);
  });
});

describe("a session shorter than the cache's TTL", () => {
  const time = manualClock();
  let server: TestServer;
  let member: TestUser;
  beforeAll(async () => {
    server = await createTestServer({ clock: time.clock, config: { sessionDuration: "5s" } });
    const owner = await createFirstOwner(server.app);
    member = await createTestUser(server.app, owner, "kai");
  });
  afterAll(async () => {
    await server.stop();
  });

  it("is refused once expired, although its key is still cached", async () => {
    const token = await loginAs(server.app, member.email);
    const me = () => server.app.inject({ method: "GET", url: "/api/v2/users/me", headers: withToken(token) });
    expect((await me()).statusCode).toBe(200);
    time.advance(4999);
    expect((await me()).statusCode).toBe(200);
    time.advance(1);
    const res = await me();
    expect(res.statusCode).toBe(401);
    expect(res.json().message).toMatch(/expired/);
  });
});
