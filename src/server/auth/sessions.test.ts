import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestServer, type TestServer } from "../../../test/support/testServer.js";
import { AuditService } from "../audit/auditService.js";
import { createFirstOwner, createTestUser, TEST_PASSWORD, withToken, type TestUser } from "../users/testUsers.js";
import { manualClock } from "./manualClock.js";
import { verifyPassword } from "./passwords.js";
import { LOGIN_FAILED_MESSAGE, SessionService } from "./sessions.js";
import { pino } from "pino";

const HOUR = 3_600_000;
const request = { ip: "192.0.2.1", userAgent: "test", requestId: null };

function cookiesOf(setCookie: string | string[] | undefined): string[] {
  return Array.isArray(setCookie) ? setCookie : setCookie ? [setCookie] : [];
}

describe("sessions", () => {
  const time = manualClock();
  let server: TestServer;
  let owner: TestUser;
  let member: TestUser;
  beforeAll(async () => {
    server = await createTestServer({ clock: time.clock, config: { sessionDuration: "24h" } });
    owner = await createFirstOwner(server.app);
    member = await createTestUser(server.app, owner, "mia");
  });
  afterAll(async () => {
    await server.stop();
  });

  const me = (headers: Record<string, string>) => server.app.inject({ method: "GET", url: "/api/v2/users/me", headers });
  const login = (email: string, password: string, remoteAddress?: string) =>
    server.app.inject({ method: "POST", url: "/api/v2/users/login", payload: { email, password }, ...(remoteAddress ? { remoteAddress } : {}) });

  it("logs in, answers a token and sets an HttpOnly session cookie and a readable CSRF cookie", async () => {
    const res = await login(member.email.toUpperCase(), TEST_PASSWORD);
    expect(res.statusCode).toBe(201);
    const token = res.json().session_token as string;
    expect(token).toMatch(/^[a-zA-Z0-9]{10}-[a-zA-Z0-9]{22}$/);
    const cookies = cookiesOf(res.headers["set-cookie"]);
    // The host-only ones; sessionRoutes.test.ts covers the Domain copies login expires.
    const session = cookies.find((c) => c.startsWith("den_session_token=") && !c.includes("Max-Age=0"))!;
    const csrf = cookies.find((c) => c.startsWith("den_csrf_token=") && !c.includes("Max-Age=0"))!;
    expect(session).toContain(`den_session_token=${token}`);
    expect(session).toMatch(/HttpOnly/);
    expect(session).toMatch(/SameSite=Lax/);
    // The browser keeps the cookie past the session (which the server ends), so that its slot is never empty.
    expect(session).toMatch(/Max-Age=34560000/);
    expect(csrf).not.toMatch(/HttpOnly/);
    expect((await me(withToken(token))).json()).toMatchObject({ username: "mia", roles: ["member"] });
  });

  it("answers the same 401 for an unknown email, a wrong password and a suspended user", async () => {
    const suspended = await createTestUser(server.app, owner, "sam");
    expect((await server.app.inject({ method: "PUT", url: "/api/v2/users/sam/status/suspend", headers: withToken(owner.token) })).statusCode).toBe(200);
    const answers = await Promise.all([
      login("nobody@example.com", TEST_PASSWORD),
      login(member.email, "wrong password!"),
      login(suspended.email, TEST_PASSWORD),
    ]);
    for (const res of answers) {
      expect(res.statusCode).toBe(401);
      expect(res.json()).toEqual({ message: LOGIN_FAILED_MESSAGE, code: "UNAUTHENTICATED" });
      expect(res.headers["set-cookie"]).toBeUndefined();
    }
    // The suspended user's existing session stops working too, and comes back on activation.
    expect((await me(withToken(suspended.token))).statusCode).toBe(401);
    await server.app.inject({ method: "PUT", url: "/api/v2/users/sam/status/activate", headers: withToken(owner.token) });
    expect((await me(withToken(suspended.token))).statusCode).toBe(200);
  });

  it("logs out: the session is deleted and the cookies are cleared (the session cookie's value, at least)", async () => {
    const token = (await login(member.email, TEST_PASSWORD)).json().session_token as string;
    const res = await server.app.inject({ method: "POST", url: "/api/v2/users/logout", headers: withToken(token) });
    expect(res.statusCode).toBe(204);
    const cookies = cookiesOf(res.headers["set-cookie"]);
    expect(cookies.length).toBeGreaterThan(0);
    for (const cookie of cookies) expect(cookie).toMatch(/^den_(session|csrf)_token=;/);
    expect((await me(withToken(token))).statusCode).toBe(401);
    const id = token.split("-")[0]!;
    expect(await server.database.db.selectFrom("api_keys").select("id").where("id", "=", id).executeTakeFirst()).toBeUndefined();
    expect((await server.app.inject({ method: "POST", url: "/api/v2/users/logout" })).statusCode).toBe(401);
  });

  it("expires a session that is not used for the session duration", async () => {
    const token = (await login(member.email, TEST_PASSWORD)).json().session_token as string;
    time.advance(24 * HOUR - 1000);
    // Another session shows the server still works at this time.
    expect((await me(withToken(member.token))).statusCode).toBe(200);
    time.advance(2000);
    expect((await me(withToken(token))).statusCode).toBe(401);
    expect((await me(withToken(token))).json()).toMatchObject({ message: expect.stringContaining("expired") });
  });

  it("slides a session forward on use", async () => {
    const token = (await login(member.email, TEST_PASSWORD)).json().session_token as string;
    for (let i = 0; i < 3; i++) {
      time.advance(20 * HOUR);
      expect((await me(withToken(token))).statusCode).toBe(200);
    }
    time.advance(24 * HOUR + 1000);
    expect((await me(withToken(token))).statusCode).toBe(401);
  });

  it("requires the CSRF header for state changes authenticated by cookie, not for reads", async () => {
    const res = await login(member.email, TEST_PASSWORD);
    const cookies = cookiesOf(res.headers["set-cookie"]).filter((c) => !c.includes("Max-Age=0")).map((c) => c.split(";")[0]!);
    const csrf = cookies.find((c) => c.startsWith("den_csrf_token="))!.split("=")[1]!;
    const cookie = cookies.join("; ");
    expect((await me({ cookie })).statusCode).toBe(200);
    const create = (headers: Record<string, string>) =>
      server.app.inject({ method: "POST", url: "/api/v2/users/me/keys/tokens", headers, payload: {} });
    expect((await create({ cookie })).statusCode).toBe(403);
    expect((await create({ cookie, "den-csrf-token": "forged" })).statusCode).toBe(403);
    expect((await create({ cookie, "den-csrf-token": decodeURIComponent(csrf) })).statusCode).toBe(201);
    // A header token needs no CSRF token.
    expect((await create(withToken(res.json().session_token))).statusCode).toBe(201);
  });

  it("keeps an API token alive when it is used to log out", async () => {
    const session = (await login(member.email, TEST_PASSWORD)).json().session_token as string;
    const key = (await server.app.inject({ method: "POST", url: "/api/v2/users/me/keys/tokens", headers: withToken(session), payload: { token_name: "keepme" } })).json().key as string;
    expect((await server.app.inject({ method: "POST", url: "/api/v2/users/logout", headers: withToken(key) })).statusCode).toBe(204);
    expect((await me(withToken(key))).statusCode).toBe(200);
  });
});

