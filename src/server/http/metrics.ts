import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type pg from "pg";
import type { Logger } from "pino";
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from "prom-client";
import type { HttpObserver } from "./app.js";

export type ServerMetrics = {
  registry: Registry;
  /** Counts and times one answered HTTP request; handed to buildApp as `observe`. */
  observe: HttpObserver;
};

/**
 * The Prometheus metrics of one server. Each server gets its own Registry
 * rather than prom-client's global one, so that several servers (tests, a
 * benchmark) can live in one process without "metric already registered".
 */
export function createServerMetrics(opts: { pool?: pg.Pool }): ServerMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: "den_" });

  const labelNames = ["route", "method", "status"] as const;
  const requests = new Counter({
    name: "den_http_requests_total",
    help: "HTTP requests answered, by route pattern, method and status code.",
    labelNames,
    registers: [registry],
  });
  const latency = new Histogram({
    name: "den_http_request_duration_seconds",
    help: "Time from receiving an HTTP request to sending its answer, by route pattern, method and status code.",
    labelNames,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });

  const pool = opts.pool;
  if (pool) {
    // Read at scrape time: the pool keeps these counts itself.
    const poolGauge = (name: string, help: string, read: (p: pg.Pool) => number) =>
      new Gauge({
        name,
        help,
        registers: [registry],
        collect() {
          this.set(read(pool));
        },
      });
    poolGauge("den_db_pool_connections", "Connections the PostgreSQL pool holds, idle or in use.", (p) => p.totalCount);
    poolGauge("den_db_pool_connections_idle", "Connections of the PostgreSQL pool not in use.", (p) => p.idleCount);
    poolGauge("den_db_pool_requests_waiting", "Queries waiting for a free connection of the PostgreSQL pool.", (p) => p.waitingCount);
  }

  return {
    registry,
    observe(route, method, status, seconds) {
      const labels = { route, method, status: String(status) };
      requests.inc(labels);
      latency.observe(labels, seconds);
    },
  };
}

export type MetricsListener = {
  /** The address actually bound, host:port (port 0 becomes the chosen port). */
  address: string;
  close(): Promise<void>;
};

/**
 * Serves GET /metrics on its own listener, so that the metrics port can stay
 * on a private interface while the API is public.
 */
export async function startMetricsListener(opts: { host: string; port: number; registry: Registry; log: Logger }): Promise<MetricsListener> {
  const log = opts.log.child({ component: "metrics" });
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? "/").split("?")[0];
    if (path !== "/metrics") {
      res.writeHead(404, { "content-type": "text/plain" }).end("Not found: the metrics are at /metrics\n");
      return;
    }
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.writeHead(405, { allow: "GET, HEAD", "content-type": "text/plain" }).end("Use GET\n");
      return;
    }
    opts.registry.metrics().then(
      (text) => res.writeHead(200, { "content-type": opts.registry.contentType }).end(req.method === "HEAD" ? undefined : text),
      (err: unknown) => {
        log.error({ err }, "collecting metrics failed");
        res.writeHead(500, { "content-type": "text/plain" }).end("collecting metrics failed\n");
      },
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", (cause) => reject(new Error(`cannot listen for metrics on ${opts.host}:${opts.port} (--prometheus-address)`, { cause })));
    server.listen(opts.port, opts.host, () => resolve());
  });
  const bound = server.address() as AddressInfo;
  const address = `${bound.family === "IPv6" ? `[${bound.address}]` : bound.address}:${bound.port}`;
  log.info({ address }, "serving metrics");
  let closed: Promise<void> | undefined;
  return {
    address,
    close() {
      closed ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        // Prometheus keeps its scrape connection open; do not wait for it.
        server.closeAllConnections();
      });
      return closed;
    },
  };
}
