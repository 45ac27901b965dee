import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../../../test/support/database.js";
import { ensureDeploymentSecret } from "./deploymentSecrets.js";

let database: TestDatabase;

beforeAll(async () => {
  database = await createTestDatabase();
});

afterAll(async () => {
  await database?.close();
});

describe("ensureDeploymentSecret", () => {
  it("keeps the first candidate; later and concurrent callers (other replicas) get the same secret", async () => {
    const candidates = Array.from({ length: 4 }, () => randomBytes(32));
    const answers = await Promise.all(candidates.map((c) => ensureDeploymentSecret(database.db, "shared", () => c)));
    expect(new Set(answers.map((a) => a.toString("hex"))).size).toBe(1);
    expect(candidates.some((c) => c.equals(answers[0]!))).toBe(true);
    expect(await ensureDeploymentSecret(database.db, "shared", () => randomBytes(32))).toEqual(answers[0]);
  });

  it("keeps secrets of different names apart", async () => {
    const a = await ensureDeploymentSecret(database.db, "a", () => Buffer.from("aaaa"));
    const b = await ensureDeploymentSecret(database.db, "b", () => Buffer.from("bbbb"));
    expect(a.toString()).toBe("aaaa");
    expect(b.toString()).toBe("bbbb");
  });
});
