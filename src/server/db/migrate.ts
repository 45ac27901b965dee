import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type pg from "pg";
import type { Logger } from "pino";

/** Any constant works; it only has to be the same for every replica. */
const MIGRATION_LOCK_ID = 0x64656e; // "den"

export type Migration = { version: number; name: string; sql: string };

const migrationsDir = fileURLToPath(new URL("./migrations/", import.meta.url));

/** Numbered SQL files `NNNN_name.sql` in ./migrations, in order. */
export function loadMigrations(dir = migrationsDir): Migration[] {
  const migrations = readdirSync(dir)
    .filter((f) => f.endsWith(".sql"))
    .map((file) => {
      const m = /^(\d{4})_([a-z0-9_]+)\.sql$/.exec(file);
      if (!m) throw new Error(`migration file ${file} is not named NNNN_name.sql`);
      return { version: Number(m[1]), name: m[2]!, sql: readFileSync(`${dir}/${file}`, "utf8") };
    })
    .sort((a, b) => a.version - b.version);
  migrations.forEach((m, i) => {
    if (m.version !== i + 1) throw new Error(`migration ${m.version} is out of sequence; expected ${i + 1}`);
  });
  return migrations;
}

/**
 * Applies the migrations not applied yet, each in its own transaction, while
 * holding a session advisory lock: a second server starting at the same time
 * waits for the first and then finds nothing left to do.
 */
export async function migrate(pool: pg.Pool, log: Logger, migrations = loadMigrations()): Promise<number[]> {
  const client = await pool.connect();
  const applied: number[] = [];
  try {
    await client.query("SELECT pg_advisory_lock($1)", [MIGRATION_LOCK_ID]);
    await client.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version integer PRIMARY KEY,
      name text NOT NULL,
      applied_at timestamptz NOT NULL DEFAULT now()
    )`);
    const { rows } = await client.query<{ version: number }>("SELECT version FROM schema_migrations");
    const done = new Set(rows.map((r) => r.version));
    const latest = migrations.at(-1)?.version ?? 0;
    const unknown = [...done].filter((v) => v > latest);
    if (unknown.length > 0) {
      throw new Error(`the database has migration ${Math.max(...unknown)} but this den knows only up to ${latest}; run a newer den`);
    }
    for (const m of migrations) {
      if (done.has(m.version)) continue;
      log.info({ version: m.version, name: m.name }, "applying migration");
      try {
        await client.query("BEGIN");
        await client.query(m.sql);
        await client.query("INSERT INTO schema_migrations (version, name) VALUES ($1, $2)", [m.version, m.name]);
        await client.query("COMMIT");
      } catch (cause) {
        await client.query("ROLLBACK").catch(() => undefined);
        throw new Error(`migration ${m.version}_${m.name} failed`, { cause });
      }
      applied.push(m.version);
    }
  } finally {
    await client.query("SELECT pg_advisory_unlock($1)", [MIGRATION_LOCK_ID]).catch(() => undefined);
    client.release();
  }
  return applied;
}
