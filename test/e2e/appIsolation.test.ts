import { randomUUID } from "node:crypto";
import { createServer as createHttpServer, type Server } from "node:http";
import { connect, createServer as createTcpServer, type Socket } from "node:net";
import type { BrowserContext, Page, Request } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Workspace } from "../../src/sdk/schemas/workspaces.js";
import type { TestUser } from "../../src/server/users/testUsers.js";
import { AgentWorkspaceEnv } from "../support/agentWorkspace.js";
import { appRequest } from "../support/appRequest.js";
import { appsTemplate, signInToAppHost } from "../support/appTemplates.js";
import { buildDashboard, chromiumPrerequisite, launchChromium, type TestBrowser } from "../support/browser.js";
import { downloadSha256, startEchoApp, type EchoApp, type EchoRequest } from "../support/echoApp.js";
import { createTestTemplate } from "../support/templates.js";

/**
 * Isolation of workspace apps, tried from inside real Chromium pages. The
 * dashboard runs at http://den.localhost:<port> and subdomain apps at
 * http://*.den.localhost:<port>: app hosts are then *same-site* with the
 * dashboard (the harder case: the browser sends SameSite=Lax cookies of
 * den.localhost with requests an app page makes), and only host-only cookies,
 * CORS, the CSRF double submit and the WebSocket origin check keep an app
 * page away from the visitor's Den session.
 */

/** Builds, agents, health checks and the proxy run for real; generous, only to turn a hang into a clear failure. */
const STEP_MS = 60_000;
const MIB = 1024 * 1024;
const DEN_SECRETS = ["den_session_token", "den_csrf_token", "den_app_token", "den_app_connect"];

let t: AgentWorkspaceEnv;
let port: number;
/** The dashboard's (access) URL, as the browser uses it. */
let den: string;
let echo: EchoApp;
let tap: Wiretap;
let healthTarget: HealthCheckTarget;
let alicesWorkspace: Workspace;
let browser: TestBrowser;
let context: BrowserContext;
let page: Page;
const pageErrors: string[] = [];
/** Every value of a Den cookie the browser has held: none may reach the app. */
const secretValues = new Set<string>();

/** `<slug>--main--<workspace>--<user>.den.localhost:<port>` */
const appHost = (slug: string, workspace = "iso", user = "alice") => `${slug}--main--${workspace}--${user}.den.localhost:${port}`;

/**
 * A TCP relay in front of the echo app that keeps every byte clients send
 * through it, so that a test can say what the app received, whatever the
 * request (pages, fetches, WebSocket frames).
 */
type Wiretap = { port: number; received(): string; close(): Promise<void> };

