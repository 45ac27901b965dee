import { join } from "node:path";
import type { BrowserContext, Locator, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AGENT_TEMPLATE, AgentWorkspaceEnv } from "../support/agentWorkspace.js";
import { buildDashboard, chromiumPrerequisite, launchChromium, SCREENSHOTS, type TestBrowser } from "../support/browser.js";
import { startEchoApp, type EchoApp, type EchoRequest } from "../support/echoApp.js";
import { createTestTemplate } from "../support/templates.js";

/** Builds, agents, health checks and the proxy run for real; generous, only to turn a hang into a clear failure. */
const STEP_MS = 60_000;

/**
 * AGENT_TEMPLATE (agent `main` last) with ports shareable up to
 * authenticated and four apps on the echo app, listed out of the order
 * their `order` gives. The process driver runs the agent on this machine,
 * so the echo app the test starts on loopback is inside the workspace.
 */
function appsTemplate(appPort: number): string {
  return `${AGENT_TEMPLATE.replace("name: reach", "name: apps\nmax_port_share_level: authenticated").trimEnd()}
    apps:
      - {slug: sub, display_name: Echo on a subdomain, url: "http://127.0.0.1:${appPort}/", subdomain: true, order: 3}
      - {slug: echo, display_name: Echo, icon: /favicon.svg, url: "http://localhost:${appPort}/", order: 2, healthcheck: {url: "http://localhost:${appPort}/", interval: 1, threshold: 3}}
      - {slug: greet, display_name: Greeting, command: "echo app-$((6*7)); exec bash", order: 1}
      - {slug: secret, display_name: Secret, url: "http://localhost:${appPort}/", hidden: true}
`;
}

