// `npx tsx bench/dashboard.ts`: the dashboard's budgets (TARGETS.md) measured in
// headless Chromium against a real server. Prints figures; asserts nothing.
//  1. initial JS of the workspaces page, gzip (what index.html loads before any route code);
//  2. render time of a 500-workspace list (rows inserted directly into the database);
//  3. terminal keystroke-to-echo in the browser (WebSocket send → first output frame), p50/p99.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { pino } from "pino";
import { chromium } from "playwright-core";
import { build } from "vite";
import { WebSocketServer } from "ws";
import { systemClock } from "../src/server/clock.js";
import { loadServerConfig } from "../src/server/config.js";
import { createServer } from "../src/server/createServer.js";
import { openDatabase } from "../src/server/db/database.js";
import { startEmbeddedPostgres } from "../src/server/db/embeddedPostgres.js";
import { migrate } from "../src/server/db/migrate.js";

const root = join(import.meta.dirname, "..");
const dist = join(root, "site", "dist");
const WORKSPACES = 500;
const RENDER_RUNS = 5;
const KEYSTROKES = 200;
const print = (line: string) => process.stdout.write(line + "\n");
const kib = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`;
const percentile = (values: number[], p: number) => [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor((values.length * p) / 100))]!;

process.env.NODE_ENV = "production";
await build({ configFile: join(root, "site", "vite.config.ts"), logLevel: "error", mode: "production" });

// 1. What index.html makes the browser load: its module script and the chunks it preloads.
const index = readFileSync(join(dist, "index.html"), "utf8");
const initial = [...index.matchAll(/<(?:script[^>]*\ssrc|link[^>]*rel="modulepreload"[^>]*\shref)="([^"]+\.js)"/g)].map((m) => m[1]!);
const gz = (file: string) => gzipSync(readFileSync(join(dist, file)), { level: 9 }).length;
const initialGzip = initial.reduce((sum, file) => sum + gz(file), 0);
print(`initial JS (${initial.join(", ")}): ${kib(initialGzip)} gzip (target ≤ 300 KiB)`);

const dataDir = mkdtempSync(join(tmpdir(), "den-bench-dashboard-"));
const log = pino({ level: "warn" });
const pg = await startEmbeddedPostgres({ dir: join(dataDir, "postgres"), log });
const database = openDatabase({ url: pg.url });
await migrate(database.pool, log);
const config = loadServerConfig({ httpAddress: "127.0.0.1:0", dataDir, prometheusAddress: "", loginRateLimit: 0, apiRateLimit: 0 }, {});
const server = await createServer({ db: database.db, pool: database.pool, databaseUrl: pg.url, log, clock: systemClock, config });
const url = await server.app.listen({ host: "127.0.0.1", port: 0 });
server.setAccessUrl(url);
const browser = await chromium.launch({
  executablePath: "/usr/bin/chromium",
  headless: true,
  args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
});

let token = "";
async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(`${url}/api/v2${path}`, {
    method,
    headers: { "Den-Session-Token": token, ...(body ? { "content-type": "application/json" } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text}`);
  return (text ? JSON.parse(text) : undefined) as T;
}
type Ws = { id: string; status: string; agents: Array<{ lifecycle_state: string }> };
async function settle(id: string, done: (ws: Ws) => boolean): Promise<Ws> {
  const deadline = Date.now() + 120_000;
  for (;;) {
    const ws = await call<Ws>("GET", `/workspaces/${id}`);
    if (done(ws)) return ws;
    if (ws.status === "failed" || Date.now() > deadline) throw new Error(`workspace ${id} is ${ws.status}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

try {
  const credentials = { email: "bench@example.com", password: "correct horse battery" };
  await call("POST", "/users/first", { username: "bench", ...credentials });
  token = (await call<{ session_token: string }>("POST", "/users/login", credentials)).session_token;
  const template = await call<{ id: string }>("POST", "/organizations/default/templates/examples/process", {});
  const seed = await call<Ws>("POST", "/users/me/workspaces", { name: "seed", template_id: template.id });
  await settle(seed.id, (ws) => ws.status === "running" && ws.agents[0]?.lifecycle_state === "ready");

  // 2. Stopped workspaces cost nothing to run: insert them with a succeeded stop build each.
  await database.pool.query(
    `WITH seed AS (
       SELECT w.organization_id, w.owner_id, w.template_id, b.template_version_id
       FROM workspaces w JOIN workspace_builds b ON b.workspace_id = w.id WHERE w.id = $1 LIMIT 1),
     ws AS (
       INSERT INTO workspaces (organization_id, owner_id, template_id, name)
       SELECT organization_id, owner_id, template_id, 'bench-' || g FROM seed, generate_series(1, $2::int) g
       RETURNING id, organization_id, owner_id),
     jobs AS (
       INSERT INTO provisioner_jobs (type, organization_id, initiator_id, input, status, started_at, completed_at)
       SELECT 'workspace_build', organization_id, owner_id, jsonb_build_object('workspace_id', id), 'succeeded', now(), now() FROM ws
       RETURNING id, input, initiator_id)
     INSERT INTO workspace_builds (workspace_id, template_version_id, build_number, transition, initiator_id, job_id)
     SELECT (jobs.input->>'workspace_id')::uuid, seed.template_version_id, 1, 'stop', jobs.initiator_id, jobs.id FROM jobs, seed`,
    [seed.id, WORKSPACES],
  );
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  await context.request.post(`${url}/api/v2/users/login`, { data: credentials });
  const page = await context.newPage();
  const total: number[] = [];
  const render: number[] = [];
  for (let run = 0; run < RENDER_RUNS; run++) {
    await page.goto(`${url}/workspaces?q=${encodeURIComponent("owner:me name:bench")}`);
    await page.waitForFunction((n) => document.querySelectorAll("tr[data-workspace]").length >= n, WORKSPACES, { timeout: 60_000 });
    const t = await page.evaluate(() => {
      const now = performance.now();
      const api = performance.getEntriesByType("resource").find((e) => e.name.includes("/api/v2/workspaces?")) as PerformanceResourceTiming;
      return { total: now, render: now - api.responseEnd };
    });
    total.push(t.total);
    render.push(t.render);
  }
  print(`${WORKSPACES} workspaces, navigation start → rows in the DOM: median ${percentile(total, 50).toFixed(0)} ms (runs: ${total.map((v) => v.toFixed(0)).join(", ")}; target < 1000 ms)`);
  print(`${WORKSPACES} workspaces, API answer → rows in the DOM: median ${percentile(render, 50).toFixed(0)} ms`);

  // 3. Keystroke to echo, timed in the page at the WebSocket: frame sent → next output frame.
  await page.addInitScript(() => {
    const w = window as unknown as { __echo: number[] };
    w.__echo = [];
    const send = WebSocket.prototype.send;
    WebSocket.prototype.send = function (this: WebSocket & { __sentAt?: number }, data) {
      if (typeof data === "string" && data.includes('"data"')) this.__sentAt = performance.now();
      if (!(this as { __hooked?: boolean }).__hooked) {
        (this as { __hooked?: boolean }).__hooked = true;
        this.addEventListener("message", () => {
          if (this.__sentAt === undefined) return;
          w.__echo.push(performance.now() - this.__sentAt);
          this.__sentAt = undefined;
        });
      }
      return send.call(this, data);
    };
  });
  await page.goto(`${url}/@bench/seed.main/terminal`);
  await page.locator(".xterm-rows").getByText("$").or(page.locator(".xterm-rows").getByText("#")).first().waitFor({ timeout: 60_000 });
  await page.locator(".xterm").click();
  for (let i = 0; i < KEYSTROKES; i++) {
    await page.keyboard.press("a");
    await page.waitForFunction((n) => (window as unknown as { __echo: number[] }).__echo.length > n, i);
    if (i % 50 === 49) await page.keyboard.press("Control+U");
  }
  const echo = await page.evaluate(() => (window as unknown as { __echo: number[] }).__echo);
  print(`terminal keystroke → echo in Chromium (${echo.length} keys): p50 ${percentile(echo, 50).toFixed(2)} ms, p99 ${percentile(echo, 99).toFixed(2)} ms (target p99 < 10 ms)`);
  // Baseline: the same page, a bare WebSocket echo server in this process (no auth, no tunnel, no PTY).
  const echoServer = new WebSocketServer({ host: "127.0.0.1", port: 0 });
  await new Promise((resolve) => echoServer.once("listening", resolve));
  echoServer.on("connection", (socket) => socket.on("message", (data) => socket.send(data)));
  const echoPort = (echoServer.address() as { port: number }).port;
  const baseline = await page.evaluate(
    async ({ port, n }) => {
      const socket = new WebSocket(`ws://127.0.0.1:${port}`);
      await new Promise((resolve) => (socket.onopen = resolve));
      const times: number[] = [];
      for (let i = 0; i < n; i++) {
        const t = performance.now();
        await new Promise((resolve) => {
          socket.onmessage = resolve;
          socket.send(JSON.stringify({ data: "a" }));
        });
        times.push(performance.now() - t);
      }
      socket.close();
      return times;
    },
    { port: echoPort, n: KEYSTROKES },
  );
  echoServer.close();
  print(`baseline, bare WebSocket echo from the same page: p50 ${percentile(baseline, 50).toFixed(2)} ms, p99 ${percentile(baseline, 99).toFixed(2)} ms`);
  await context.close();
  await call("POST", `/workspaces/${seed.id}/builds`, { transition: "stop" });
  await settle(seed.id, (ws) => ws.status === "stopped");
} finally {
  await browser.close();
  await server.close();
  await server.app.close();
  await database.close();
  await pg.stop();
  rmSync(dataDir, { recursive: true, force: true });
}
