import type { Database } from "../db/database.js";

/**
 * A secret every replica shares (migration 0005): the first replica to start
 * stores the candidate, later ones (and a second racing at the same time)
 * read what was stored.
 */
export async function ensureDeploymentSecret(db: Database, name: string, candidate: () => Buffer): Promise<Buffer> {
  await db.insertInto("deployment_secrets").values({ name, value: candidate() }).onConflict((oc) => oc.column("name").doNothing()).execute();
  const row = await db.selectFrom("deployment_secrets").select("value").where("name", "=", name).executeTakeFirstOrThrow();
  return row.value;
}
