import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pino } from "pino";
import type { TestProject } from "vitest/node";
import { openDatabase, withDatabase } from "../../src/server/db/database.js";
import { startEmbeddedPostgres } from "../../src/server/db/embeddedPostgres.js";
import { migrate } from "../../src/server/db/migrate.js";

declare module "vitest" {
  export interface ProvidedContext {
    /** URL of the test cluster's maintenance database. */
    pgUrl: string;
    /** Migrated database to copy with CREATE DATABASE … TEMPLATE. */
    pgTemplate: string;
  }
}

/**
 * One embedded PostgreSQL for the whole run, with a migrated template
 * database; each test file copies the template (see database.ts). Also builds
 * dist/ once so that tests that run `bin/den` use the current code.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const root = join(import.meta.dirname, "..", "..");
  execFileSync(process.execPath, [join(root, "scripts", "build.mjs")], { stdio: "inherit" });

  const dir = mkdtempSync(join(tmpdir(), "den-test-pg-"));
  const log = pino({ level: "warn" });
  const pg = await startEmbeddedPostgres({ dir, log });
  const admin = openDatabase({ url: pg.url, max: 1 });
  await admin.pool.query("CREATE DATABASE den_template");
  await admin.close();
  const template = openDatabase({ url: withDatabase(pg.url, "den_template"), max: 1 });
  await migrate(template.pool, log);
  await template.close();

  project.provide("pgUrl", pg.url);
  project.provide("pgTemplate", "den_template");
  return async () => {
    await pg.stop();
    rmSync(dir, { recursive: true, force: true });
  };
}
