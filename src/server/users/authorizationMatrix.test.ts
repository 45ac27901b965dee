import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestServer, type TestServer } from "../../../test/support/testServer.js";
import type { Role } from "../../sdk/schemas/users.js";
import { issueApiKey } from "../auth/sessions.js";
import { systemClock } from "../clock.js";
import { createFirstOwner, createTestUser, loginAs, TEST_PASSWORD, withToken, type TestUser } from "./testUsers.js";

/**
 * Every route of users, tokens and audit × every role × self / another member
 * / another owner → the status expected. Bodies are chosen so that a case that
 * succeeds changes nothing the next case depends on (or is undone after it).
 */
const ROLES = ["owner", "template-admin", "user-admin", "auditor", "member"] as const;
type ActorRole = (typeof ROLES)[number];
type TargetKind = "self" | "member" | "owner";
/** Statuses in the order of ROLES. */
type Row = readonly [number, number, number, number, number];

type Ctx = { actor: TestUser; target: TestUser; kind: TargetKind };
type TargetedRoute = {
  method: "GET" | "POST" | "PUT" | "DELETE";
  /** As registered, with :user (and :name, :key) placeholders. */
  route: string;
  path(ctx: Ctx): string;
  body?(ctx: Ctx): object;
  expect: Record<TargetKind, Row>;
  before?(ctx: Ctx): Promise<void>;
  after?(ctx: Ctx): Promise<void>;
};

const updateUser: Record<TargetKind, Row> = {
  self: [200, 403, 200, 403, 403],
  member: [200, 403, 200, 403, 403],
  owner: [200, 403, 403, 403, 403],
};
const everyone = (ok: number): Record<TargetKind, Row> => ({ self: [ok, ok, ok, ok, ok], member: [ok, ok, ok, ok, ok], owner: [ok, ok, ok, ok, ok] });
const privateToUser = (ok: number): Record<TargetKind, Row> => ({
  self: [ok, ok, ok, ok, ok],
  member: [ok, 404, 404, 404, 404],
  owner: [ok, 404, 404, 404, 404],
});

