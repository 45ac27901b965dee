import { sql } from "kysely";
import type { ProvisionerJob, ProvisionerJobLog } from "../../sdk/schemas/provisionerJobs.js";
import type { Database } from "../db/database.js";
import type { JobType } from "../db/workspaceTables.js";
import { PubSub } from "../pubsub/pubsub.js";
import { jobEvents } from "./jobEvents.js";

export type JobRow = {
  id: string;
  type: JobType;
  status: ProvisionerJob["status"];
  error: string | null;
  created_at: Date;
  started_at: Date | null;
  completed_at: Date | null;
  worker_id: string | null;
};

/** Inserts a pending job (inside the caller's transaction); call notifyJobQueued after commit. */
export async function insertProvisionerJob(db: Database, job: { type: JobType; organizationId: string; initiatorId: string | null; input: Record<string, unknown> }): Promise<string> {
  const row = await db
    .insertInto("provisioner_jobs")
    .values({ type: job.type, organization_id: job.organizationId, initiator_id: job.initiatorId, input: JSON.stringify(job.input) })
    .returning("id")
    .executeTakeFirstOrThrow();
  return row.id;
}

/** Wakes idle provisioner daemons on every replica. */
export async function notifyJobQueued(pubsub: PubSub): Promise<void> {
  await pubsub.publish(jobEvents.queue, "");
}

export async function getProvisionerJob(db: Database, id: string): Promise<JobRow | undefined> {
  return db
    .selectFrom("provisioner_jobs")
    .select(["id", "type", "status", "error", "created_at", "started_at", "completed_at", "worker_id"])
    .where("id", "=", id)
    .executeTakeFirst();
}

export function toProvisionerJob(row: JobRow): ProvisionerJob {
  return {
    id: row.id,
    type: row.type,
    status: row.status,
    error: row.error,
    created_at: row.created_at.toISOString(),
    started_at: row.started_at?.toISOString() ?? null,
    completed_at: row.completed_at?.toISOString() ?? null,
    worker_id: row.worker_id,
  };
}

export async function getJobLogsAfter(db: Database, jobId: string, after: number, limit = 5000): Promise<ProvisionerJobLog[]> {
  const rows = await db
    .selectFrom("provisioner_job_logs")
    .select(["id", "created_at", "stage", "level", "output"])
    .where("job_id", "=", jobId)
    .where("id", ">", after)
    .orderBy("id")
    .limit(limit)
    .execute();
  return rows.map((r) => ({ ...r, created_at: r.created_at.toISOString() }));
}

/**
 * Cancels a job: a pending job ends at once; a running one is asked to stop
 * (its daemon sees it on the next heartbeat). Answers the new status, or
 * undefined when the job had already ended.
 */
export async function requestJobCancel(db: Database, pubsub: PubSub, jobId: string): Promise<ProvisionerJob["status"] | undefined> {
  const row = await db
    .updateTable("provisioner_jobs")
    .set({
      status: sql`CASE WHEN status = 'pending' THEN 'canceled' ELSE 'canceling' END`,
      completed_at: sql`CASE WHEN status = 'pending' THEN now() ELSE completed_at END`,
      error: sql`CASE WHEN status = 'pending' THEN 'canceled before it started' ELSE error END`,
      updated_at: sql`now()`,
    })
    .where("id", "=", jobId)
    .where("status", "in", ["pending", "running"])
    .returning("status")
    .executeTakeFirst();
  if (row) await pubsub.publish(jobEvents.job(jobId), row.status);
  return row?.status;
}

/**
 * Fails running jobs whose daemon stopped heartbeating (killed provisioner or
 * server). Their recorded state lets a new build repair the workspace.
 */
export async function failStaleJobs(db: Database, pubsub: PubSub, staleAfterMs: number): Promise<string[]> {
  const rows = await db
    .updateTable("provisioner_jobs")
    .set({
      status: sql`CASE WHEN status = 'canceling' THEN 'canceled' ELSE 'failed' END`,
      error: `the provisioner stopped responding (no heartbeat for ${Math.round(staleAfterMs / 1000)} s); start a new build to repair the workspace`,
      completed_at: sql`now()`,
      updated_at: sql`now()`,
    })
    .where("status", "in", ["running", "canceling"])
    .where("heartbeat_at", "<", sql<Date>`now() - make_interval(secs => ${staleAfterMs / 1000})`)
    .returning("id")
    .execute();
  for (const r of rows) {
    await pubsub.publish(jobEvents.job(r.id), "failed");
    const build = await db.selectFrom("workspace_builds").select("workspace_id").where("job_id", "=", r.id).executeTakeFirst();
    if (build) await pubsub.publish(jobEvents.workspace(build.workspace_id), "failed");
  }
  return rows.map((r) => r.id);
}