describe.runIf(chromiumPrerequisite())("workspace apps and ports in the dashboard (Chromium)", () => {
  let t: AgentWorkspaceEnv;
  let url: string;
  let port: number;
  let app: EchoApp;
  let browser: TestBrowser;
  let context: BrowserContext;
  let page: Page;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    await buildDashboard();
    app = await startEchoApp();
    // Chromium resolves every *.localhost name to loopback: subdomain apps need no DNS.
    t = await AgentWorkspaceEnv.start({ config: (listenPort) => ({ wildcardAccessUrl: `*.den.localhost:${listenPort}` }) });
    url = t.env.url;
    port = Number(new URL(url).port);
    const template = await createTestTemplate(t.env.server, t.jobs, t.owner.token, "apps", { "den.yaml": appsTemplate(app.port) });
    const ws = await t.api.createAndSettle(t.alice.token, { name: "web", template_id: template.id });
    if (ws.status !== "running") throw new Error(`workspace web is ${ws.status}: ${ws.latest_build.job.error}`);
    browser = await launchChromium({ stepMs: STEP_MS });
    ({ context, page } = browser);
    page.on("pageerror", (err) => pageErrors.push(err.message));
  }, 240_000);

  afterAll(async () => {
    await browser?.close();
    await t?.stop();
    await app?.close();
  });

  const shot = (name: string, on: Page = page) => on.screenshot({ path: join(SCREENSHOTS, `apps-${name}.png`), fullPage: true });

  /** Clicks something that opens a new tab and answers that tab once it has loaded. */
  async function openedTab(trigger: Locator): Promise<Page> {
    const [tab] = await Promise.all([context.waitForEvent("page", { timeout: STEP_MS }), trigger.click()]);
    tab.setDefaultTimeout(STEP_MS);
    await tab.waitForLoadState();
    return tab;
  }

  it("shows the agent's apps with their health and opens them by path, subdomain and terminal", async () => {
    // Logged out, a path app sends the browser to log in and, after it, to the app: a page the server serves, not the dashboard.
    await page.goto(`${url}/@alice/web.main/apps/echo/`);
    await page.waitForURL(`${url}/login?redirect=${encodeURIComponent("/@alice/web.main/apps/echo/")}`);
    await page.getByLabel("Email").fill(t.alice.email);
    await page.getByLabel("Password").fill(t.alice.password);
    await page.getByRole("button", { name: "Log in" }).click();
    await page.getByRole("heading", { name: "Echo app" }).waitFor();
    expect(page.url()).toBe(`${url}/@alice/web.main/apps/echo/`);

    await page.goto(`${url}/@alice/web`);
    const apps = page.getByLabel("Apps");
    // The health check answers: the dot turns healthy as the agent reports it.
    await apps.locator('[data-app="echo"]').getByRole("img", { name: "Healthy" }).waitFor();
    expect(await apps.locator("[data-app]").evaluateAll((els) => els.map((el) => el.getAttribute("data-app")))).toEqual(["greet", "echo", "sub"]);
    expect(await apps.locator('[data-app="echo"] img.app-icon').getAttribute("src")).toBe("/favicon.svg");
    await shot("01-buttons");

    const byPath = await openedTab(apps.getByRole("link", { name: /^Echo Healthy/ }));
    expect(byPath.url()).toBe(`${url}/@alice/web.main/apps/echo/`);
    await byPath.getByRole("heading", { name: "Echo app" }).waitFor();
    await shot("02-path-app", byPath);
    // The app sees its own path under the stripped prefix, and none of the dashboard's cookies.
    await byPath.goto(`${url}/@alice/web.main/apps/echo/echo?x=1`);
    const seen = JSON.parse((await byPath.locator("body").textContent()) ?? "") as EchoRequest;
    expect(seen.url).toBe("/echo?x=1");
    expect(seen.headers["x-forwarded-prefix"]).toBe("/@alice/web.main/apps/echo");
    expect(String(seen.headers.cookie ?? "")).not.toMatch(/den_/);
    await byPath.close();

    // A subdomain app's host never gets the dashboard's session: the proxy sends the
    // browser through the access URL's auth redirect and back with a cookie of its own.
    const bySubdomain = await openedTab(apps.getByRole("link", { name: "Echo on a subdomain" }));
    await bySubdomain.getByRole("heading", { name: "Echo app" }).waitFor();
    expect(bySubdomain.url()).toBe(`http://sub--main--web--alice.den.localhost:${port}/`);
    await shot("03-subdomain-app", bySubdomain);
    await bySubdomain.close();

    const terminal = await openedTab(apps.getByRole("link", { name: "Greeting" }));
    expect(terminal.url()).toBe(`${url}/@alice/web.main/terminal?app=greet`);
    await terminal.locator(".xterm-rows").getByText("app-42").waitFor();
    await shot("04-command-app", terminal);
    await terminal.close();
    expect(pageErrors.join("\n")).toBe("");
  }, 300_000);

  it("lists the listening app port, shares it as authenticated, opens it and revokes the share", async () => {
    await page.goto(`${url}/@alice/web`);
    await page.getByText("Ports", { exact: true }).click();
    const listening = page.getByRole("table", { name: "Listening ports" });
    const row = listening.locator(`tr[data-port="${app.port}"]`);
    await row.waitFor();
    await shot("05-ports");
    await row.getByLabel(`Share port ${app.port}`).selectOption({ label: "Authenticated" });
    const shared = page.getByRole("table", { name: "Shared ports" }).locator(`tr[data-port="${app.port}"]`);
    await shared.getByText("Authenticated").waitFor();
    await shared.getByText("HTTP", { exact: true }).waitFor();
    // Only the levels up to the template's maximum are offered.
    expect(await row.getByLabel(`Share port ${app.port}`).locator("option").allTextContents()).toEqual(["Private", "Authenticated"]);
    await shot("06-port-shared");

    const byPort = await openedTab(shared.getByRole("link", { name: `Open port ${app.port}` }));
    await byPort.getByRole("heading", { name: "Echo app" }).waitFor();
    expect(byPort.url()).toBe(`http://${app.port}--main--web--alice.den.localhost:${port}/`);
    await byPort.close();

    await shared.getByRole("button", { name: "Revoke" }).click();
    await page.getByText("No port of this agent is shared: only you can open them.").waitFor();
    expect(await row.getByLabel(`Share port ${app.port}`).inputValue()).toBe("owner");
    await shot("07-port-revoked");
    expect(pageErrors.join("\n")).toBe("");
  }, 300_000);

  it("takes a logged-out visitor of a subdomain app through logging in on the dashboard and back to the app", async () => {
    await context.clearCookies();
    const appUrl = `http://sub--main--web--alice.den.localhost:${port}/`;
    await page.goto(appUrl);
    // The auth redirect on the access URL is an API path: after logging in the page loads it, and it hands the app host its cookie.
    await page.waitForURL(new RegExp(`^${url}/login\\?redirect=${encodeURIComponent("/api/v2/applications/auth-redirect?")}`));
    await page.getByLabel("Email").fill(t.alice.email);
    await page.getByLabel("Password").fill(t.alice.password);
    await page.getByRole("button", { name: "Log in" }).click();
    await page.getByRole("heading", { name: "Echo app" }).waitFor();
    expect(page.url()).toBe(appUrl);
    expect(pageErrors.join("\n")).toBe("");
  }, 300_000);
});
