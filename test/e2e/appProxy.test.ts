import { createHash, randomBytes } from "node:crypto";
import { connect } from "node:net";
import { Readable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { WebSocket } from "ws";
import type { Workspace } from "../../src/sdk/schemas/workspaces.js";
import { AgentWorkspaceEnv, agentPid } from "../support/agentWorkspace.js";
import { appRequest, appStream, openAppWebSocket, type AppResponse } from "../support/appRequest.js";
import { createAppWorkspace, serverTokenSigner, signInToAppHost } from "../support/appTemplates.js";
import { unreachableUrl } from "../support/cli.js";
import { downloadSha256, startEchoApp, type EchoApp, type EchoRequest } from "../support/echoApp.js";
import { hasCommand } from "../support/prerequisites.js";

const MIB = 1024 * 1024;

let t: AgentWorkspaceEnv;
let echo: EchoApp;
let tlsEcho: EchoApp | undefined;
let ws: Workspace;
let url: string;
let port: number;
let closedPort: number;

/** `<first>--main--dev--alice.den.localhost:<port>` */
const host = (first: string, workspace = "dev", user = "alice", agent = "main") => `${first}--${agent}--${workspace}--${user}.den.localhost:${port}`;
const alice = () => ({ "den-session-token": t.alice.token });

beforeAll(async () => {
  echo = await startEchoApp();
  if (hasCommand("openssl")) tlsEcho = await startEchoApp({ tls: true });
  closedPort = Number(new URL(await unreachableUrl()).port);
  t = await AgentWorkspaceEnv.start({ config: (p) => ({ wildcardAccessUrl: `*.den.localhost:${p}` }) });
  url = t.env.url;
  port = Number(new URL(url).port);
  ws = await createAppWorkspace(t, "dev", [
    { slug: "echo", url: `http://127.0.0.1:${echo.port}` },
    { slug: "sub", url: `http://localhost:${echo.port}/`, subdomain: true },
    { slug: "based", url: `http://127.0.0.1:${echo.port}/base/` },
    { slug: "public", url: `http://127.0.0.1:${echo.port}`, share: "public", subdomain: true },
    { slug: "dead", url: `http://127.0.0.1:${closedPort}/` },
    { slug: "far", url: `http://example.com:${echo.port}/` },
    { slug: "health", url: `http://127.0.0.1:${echo.port}/` },
    ...(tlsEcho ? [{ slug: "tls", url: `https://127.0.0.1:${tlsEcho.port}/` }] : []),
  ]);
}, 180_000);

afterAll(async () => {
  await t?.stop();
  await echo?.close();
  await tlsEcho?.close();
});

/** alice's den_app_token cookie for each app host, made on first use. */
const appCookies = new Map<string, string>();
async function aliceOn(appHost: string): Promise<Record<string, string>> {
  if (!appCookies.has(appHost)) appCookies.set(appHost, await signInToAppHost(url, appHost, t.alice.token));
  return { den_app_token: appCookies.get(appHost)! };
}

/** The two ways to reach app `echo` as alice: by path with her session, by subdomain with her app cookie. */
const forms = [
  { name: "path", prefix: "/@alice/dev/apps/echo", request: async (path: string) => ({ host: undefined, headers: alice(), cookies: undefined, path: `/@alice/dev/apps/echo${path}` }) },
  { name: "subdomain", prefix: "", request: async (path: string) => ({ host: host("echo"), headers: {}, cookies: await aliceOn(host("echo")), path }) },
] as const;

function sha256(data: Buffer): string {
  return createHash("sha256").update(data).digest("hex");
}

describe("the app proxy", () => {
  it("marks the workspace used when one of its apps is opened", async () => {
    // The first proxied request of this file: the per-minute throttle has not been hit yet.
    await t.env.server.database.pool.query("UPDATE workspaces SET last_used_at = '2001-01-01T00:00:00Z' WHERE id = $1", [ws.id]);
    const res = await appRequest(url, { path: "/@alice/dev/apps/echo/echo", headers: alice() });
    expect(res.status).toBe(200);
    await pollUntil(async () => {
      const row = await t.env.server.database.pool.query<{ last_used_at: Date }>("SELECT last_used_at FROM workspaces WHERE id = $1", [ws.id]);
      return row.rows[0]!.last_used_at.getFullYear() > 2001;
    }, "last_used_at to move");
  });

  for (const form of forms) {
    describe(`by ${form.name}`, () => {
      it("proxies a GET, keeping the query string and non-ASCII paths as sent", async () => {
        const raw = "/caf%C3%A9/%E2%9C%93/echo?q=a%20b&q=c&empty=&plus=1+2";
        const res = await appRequest(url, await form.request(raw));
        expect(res.status).toBe(200);
        const seen = res.json<EchoRequest>();
        expect(seen.method).toBe("GET");
        expect(seen.url).toBe(raw);
      });

      it("sets X-Forwarded-* and strips Den's cookies, headers and den_app_connect", async () => {
        const req = await form.request("/echo?den_app_connect=abc&keep=1");
        const cookies = { ...req.cookies, den_session_token: t.alice.token, den_csrf_token: "csrf", other: "1" };
        const res = await appRequest(url, { ...req, cookies, headers: { ...req.headers, "den-csrf-token": "csrf", "x-forwarded-for": "6.6.6.6", "x-forwarded-host": "evil" } });
        // On an app host den_app_connect is a sign-in attempt: refused as a bad token, never forwarded.
        if (form.name === "subdomain") {
          expect(res.status).toBe(400);
          return;
        }
        expect(res.status).toBe(200);
        const seen = res.json<EchoRequest>();
        expect(seen.url).toBe("/echo?keep=1");
        expect(seen.headers.cookie).toBe("other=1");
        expect(seen.headers["den-session-token"]).toBeUndefined();
        expect(seen.headers["den-csrf-token"]).toBeUndefined();
        expect(seen.headers["x-forwarded-for"]).toBe("127.0.0.1");
        expect(seen.headers["x-forwarded-proto"]).toBe("http");
        expect(seen.headers["x-forwarded-host"]).toBe(new URL(url).host);
        expect(seen.headers["x-forwarded-prefix"]).toBe("/@alice/dev/apps/echo");
      });

      it("uploads 20 MiB, streamed, with the same checksum", async () => {
        const body = randomBytes(20 * MIB);
        const req = await form.request("/upload");
        const res = await appRequest(url, { ...req, method: "POST", body: Readable.from(chunks(body, 256 * 1024)), headers: { ...req.headers, "content-type": "application/octet-stream" } });
        expect(res.status).toBe(200);
        expect(res.json()).toEqual({ bytes: body.length, sha256: sha256(body) });
      });

      it("downloads 50 MiB with the same checksum", async () => {
        const res = await appStream(url, await form.request(`/download?bytes=${50 * MIB}`));
        expect(res.statusCode).toBe(200);
        const hash = createHash("sha256");
        let bytes = 0;
        for await (const chunk of res) {
          bytes += (chunk as Buffer).length;
          hash.update(chunk as Buffer);
        }
        expect(bytes).toBe(50 * MIB);
        expect(hash.digest("hex")).toBe(downloadSha256(50 * MIB));
      });

      it("delivers server-sent events one at a time, not buffered", async () => {
        const res = await appStream(url, await form.request("/sse"));
        expect(res.statusCode).toBe(200);
        expect(res.headers["content-type"]).toBe("text/event-stream");
        const events = eventReader(res);
        // Each event reaches the client before the app has even sent the next one.
        expect(await events.next()).toBe("0");
        echo.sendEvent("1");
        expect(await events.next()).toBe("1");
        echo.sendEvent("2");
        expect(await events.next()).toBe("2");
        echo.endEvents();
        expect(await events.next()).toBeUndefined();
      });

      it("relays a WebSocket both ways, text and binary", async () => {
        const req = await form.request("/ws");
        const socket = await openAppWebSocket(url, { host: req.host, path: req.path, headers: req.headers as Record<string, string>, cookies: req.cookies });
        try {
          socket.send("hello");
          expect((await nextMessage(socket)).toString()).toBe("hello");
          const blob = randomBytes(3 * MIB);
          socket.send(blob);
          const back = await nextMessage(socket);
          expect(sha256(back)).toBe(sha256(blob));
        } finally {
          socket.close();
        }
      });

      it("drops the app's attempts to set Den's cookies", async () => {
        const res = await appRequest(url, await form.request("/set-cookie"));
        expect(res.status).toBe(200);
        expect(res.cookies()).toEqual({ app: "1" });
      });

      it("passes the app's redirects on", async () => {
        const res = await appRequest(url, await form.request("/redirect"));
        expect(res.status).toBe(302);
        expect(res.headers.location).toBe("./echo");
      });

      it("answers HEAD without a body", async () => {
        const res = await appRequest(url, { ...(await form.request("/")), method: "HEAD" });
        expect(res.status).toBe(200);
        expect(res.headers["content-type"]).toContain("text/html");
        expect(res.body.length).toBe(0);
      });
    });
  }

  it("reuses its connections to the app", async () => {
    const before = echo.connections;
    for (let i = 0; i < 20; i++) expect((await appRequest(url, { path: "/@alice/dev/apps/echo/small", headers: alice() })).status).toBe(200);
    expect(echo.connections - before).toBeLessThanOrEqual(2);
  });

  it("survives the app closing idle connections it keeps", async () => {
    const quick = await startEchoApp({ keepAliveTimeoutMs: 1 });
    try {
      const portHost = host(String(quick.port));
      const cookies = await aliceOn(portHost);
      for (let i = 0; i < 5; i++) {
        expect((await appRequest(url, { host: portHost, path: "/small", cookies })).status).toBe(200);
        // The app has closed the connection the proxy kept: the next request must not fail on it.
        await pollUntil(async () => quick.openConnections === 0, "the app to close its idle connection");
      }
      expect(quick.connections).toBe(5);
    } finally {
      await quick.close();
    }
  });

  it("redirects an app path without its trailing slash", async () => {
    const res = await appRequest(url, { path: "/@alice/dev/apps/echo?x=1", headers: alice() });
    expect(res.status).toBe(308);
    expect(res.headers.location).toBe("/@alice/dev/apps/echo/?x=1");
  });

  it("names the agent in the path when asked to, and appends the rest to the app url's path", async () => {
    const res = await appRequest(url, { path: "/@alice/dev.main/apps/based/echo", headers: alice() });
    expect(res.status).toBe(200);
    expect(res.json<EchoRequest>().path).toBe("/base/echo");
    const sub = await appRequest(url, { host: host("based"), path: "/x/echo", cookies: await aliceOn(host("based")) });
    expect(sub.json<EchoRequest>().path).toBe("/base/x/echo");
  });

  it("serves the path form with the session cookie too", async () => {
    const res = await appRequest(url, { path: "/@alice/dev/apps/echo/echo", cookies: { den_session_token: t.alice.token } });
    expect(res.status).toBe(200);
  });

  it("proxies a port by subdomain for its owner", async () => {
    const res = await appRequest(url, { host: host(String(echo.port)), path: "/echo?p=1", cookies: await aliceOn(host(String(echo.port))) });
    expect(res.status).toBe(200);
    expect(res.json<EchoRequest>().url).toBe("/echo?p=1");
  });

  it.runIf(hasCommand("openssl"))("reaches an HTTPS port and an HTTPS app, accepting their self-signed certificate", async () => {
    const portHost = host(`${tlsEcho!.port}s`);
    const res = await appRequest(url, { host: portHost, path: "/echo", cookies: await aliceOn(portHost) });
    expect(res.status).toBe(200);
    const app = await appRequest(url, { path: "/@alice/dev/apps/tls/echo", headers: alice() });
    expect(app.status).toBe(200);
    const socket = await openAppWebSocket(url, { path: "/@alice/dev/apps/tls/ws", headers: alice() });
    socket.send("over tls");
    expect((await nextMessage(socket)).toString()).toBe("over tls");
    socket.close();
  });

  it("does not hand app WebSockets to the API's WebSocket routes, nor API ones to apps", async () => {
    // An app path ending like an API WebSocket route is still the app's.
    const socket = await openAppWebSocket(url, { path: "/@alice/dev/apps/echo/api/v2/workspaceagents/me/ws", headers: alice() });
    socket.send("mine");
    expect((await nextMessage(socket)).toString()).toBe("mine");
    socket.close();
    // And the API's WebSocket endpoints still answer as before: the agent endpoint closes with 4000 + 401 without an agent token.
    const api = await openAppWebSocket(url, { path: "/api/v2/workspaceagents/me/connect" });
    const code = await new Promise<number>((resolve) => api.once("close", resolve));
    expect(code).toBe(4401);
  });

  it("gives an app host's every path to the app, the API's included", async () => {
    const res = await appRequest(url, { host: host("echo"), path: "/api/v2/users/me/echo", cookies: await aliceOn(host("echo")) });
    expect(res.status).toBe(200);
    expect(res.json<EchoRequest>().path).toBe("/api/v2/users/me/echo");
  });

  it("leaves the dashboard's own /@user/workspace pages to the dashboard", async () => {
    const res = await appRequest(url, { path: "/@alice/dev", headers: { accept: "text/html" } });
    expect(res.text()).not.toContain("Den app proxy");
    const api = await appRequest(url, { path: "/api/v2/applications/host", headers: alice() });
    expect(api.json()).toEqual({ host: `*.den.localhost:${port}`, path_apps: true });
  });
});

describe("subdomain sign-in", () => {
  const echoHost = () => host("echo");

  it("takes an anonymous browser through login and the token exchange to the app", async () => {
    // 1. The app host sends an anonymous browser to the API origin.
    const first = await appRequest(url, { host: echoHost(), path: "/echo?a=1", headers: { accept: "text/html" } });
    expect(first.status).toBe(303);
    const toAuth = new URL(first.headers.location!);
    expect(toAuth.origin).toBe(url);
    expect(toAuth.pathname).toBe("/api/v2/applications/auth-redirect");
    expect(toAuth.searchParams.get("redirect_uri")).toBe(`http://${echoHost()}/echo?a=1`);
    // 2. Not logged in there either: to the login page, which comes back here afterwards.
    const second = await appRequest(url, { path: toAuth.pathname + toAuth.search });
    expect(second.status).toBe(303);
    const login = new URL(second.headers.location!, url);
    expect(login.pathname).toBe("/login");
    expect(login.searchParams.get("redirect")).toBe(toAuth.pathname + toAuth.search);
    // 3. After logging in (the dashboard's session cookie), the same URL hands out an exchange token for this host.
    const third = await appRequest(url, { path: login.searchParams.get("redirect")!, cookies: { den_session_token: t.alice.token } });
    expect(third.status).toBe(303);
    const back = new URL(third.headers.location!);
    expect(back.host).toBe(echoHost());
    expect(back.pathname + back.searchParams.get("a")).toBe("/echo1");
    const token = back.searchParams.get("den_app_connect");
    expect(token).toBeTruthy();
    // 4. The app host trades it for its own cookie and goes back to the page, relative and without the token.
    const fourth = await appRequest(url, { host: echoHost(), path: back.pathname + back.search });
    expect(fourth.status).toBe(303);
    expect(fourth.headers.location).toBe("/echo?a=1");
    const setCookie = fourth.headers["set-cookie"]!.find((c) => c.startsWith("den_app_token="))!;
    expect(setCookie).toMatch(/HttpOnly/);
    expect(setCookie).toMatch(/SameSite=Lax/);
    expect(setCookie).toMatch(/Path=\//);
    expect(setCookie).not.toMatch(/Domain=/i);
    // 5. With the cookie, the app answers; it never sees the cookie.
    const fifth = await appRequest(url, { host: echoHost(), path: "/echo?a=1", cookies: fourth.cookies() });
    expect(fifth.status).toBe(200);
    expect(fifth.json<EchoRequest>().headers.cookie).toBeUndefined();
  });

  it("answers 401 rather than a redirect to requests a browser does not navigate", async () => {
    const res = await appRequest(url, { host: echoHost(), path: "/upload", method: "POST", body: "x" });
    expect(res.status).toBe(401);
  });

  it("refuses an exchange token made for another host, or tampered with, or expired", async () => {
    const signer = await serverTokenSigner(t.env.server);
    const exp = Math.floor(Date.now() / 1000) + 60;
    const forOther = signer.sign({ typ: "exchange", uid: t.alice.id, host: host("sub"), exp });
    const expired = signer.sign({ typ: "exchange", uid: t.alice.id, host: echoHost(), exp: Math.floor(Date.now() / 1000) - 1 });
    const good = signer.sign({ typ: "exchange", uid: t.alice.id, host: echoHost(), exp });
    const [body, mac] = good.split(".") as [string, string];
    const tampered = `${Buffer.from(JSON.stringify({ typ: "exchange", uid: t.bob.id, host: echoHost(), exp })).toString("base64url")}.${mac}`;
    const appTyped = signer.sign({ typ: "app", uid: t.alice.id, host: echoHost(), exp });
    for (const token of [forOther, expired, tampered, appTyped, `${body}.${mac.slice(0, -2)}`, "garbage", ""]) {
      const res = await appRequest(url, { host: echoHost(), path: `/?den_app_connect=${encodeURIComponent(token)}`, headers: { accept: "text/html" } });
      expect(res.status, token).toBe(400);
      expect(res.headers["set-cookie"], token).toBeUndefined();
      expect(res.text()).toContain("Sign-in link not valid");
    }
    // The same payload, properly signed, works.
    const ok = await appRequest(url, { host: echoHost(), path: `/?den_app_connect=${good}` });
    expect(ok.status).toBe(303);
  });

  it("refuses app cookies of another host, expired or forged", async () => {
    const signer = await serverTokenSigner(t.env.server);
    const exp = Math.floor(Date.now() / 1000) + 600;
    const cookies = [
      await aliceOn(host("sub")),
      { den_app_token: signer.sign({ typ: "app", uid: t.alice.id, host: echoHost(), exp: Math.floor(Date.now() / 1000) - 1 }) },
      { den_app_token: signer.sign({ typ: "exchange", uid: t.alice.id, host: echoHost(), exp }) },
      { den_app_token: `${Buffer.from(JSON.stringify({ typ: "app", uid: t.alice.id, host: echoHost(), exp })).toString("base64url")}.AAAA` },
    ];
    for (const cookie of cookies) {
      const res = await appRequest(url, { host: echoHost(), path: "/echo", cookies: cookie });
      expect(res.status).toBe(303);
    }
  });

  it("only sends the token to app URLs under the wildcard host", async () => {
    const bad = [
      "http://evil.example/",
      `http://den.localhost:${port}/`,
      `http://a.b--main--dev--alice.den.localhost:${port}/`,
      `http://echo--main--dev--alice.den.localhost:${port + 1}/`,
      `https://${echoHost()}/`,
      `http://user:pw@${echoHost()}/`,
      "/relative",
      "javascript:alert(1)",
    ];
    for (const uri of bad) {
      const res = await appRequest(url, { path: `/api/v2/applications/auth-redirect?redirect_uri=${encodeURIComponent(uri)}`, cookies: { den_session_token: t.alice.token } });
      expect(res.status, uri).toBe(400);
      expect(res.json<{ validations: Array<{ field: string }> }>().validations[0]!.field).toBe("redirect_uri");
    }
  });

  it("goes back to a path on the app's own host only", async () => {
    const signer = await serverTokenSigner(t.env.server);
    const exp = Math.floor(Date.now() / 1000) + 60;
    for (const [path, location] of [
      ["//evil.example/x", "/evil.example/x"],
      ["/\\evil.example/", "/evil.example/"],
      ["/a/b?c=d", "/a/b?c=d"],
    ] as const) {
      const token = signer.sign({ typ: "exchange", uid: t.alice.id, host: echoHost(), exp });
      const res = await appRequest(url, { host: echoHost(), path: `${path}${path.includes("?") ? "&" : "?"}den_app_connect=${token}` });
      expect(res.status, path).toBe(303);
      expect(res.headers.location, path).toBe(location);
    }
  });

  it("refuses a crafted hostname naming another user's workspace", async () => {
    // bob signs in on the host of alice's app: his cookie is valid there, but the app is not his.
    const bobCookie = await signInToAppHost(url, echoHost(), t.bob.token);
    const res = await appRequest(url, { host: echoHost(), path: "/echo", cookies: { den_app_token: bobCookie }, headers: { accept: "text/html" } });
    expect(res.status).toBe(404);
    expect(res.text()).toContain("App not found");
    // Nor can he use his own host's cookie on alice's host.
    const own = await appRequest(url, { host: echoHost(), path: "/echo", cookies: { den_app_token: bobCookie.replace(/./, "x") } });
    expect(own.status).toBe(303);
  });
});

describe("error pages", () => {
  it("says that nothing listens on the app's port", async () => {
    const res = await appRequest(url, { path: "/@alice/dev/apps/dead/", headers: { ...alice(), accept: "text/html" } });
    expect(res.status).toBe(502);
    expect(res.headers["content-type"]).toContain("text/html");
    expect(res.text()).toContain(`Nothing is listening on port ${closedPort} inside the workspace`);
    const plain = await appRequest(url, { host: host(String(closedPort)), path: "/", cookies: await aliceOn(host(String(closedPort))) });
    expect(plain.status).toBe(502);
    expect(plain.text()).toBe(`Nothing is listening on port ${closedPort} inside the workspace.\n`);
  });

  it("refuses an app whose url leaves the workspace", async () => {
    const res = await appRequest(url, { path: "/@alice/dev/apps/far/", headers: alice() });
    expect(res.status).toBe(502);
    expect(res.text()).toContain("must be an http or https URL of the workspace itself");
  });

  it("shows unhealthy and initializing apps as such, and the app once healthy", async () => {
    const setHealth = (state: string) =>
      t.env.server.database.pool.query("UPDATE workspace_agents SET app_health = app_health || jsonb_build_object('health', $2::text) WHERE workspace_id = $1", [ws.id, state]);
    const open = () => appRequest(url, { path: "/@alice/dev/apps/health/", headers: { ...alice(), accept: "text/html" } });
    await setHealth("unhealthy");
    const unhealthy = await pollFor(open, (r) => r.status === 502, "the unhealthy page");
    expect(unhealthy.text()).toContain("health is unhealthy");
    await setHealth("initializing");
    const starting = await pollFor(open, (r) => r.status === 503, "the starting page");
    expect(starting.text()).toContain("health is starting");
    expect(starting.headers.refresh).toBe("2");
    expect(starting.text()).toContain('<meta http-equiv="refresh" content="2">');
    await setHealth("healthy");
    await pollFor(open, (r) => r.status === 200, "the app");
  });

  it("answers malformed addresses with 4xx pages, never 500", async () => {
    const hosts = [
      `x--main--dev.den.localhost:${port}`,
      `a.b--main--dev--alice.den.localhost:${port}`,
      `0--main--dev--alice.den.localhost:${port}`,
      `70000--main--dev--alice.den.localhost:${port}`,
      `08080--main--dev--alice.den.localhost:${port}`,
      `Bad_Slug--main--dev--alice.den.localhost:${port}`,
      `echo--main--dev--a%20b.den.localhost:${port}`,
      `echo----dev--alice.den.localhost:${port}`,
    ];
    for (const badHost of hosts) {
      const res = await appRequest(url, { host: badHost, path: "/" });
      expect(res.status, badHost).toBe(400);
    }
    const paths = ["/@alice/dev/apps/Bad_Slug/", "/@alice/dev/apps/a--b/", "/@alice/dev./apps/echo/", "/@/dev/apps/echo/", "/@alice/dev/apps//", "/@alice/de%20v/apps/echo/"];
    for (const path of paths) {
      const res = await appRequest(url, { path, headers: alice() });
      expect(res.status, path).toBeGreaterThanOrEqual(400);
      expect(res.status, path).toBeLessThan(500);
    }
    // Bytes a client should have percent-encoded: passed on as they came, or refused, never a crash.
    const raw = await rawRequest(Buffer.concat([Buffer.from("GET /@alice/dev/apps/echo/caf"), Buffer.from([0xc3, 0xa9]), Buffer.from(`/echo HTTP/1.1\r\nHost: 127.0.0.1\r\nDen-Session-Token: ${t.alice.token}\r\nConnection: close\r\n\r\n`)]));
    expect(raw).toMatch(/^HTTP\/1\.1 [24]\d\d /);
    const unknown = await appRequest(url, { path: "/@alice/dev/apps/nope/", headers: alice() });
    expect(unknown.status).toBe(404);
    const unknownAgent = await appRequest(url, { path: "/@alice/dev.nope/apps/echo/", headers: alice() });
    expect(unknownAgent.status).toBe(404);
  });

  it("says when the workspace's agent is not connected", async () => {
    process.kill(agentPid(ws), "SIGKILL");
    const res = await pollFor(
      () => appRequest(url, { path: "/@alice/dev/apps/echo/", headers: alice() }),
      // Requests in flight while the tunnel closes hear "disconnected"; later ones "not connected".
      (r) => r.status === 503 && r.text().includes("not connected"),
      "the agent-not-connected page",
    );
    expect(res.text()).toBe('The agent "main" of workspace dev is not connected; this page reloads until it is.\n');
    expect(res.headers.refresh).toBe("2");
  });

  it("says when the workspace is not running", async () => {
    const build = await t.api.build(t.alice.token, ws.id, { transition: "stop" });
    await t.api.settle(t.alice.token, build);
    const res = await pollFor(
      () => appRequest(url, { path: "/@alice/dev/apps/echo/", headers: { ...alice(), accept: "text/html" } }),
      (r) => r.status === 502,
      "the not-running page",
    );
    expect(res.text()).toContain("Workspace dev is stopped: start it from its page.");
    expect(res.text()).toContain(`href="${url}/@alice/dev"`);
  });
});

/** Sends raw bytes to the server and answers everything it sends back until it closes. */
async function rawRequest(bytes: Buffer): Promise<string> {
  const socket = connect(port, "127.0.0.1");
  socket.end(bytes);
  const chunks: Buffer[] = [];
  for await (const chunk of socket) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("latin1");
}

/** Splits a buffer into chunks, for a streamed upload. */
function* chunks(data: Buffer, size: number): Generator<Buffer> {
  for (let i = 0; i < data.length; i += size) yield data.subarray(i, i + size);
}

/** Reads server-sent events' data one at a time; undefined once the stream ended. */
function eventReader(stream: Readable): { next(): Promise<string | undefined> } {
  let buffer = "";
  const iterator = stream[Symbol.asyncIterator]();
  return {
    async next() {
      for (;;) {
        const end = buffer.indexOf("\n\n");
        if (end >= 0) {
          const event = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          return event.replace(/^data: /, "");
        }
        const chunk = await iterator.next();
        if (chunk.done) return undefined;
        buffer += (chunk.value as Buffer).toString("utf8");
      }
    },
  };
}

function nextMessage(socket: WebSocket): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    socket.once("message", (data: Buffer) => resolve(data));
    socket.once("error", reject);
  });
}

/** Polls until the condition holds, with a deadline (the proxy reads a workspace's state again every few seconds). */
async function pollUntil(check: () => Promise<boolean>, what: string, limitMs = 15_000): Promise<void> {
  const deadline = Date.now() + limitMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function pollFor(request: () => Promise<AppResponse>, done: (res: AppResponse) => boolean, what: string): Promise<AppResponse> {
  let last: AppResponse | undefined;
  await pollUntil(async () => {
    last = await request();
    return done(last);
  }, `${what} (last answer ${last?.status}: ${last?.text().slice(0, 200)})`);
  return last!;
}
