import { EventEmitter } from "node:events";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { isDeepStrictEqual } from "node:util";
import { pino } from "pino";
import { afterEach, describe, expect, it } from "vitest";
import type { AgentAppSpec } from "../../sdk/schemas/agentProtocol.js";
import { AgentTestServer, startTestAgent, testManifest } from "../AgentTestServer.js";
import { AppHealthMonitor, type AppHealthReport } from "./AppHealthMonitor.js";

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** Generous: checks run every second and unhealthy takes `threshold` of them. */
const DEADLINE_MS = 20_000;

/** A health endpoint inside the "workspace" whose answer a test sets, counting the requests. */
class TestApp {
  status = 503;
  requests = 0;
  private constructor(readonly server: Server) {}

  static async start(): Promise<TestApp> {
    const app: TestApp = new TestApp(
      createServer((_req, res) => {
        app.requests++;
        if (app.status > 0) res.writeHead(app.status).end();
        // status 0: never answers.
      }),
    );
    await new Promise<void>((resolve) => app.server.listen(0, "127.0.0.1", resolve));
    cleanups.push(() => {
      app.server.closeAllConnections();
      return new Promise((resolve) => app.server.close(resolve));
    });
    return app;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/healthz`;
  }
}

function webApp(url: string, threshold = 2): AgentAppSpec {
  return { slug: "web", url: url.replace("/healthz", "/"), subdomain: false, share: "owner", hidden: false, healthcheck: { url, interval: 1, threshold } };
}
const shellApp: AgentAppSpec = { slug: "shell", command: "bash", subdomain: false, share: "owner", hidden: false };

/** A monitor whose reports are recorded, with a way to wait for one. */
function startMonitor() {
  const reports: AppHealthReport[] = [];
  const events = new EventEmitter();
  const monitor = new AppHealthMonitor({
    log: pino({ level: process.env.DEN_TEST_LOG ?? "silent" }),
    report: (apps) => {
      reports.push(apps);
      events.emit("report");
    },
  });
  cleanups.push(() => monitor.stop());
  /** Resolves once a report after the first `after` equals `expected`. */
  const waitForReport = (expected: AppHealthReport, after = 0) =>
    new Promise<number>((resolve, reject) => {
      const check = () => {
        const index = reports.findIndex((r, i) => i >= after && isDeepStrictEqual(r, expected));
        if (index < 0) return;
        done();
        resolve(index);
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`no report ${JSON.stringify(expected)}; got ${JSON.stringify(reports)}`));
      }, DEADLINE_MS);
      const done = () => {
        clearTimeout(timer);
        events.off("report", check);
      };
      events.on("report", check);
      check();
    });
  return { monitor, reports, waitForReport };
}

describe("AppHealthMonitor", () => {
  it("reports every app at once, then each change: initializing → healthy → unhealthy after threshold failures → healthy", async () => {
    const app = await TestApp.start();
    app.status = 200;
    const { monitor, reports, waitForReport } = startMonitor();
    monitor.setApps([webApp(app.url), shellApp]);
    expect(reports).toEqual([{ shell: "disabled", web: "initializing" }]);
    let at = await waitForReport({ shell: "disabled", web: "healthy" });
    app.status = 500;
    const requestsBefore = app.requests;
    at = await waitForReport({ shell: "disabled", web: "unhealthy" }, at + 1);
    // Threshold 2: one failure was not enough.
    expect(app.requests - requestsBefore).toBeGreaterThanOrEqual(2);
    app.status = 301;
    at = await waitForReport({ shell: "disabled", web: "healthy" }, at + 1);
    // Only changes are reported: nothing between the three states.
    expect(reports.slice(0, at + 1).map((r) => r.web)).toEqual(["initializing", "healthy", "unhealthy", "healthy"]);
  });

  it("goes from initializing to unhealthy when the app never answers well", async () => {
    const app = await TestApp.start();
    const { monitor, waitForReport } = startMonitor();
    monitor.setApps([webApp(app.url, 2)]);
    await waitForReport({ web: "unhealthy" });
    expect(app.requests).toBeGreaterThanOrEqual(2);
  });

  it("keeps an app's state for the same manifest, and starts again for a changed health check", async () => {
    const app = await TestApp.start();
    const other = await TestApp.start();
    app.status = 200;
    const { monitor, reports, waitForReport } = startMonitor();
    monitor.setApps([webApp(app.url)]);
    await waitForReport({ web: "healthy" });
    // A reconnection brings the same manifest: the current state is reported again at once.
    const count = reports.length;
    monitor.setApps([webApp(app.url)]);
    expect(reports.slice(count)).toEqual([{ web: "healthy" }]);
    // A changed check starts from initializing, against the new URL only.
    monitor.setApps([webApp(other.url), shellApp]);
    expect(reports.at(-1)).toEqual({ web: "initializing", shell: "disabled" });
    other.status = 200;
    await waitForReport({ web: "healthy", shell: "disabled" }, count + 2);
    // A manifest without checks reports them disabled; one without apps reports nothing.
    monitor.setApps([{ ...webApp(other.url), healthcheck: undefined }]);
    expect(reports.at(-1)).toEqual({ web: "disabled" });
    const before = reports.length;
    monitor.setApps([]);
    expect(reports.length).toBe(before);
  });

  it("stops: a check in flight is abandoned and nothing more is reported", async () => {
    const app = await TestApp.start();
    app.status = 0;
    const { monitor, reports } = startMonitor();
    const arrived = new Promise<Socket>((resolve) => app.server.once("request", (req: IncomingMessage) => resolve(req.socket)));
    monitor.setApps([webApp(app.url, 1)]);
    const socket = await arrived;
    const connectionClosed = new Promise((resolve) => socket.once("close", resolve));
    monitor.stop();
    await connectionClosed;
    monitor.setApps([webApp(app.url, 1)]);
    expect(reports).toEqual([{ web: "initializing" }]);
    expect(app.requests).toBe(1);
  });
});

describe("app health in the agent", () => {
  it("reports on connection, on change, and again after a reconnection with the current state", async () => {
    const app = await TestApp.start();
    app.status = 200;
    const dir = mkdtempSync(join(tmpdir(), "den-agent-test-"));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const server = await AgentTestServer.start(testManifest(dir, { apps: [webApp(app.url), shellApp] }));
    cleanups.push(() => server.close());
    const agent = startTestAgent(server);
    cleanups.push(() => agent.close());
    const healthy = await server.waitFor("a healthy report", () => server.appHealth.find((r) => r.web === "healthy"));
    expect(healthy).toEqual({ web: "healthy", shell: "disabled" });
    const count = server.appHealth.length;
    server.dropConnection();
    await server.waitForConnection(2);
    const again = await server.waitFor("a report on the new connection", () => server.appHealth[count]);
    expect(again).toEqual({ web: "healthy", shell: "disabled" });
    expect(server.protocolErrors).toEqual([]);
  });
});
