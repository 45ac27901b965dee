import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestServer, type TestServer } from "../../../test/support/testServer.js";
import { createFirstOwner, createTestUser, TEST_PASSWORD, withToken, type TestUser } from "../users/testUsers.js";
import { conflictingCookiesMessage } from "./authenticate.js";

/**
 * Session and CSRF cookies that a page on an app host may have planted with
 * `Domain=<a parent of the dashboard's host>` (see sessionRoutes.ts): the
 * browser sends them beside the dashboard's own, and the server refuses to
 * guess which is genuine.
 */

const HOST = "den.localhost:3000";
const CONFLICT = conflictingCookiesMessage("session");

function setCookiesOf(value: string | string[] | undefined): string[] {
  return Array.isArray(value) ? value : value ? [value] : [];
}

/** What a browser keeps of a login answer: the cookies that are not expired, as a Cookie header, and the CSRF value. */
function keptCookies(setCookies: string[]): { cookie: string; csrf: string } {
  const kept = setCookies.filter((c) => !/Max-Age=0(;|$)/.test(c)).map((c) => c.split(";")[0]!);
  const csrf = kept.find((c) => c.startsWith("den_csrf_token="))!.slice("den_csrf_token=".length);
  return { cookie: kept.join("; "), csrf: decodeURIComponent(csrf) };
}

