import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../../../test/support/database.js";
import { systemClock } from "../clock.js";
import { loadServerConfig } from "../config.js";
import { createServer, type DenServer } from "../createServer.js";
import { createServerMetrics, startMetricsListener, type MetricsListener } from "./metrics.js";

describe("prometheus metrics", () => {
  const log = pino({ level: "silent" });
  let database: TestDatabase;
  let server: DenServer;
  let listener: MetricsListener;

  beforeAll(async () => {
    database = await createTestDatabase();
    const metrics = createServerMetrics({ pool: database.pool });
    const config = loadServerConfig({ httpAddress: "127.0.0.1:0", dataDir: "/nonexistent", prometheusAddress: "", apiRateLimit: 0 }, {});
    server = await createServer({ db: database.db, pool: database.pool, databaseUrl: database.url, log, clock: systemClock, config, observe: metrics.observe });
    listener = await startMetricsListener({ host: "127.0.0.1", port: 0, registry: metrics.registry, log });
  });
  afterAll(async () => {
    await listener?.close();
    await server?.close();
    await server?.app.close();
    await database?.close();
  });

  const scrape = async () => {
    const res = await fetch(`http://${listener.address}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("text/plain");
    return res.text();
  };

  it("counts and times requests by route pattern, method and status", async () => {
    for (let i = 0; i < 3; i++) expect((await server.app.inject({ method: "GET", url: "/healthz" })).statusCode).toBe(200);
    expect((await server.app.inject({ method: "GET", url: "/api/v2/buildinfo" })).statusCode).toBe(200);
    expect((await server.app.inject({ method: "GET", url: "/api/v2/no-such-thing" })).statusCode).toBe(404);

    const text = await scrape();
    expect(text).toContain('den_http_requests_total{route="/healthz",method="GET",status="200"} 3');
    expect(text).toContain('den_http_requests_total{route="/api/v2/buildinfo",method="GET",status="200"} 1');
    // A 404 is labelled without its path, so that scanners cannot blow up the label set.
    expect(text).not.toContain("no-such-thing");
    expect(text).toMatch(/den_http_requests_total\{route="[^"]+",method="GET",status="404"\} 1/);
    expect(text).toContain('den_http_request_duration_seconds_count{route="/healthz",method="GET",status="200"} 3');
    expect(text).toMatch(/den_http_request_duration_seconds_bucket\{le="\+Inf",route="\/healthz",method="GET",status="200"\} 3/);
  });

  it("reports the database pool and the process", async () => {
    await database.pool.query("SELECT 1");
    const text = await scrape();
    expect(text).toMatch(/^den_db_pool_connections [1-9]\d*$/m);
    expect(text).toMatch(/^den_db_pool_connections_idle \d+$/m);
    expect(text).toMatch(/^den_db_pool_requests_waiting 0$/m);
    expect(text).toMatch(/^den_process_cpu_user_seconds_total \d/m);
    expect(text).toMatch(/^den_nodejs_eventloop_lag_seconds \d/m);
  });

  it("keeps each server's metrics apart", async () => {
    const other = createServerMetrics({});
    other.observe("/elsewhere", "GET", 200, 0.01);
    const mine = await scrape();
    const theirs = await other.registry.metrics();
    expect(theirs).toContain('den_http_requests_total{route="/elsewhere",method="GET",status="200"} 1');
    expect(mine).not.toContain("/elsewhere");
    expect(theirs).not.toContain("den_db_pool_connections");
  });

  it("answers other paths with 404", async () => {
    const res = await fetch(`http://${listener.address}/`);
    expect(res.status).toBe(404);
    await res.text();
  });
});
