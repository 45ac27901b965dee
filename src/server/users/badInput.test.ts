import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestServer, type TestServer } from "../../../test/support/testServer.js";
import { createFirstOwner, createTestUser, loginAs, TEST_PASSWORD, withToken, type TestUser } from "./testUsers.js";

/**
 * Every body field of every route of users, tokens and audit, with values of
 * the wrong type, too long, empty, in other scripts, with control characters
 * and SQL-looking: bad ones answer 400 naming the field, good ones are taken
 * literally. Never a 500.
 */
const SQL = "x'); DROP TABLE users; --";
const UNICODE = "Zoë Ωμέγα 漢字 🔑";
const WRONG_TYPES: Array<[string, unknown]> = [
  ["a number", 12345678],
  ["null", null],
  ["an array", ["a", "b"]],
  ["an object", { $ne: "" }],
  ["a boolean", true],
];

type Case = { label: string; value: unknown; status: number };
type FieldTable = {
  route: string;
  method: "POST" | "PUT";
  path: string;
  as?: () => string;
  /** A valid body (fresh for each case); the case replaces one field. */
  base: () => Record<string, unknown>;
  field: string;
  cases: Case[];
  /** For accepted values: checks that they were stored as given. */
  check?: (value: unknown, base: Record<string, unknown>) => Promise<void>;
};

const bad = (label: string, value: unknown): Case => ({ label, value, status: 400 });
const typeCases = (): Case[] => WRONG_TYPES.map(([label, value]) => bad(label, value));