describe("conflicting session and CSRF cookies", () => {
  let server: TestServer;
  let alice: TestUser;
  let bob: TestUser;
  beforeAll(async () => {
    server = await createTestServer();
    const owner = await createFirstOwner(server.app);
    alice = await createTestUser(server.app, owner, "alice");
    bob = await createTestUser(server.app, owner, "bob");
  });
  afterAll(async () => {
    await server.stop();
  });

  const get = (url: string, headers: Record<string, string>) => server.app.inject({ method: "GET", url: `/api/v2${url}`, headers: { host: HOST, ...headers } });
  const login = (user: TestUser, headers: Record<string, string> = {}) =>
    server.app.inject({ method: "POST", url: "/api/v2/users/login", headers: { host: HOST, ...headers }, payload: { email: user.email, password: TEST_PASSWORD } });

  it("refuses two session cookies with a 401 that says so, even when one is valid, and an empty one counts", async () => {
    expect((await get("/users/me", { cookie: `den_session_token=${alice.token}` })).json()).toMatchObject({ username: "alice" });
    const pairs = [
      [alice.token, bob.token],
      [bob.token, alice.token],
      [alice.token, alice.token],
      [alice.token, ""],
      ["", bob.token],
    ];
    for (const [first, second] of pairs) {
      const res = await get("/users/me", { cookie: `den_session_token=${first}; theme=dark; den_session_token=${second}` });
      expect(res.statusCode, `${first} / ${second}`).toBe(401);
      expect(res.json()).toEqual({ message: CONFLICT, code: "UNAUTHENTICATED" });
    }
    expect(CONFLICT).toMatch(/conflicting Den session cookies.*workspace app.*log in again or clear/);
    // Public routes too: the login page learns why from them.
    expect((await get("/users/first", { cookie: `den_session_token=${alice.token}; den_session_token=${bob.token}` })).json()).toEqual({ message: CONFLICT, code: "UNAUTHENTICATED" });
  });

  it("does not mind cookies when the Den-Session-Token header is sent", async () => {
    const res = await get("/users/me", { ...withToken(bob.token), cookie: `den_session_token=${alice.token}; den_session_token=x` });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ username: "bob" });
  });

  it("counts a stale session cookie as none: public routes and login still work", async () => {
    const stale = (await login(alice)).json().session_token as string;
    expect((await server.app.inject({ method: "POST", url: "/api/v2/users/logout", headers: withToken(stale) })).statusCode).toBe(204);
    expect((await get("/users/first", { cookie: `den_session_token=${stale}` })).statusCode).toBe(200);
    const me = await get("/users/me", { cookie: `den_session_token=${stale}` });
    expect(me.statusCode).toBe(401);
    expect(me.json().message).not.toBe(CONFLICT);
    // A header token says it is bad.
    expect((await get("/users/first", withToken(stale))).statusCode).toBe(401);
    expect((await login(alice, { cookie: `den_session_token=${stale}` })).statusCode).toBe(201);
  });

  it("logs in despite conflicting cookies, expiring planted copies on the host and each parent domain before setting its own", async () => {
    const res = await login(alice, { cookie: `den_session_token=${bob.token}; den_session_token=${alice.token}; den_csrf_token=a; den_csrf_token=b` });
    expect(res.statusCode).toBe(201);
    const setCookies = setCookiesOf(res.headers["set-cookie"]);
    const expiries: string[] = [];
    for (const name of ["den_session_token", "den_csrf_token"]) {
      for (const path of ["/api", "/api/v2"]) expiries.push(`${name}=; Path=${path}; SameSite=Lax; Max-Age=0`);
      for (const domain of ["den.localhost", "localhost"]) {
        for (const path of ["/", "/api", "/api/v2"]) expiries.push(`${name}=; Domain=${domain}; Path=${path}; SameSite=Lax; Max-Age=0`);
      }
    }
    expect(setCookies.slice(0, -2).sort()).toEqual(expiries.sort());
    // Its own host-only cookies come last, so that no expiry can remove them.
    const [session, csrf] = setCookies.slice(-2);
    expect(session).toBe(`den_session_token=${res.json().session_token}; Path=/; SameSite=Lax; Max-Age=34560000; HttpOnly`);
    expect(csrf).toMatch(/^den_csrf_token=[\w-]+; Path=\/; SameSite=Lax; Max-Age=34560000$/);

    const { cookie } = keptCookies(setCookies);
    expect((await get("/users/me", { cookie })).json()).toMatchObject({ username: "alice" });
  });

  it("sets no Domain cookies for a host that is an IP address", async () => {
    const res = await login(alice, { host: "127.0.0.1:3000" });
    expect(res.statusCode).toBe(201);
    const setCookies = setCookiesOf(res.headers["set-cookie"]);
    expect(setCookies.filter((c) => c.includes("Domain="))).toEqual([]);
    expect(setCookies.filter((c) => c.includes("Path=/api"))).toHaveLength(4);
  });

  it("leaves an empty host-only session cookie on logout, beside which another user's token is refused, not used", async () => {
    const { cookie, csrf } = keptCookies(setCookiesOf((await login(alice)).headers["set-cookie"]));
    const res = await server.app.inject({ method: "POST", url: "/api/v2/users/logout", headers: { host: HOST, cookie, "den-csrf-token": csrf } });
    expect(res.statusCode).toBe(204);
    const setCookies = setCookiesOf(res.headers["set-cookie"]);
    expect(setCookies).toContain("den_session_token=; Domain=den.localhost; Path=/; SameSite=Lax; Max-Age=0");
    expect(setCookies.slice(-2)).toEqual(["den_session_token=; Path=/; SameSite=Lax; Max-Age=34560000; HttpOnly", "den_csrf_token=; Path=/; SameSite=Lax; Max-Age=0"]);
    expect((await get("/users/me", { cookie })).statusCode).toBe(401);

    // The tombstone alone is no session: the login page and public routes work.
    expect(setCookies.filter((c) => !/Max-Age=0(;|$)/.test(c)).map((c) => c.split(";")[0])).toEqual(["den_session_token="]);
    expect((await get("/users/first", { cookie: "den_session_token=" })).statusCode).toBe(200);
    const alone = await get("/users/me", { cookie: "den_session_token=" });
    expect(alone.statusCode).toBe(401);
    expect(alone.json().message).not.toBe(CONFLICT);
    // A copy planted later (a Domain cookie: sent after the tombstone, or before it when its path is longer).
    for (const planted of [`den_session_token=; den_session_token=${bob.token}`, `den_session_token=${bob.token}; den_session_token=`]) {
      const me = await get("/users/me", { cookie: planted });
      expect(me.statusCode).toBe(401);
      expect(me.json()).toEqual({ message: CONFLICT, code: "UNAUTHENTICATED" });
    }
  });

  it("refuses two CSRF cookies on a change even when one matches the header; reads are not checked", async () => {
    const { cookie, csrf } = keptCookies(setCookiesOf((await login(alice)).headers["set-cookie"]));
    const create = (cookieHeader: string, name: string) =>
      server.app.inject({ method: "POST", url: "/api/v2/users/me/keys/tokens", headers: { host: HOST, cookie: cookieHeader, "den-csrf-token": csrf }, payload: { token_name: name } });
    for (const extra of [`den_csrf_token=${csrf}`, "den_csrf_token=planted", "den_csrf_token="]) {
      const res = await create(`${cookie}; ${extra}`, "refused");
      expect(res.statusCode, extra).toBe(403);
      expect(res.json()).toEqual({ message: conflictingCookiesMessage("CSRF"), code: expect.any(String) });
    }
    expect((await get("/users/me", { cookie: `${cookie}; den_csrf_token=planted` })).statusCode).toBe(200);
    expect((await create(cookie, "accepted")).statusCode).toBe(201);
    const names = (await get("/users/alice/keys/tokens", withToken(alice.token))).json() as Array<{ token_name: string }>;
    expect(names.map((key) => key.token_name)).toEqual(["accepted"]);
  });
});
