import { randomBytes } from "node:crypto";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../../../test/support/database.js";
import { openDatabase, withDatabase } from "./database.js";
import { loadMigrations, migrate } from "./migrate.js";

const log = pino({ level: "silent" });

describe("migrate", () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(async () => {
    await database.close();
  });

  it("applies nothing to a database that is up to date", async () => {
    const before = await database.pool.query("SELECT version, applied_at FROM schema_migrations ORDER BY version");
    expect(before.rows.map((r) => r.version)).toEqual(loadMigrations().map((m) => m.version));
    expect(await migrate(database.pool, log)).toEqual([]);
    const after = await database.pool.query("SELECT version, applied_at FROM schema_migrations ORDER BY version");
    expect(after.rows).toEqual(before.rows);
    const orgs = await database.db.selectFrom("organizations").select("name").execute();
    expect(orgs).toEqual([{ name: "default" }]);
  });

  it("applies each migration once when two servers migrate an empty database at the same time", async () => {
    const base = inject("pgUrl");
    const name = `t_empty_${randomBytes(5).toString("hex")}`;
    const admin = openDatabase({ url: base, max: 1 });
    await admin.pool.query(`CREATE DATABASE ${name}`);
    const a = openDatabase({ url: withDatabase(base, name), max: 2 });
    const b = openDatabase({ url: withDatabase(base, name), max: 2 });
    try {
      const [appliedA, appliedB] = await Promise.all([migrate(a.pool, log), migrate(b.pool, log)]);
      const all = loadMigrations().map((m) => m.version);
      // One of them did all the work while the other waited for the lock, then found nothing to do.
      expect([appliedA, appliedB].sort((x, y) => x.length - y.length)).toEqual([[], all]);
      const { rows } = await a.pool.query("SELECT version FROM schema_migrations ORDER BY version");
      expect(rows.map((r) => r.version)).toEqual(all);
      const orgs = await a.db.selectFrom("organizations").select("name").execute();
      expect(orgs).toEqual([{ name: "default" }]);
      expect(await migrate(b.pool, log)).toEqual([]);
    } finally {
      await a.close();
      await b.close();
      await admin.pool.query(`DROP DATABASE ${name}`);
      await admin.close();
    }
  });
});
