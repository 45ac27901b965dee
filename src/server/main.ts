import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { pino, type Logger } from "pino";
import { systemClock } from "./clock.js";
import type { ServerConfig } from "./config.js";
import { createServer } from "./createServer.js";
import { openDatabase, type DatabaseHandle } from "./db/database.js";
import { startEmbeddedPostgres, type RunningPostgres } from "./db/embeddedPostgres.js";
import { migrate } from "./db/migrate.js";
import { createServerMetrics, startMetricsListener } from "./http/metrics.js";

const SHUTDOWN_GRACE_MS = 10_000;
/** Connections the kernel may queue before the server accepts them. */
const LISTEN_BACKLOG = 4096;

/**
 * The composition root of `den server`: the only place that reads the
 * configuration, builds the logger and the database and wires the services.
 */
export async function runServer(config: ServerConfig, out: NodeJS.WritableStream = process.stdout): Promise<void> {
  const log = pino({ level: config.logLevel, base: { role: "server" } }, pino.destination(2));
  const stops: Array<() => Promise<void>> = [];
  let stopped: Promise<void> | undefined;
  // Once, in the reverse order of start-up: stop accepting and finish requests, then the services, the database, PostgreSQL.
  const stopAll = () =>
    (stopped ??= (async () => {
      for (const stop of [...stops].reverse()) await stop().catch((err: unknown) => log.error({ err }, "shutdown step failed"));
    })());

  // Installed before start-up, so that a signal during it (initdb can take seconds)
  // still stops the embedded PostgreSQL instead of leaving it running without us.
  let stopping = false;
  let ready = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) {
      log.warn({ signal }, "second signal: exiting now");
      process.exit(1);
    }
    stopping = true;
    log.info({ signal, duringStartup: !ready }, "shutting down");
    // During start-up, the next checkpoint() unwinds it.
    if (ready) void stopAll().then(() => process.exit(0));
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  const checkpoint = () => {
    if (stopping) throw new StartupInterrupted();
  };

  try {
    const database = await openStore(config, log, stops);
    checkpoint();
    const metrics = config.prometheusAddress ? createServerMetrics({ pool: database.pool }) : undefined;
    if (metrics) {
      const [metricsHost, metricsPort] = splitHostPort(config.prometheusAddress);
      const listener = await startMetricsListener({ host: metricsHost, port: metricsPort, registry: metrics.registry, log });
      stops.push(() => listener.close());
    }
    const server = await createServer({ db: database.db, pool: database.pool, databaseUrl: database.url, log, clock: systemClock, config, observe: metrics?.observe });
    stops.push(() => server.close());
    stops.push(() => closeWithin(server.app.close(), SHUTDOWN_GRACE_MS, log));
    checkpoint();
    const [host, port] = splitHostPort(config.httpAddress);
    // Agents reconnect all at once after a restart: Node's default backlog (511) overflowed from
    // ~3000 dialling agents in bench/scale.ts; the kernel caps it at net.core.somaxconn anyway.
    const address = await server.app.listen({ host, port, backlog: LISTEN_BACKLOG });
    checkpoint();
    const accessUrl = config.accessUrl === `http://${config.httpAddress}` ? address : config.accessUrl;
    server.setAccessUrl(accessUrl);
    log.info({ address, accessUrl }, "listening");
    out.write(`Den is ready: ${accessUrl}\n`);
    ready = true;
  } catch (err) {
    await stopAll();
    if (err instanceof StartupInterrupted) process.exit(0);
    throw err;
  }
}

/** A signal arrived during start-up: unwind what was started and exit cleanly. */
class StartupInterrupted extends Error {}

async function openStore(config: ServerConfig, log: Logger, stops: Array<() => Promise<void>>): Promise<DatabaseHandle> {
  let url = config.postgresUrl;
  if (!url) {
    mkdirSync(config.dataDir, { recursive: true, mode: 0o700 });
    const pg: RunningPostgres = await startEmbeddedPostgres({ dir: join(config.dataDir, "postgres"), log });
    stops.push(() => pg.stop());
    url = pg.url;
  }
  const database = openDatabase({ url, applicationName: "den-server" });
  stops.push(() => database.close());
  try {
    await database.pool.query("SELECT 1");
  } catch (cause) {
    throw new Error(`cannot connect to PostgreSQL${config.postgresUrl ? " at --postgres-url" : ""}: ${(cause as Error).message}`, { cause });
  }
  await migrate(database.pool, log);
  return database;
}

export function splitHostPort(address: string): [string, number] {
  const i = address.lastIndexOf(":");
  const host = address.slice(0, i).replace(/^\[(.*)\]$/, "$1");
  return [host, Number(address.slice(i + 1))];
}

async function closeWithin(closing: Promise<unknown>, ms: number, log: Logger): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<void>((resolve) => {
    timer = setTimeout(() => {
      log.warn({ ms }, "in-flight requests did not finish in time; closing anyway");
      resolve();
    }, ms);
  });
  await Promise.race([closing, timeout]);
  clearTimeout(timer);
}
