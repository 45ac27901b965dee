import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { FastifyInstance } from "fastify";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../../../test/support/database.js";
import { createTestServer, type TestServer } from "../../../test/support/testServer.js";
import type { Clock } from "../clock.js";
import { createServer } from "../createServer.js";
import { PubSub } from "../pubsub/pubsub.js";
import { insertUser } from "../users/queries.js";
import { createFirstOwner, createTestUser, loginAs, TEST_PASSWORD, withToken, type TestUser } from "../users/testUsers.js";
import { ApiKeyCache, DEFAULT_API_KEY_CACHE } from "./ApiKeyCache.js";
import { AuthInvalidations } from "./AuthInvalidations.js";
import { authenticateToken } from "./authenticate.js";
import { manualClock } from "./manualClock.js";
import { issueApiKey } from "./sessions.js";

const silent = pino({ level: "silent" });

/** A second server on the same database, as a second replica would be: its own pub/sub connection and its own caches. */
async function startReplica(of: TestServer, clock: Clock): Promise<{ app: FastifyInstance; stop(): Promise<void> }> {
  const dataDir = mkdtempSync(join(tmpdir(), "den-test-replica-"));
  const server = await createServer({
    db: of.database.db,
    pool: of.database.pool,
    databaseUrl: of.database.url,
    log: silent,
    clock,
    config: { ...of.config, dataDir, provisionerDaemons: 0 },
  });
  return {
    app: server.app,
    async stop() {
      await server.close();
      await server.app.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * Polls until `check` holds. A replica hears of a change when PostgreSQL's
 * notification reaches it, which no event of ours announces. The clock stands
 * still in these tests, so the cache's TTL can never be what ends the wait.
 */
async function eventually(check: () => Promise<boolean>, what: string, limitMs = 10_000): Promise<void> {
  const deadline = Date.now() + limitMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe("authentication cache on two replicas", () => {
  const time = manualClock();
  let a: TestServer;
  let b: Awaited<ReturnType<typeof startReplica>>;
  let owner: TestUser;
  let member: TestUser;
  beforeAll(async () => {
    a = await createTestServer({ clock: time.clock });
    b = await startReplica(a, time.clock);
    owner = await createFirstOwner(a.app);
    member = await createTestUser(a.app, owner, "rhea");
  });
  afterAll(async () => {
    await b?.stop();
    await a?.stop();
  });

  const call = (app: FastifyInstance, method: "GET" | "POST" | "PUT" | "DELETE", url: string, token: string, payload?: object) =>
    app.inject({ method, url: `/api/v2${url}`, headers: withToken(token), ...(payload === undefined ? {} : { payload }) });
  const statusOf = async (app: FastifyInstance, token: string, url = "/users/me") => (await call(app, "GET", url, token)).statusCode;
  /** Both replicas answer 200, so both have the key cached. */
  const warm = async (...tokens: string[]) => {
    for (const app of [a.app, b.app]) for (const token of tokens) expect(await statusOf(app, token)).toBe(200);
  };
  const newToken = async (name: string) => (await call(a.app, "POST", "/users/me/keys/tokens", member.token, { token_name: name })).json().key as string;

  it("serves a cached key without reading it again: a change made behind Den's back shows only after the TTL", async () => {
    const token = await loginAs(a.app, member.email);
    await warm(token);
    await a.database.db.updateTable("users").set({ status: "suspended" }).where("id", "=", member.id).execute();
    try {
      expect(await statusOf(b.app, token)).toBe(200);
      time.advance(DEFAULT_API_KEY_CACHE.ttlMs);
      expect(await statusOf(b.app, token)).toBe(401);
    } finally {
      await a.database.db.updateTable("users").set({ status: "active" }).where("id", "=", member.id).execute();
    }
    expect(await statusOf(b.app, token)).toBe(200);
  });

  it("stops a deleted token at once on the replica that deleted it, and on the other as soon as it hears", async () => {
    const token = await newToken("doomed");
    await warm(token);
    expect((await call(a.app, "DELETE", "/users/me/keys/doomed", member.token)).statusCode).toBe(204);
    expect(await statusOf(a.app, token)).toBe(401);
    await eventually(async () => (await statusOf(b.app, token)) === 401, "the other replica refuses the deleted token");
    // The session that deleted it is untouched.
    expect(await statusOf(b.app, member.token)).toBe(200);
  });

  it("ends a logged-out session on both replicas", async () => {
    const session = await loginAs(a.app, member.email);
    await warm(session);
    expect((await call(a.app, "POST", "/users/logout", session, {})).statusCode).toBe(204);
    expect(await statusOf(a.app, session)).toBe(401);
    await eventually(async () => (await statusOf(b.app, session)) === 401, "the other replica refuses the logged-out session");
  });

  it("stops a suspended user's sessions and tokens on both replicas, and lets them back in on activation", async () => {
    const session = await loginAs(a.app, member.email);
    const token = await newToken("suspended");
    await warm(session, token);
    expect((await call(a.app, "PUT", `/users/${member.username}/status/suspend`, owner.token, {})).statusCode).toBe(200);
    expect([await statusOf(a.app, session), await statusOf(a.app, token)]).toEqual([401, 401]);
    await eventually(async () => (await statusOf(b.app, session)) === 401 && (await statusOf(b.app, token)) === 401, "the other replica refuses the suspended user");
    expect((await call(a.app, "PUT", `/users/${member.username}/status/activate`, owner.token, {})).statusCode).toBe(200);
    expect([await statusOf(a.app, session), await statusOf(b.app, token)]).toEqual([200, 200]);
  });

  it("applies a role change to the user's next requests on both replicas", async () => {
    const session = await loginAs(a.app, member.email);
    expect([await statusOf(a.app, session, "/audit"), await statusOf(b.app, session, "/audit")]).toEqual([403, 403]);
    expect((await call(a.app, "PUT", `/users/${member.username}/roles`, owner.token, { roles: ["auditor"] })).statusCode).toBe(200);
    expect(await statusOf(a.app, session, "/audit")).toBe(200);
    await eventually(async () => (await statusOf(b.app, session, "/audit")) === 200, "the other replica sees the new role");
    expect((await call(b.app, "GET", "/users/me", session)).json().roles).toEqual(["auditor", "member"]);

    expect((await call(a.app, "PUT", `/users/${member.username}/roles`, owner.token, { roles: [] })).statusCode).toBe(200);
    expect(await statusOf(a.app, session, "/audit")).toBe(403);
    await eventually(async () => (await statusOf(b.app, session, "/audit")) === 403, "the other replica sees the role taken away");
    expect((await call(b.app, "GET", "/users/me", session)).json().roles).toEqual(["member"]);
  });

  it("ends a user's other sessions on both replicas when they change their password", async () => {
    const other = await loginAs(a.app, member.email);
    const current = await loginAs(a.app, member.email);
    await warm(other, current);
    const res = await call(a.app, "PUT", "/users/me/password", current, { old_password: TEST_PASSWORD, password: TEST_PASSWORD });
    expect(res.statusCode).toBe(204);
    expect(await statusOf(a.app, other)).toBe(401);
    await eventually(async () => (await statusOf(b.app, other)) === 401, "the other replica refuses the ended session");
    expect([await statusOf(a.app, current), await statusOf(b.app, current)]).toEqual([200, 200]);
  });
});

describe("AuthInvalidations on one replica", () => {
  const { clock } = manualClock();
  let database: TestDatabase;
  let pubsub: PubSub;
  let token: string;
  let keyId: string;
  let userId: string;
  beforeAll(async () => {
    database = await createTestDatabase();
    pubsub = new PubSub(database.url, database.pool, silent);
    await pubsub.start();
    userId = (await insertUser(database.db, { username: "ivo", email: "ivo@example.com", name: "", hashedPassword: "unused", roles: [], now: clock.now() })).id;
    const key = await issueApiKey(database.db, clock, { userId, loginType: "token", lifetimeSeconds: 3600, ip: null });
    [token, keyId] = [key.token, key.id];
  });
  afterAll(async () => {
    await pubsub?.close();
    await database?.close();
  });

  /** A cache holding the key, as after one request. */
  const cachedKey = async () => {
    const cache = new ApiKeyCache(clock);
    expect(await authenticateToken(database.db, clock, token, cache)).toMatchObject({ userId, apiKeyId: keyId });
    expect(cache.get(keyId)).toBeDefined();
    return cache;
  };

  it("drops what changed from its own cache before it returns, without waiting for its own notification", async () => {
    // Not started: this one hears no notifications at all, its own included.
    const cache = await cachedKey();
    const invalidations = new AuthInvalidations(pubsub, cache, silent);
    await invalidations.keyRevoked(keyId);
    expect(cache.get(keyId)).toBeUndefined();
    expect(await authenticateToken(database.db, clock, token, cache)).not.toBeNull();
    await invalidations.userChanged(userId);
    expect(cache.get(keyId)).toBeUndefined();
  });

  it("drops every key when its pub/sub connection comes back, as it may have missed invalidations meanwhile", async () => {
    const cache = await cachedKey();
    await new AuthInvalidations(pubsub, cache, silent).start();
    await database.pool.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'den-pubsub'");
    await eventually(async () => cache.get(keyId) === undefined, "the cache is cleared after the reconnection");
  });
});
