import { Kysely, PostgresDialect } from "kysely";
import pg from "pg";
import type { Tables } from "./tables.js";

export type Database = Kysely<Tables>;

export type DatabaseHandle = {
  db: Database;
  pool: pg.Pool;
  url: string;
  close(): Promise<void>;
};

export type OpenDatabaseOptions = {
  url: string;
  /** Session time zone; tests use a non-UTC zone to catch time bugs. */
  timeZone?: string;
  max?: number;
  applicationName?: string;
};

// Return bigint columns (COUNT(*), bigserial) as JS numbers: our counts and ids fit.
pg.types.setTypeParser(20, (v) => Number(v));

export function openDatabase(opts: OpenDatabaseOptions): DatabaseHandle {
  const pool = new pg.Pool({
    connectionString: opts.url,
    max: opts.max ?? 20,
    application_name: opts.applicationName ?? "den",
    options: opts.timeZone ? `-c TimeZone=${opts.timeZone}` : undefined,
  });
  // An idle client that loses its server (restart, network) must not crash the process.
  pool.on("error", () => undefined);
  const db = new Kysely<Tables>({ dialect: new PostgresDialect({ pool }) });
  let closed: Promise<void> | undefined;
  return {
    db,
    pool,
    url: opts.url,
    // Kysely ends the pool only if it used it; migrations use the pool directly.
    close: () => (closed ??= db.destroy().then(() => (pool.ended ? undefined : pool.end()))),
  };
}

/** Replaces the database name in a postgres:// URL. */
export function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = "/" + database;
  return u.toString();
}
