import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ServerConfig } from "../../src/server/config.js";
import type { Workspace } from "../../src/sdk/schemas/workspaces.js";
import { loginAs } from "../../src/server/users/testUsers.js";
import { AgentWorkspaceEnv } from "../support/agentWorkspace.js";
import { appRequest, type AppResponse } from "../support/appRequest.js";
import { createAppWorkspace, signInToAppHost } from "../support/appTemplates.js";
import { startEchoApp, type EchoApp } from "../support/echoApp.js";

/**
 * Who may open what: {workspace owner, other member, anonymous} ×
 * {owner, authenticated, public} × {path, subdomain}, the path app flags,
 * site owners, and shared ports capped by the template. Each server
 * configuration gets its own server, with a workspace of alice's whose agent
 * `main` has one app per share level, all served by one echo app.
 */
type Level = "owner" | "authenticated" | "public";
type Who = "owner" | "member" | "anonymous" | "siteOwner";
type Form = "path" | "subdomain";

const LEVELS: Level[] = ["owner", "authenticated", "public"];
const SLUG: Record<Level, string> = { owner: "mine", authenticated: "members", public: "everyone" };

let echo: EchoApp;

beforeAll(async () => {
  echo = await startEchoApp();
});

afterAll(async () => {
  await echo?.close();
});

/** A server with these options, alice's workspace `dev` with the three apps, and requests as anyone. */
class SharingEnv {
  readonly cookies = new Map<string, string>();

  private constructor(
    readonly t: AgentWorkspaceEnv,
    readonly ws: Workspace,
  ) {}

  static async start(config: Partial<ServerConfig>, maxPortShareLevel: Level = "owner"): Promise<SharingEnv> {
    const t = await AgentWorkspaceEnv.start({ config: (port) => ({ wildcardAccessUrl: `*.den.localhost:${port}`, ...config }) });
    try {
      const apps = LEVELS.map((level) => ({ slug: SLUG[level], url: `http://127.0.0.1:${echo.port}/`, share: level, subdomain: true }));
      const ws = await createAppWorkspace(t, "dev", apps, { maxPortShareLevel });
      return new SharingEnv(t, ws);
    } catch (err) {
      await t.stop();
      throw err;
    }
  }

  get url(): string {
    return this.t.env.url;
  }

  host(first: string): string {
    return `${first}--main--dev--alice.den.localhost:${new URL(this.url).port}`;
  }

  private token(who: Who): string | undefined {
    return { owner: this.t.alice.token, member: this.t.bob.token, siteOwner: this.t.owner.token, anonymous: undefined }[who];
  }

  /** A browser navigation (GET, accepts HTML) to the app by path or subdomain, as `who`. */
  async open(who: Who, form: Form, slug: string): Promise<AppResponse> {
    const headers = { accept: "text/html" };
    const token = this.token(who);
    if (form === "path") return appRequest(this.url, { path: `/@alice/dev/apps/${slug}/echo`, headers: token ? { ...headers, "den-session-token": token } : headers });
    return this.openHost(who, this.host(slug));
  }

  /** A browser navigation to an app host, with `who`'s cookie for that host. */
  async openHost(who: Who, appHost: string): Promise<AppResponse> {
    const token = this.token(who);
    const key = `${who} ${appHost}`;
    if (token && !this.cookies.has(key)) this.cookies.set(key, await signInToAppHost(this.url, appHost, token));
    const cookies = token ? { den_app_token: this.cookies.get(key)! } : undefined;
    return appRequest(this.url, { host: appHost, path: "/echo", headers: { accept: "text/html" }, cookies });
  }

  stop(): Promise<void> {
    return this.t.stop();
  }
}

/** What a visitor gets: the app, a redirect to log in, or the page of an unknown app. */
function outcome(res: AppResponse): "app" | "login" | "not found" | string {
  if (res.status === 200 && res.text().startsWith("{")) return "app";
  if (res.status === 303) return "login";
  if (res.status === 404 && res.text().includes("App not found")) return "not found";
  return `${res.status} ${res.text().slice(0, 200)}`;
}

function expected(level: Level, who: Who): string {
  if (level === "public") return "app";
  if (who === "anonymous") return "login";
  if (level === "authenticated" || who === "owner") return "app";
  return "not found";
}

