import { randomBytes } from "node:crypto";
import { inject } from "vitest";
import { openDatabase, withDatabase, type DatabaseHandle } from "../../src/server/db/database.js";

/** A session time zone that is not UTC and not a whole hour off, to catch time bugs. */
export const TEST_TIME_ZONE = "Canada/Newfoundland";

export type TestDatabase = DatabaseHandle & { name: string };

/** A fresh, migrated database of its own: a copy of the run's template database. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const base = inject("pgUrl");
  const name = `t_${randomBytes(6).toString("hex")}`;
  const admin = openDatabase({ url: base, max: 1 });
  try {
    await admin.pool.query(`CREATE DATABASE ${name} TEMPLATE ${inject("pgTemplate")}`);
  } finally {
    await admin.close();
  }
  const url = withDatabase(base, name);
  const handle = openDatabase({ url, timeZone: TEST_TIME_ZONE });
  return { ...handle, name };
}