async function startWiretap(targetPort: number): Promise<Wiretap> {
  const chunks: Buffer[] = [];
  const sockets = new Set<Socket>();
  const server = createTcpServer((client) => {
    const upstream = connect(targetPort, "127.0.0.1");
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.once("close", () => sockets.delete(socket));
      socket.on("error", () => {
        client.destroy();
        upstream.destroy();
      });
    }
    client.on("data", (chunk: Buffer) => chunks.push(chunk));
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((resolve, reject) => server.once("error", reject).listen(0, "127.0.0.1", resolve));
  return {
    port: (server.address() as { port: number }).port,
    received: () => Buffer.concat(chunks).toString("latin1"),
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** What an app's health check polls: a port the test opens and closes. */
type HealthCheckTarget = { port: number; open(): Promise<void>; close(): Promise<void> };

async function startHealthCheckTarget(): Promise<HealthCheckTarget> {
  let server: Server | undefined;
  let port = 0;
  const target: HealthCheckTarget = {
    get port() {
      return port;
    },
    async open() {
      const next = createHttpServer((_req, res) => res.end("ok\n"));
      await new Promise<void>((resolve, reject) => next.once("error", reject).listen(port, "127.0.0.1", resolve));
      port = (next.address() as { port: number }).port;
      server = next;
    },
    async close() {
      const open = server;
      server = undefined;
      if (!open) return;
      const closed = new Promise<void>((resolve) => open.close(() => resolve()));
      // The agent's health checks keep their connection alive: drop it, or close would wait for it.
      open.closeAllConnections();
      await closed;
    },
  };
  await target.open();
  return target;
}

/** Polls (no event reaches a test for agent changes) until the workspace's agent is connected, as `token`'s user sees it. */
async function agentConnected(token: string, workspaceId: string): Promise<Workspace> {
  const deadline = Date.now() + STEP_MS;
  for (;;) {
    const ws = await t.api.get(token, workspaceId);
    if (ws.agents[0]?.status === "connected") return ws;
    if (Date.now() > deadline) throw new Error(`the agent of ${ws.name} did not connect: ${JSON.stringify(ws.agents[0])}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function logIn(user: TestUser, expectedUrl: string | RegExp = `${den}/workspaces`): Promise<void> {
  await page.getByLabel("Email").fill(user.email);
  await page.getByLabel("Password").fill(user.password);
  await page.getByRole("button", { name: "Log in" }).click();
  await page.waitForURL(expectedUrl);
  await rememberCookieValues();
}

async function rememberCookieValues(): Promise<void> {
  for (const cookie of await context.cookies()) if (cookie.name.startsWith("den_")) secretValues.add(cookie.value);
}

/** The app received none of Den's cookies, nor the exchange parameter, nor any of their values. */
function expectAppSawNoDenSecret(): void {
  const received = tap.received();
  // Without traffic through the tap, the checks below would hold trivially.
  expect(received).toMatch(/^GET \/ HTTP\/1\.1\r\n/m);
  for (const name of DEN_SECRETS) expect(received, name).not.toContain(name);
  for (const value of secretValues) expect(received.includes(value), "a Den cookie's value reached the app").toBe(false);
}

/** alice's API tokens, read through the API with her test session. */
async function aliceTokenNames(): Promise<string[]> {
  const list = await t.api.ok<Array<{ token_name: string }>>(t.alice.token, "GET", "/users/alice/keys/tokens");
  return list.map((key) => key.token_name);
}

type SessionProbe = { cookies: string; me: string; tokenWithHeader: string; tokenSimple: string; pty: string };

/**
 * Runs in a page: reads document.cookie, then uses the dashboard's API and a
 * terminal WebSocket with whatever credentials the browser attaches, as a
 * script of that page could. Each answer is a short text.
 */
function probeSession(page: Page, args: { den: string; agentId: string; tokenPrefix: string; reconnect: string }): Promise<SessionProbe> {
  return page.evaluate(async ({ den, agentId, tokenPrefix, reconnect }) => {
    const refused = (err: unknown) => `refused: ${String(err)}`;
    const out = { cookies: document.cookie, me: "", tokenWithHeader: "", tokenSimple: "", pty: "" };
    try {
      const res = await fetch(`${den}/api/v2/users/me`, { credentials: "include" });
      out.me = res.ok ? `${res.status} ${((await res.json()) as { username: string }).username}` : String(res.status);
    } catch (err) {
      out.me = refused(err);
    }
    // As the dashboard does it: JSON with the CSRF cookie echoed in a header (a cross-origin page must pass a CORS preflight for that).
    const csrf = /(?:^|; )den_csrf_token=([^;]*)/.exec(document.cookie)?.[1] ?? "";
    try {
      const res = await fetch(`${den}/api/v2/users/me/keys/tokens`, {
        method: "POST",
        credentials: "include",
        headers: { "content-type": "application/json", "den-csrf-token": csrf },
        body: JSON.stringify({ token_name: `${tokenPrefix}-header` }),
      });
      out.tokenWithHeader = String(res.status);
    } catch (err) {
      out.tokenWithHeader = refused(err);
    }
    // A "simple" request needs no preflight: it reaches the server with the cookies, unreadable (opaque) to the page.
    try {
      const res = await fetch(`${den}/api/v2/users/me/keys/tokens`, {
        method: "POST",
        mode: "no-cors",
        credentials: "include",
        headers: { "content-type": "text/plain" },
        body: JSON.stringify({ token_name: `${tokenPrefix}-simple` }),
      });
      out.tokenSimple = res.type;
    } catch (err) {
      out.tokenSimple = refused(err);
    }
    out.pty = await new Promise<string>((resolve) => {
      const query = new URLSearchParams({ reconnect, width: "80", height: "24", command: "echo pty-$((6*7))" });
      const socket = new WebSocket(`${den.replace(/^http/, "ws")}/api/v2/workspaceagents/${agentId}/pty?${query}`);
      socket.binaryType = "arraybuffer";
      let output = "";
      socket.onmessage = (event) => (output += typeof event.data === "string" ? event.data : new TextDecoder().decode(event.data as ArrayBuffer));
      socket.onclose = (event) => resolve(`closed ${event.code}: ${output}`);
    });
    return out;
  }, args);
}

/**
 * Runs in an app's page: a download and an upload of its own origin, both
 * with SHA-256 checksums, and a WebSocket echo of text and binary frames.
 */
function exchangeWithApp(page: Page, args: { downloadBytes: number; uploadBytes: number }): Promise<{
  secure: boolean;
  download: { status: number; bytes: number; sha256: string };
  upload: { sent: string; received: { bytes: number; sha256: string } };
  echo: { text: string; binary: string; sentBinary: string };
}> {
  return page.evaluate(async ({ downloadBytes, uploadBytes }) => {
    const hex = async (data: BufferSource) => [...new Uint8Array(await crypto.subtle.digest("SHA-256", data))].map((b) => b.toString(16).padStart(2, "0")).join("");
    const download = await fetch(`download?bytes=${downloadBytes}`);
    const downloaded = await download.arrayBuffer();
    const body = new Uint8Array(uploadBytes);
    let x = 0x12345678;
    for (let i = 0; i < body.length; i++) {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      body[i] = x & 0xff;
    }
    const upload = (await (await fetch("upload", { method: "POST", body })).json()) as { bytes: number; sha256: string };
    const binary = new Uint8Array(256 * 1024).map((_, i) => (i * 7) & 0xff);
    const socketUrl = new URL("ws", location.href);
    socketUrl.protocol = "ws:";
    const socket = new WebSocket(socketUrl);
    socket.binaryType = "arraybuffer";
    const replies: Array<string | ArrayBuffer> = [];
    await new Promise<void>((resolve, reject) => {
      socket.onerror = () => reject(new Error("WebSocket failed"));
      socket.onopen = () => {
        socket.send("héllo, app");
        socket.send(binary);
      };
      socket.onmessage = (event) => {
        replies.push(event.data as string | ArrayBuffer);
        if (replies.length === 2) resolve();
      };
    });
    socket.close();
    return {
      secure: isSecureContext,
      download: { status: download.status, bytes: downloaded.byteLength, sha256: await hex(downloaded) },
      upload: { sent: await hex(body), received: upload },
      echo: { text: String(replies[0]), binary: await hex(replies[1] as ArrayBuffer), sentBinary: await hex(binary) },
    };
  }, args);
}

describe.runIf(chromiumPrerequisite())("workspace app isolation in Chromium (dashboard and apps same-site under den.localhost)", () => {
  beforeAll(async () => {
    await buildDashboard();
    echo = await startEchoApp();
    tap = await startWiretap(echo.port);
    healthTarget = await startHealthCheckTarget();
    t = await AgentWorkspaceEnv.start({ config: (listenPort) => ({ wildcardAccessUrl: `*.den.localhost:${listenPort}` }) });
    port = Number(new URL(t.env.url).port);
    den = `http://den.localhost:${port}`;
    const appUrl = `http://127.0.0.1:${tap.port}/`;
    const template = await createTestTemplate(t.env.server, t.jobs, t.owner.token, "iso", {
      "den.yaml": appsTemplate("iso", [
        { slug: "sub", url: appUrl, subdomain: true },
        // Asks for more than a path app may have: the proxy keeps it at owner.
        { slug: "path", url: appUrl, share: "authenticated" },
        { slug: "health", url: appUrl, healthcheck: { url: `http://127.0.0.1:${healthTarget.port}/`, interval: 1, threshold: 2 } },
      ]),
    });
    const [alices, bobs] = await Promise.all([
      t.api.createAndSettle(t.alice.token, { name: "iso", template_id: template.id }),
      t.api.createAndSettle(t.bob.token, { name: "bobws", template_id: template.id }),
    ]);
    alicesWorkspace = await agentConnected(t.alice.token, alices.id);
    await agentConnected(t.bob.token, bobs.id);
    // Only now: the agents dial the access URL, and Node (unlike Chromium) does not resolve *.localhost.
    t.env.server.setAccessUrl(den);
    browser = await launchChromium({ stepMs: STEP_MS });
    ({ context, page } = browser);
    page.on("pageerror", (err) => pageErrors.push(err.message));
    await page.goto(`${den}/login`);
    await logIn(t.alice);
  }, 240_000);

  afterAll(async () => {
    await browser?.close();
    await t?.stop();
    await healthTarget?.close();
    await tap?.close();
    await echo?.close();
  });

  it("keeps a subdomain app's page away from the visitor's Den session: no cookies, no API, no token, no terminal", async () => {
    const agentId = alicesWorkspace.agents[0]!.id;
    // From the dashboard's own page every probe works: the refusals below are the app host's.
    await page.goto(`${den}/workspaces`);
    const fromDashboard = await probeSession(page, { den, agentId, tokenPrefix: "dashboard", reconnect: randomUUID() });
    expect(fromDashboard.cookies).toContain("den_csrf_token=");
    expect(fromDashboard.me).toBe("200 alice");
    expect(fromDashboard.tokenWithHeader).toBe("201");
    expect(fromDashboard.pty).toMatch(/^closed 1000: .*pty-42/s);

    await page.goto(`http://${appHost("sub")}/`);
    await page.locator("#echo-app").waitFor();
    expect(page.url()).toBe(`http://${appHost("sub")}/`);
    await rememberCookieValues();
    // The browser holds both sessions, each HttpOnly and host-only.
    const cookies = await context.cookies();
    const session = cookies.find((c) => c.name === "den_session_token")!;
    const appToken = cookies.find((c) => c.name === "den_app_token")!;
    expect({ domain: session.domain, httpOnly: session.httpOnly }).toEqual({ domain: "den.localhost", httpOnly: true });
    expect({ domain: appToken.domain, httpOnly: appToken.httpOnly }).toEqual({ domain: appHost("sub").split(":")[0], httpOnly: true });

    const fromApp = await probeSession(page, { den, agentId, tokenPrefix: "app", reconnect: randomUUID() });
    expect(fromApp.cookies).not.toMatch(/den_/);
    // No CORS headers: the browser sends the cookie (same-site) but keeps the answer from the page.
    expect(fromApp.me).toMatch(/^refused: TypeError|^401$/);
    // The preflight fails, so the POST is never sent.
    expect(fromApp.tokenWithHeader).toMatch(/^refused: TypeError/);
    // The simple POST is sent with the session cookie, and refused for want of the CSRF header.
    expect(fromApp.tokenSimple).toBe("opaque");
    // The terminal endpoint refuses cookie-authenticated upgrades from another origin (4000 + 403).
    expect(fromApp.pty).toBe("closed 4403: ");
    const tokens = await aliceTokenNames();
    expect(tokens).toContain("dashboard-header");
    expect(tokens.filter((name) => name.startsWith("app-") || name === "dashboard-simple")).toEqual([]);

    // What the app itself gets from its page's requests: no Den cookie.
    const seen = await page.evaluate(async () => (await (await fetch("echo", { credentials: "include" })).json()) as EchoRequest);
    expect(String(seen.headers.cookie ?? "")).not.toMatch(/den_/);
    expectAppSawNoDenSecret();
  });

  it("serves a path app on the dashboard's origin to its owner only, without handing it Den's cookies", async () => {
    await page.goto(`${den}/@alice/iso/apps/path/`);
    await page.locator("#echo-app").waitFor();
    const cookies = await page.evaluate(() => document.cookie);
    expect(cookies).not.toContain("den_session_token");
    // A path app shares the dashboard's origin: its scripts can read the CSRF cookie and call the API as
    // whoever opens it, with the session cookie the browser attaches. That is why path apps are owner-only
    // (whatever their `share`) unless --dangerous-allow-path-app-sharing, why a site owner cannot open other
    // users' path apps without --dangerous-allow-path-app-site-owner-access, and why --disable-path-apps exists:
    // only the workspace's owner ever runs that code with their own session. This shows the exposure:
    expect(cookies).toContain("den_csrf_token=");
    expect(await page.evaluate(async () => ((await (await fetch("/api/v2/users/me")).json()) as { username: string }).username)).toBe("alice");
    expectAppSawNoDenSecret();

    // bob may not open it by path although the app says `share: authenticated` (test/e2e/appProxySharing.test.ts
    // covers --dangerous-allow-path-app-sharing)...
    const byPath = await appRequest(t.env.url, { path: "/@alice/iso/apps/path/", headers: { "den-session-token": t.bob.token, accept: "text/html" } });
    expect(byPath.status).toBe(404);
    expect(byPath.text()).toContain("App not found");
    // ...while on its own subdomain, where it cannot reach the dashboard's session, the app's level holds.
    const bobCookie = await signInToAppHost(t.env.url, appHost("path"), t.bob.token);
    const bySubdomain = await appRequest(t.env.url, { host: appHost("path"), path: "/", cookies: { den_app_token: bobCookie } });
    expect(bySubdomain.status).toBe(200);
    expect(bySubdomain.text()).toContain('id="echo-app"');
  });

  it("refuses a crafted subdomain naming bob's workspace, with alice's token or one made for that host", async () => {
    const bobsHost = appHost("sub", "bobws", "bob");
    const alicesToken = (await context.cookies(`http://${appHost("sub")}/`)).find((c) => c.name === "den_app_token")!.value;
    // alice's token is bound to her host: on bob's it counts for nothing (as if anonymous: off to sign in).
    const withHerToken = await appRequest(t.env.url, { host: bobsHost, path: "/", cookies: { den_app_token: alicesToken }, headers: { accept: "text/html" } });
    expect(withHerToken.status).toBe(303);
    expect(withHerToken.headers.location).toContain("/api/v2/applications/auth-redirect?");

    // The browser way: the auth redirect gladly makes alice a token for bob's host, but the app is bob's (owner level).
    for (const host of [bobsHost, appHost("sub", "bobws", "alice")]) {
      const res = await page.goto(`http://${host}/`);
      expect(res!.status(), host).toBe(404);
      await page.getByRole("heading", { name: "App not found" }).waitFor();
      expect(page.url()).toBe(`http://${host}/`);
      expect((await context.cookies(`http://${host}/`)).map((c) => c.name)).toContain("den_app_token");
    }
    await rememberCookieValues();
    // bob himself opens it.
    const bobCookie = await signInToAppHost(t.env.url, bobsHost, t.bob.token);
    expect((await appRequest(t.env.url, { host: bobsHost, path: "/", cookies: { den_app_token: bobCookie } })).status).toBe(200);
  });

  it("relays a download and an upload with checksums and a WebSocket echo from the app's own page, by path and by subdomain", async () => {
    const downloadBytes = 8 * MIB + 17;
    for (const appUrl of [`${den}/@alice/iso/apps/path/`, `http://${appHost("sub")}/`]) {
      await page.goto(appUrl);
      await page.locator("#echo-app").waitFor();
      const result = await exchangeWithApp(page, { downloadBytes, uploadBytes: 5 * MIB + 3 });
      // crypto.subtle needs a secure context: Chromium counts http://*.localhost as one.
      expect(result.secure).toBe(true);
      expect(result.download, appUrl).toEqual({ status: 200, bytes: downloadBytes, sha256: downloadSha256(downloadBytes) });
      expect(result.upload.received, appUrl).toEqual({ bytes: 5 * MIB + 3, sha256: result.upload.sent });
      expect(result.echo.text, appUrl).toBe("héllo, app");
      expect(result.echo.binary, appUrl).toBe(result.echo.sentBinary);
    }
    expectAppSawNoDenSecret();
  });

  it("shows the app's health on the workspace page as its health check starts and stops failing, and a clear page while unhealthy", async () => {
    await page.goto(`${den}/@alice/iso`);
    const button = page.getByLabel("Apps").locator('[data-app="health"]');
    await button.getByRole("img", { name: "Healthy" }).waitFor();
    // The button is a link only once the dashboard knows how apps are reached (GET /applications/host).
    const href = "/@alice/iso.main/apps/health/";
    await expect.poll(() => button.getAttribute("href"), { timeout: STEP_MS, interval: 100 }).toBe(href);
    const tab = await context.newPage();
    tab.setDefaultTimeout(STEP_MS);
    try {
      await healthTarget.close();
      // The agent reports the change and the page follows the workspace's events: no reload.
      await button.getByRole("img", { name: /^Unhealthy/ }).waitFor();
      // The proxy may have the healthy state for a moment longer (its lookups are cached briefly).
      await expect.poll(async () => (await tab.goto(`${den}${href}`))!.status(), { timeout: STEP_MS, interval: 200 }).toBe(502);
      await tab.getByRole("heading", { name: "health is unhealthy" }).waitFor();
      expect(await tab.locator(".reason").textContent()).toBe(`The app's health check http://127.0.0.1:${healthTarget.port}/ failed 2 times in a row.`);
      await tab.getByRole("link", { name: "Go to workspace iso" }).waitFor();

      await healthTarget.open();
      await button.getByRole("img", { name: "Healthy" }).waitFor();
      await expect.poll(async () => (await tab.goto(`${den}${href}`))!.status(), { timeout: STEP_MS, interval: 200 }).toBe(200);
      await tab.locator("#echo-app").waitFor();
    } finally {
      await tab.close();
    }
    expect(pageErrors.join("\n")).toBe("");
  });

  it("signs an anonymous visitor of a subdomain app in on the dashboard and back, and sends logins only to paths of its own origin", async () => {
    const appUrl = `http://${appHost("sub")}/echo?from=login`;
    await context.clearCookies();
    await page.goto(appUrl);
    await page.waitForURL((url) => url.origin === den && url.pathname === "/login");
    await logIn(t.alice, appUrl);
    const seen = JSON.parse((await page.locator("body").textContent()) ?? "") as EchoRequest;
    expect(seen.url).toBe("/echo?from=login");

    const offOrigin: string[] = [];
    const watch = (req: Request) => {
      if (new URL(req.url()).hostname !== "den.localhost") offOrigin.push(req.url());
    };
    page.on("request", watch);
    for (const redirect of ["//evil.example/", "http://evil.example/", "/\\evil.example", "/%5Cevil.example", "javascript:alert(1)"]) {
      await context.clearCookies();
      await page.goto(`${den}/login?redirect=${redirect}`);
      await logIn(t.alice);
    }
    page.off("request", watch);
    expect(offOrigin).toEqual([]);
    expectAppSawNoDenSecret();
    expect(pageErrors.join("\n")).toBe("");
  });

  it("never lets a session cookie an app page plants on den.localhost stand for the visitor's, before or after logging out; logging in clears it", async () => {
    /** From an app host's page, as any app's script could: bob's session for the dashboard's domain. */
    const plant = async (paths: string[]) => {
      await page.goto(`http://${appHost("sub")}/`);
      await page.locator("#echo-app").waitFor();
      await page.evaluate(
        ({ token, paths }) => paths.forEach((path) => (document.cookie = `den_session_token=${token}; domain=den.localhost; path=${path}`)),
        { token: t.bob.token, paths },
      );
    };
    /** The session cookies the browser sends to the API, and whose they are. */
    const sessionCookies = async () =>
      (await context.cookies(`${den}/api/v2/users/me`))
        .filter((c) => c.name === "den_session_token")
        .map((c) => `${c.domain}${c.path} ${c.value === t.bob.token ? "bob" : c.value === "" ? "empty" : "other"}`)
        .sort();
    /** GET /users/me from the dashboard's page, as the dashboard does it. */
    const me = () =>
      page.evaluate(async () => {
        const res = await fetch("/api/v2/users/me");
        const body = (await res.json()) as { username?: string; message?: string };
        return `${res.status} ${body.username ?? body.message}`;
      });
    const conflict = /^401 Your browser sent conflicting Den session cookies, possibly set by a workspace app/;
    /** The dashboard sends the visitor to log in and says why; the API answers as nobody, least of all bob. */
    const expectRefused = async () => {
      await page.goto(`${den}/workspaces`);
      await page.waitForURL(`${den}/login?redirect=%2Fworkspaces`);
      await page.getByRole("alert").getByText("conflicting Den session cookies").waitFor();
      expect(await me()).toMatch(conflict);
    };

    // alice is logged in (the test before); bob's copy arrives beside hers, and first (its path is longer).
    await plant(["/api"]);
    expect(await sessionCookies()).toEqual([".den.localhost/api bob", "den.localhost/ other"]);
    await expectRefused();
    // Logging in clears the planted copy (its Domain and Path are among those the answer expires).
    await logIn(t.alice);
    expect(await me()).toBe("200 alice");
    expect(await sessionCookies()).toEqual(["den.localhost/ other"]);

    // Logging out leaves an empty host-only cookie: a copy planted afterwards is a second cookie, refused
    // (without it, bob's would be the only one).
    await page.getByRole("button", { name: "Log out" }).click();
    await page.waitForURL(`${den}/login`);
    expect(await sessionCookies()).toEqual(["den.localhost/ empty"]);
    await plant(["/"]);
    expect(await sessionCookies()).toEqual([".den.localhost/ bob", "den.localhost/ empty"]);
    await expectRefused();
    await page.reload();
    expect(await me()).toMatch(conflict);
    await logIn(t.alice);
    expect(await me()).toBe("200 alice");
    expect(await sessionCookies()).toEqual(["den.localhost/ other"]);
    expect(pageErrors.join("\n")).toBe("");
  });
});