describe("with the default flags", () => {
  let env: SharingEnv;
  beforeAll(async () => {
    env = await SharingEnv.start({}, "public");
  }, 180_000);
  afterAll(async () => {
    await env?.stop();
  });

  for (const level of LEVELS) {
    for (const who of ["owner", "member", "anonymous"] as const) {
      it(`subdomain app shared with ${level}, opened by ${who}: ${expected(level, who)}`, async () => {
        expect(outcome(await env.open(who, "subdomain", SLUG[level]))).toBe(expected(level, who));
      });
      it(`path app shared with ${level} is its owner's only, opened by ${who}: ${expected("owner", who)}`, async () => {
        expect(outcome(await env.open(who, "path", SLUG[level]))).toBe(expected("owner", who));
      });
    }
  }

  it("sends anonymous visitors to log in where their session lives", async () => {
    const path = await env.open("anonymous", "path", SLUG.owner);
    expect(path.headers.location).toBe(`/login?redirect=${encodeURIComponent("/@alice/dev/apps/mine/echo")}`);
    const sub = await env.open("anonymous", "subdomain", SLUG.owner);
    expect(sub.headers.location).toBe(`${env.url}/api/v2/applications/auth-redirect?redirect_uri=${encodeURIComponent(`http://${env.host(SLUG.owner)}/echo`)}`);
  });

  it("closes a path app to a session on the very next request after it logs out", async () => {
    const token = await loginAs(env.t.env.server.app, env.t.alice.email);
    const open = () => appRequest(env.url, { path: `/@alice/dev/apps/${SLUG.owner}/echo`, headers: { accept: "text/html", "den-session-token": token } });
    // Twice, so that the session is in the authenticator's cache when it ends.
    expect(outcome(await open())).toBe("app");
    expect(outcome(await open())).toBe("app");
    const logout = await fetch(`${env.url}/api/v2/users/logout`, { method: "POST", headers: { "den-session-token": token, "content-type": "application/json" }, body: "{}" });
    expect(logout.status).toBe(204);
    expect(outcome(await open())).toBe("login");
  });

  it("lets a site owner open another user's subdomain app but not their path app", async () => {
    expect(outcome(await env.open("siteOwner", "subdomain", SLUG.owner))).toBe("app");
    expect(outcome(await env.open("siteOwner", "path", SLUG.owner))).toBe("not found");
  });

  it("opens a port to its owner only until it is shared, and as far as it is shared", async () => {
    const portHost = env.host(String(echo.port));
    const api = (method: "POST" | "DELETE", body: unknown) => env.t.api.call(env.t.alice.token, method, `/workspaces/${env.ws.id}/port-share`, body);
    expect(outcome(await env.openHost("owner", portHost))).toBe("app");
    expect(outcome(await env.openHost("member", portHost))).toBe("not found");
    expect(outcome(await env.openHost("anonymous", portHost))).toBe("login");

    expect((await api("POST", { agent_name: "main", port: echo.port, share_level: "authenticated" })).statusCode).toBe(200);
    // The proxy reads a port's share again after a couple of seconds.
    await eventually(async () => expect(outcome(await env.openHost("member", portHost))).toBe("app"));
    expect(outcome(await env.openHost("anonymous", portHost))).toBe("login");

    expect((await api("POST", { agent_name: "main", port: echo.port, share_level: "public" })).statusCode).toBe(200);
    await eventually(async () => expect(outcome(await env.openHost("anonymous", portHost))).toBe("app"));

    // The template's maximum is lowered afterwards: the share counts only up to it.
    await env.t.env.server.database.pool.query(
      `UPDATE template_versions SET spec = jsonb_set(spec, '{max_port_share_level}', '"authenticated"')
       WHERE id = (SELECT template_version_id FROM workspace_builds WHERE workspace_id = $1 ORDER BY build_number DESC LIMIT 1)`,
      [env.ws.id],
    );
    await eventually(async () => expect(outcome(await env.openHost("anonymous", portHost))).toBe("login"));
    expect(outcome(await env.openHost("member", portHost))).toBe("app");

    expect((await api("DELETE", { agent_name: "main", port: echo.port })).statusCode).toBe(204);
    await eventually(async () => expect(outcome(await env.openHost("member", portHost))).toBe("not found"));
    expect(outcome(await env.openHost("owner", portHost))).toBe("app");
  });

  it("tells the dashboard where apps are served", async () => {
    const res = await appRequest(env.url, { path: "/api/v2/applications/host", headers: { "den-session-token": env.t.bob.token } });
    expect(res.json()).toEqual({ host: `*.den.localhost:${new URL(env.url).port}`, path_apps: true });
  });
});

describe("with --dangerous-allow-path-app-sharing and --dangerous-allow-path-app-site-owner-access", () => {
  let env: SharingEnv;
  beforeAll(async () => {
    env = await SharingEnv.start({ dangerousAllowPathAppSharing: true, dangerousAllowPathAppSiteOwnerAccess: true });
  }, 180_000);
  afterAll(async () => {
    await env?.stop();
  });

  for (const level of LEVELS) {
    for (const who of ["owner", "member", "anonymous"] as const) {
      it(`path app shared with ${level}, opened by ${who}: ${expected(level, who)}`, async () => {
        expect(outcome(await env.open(who, "path", SLUG[level]))).toBe(expected(level, who));
      });
    }
  }

  it("lets a site owner open another user's path app", async () => {
    expect(outcome(await env.open("siteOwner", "path", SLUG.owner))).toBe("app");
  });
});

describe("with --disable-path-apps", () => {
  let env: SharingEnv;
  beforeAll(async () => {
    env = await SharingEnv.start({ disablePathApps: true });
  }, 180_000);
  afterAll(async () => {
    await env?.stop();
  });

  it("refuses every path app, even to its owner, and still serves subdomain apps", async () => {
    for (const level of LEVELS) {
      const res = await env.open("owner", "path", SLUG[level]);
      expect(res.status).toBe(403);
      expect(res.text()).toContain("Path-based apps are disabled");
    }
    expect(outcome(await env.open("owner", "subdomain", SLUG.owner))).toBe("app");
  });

  it("tells the dashboard that path apps are off", async () => {
    const res = await appRequest(env.url, { path: "/api/v2/applications/host", headers: { "den-session-token": env.t.alice.token } });
    expect(res.json<{ path_apps: boolean }>().path_apps).toBe(false);
  });
});

/** Retries an assertion until it holds, with a deadline. */
async function eventually(check: () => Promise<void>, limitMs = 15_000): Promise<void> {
  const deadline = Date.now() + limitMs;
  for (;;) {
    try {
      return await check();
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}