describe("login rate limit", () => {
  const time = manualClock();
  let server: TestServer;
  beforeAll(async () => {
    server = await createTestServer({ clock: time.clock, config: { loginRateLimit: 3 } });
    await createFirstOwner(server.app);
  });
  afterAll(async () => {
    await server.stop();
  });

  const attempt = (remoteAddress: string) =>
    server.app.inject({ method: "POST", url: "/api/v2/users/login", remoteAddress, payload: { email: "admin@example.com", password: "wrong password" } });

  it("answers 429 with Retry-After after the limit, per address, until the minute is over", async () => {
    for (let i = 0; i < 3; i++) expect((await attempt("198.51.100.7")).statusCode).toBe(401);
    const limited = await attempt("198.51.100.7");
    expect(limited.statusCode).toBe(429);
    expect(Number(limited.headers["retry-after"])).toBeGreaterThanOrEqual(1);
    expect(Number(limited.headers["retry-after"])).toBeLessThanOrEqual(60);
    // Even the right password is refused while limited.
    const right = await server.app.inject({ method: "POST", url: "/api/v2/users/login", remoteAddress: "198.51.100.7", payload: { email: "admin@example.com", password: TEST_PASSWORD } });
    expect(right.statusCode).toBe(429);
    expect((await attempt("198.51.100.8")).statusCode).toBe(401);
    time.advance(60_000);
    expect((await attempt("198.51.100.7")).statusCode).toBe(401);
  });
});

describe("login timing parity", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await createTestServer();
    await createFirstOwner(server.app);
  });
  afterAll(async () => {
    await server.stop();
  });

  it("verifies a password of the same cost whether or not the email exists", async () => {
    const seen: string[] = [];
    const counting = async (password: string, hashed: string) => {
      seen.push(hashed);
      return verifyPassword(password, hashed);
    };
    const audit = new AuditService(server.database.db, { now: () => new Date() }, pino({ level: "silent" }));
    const loginInvalidatesNothing = async () => {
      throw new Error("logging in must not invalidate cached keys");
    };
    const invalidations = { keyRevoked: loginInvalidatesNothing, userChanged: loginInvalidatesNothing };
    const sessions = new SessionService(server.database.db, { now: () => new Date() }, audit, invalidations, { sessionLifetimeSeconds: 60, verifyPassword: counting });

    await expect(sessions.login("admin@example.com", "wrong password", request)).rejects.toThrow(LOGIN_FAILED_MESSAGE);
    await expect(sessions.login("nobody@example.com", "wrong password", request)).rejects.toThrow(LOGIN_FAILED_MESSAGE);
    expect(seen).toHaveLength(2);
    const [real, dummy] = seen.map((h) => h.split("$"));
    expect(dummy![0]).toBe("scrypt");
    // Same algorithm and cost parameters (N, r, p) and key length: the same work.
    expect(dummy!.slice(0, 4)).toEqual(real!.slice(0, 4));
    expect(Buffer.from(dummy![5]!, "base64").length).toBe(Buffer.from(real![5]!, "base64").length);
    expect(dummy!.join("$")).not.toBe(real!.join("$"));

    await expect(sessions.login("admin@example.com", TEST_PASSWORD, request)).resolves.toMatchObject({ token: expect.any(String) });
    expect(seen).toHaveLength(3);
  });
});