describe("authorization matrix", () => {
  let server: TestServer;
  const actors = {} as Record<ActorRole, TestUser>;
  let otherMember: TestUser;
  let otherOwner: TestUser;
  let counter = 0;

  beforeAll(async () => {
    server = await createTestServer();
    actors.owner = await createFirstOwner(server.app, "owner");
    for (const role of ROLES.slice(1)) actors[role] = await createTestUser(server.app, actors.owner, role.replace("-", ""), role === "member" ? [] : [role as Role]);
    otherMember = await createTestUser(server.app, actors.owner, "target");
    otherOwner = await createTestUser(server.app, actors.owner, "owner2", ["owner"]);
    for (const user of [...Object.values(actors), otherMember, otherOwner]) await issueToken(user.id, "fixture");
  });
  afterAll(async () => {
    await server.stop();
  });

  const db = () => server.database.db;
  const issueToken = (userId: string, tokenName: string) =>
    issueApiKey(db(), systemClock, { userId, loginType: "token", tokenName, lifetimeSeconds: 3600, ip: null });
  const storedRoles = (user: TestUser) => user.roles.filter((r) => r !== "member");

  const targeted: TargetedRoute[] = [
    { method: "GET", route: "/users/:user", path: (c) => `/users/${c.target.username}`, expect: everyone(200) },
    { method: "PUT", route: "/users/:user/status/activate", path: (c) => `/users/${c.target.username}/status/activate`, expect: updateUser },
    {
      method: "PUT",
      route: "/users/:user/status/suspend",
      path: (c) => `/users/${c.target.id}/status/suspend`,
      expect: { ...updateUser, self: [403, 403, 403, 403, 403] },
      after: async (c) => void (await db().updateTable("users").set({ status: "active" }).where("id", "=", c.target.id).execute()),
    },
    { method: "PUT", route: "/users/:user/roles", path: (c) => `/users/${c.target.username}/roles`, body: (c) => ({ roles: storedRoles(c.target) }), expect: updateUser },
    {
      method: "PUT",
      route: "/users/:user/password",
      path: (c) => `/users/${c.target.username}/password`,
      body: (c) => (c.kind === "self" ? { old_password: TEST_PASSWORD, password: TEST_PASSWORD } : { password: TEST_PASSWORD }),
      expect: {
        self: [204, 204, 204, 204, 204],
        member: [204, 403, 204, 403, 403],
        owner: [204, 403, 403, 403, 403],
      },
    },
    { method: "POST", route: "/users/:user/keys/tokens", path: (c) => `/users/${c.target.username}/keys/tokens`, body: () => ({}), expect: privateToUser(201) },
    { method: "GET", route: "/users/:user/keys/tokens", path: (c) => `/users/${c.target.username}/keys/tokens`, expect: privateToUser(200) },
    { method: "GET", route: "/users/:user/keys/tokens/:name", path: (c) => `/users/${c.target.username}/keys/tokens/fixture`, expect: privateToUser(200) },
    {
      method: "DELETE",
      route: "/users/:user/keys/:key",
      path: (c) => `/users/${c.target.username}/keys/victim`,
      expect: privateToUser(204),
      before: async (c) => void (await issueToken(c.target.id, "victim")),
      after: async (c) => void (await db().deleteFrom("api_keys").where("user_id", "=", c.target.id).where("token_name", "=", "victim").execute()),
    },
  ];

  type CollectionRoute = { method: "GET" | "POST"; route: string; path: string; body?(actor: TestUser): object; expect: Row; anonymous: number; freshSession?: boolean };
  const collection: CollectionRoute[] = [
    { method: "GET", route: "/users/first", path: "/users/first", expect: [200, 200, 200, 200, 200], anonymous: 200 },
    { method: "POST", route: "/users/first", path: "/users/first", body: () => ({ username: `first${++counter}`, email: `first${counter}@example.com`, password: TEST_PASSWORD }), expect: [409, 409, 409, 409, 409], anonymous: 409 },
    { method: "POST", route: "/users/login", path: "/users/login", body: (a) => ({ email: a.email, password: TEST_PASSWORD }), expect: [201, 201, 201, 201, 201], anonymous: 401 },
    { method: "POST", route: "/users/logout", path: "/users/logout", expect: [204, 204, 204, 204, 204], anonymous: 401, freshSession: true },
    { method: "GET", route: "/users", path: "/users?q=target", expect: [200, 200, 200, 200, 200], anonymous: 401 },
    { method: "POST", route: "/users", path: "/users", body: () => ({ username: `new${++counter}`, email: `new${counter}@example.com`, password: TEST_PASSWORD }), expect: [201, 403, 201, 403, 403], anonymous: 401 },
    { method: "GET", route: "/audit", path: "/audit", expect: [200, 403, 403, 200, 403], anonymous: 401 },
  ];

  it("covers every route of users, tokens and audit", () => {
    const covered = new Set([...targeted, ...collection].map((r) => `${r.method} ${r.route}`));
    const mine = server.routes.filter((r) => r.tags.some((t) => ["users", "tokens", "audit"].includes(t))).map((r) => `${r.method} ${r.url}`);
    expect(mine.length).toBeGreaterThan(0);
    expect([...covered].sort()).toEqual([...new Set(mine)].sort());
  });

  for (const route of targeted) {
    for (const kind of ["self", "member", "owner"] as const) {
      it.each(ROLES.map((role, i) => [role, route.expect[kind][i]!] as const))(`${route.method} ${route.route} on ${kind} as %s → %i`, async (role, expected) => {
        const actor = actors[role];
        const target = kind === "self" ? actor : kind === "member" ? otherMember : otherOwner;
        const ctx: Ctx = { actor, target, kind };
        await route.before?.(ctx);
        try {
          const body = route.body?.(ctx);
          const res = await server.app.inject({ method: route.method, url: `/api/v2${route.path(ctx)}`, headers: withToken(actor.token), ...(body === undefined ? {} : { payload: body }) });
          expect(res.statusCode, res.body).toBe(expected);
          if (expected === 404) expect(res.json().message).toMatch(/not found/);
        } finally {
          await route.after?.(ctx);
        }
      });
    }
    it(`${route.method} ${route.route} anonymously → 401`, async () => {
      const ctx: Ctx = { actor: otherMember, target: otherMember, kind: "member" };
      const body = route.body?.(ctx);
      const res = await server.app.inject({ method: route.method, url: `/api/v2${route.path(ctx)}`, ...(body === undefined ? {} : { payload: body }) });
      expect(res.statusCode).toBe(401);
    });
  }

  for (const route of collection) {
    it.each(ROLES.map((role, i) => [role, route.expect[i]!] as const))(`${route.method} ${route.route} as %s → %i`, async (role, expected) => {
      const actor = actors[role];
      const token = route.freshSession ? await loginAs(server.app, actor.email) : actor.token;
      const body = route.body?.(actor);
      const res = await server.app.inject({ method: route.method, url: `/api/v2${route.path}`, headers: withToken(token), ...(body === undefined ? {} : { payload: body }) });
      expect(res.statusCode, res.body).toBe(expected);
    });
    it(`${route.method} ${route.route} anonymously → ${route.anonymous}`, async () => {
      const body = route.body?.({ ...otherMember, email: "nobody@example.com" });
      const res = await server.app.inject({ method: route.method, url: `/api/v2${route.path}`, ...(body === undefined ? {} : { payload: body }) });
      expect(res.statusCode).toBe(route.anonymous);
    });
  }
});