describe("bad input", () => {
  let server: TestServer;
  let owner: TestUser;
  let pat: TestUser;
  let n = 0;
  beforeAll(async () => {
    server = await createTestServer();
    owner = await createFirstOwner(server.app);
    pat = await createTestUser(server.app, owner, "pat");
  });
  afterAll(async () => {
    await server.stop();
  });

  const fresh = () => {
    n++;
    return { username: `user${n}`, email: `user${n}@example.com`, password: TEST_PASSWORD };
  };
  const usernameCases = (ok: number): Case[] => [
    ...typeCases(),
    bad("too long", "a".repeat(33)),
    bad("empty", ""),
    bad("unicode", "zoë"),
    bad("upper case", "Alice"),
    bad("SQL-looking", SQL),
    bad("a NUL", "ab\u0000c"),
    { label: "32 characters", value: `${"b".repeat(30)}${n}z`.slice(-32), status: ok },
  ];
  const emailCases = (): Case[] => [...typeCases(), bad("too long", `${"a".repeat(250)}@example.com`), bad("empty", ""), bad("unicode", "zoë@example.com"), bad("SQL-looking", `a@b.c${SQL}`), bad("no @", "example.com")];
  const passwordCases = (ok: number): Case[] => [
    ...typeCases(),
    bad("too long", "p".repeat(257)),
    bad("empty", ""),
    bad("too short", "1234567"),
    { label: "unicode", value: `${UNICODE} pässwörd`, status: ok },
    { label: "SQL-looking", value: SQL, status: ok },
  ];
  const nameCases = (ok: number): Case[] => [
    ...typeCases(),
    bad("too long", "n".repeat(129)),
    bad("a NUL", "a\u0000b"),
    bad("a newline", "a\nb"),
    { label: "empty", value: "", status: ok },
    { label: "unicode", value: UNICODE, status: ok },
    { label: "SQL-looking", value: SQL, status: ok },
  ];
  const rolesCases = (): Case[] => [
    ...WRONG_TYPES.filter(([l]) => l !== "an array").map(([label, value]) => bad(label, value)),
    bad("a string", "owner"),
    bad("an unknown role", ["superuser"]),
    bad("SQL-looking", [SQL]),
    bad("too many", ["auditor", "auditor", "auditor", "auditor", "auditor", "auditor"]),
    bad("a number in the list", [1]),
  ];

  const tables: FieldTable[] = [
    { route: "POST /users/first", method: "POST", path: "/users/first", base: fresh, field: "username", cases: usernameCases(409) },
    { route: "POST /users/first", method: "POST", path: "/users/first", base: fresh, field: "email", cases: emailCases() },
    { route: "POST /users/first", method: "POST", path: "/users/first", base: fresh, field: "password", cases: passwordCases(409) },
    { route: "POST /users/first", method: "POST", path: "/users/first", base: fresh, field: "name", cases: nameCases(409) },
    {
      route: "POST /users/login",
      method: "POST",
      path: "/users/login",
      base: () => ({ email: "admin@example.com", password: TEST_PASSWORD }),
      field: "email",
      cases: [...typeCases(), bad("too long", "e".repeat(255)), bad("empty", ""), bad("a NUL", "admin\u0000@example.com"), { label: "unicode", value: "zoë@example.com", status: 401 }, { label: "SQL-looking", value: SQL, status: 401 }],
    },
    {
      route: "POST /users/login",
      method: "POST",
      path: "/users/login",
      base: () => ({ email: "admin@example.com", password: TEST_PASSWORD }),
      field: "password",
      cases: [...typeCases(), bad("too long", "p".repeat(257)), bad("empty", ""), { label: "unicode", value: UNICODE, status: 401 }, { label: "SQL-looking", value: SQL, status: 401 }],
    },
    { route: "POST /users", method: "POST", path: "/users", base: fresh, field: "username", cases: usernameCases(201) },
    { route: "POST /users", method: "POST", path: "/users", base: fresh, field: "email", cases: emailCases() },
    {
      route: "POST /users",
      method: "POST",
      path: "/users",
      base: fresh,
      field: "password",
      cases: passwordCases(201),
      check: async (value, base) => void (await loginAs(server.app, base.email as string, value as string)),
    },
    {
      route: "POST /users",
      method: "POST",
      path: "/users",
      base: fresh,
      field: "name",
      cases: nameCases(201),
      check: async (value, base) => {
        const user = (await server.app.inject({ method: "GET", url: `/api/v2/users/${base.username as string}`, headers: withToken(owner.token) })).json();
        expect(user.name).toBe(value);
      },
    },
    { route: "POST /users", method: "POST", path: "/users", base: fresh, field: "roles", cases: rolesCases() },
    { route: "PUT /users/:user/roles", method: "PUT", path: "/users/pat/roles", base: () => ({ roles: [] }), field: "roles", cases: rolesCases() },
    {
      route: "PUT /users/:user/password",
      method: "PUT",
      path: "/users/pat/password",
      base: () => ({ password: TEST_PASSWORD }),
      field: "password",
      cases: passwordCases(204),
      check: async (value) => void (await loginAs(server.app, pat.email, value as string)),
    },
    {
      route: "PUT /users/:user/password",
      method: "PUT",
      path: "/users/me/password",
      as: () => owner.token,
      base: () => ({ old_password: TEST_PASSWORD, password: "next password" }),
      field: "old_password",
      // The owner's own password never changes here: every case is refused.
      cases: [...typeCases(), bad("too long", "o".repeat(257)), bad("empty", ""), bad("unicode", UNICODE), bad("SQL-looking", SQL)],
    },
    {
      route: "POST /users/:user/keys/tokens",
      method: "POST",
      path: "/users/me/keys/tokens",
      base: () => ({}),
      field: "token_name",
      cases: [...typeCases(), bad("too long", "t".repeat(65)), bad("empty", ""), bad("unicode", "tök"), bad("SQL-looking", SQL), bad("a space", "my token"), { label: "64 characters", value: "t".repeat(64), status: 201 }],
    },
    {
      route: "POST /users/:user/keys/tokens",
      method: "POST",
      path: "/users/me/keys/tokens",
      base: () => ({}),
      field: "lifetime",
      cases: [
        ...WRONG_TYPES.filter(([l]) => l !== "a number").map(([label, value]) => bad(label, value)),
        bad("a numeric string", "3600"),
        bad("a fraction", 3600.5),
        bad("negative", -60),
        bad("zero", 0),
        bad("too long", 10 ** 12),
        bad("SQL-looking", SQL),
        bad("unicode", "一時間"),
        { label: "a minute", value: 60, status: 201 },
      ],
    },
  ];

  for (const table of tables) {
    it.each(table.cases.map((c) => [c.label, c] as const))(`${table.route} ${table.field}: %s`, async (_label, c) => {
      const base = table.base();
      const body = { ...base, [table.field]: c.value };
      const res = await server.app.inject({ method: table.method, url: `/api/v2${table.path}`, headers: withToken(table.as?.() ?? owner.token), payload: body });
      expect(res.statusCode, res.body).toBe(c.status);
      if (c.status === 400) {
        const fields = (res.json().validations ?? []).map((v: { field: string }) => v.field.split(".")[0]);
        expect(fields).toContain(table.field);
        expect(res.json().message).toContain(table.field);
      } else if (table.check) {
        await table.check(c.value, base);
      }
    });
  }

  it.each([
    ["POST", "/users/first", { ...{ username: "u", email: "u@example.com", password: TEST_PASSWORD }, admin: true }, "admin"],
    ["POST", "/users/login", { email: "a@example.com", password: "x", remember: 1 }, "remember"],
    ["POST", "/users", { username: "zed", email: "zed@example.com", password: TEST_PASSWORD, status: "active" }, "status"],
    ["PUT", "/users/pat/roles", { roles: [], extra: 1 }, "extra"],
    ["PUT", "/users/pat/password", { password: TEST_PASSWORD, force: true }, "force"],
    ["POST", "/users/me/keys/tokens", { scope: "all" }, "scope"],
    ["PUT", "/users/pat/status/suspend", { reason: "x" }, "reason"],
    ["POST", "/users/logout", { all: true }, "all"],
  ] as const)("%s %s rejects the unknown field", async (method, path, body, field) => {
    const res = await server.app.inject({ method, url: `/api/v2${path}`, headers: withToken(owner.token), payload: body });
    expect(res.statusCode).toBe(400);
    expect(res.json().validations).toContainEqual({ field, detail: "unknown field" });
  });

  it.each([
    ["an array", "[1,2]"],
    ["a string", '"hello"'],
    ["a number", "42"],
    ["null", "null"],
    ["malformed JSON", '{"email": '],
  ])("answers 400 for a body that is %s", async (_label, raw) => {
    const res = await server.app.inject({ method: "POST", url: "/api/v2/users", headers: { ...withToken(owner.token), "content-type": "application/json" }, payload: raw });
    expect(res.statusCode).toBe(400);
    expect(res.json().message).toEqual(expect.any(String));
  });

  it("answers 413 for a body over the limit", async () => {
    const res = await server.app.inject({ method: "POST", url: "/api/v2/users", headers: withToken(owner.token), payload: { username: "big", email: "big@example.com", password: TEST_PASSWORD, name: "x".repeat(2 * 1024 * 1024) } });
    expect(res.statusCode).toBe(413);
  });

  it.each([
    ["/users?limit=abc", "limit"],
    ["/users?limit=-1", "limit"],
    ["/users?offset=-5", "offset"],
    ["/users?limit=1e9", "limit"],
    [`/users?q=${"q".repeat(257)}`, "q"],
    ["/users?q=a%00b", "q"],
    ["/audit?q=a%00b", "q"],
    ["/audit?limit=x", "limit"],
    ["/audit?q=nonsense:1", "q"],
    ["/audit?q=status_code:abc", "q"],
    ["/users/a%00b", "user"],
    ["/users/me/keys/tokens/a%00b", "name"],
    ["/users/me/keys/tokens/tok%20en", "name"],
  ])("GET %s → 400 naming %s", async (url, field) => {
    const res = await server.app.inject({ method: "GET", url: `/api/v2${url}`, headers: withToken(owner.token) });
    expect(res.statusCode, res.body).toBe(400);
    expect(res.json().validations.map((v: { field: string }) => v.field)).toContain(field);
  });

  it.each([
    [`/users?q=${encodeURIComponent(SQL)}`, 0],
    [`/users?q=${encodeURIComponent(UNICODE)}`, 0],
    [`/audit?q=${encodeURIComponent(`username:${SQL}`)}`, 0],
  ])("takes GET %s literally", async (url, count) => {
    const res = await server.app.inject({ method: "GET", url: `/api/v2${url}`, headers: withToken(owner.token) });
    expect(res.statusCode).toBe(200);
    expect(res.json().count).toBe(count);
  });

  it("finds SQL-looking text in the audit log literally: the failed login that used it", async () => {
    const res = await server.app.inject({ method: "GET", url: `/api/v2/audit?q=${encodeURIComponent(SQL)}`, headers: withToken(owner.token) });
    expect(res.statusCode).toBe(200);
    expect(res.json().count).toBeGreaterThanOrEqual(1);
    for (const row of res.json().audit_logs) expect(row).toMatchObject({ action: "login", status_code: 401, resource_target: SQL });
  });

  it("answers 400 naming the field for an overlong path parameter", async () => {
    const res = await server.app.inject({ method: "GET", url: `/api/v2/users/${"u".repeat(257)}`, headers: withToken(owner.token) });
    expect(res.statusCode).toBe(400);
    expect(res.json().validations[0].field).toBe("user");
  });

  it("still has its users table and every user after all that", async () => {
    const users = await server.database.db.selectFrom("users").select("username").execute();
    expect(users.map((u) => u.username)).toEqual(expect.arrayContaining(["admin", "pat"]));
  });
});
