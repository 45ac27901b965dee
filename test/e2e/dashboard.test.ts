import { join } from "node:path";
import type { BrowserContext, Page, WebSocketRoute } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildDashboard, chromiumPrerequisite, launchChromium, SCREENSHOTS, type TestBrowser } from "../support/browser.js";
import { createTestServer, type TestServer } from "../support/testServer.js";
import { killRecordedProcesses } from "../support/workspaces.js";

const ROOT = join(import.meta.dirname, "..", "..");
/** Builds and agents run in real processes; generous, only to turn a hang into a clear failure. */
const STEP_MS = 60_000;

describe.runIf(chromiumPrerequisite())("the dashboard in Chromium", () => {
  let server: TestServer;
  let url: string;
  let browser: TestBrowser;
  let context: BrowserContext;
  let page: Page;
  const consoleErrors: string[] = [];

  beforeAll(async () => {
    await buildDashboard();
    server = await createTestServer();
    url = await server.app.listen({ host: "127.0.0.1", port: 0 });
    server.setAccessUrl(url);
    browser = await launchChromium({ stepMs: STEP_MS });
    ({ context, page } = browser);
    page.on("pageerror", (err) => consoleErrors.push(`${shotName}: ${err.message}`));
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    if (server) await killRecordedProcesses(server);
    await server?.stop();
  });

  let shotName = "start";
  const shot = (name: string) => (shotName = name) && page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
  const heading = (text: string | RegExp) => page.getByRole("heading", { level: 1, name: text });

  it("first user → template from example → workspace → build log → terminal survives a reload → stop → start → delete", async () => {
    await page.goto(url + "/");
    await heading("Welcome to Den").waitFor();
    await shot("01-setup");
    await page.getByLabel("Username").fill("admin");
    await page.getByLabel("Email").fill("admin@example.com");
    await page.getByLabel(/^Password/).fill("correct horse battery");
    await page.getByRole("button", { name: "Create user" }).click();

    await heading("Templates").waitFor();
    await page.getByText("No templates yet").waitFor();
    await shot("02-templates-empty");
    await page.getByRole("button", { name: "Use Local dev" }).click();
    await page.waitForURL(`${url}/templates/process`);
    await heading("Local dev").waitFor();
    await page.getByRole("cell", { name: "greeting" }).or(page.getByRole("cell", { name: "Greeting" })).first().waitFor();
    await shot("03-template");

    await page.getByRole("link", { name: "Create workspace" }).click();
    await heading("New workspace").waitFor();
    await page.getByLabel("Workspace name").fill("Bad Name");
    await page.getByRole("button", { name: "Create workspace" }).click();
    await page.getByText(/Name must be lower-case letters/).waitFor();
    await page.getByLabel("Workspace name").fill("dev");
    await page.getByRole("radio", { name: "Hi" }).check();
    await shot("04-create-workspace");
    await page.getByRole("button", { name: "Create workspace" }).click();

    await page.waitForURL(`${url}/@admin/dev`);
    await heading(/admin\/dev\s+running/).waitFor();
    const log = page.getByRole("log", { name: "Build log" });
    await log.waitFor();
    expect(await log.textContent()).not.toBe("");
    await page.getByText("lifecycle: ready").waitFor();
    await shot("05-workspace-running");

    await page.getByRole("link", { name: "Terminal" }).first().click();
    await page.waitForURL(`${url}/@admin/dev.main/terminal`);
    const rows = page.locator(".xterm-rows");
    await rows.waitFor();
    await page.locator(".xterm").click();
    await page.keyboard.type("echo den-$((6*7))");
    await page.keyboard.press("Enter");
    await rows.getByText("den-42").waitFor();
    await shot("06-terminal");

    await page.reload();
    await page.locator(".xterm-rows").getByText("den-42").waitFor();
    await shot("07-terminal-after-reload");

    // A dropped connection, in a second tab (a session of its own) whose PTY WebSockets pass through
    // the test: the page says so and comes back to the same session. Playwright's WebSocket routes
    // stay in that tab only, because its injected WebSocket stand-in reports late frames of sockets
    // the page has closed as page errors.
    const tab = await context.newPage();
    tab.setDefaultTimeout(STEP_MS);
    tab.on("pageerror", (err) => consoleErrors.push(`second tab: ${err.message}`));
    const ptySockets: Array<{ page: WebSocketRoute; server: WebSocketRoute }> = [];
    await tab.routeWebSocket(/\/pty\?/, (ws) => {
      ptySockets.push({ page: ws, server: ws.connectToServer() });
    });
    await tab.goto(page.url());
    await tab.locator(".xterm").click();
    await tab.keyboard.type("echo tab-$((2*3))");
    await tab.keyboard.press("Enter");
    await tab.locator(".xterm-rows").getByText("tab-6").waitFor();
    // The server's side first, so that no output is still on its way to the closed page socket.
    await ptySockets[0]!.server.close({ code: 1001, reason: "dropped by the test" });
    await ptySockets[0]!.page.close({ code: 1001, reason: "dropped by the test" });
    await tab.getByRole("status").getByText(/Connection lost: dropped by the test/).waitFor();
    await tab.screenshot({ path: join(SCREENSHOTS, "07b-terminal-dropped.png") });
    await tab.getByRole("status").waitFor({ state: "detached" });
    await tab.locator(".xterm-rows").getByText("tab-6").waitFor();
    await tab.locator(".xterm").click();
    await tab.keyboard.type("echo again-$((1+1))");
    await tab.keyboard.press("Enter");
    await tab.locator(".xterm-rows").getByText("again-2").waitFor();
    expect(ptySockets).toHaveLength(2);
    const [first, second] = ptySockets.map((ws) => new URL(ws.page.url()).searchParams.get("reconnect"));
    expect(second).toBe(first);
    // The first tab's session is another one: its output is not in this tab.
    expect(await tab.locator(".xterm-rows").textContent()).not.toContain("den-42");
    await tab.close();

    await page.getByRole("link", { name: "← dev.main" }).click();
    await heading(/admin\/dev\s+running/).waitFor();
    await page.getByRole("button", { name: "Stop", exact: true }).click();
    await heading(/admin\/dev\s+stopped/).waitFor();
    await shot("08-workspace-stopped");
    await page.getByRole("button", { name: "Start", exact: true }).click();
    await heading(/admin\/dev\s+running/).waitFor();

    await page.getByRole("link", { name: "Workspaces" }).click();
    await page.locator('tr[data-workspace="dev"]').getByText("running").waitFor();
    await shot("09-workspaces");
    await page.getByRole("link", { name: "dev", exact: true }).click();
    await heading(/admin\/dev\s+running/).waitFor();

    await page.getByRole("button", { name: "Delete" }).click();
    await page.getByRole("button", { name: "Yes, delete dev" }).click();
    await page.waitForURL(/\/workspaces$/);
    // The delete build runs on: the list ends up empty once it is done.
    await page.getByText(/No workspace matches/).waitFor();
    await shot("10-workspaces-after-delete");
    expect(consoleErrors.join("\n")).toBe("");
  }, 300_000);

  it("shows the admin pages with their data, and takes a new template version from a folder", async () => {
    await page.goto(`${url}/templates/process`);
    await page.getByLabel("…or the template folder").setInputFiles(join(ROOT, "examples", "process"));
    await page.getByLabel("Message").fill("from the browser");
    await page.getByRole("button", { name: "Upload", exact: true }).click();
    await page.getByText(/import succeeded/).waitFor();
    await page.getByRole("button", { name: "Make it the active version" }).click();
    await page.getByRole("button", { name: "Active", exact: true }).waitFor();
    await page.getByRole("cell", { name: "from the browser" }).waitFor();
    await shot("11a-template-new-version");
    await page.goto(`${url}/users`);
    await page.getByRole("cell", { name: "admin@example.com" }).waitFor();
    await shot("11-users");
    await page.goto(`${url}/audit`);
    await page.getByRole("cell", { name: "login" }).first().waitFor();
    await shot("12-audit");
    await page.goto(`${url}/account`);
    await page.getByRole("button", { name: "Create token" }).click();
    await page.getByText("New token (shown once)").waitFor();
    await shot("13-account");
    await page.goto(`${url}/deployment`);
    // The server answers /healthz, and the deployment health shows the database and the daemons.
    await page.getByText("/healthz answered").waitFor();
    await page.getByText("Database", { exact: true }).waitFor();
    await page.getByText(/in this server; \d+ active in the last 10 minutes/).waitFor();
    await shot("14-deployment");
    await page.setViewportSize({ width: 400, height: 800 });
    await page.goto(`${url}/workspaces`);
    await heading("Workspaces").waitFor();
    await shot("15-workspaces-narrow");
   }, 300_000);

  it("sends a logged-out visitor to log in and back to a same-origin page only", async () => {
    await page.setViewportSize({ width: 1280, height: 800 });
    await context.clearCookies();
    await page.goto(`${url}/templates/process`);
    await page.waitForURL(`${url}/login?redirect=%2Ftemplates%2Fprocess`);
    await shot("16-login");
    await page.getByLabel("Email").fill("admin@example.com");
    await page.getByLabel("Password").fill("wrong password");
    await page.getByRole("button", { name: "Log in" }).click();
    await page.getByRole("alert").waitFor();
    await page.getByLabel("Password").fill("correct horse battery");
    await page.getByRole("button", { name: "Log in" }).click();
    await page.waitForURL(`${url}/templates/process`);

    await context.clearCookies();
    await page.goto(`${url}/login?redirect=${encodeURIComponent("//evil.example/")}`);
    await page.getByLabel("Email").fill("admin@example.com");
    await page.getByLabel("Password").fill("correct horse battery");
    await page.getByRole("button", { name: "Log in" }).click();
    await page.waitForURL(`${url}/workspaces`);
  });
});
