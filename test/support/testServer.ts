import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pino } from "pino";
import type { Clock } from "../../src/server/clock.js";
import { systemClock } from "../../src/server/clock.js";
import { loadServerConfig, type ServerConfig } from "../../src/server/config.js";
import { createServer, type DenServer } from "../../src/server/createServer.js";
import { createTestDatabase, type TestDatabase } from "./database.js";

export type TestServer = DenServer & {
  database: TestDatabase;
  config: ServerConfig;
  /** Closes the app, background work and the database. */
  stop(): Promise<void>;
};

/**
 * A server on a fresh database, not listening: use `server.app.inject()`.
 * Call `listen` on `server.app` for tests that need a real socket.
 */
export async function createTestServer(opts: { config?: Partial<ServerConfig>; clock?: Clock } = {}): Promise<TestServer> {
  const database = await createTestDatabase();
  const dataDir = mkdtempSync(join(tmpdir(), "den-test-data-"));
  const config: ServerConfig = {
    ...loadServerConfig({ httpAddress: "127.0.0.1:0", dataDir, prometheusAddress: "", loginRateLimit: 0, apiRateLimit: 0 }, {}),
    ...opts.config,
  };
  const log = pino({ level: process.env.DEN_TEST_LOG_LEVEL ?? "silent" });
  const server = await createServer({ db: database.db, pool: database.pool, databaseUrl: database.url, log, clock: opts.clock ?? systemClock, config });
  return {
    ...server,
    database,
    config,
    async stop() {
      await server.close();
      await server.app.close();
      await database.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
