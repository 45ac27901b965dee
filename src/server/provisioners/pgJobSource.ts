import { randomBytes } from "node:crypto";
import { sql } from "kysely";
import type { Logger } from "pino";
import type { ResourceState } from "../../drivers/driver.js";
import type { AcquiredJob, AgentCredential, AgentRegistration, ImportResult, JobLog, JobSource } from "../../provisioner/jobSource.js";
import { hashSecret } from "../auth/apiKeys.js";
import type { Database } from "../db/database.js";
import { PubSub } from "../pubsub/pubsub.js";
import { jobEvents } from "./jobEvents.js";

/** How long acquire() waits for a NOTIFY before looking at the queue again anyway. */
const ACQUIRE_POLL_MS = 5000;

/** The job queue on PostgreSQL, for in-process provisioner daemons and the HTTP API. */
export class PgJobSource implements JobSource {
  constructor(
    private readonly db: Database,
    private readonly pubsub: PubSub,
    private readonly log: Logger,
  ) {}

  async acquire(workerId: string, signal: AbortSignal): Promise<AcquiredJob | null> {
    while (!signal.aborted) {
      // Subscribe before looking, so a job enqueued in between still wakes us.
      let wake: () => void = () => undefined;
      const woken = new Promise<void>((resolve) => (wake = resolve));
      const unsubscribe = await this.pubsub.subscribe(jobEvents.queue, () => wake());
      const onAbort = () => wake();
      signal.addEventListener("abort", onAbort);
      try {
        const job = await this.claim(workerId);
        if (job) return job;
        const timer = setTimeout(wake, ACQUIRE_POLL_MS);
        await woken;
        clearTimeout(timer);
      } finally {
        signal.removeEventListener("abort", onAbort);
        await unsubscribe();
      }
    }
    return null;
  }

  /** Claims the oldest pending job; SKIP LOCKED lets daemons claim side by side. */
  async claim(workerId: string): Promise<AcquiredJob | null> {
    const row = await this.db
      .updateTable("provisioner_jobs")
      .set({ status: "running", worker_id: workerId, started_at: sql`now()`, heartbeat_at: sql`now()`, updated_at: sql`now()` })
      .where(
        "id",
        "=",
        this.db.selectFrom("provisioner_jobs").select("id").where("status", "=", "pending").orderBy("created_at").limit(1).forUpdate().skipLocked(),
      )
      .returningAll()
      .executeTakeFirst();
    if (!row) return null;
    await this.pubsub.publish(jobEvents.job(row.id), "running");
    const input = row.input as { template_version_id?: string; file_id?: string; build_id?: string };
    try {
      if (row.type === "template_version_import") {
        const file = await this.db.selectFrom("files").select("data").where("id", "=", input.file_id!).executeTakeFirstOrThrow();
        return { id: row.id, type: "template_version_import", templateVersionId: input.template_version_id!, archive: file.data };
      }
      return await this.loadBuildJob(row.id, input.build_id!);
    } catch (err) {
      this.log.error({ err, jobId: row.id }, "cannot load a claimed job");
      await this.failJob(row.id, `the job's inputs are missing or broken: ${(err as Error).message}`);
      return null;
    }
  }

  private async loadBuildJob(jobId: string, buildId: string): Promise<AcquiredJob> {
    const build = await this.db
      .selectFrom("workspace_builds as b")
      .innerJoin("workspaces as w", "w.id", "b.workspace_id")
      .innerJoin("users as u", "u.id", "w.owner_id")
      .innerJoin("template_versions as v", "v.id", "b.template_version_id")
      .select(["b.id", "b.build_number", "b.transition", "b.parameters", "b.workspace_id", "w.name as workspace_name", "w.owner_id", "u.username", "u.email", "v.spec"])
      .where("b.id", "=", buildId)
      .executeTakeFirstOrThrow();
    // The build starts from what the build before it left behind, even a failed one.
    const previous = await this.db
      .selectFrom("workspace_builds")
      .select("state")
      .where("workspace_id", "=", build.workspace_id)
      .where("build_number", "<", build.build_number)
      .orderBy("build_number", "desc")
      .limit(1)
      .executeTakeFirst();
    const state = (previous?.state ?? []) as ResourceState[];
    await this.db.updateTable("workspace_builds").set({ state: JSON.stringify(state) }).where("id", "=", buildId).execute();
    return {
      id: jobId,
      type: "workspace_build",
      buildId,
      buildNumber: build.build_number,
      transition: build.transition,
      workspace: { id: build.workspace_id, name: build.workspace_name, ownerId: build.owner_id, ownerName: build.username, ownerEmail: build.email },
      spec: build.spec,
      parameters: build.parameters,
      state,
    };
  }

  async templateArchive(jobId: string): Promise<Uint8Array> {
    const row = await this.db
      .selectFrom("workspace_builds as b")
      .innerJoin("template_versions as v", "v.id", "b.template_version_id")
      .innerJoin("files as f", "f.id", "v.file_id")
      .select("f.data")
      .where("b.job_id", "=", jobId)
      .executeTakeFirstOrThrow();
    return row.data;
  }

  async heartbeat(jobId: string): Promise<{ canceled: boolean }> {
    const row = await this.db
      .updateTable("provisioner_jobs")
      .set({ heartbeat_at: sql`now()` })
      .where("id", "=", jobId)
      .returning("status")
      .executeTakeFirst();
    return { canceled: !row || row.status === "canceling" || row.status === "canceled" || row.status === "failed" };
  }

  async appendLogs(jobId: string, logs: JobLog[]): Promise<void> {
    if (logs.length === 0) return;
    const rows = await this.db
      .insertInto("provisioner_job_logs")
      .values(logs.map((l) => ({ job_id: jobId, level: l.level, stage: l.stage, output: l.output, created_at: l.time })))
      .returning("id")
      .execute();
    await this.pubsub.publish(jobEvents.logs(jobId), String(rows.at(-1)!.id));
  }

  async recordState(jobId: string, state: ResourceState[]): Promise<void> {
    await this.db.updateTable("workspace_builds").set({ state: JSON.stringify(state), updated_at: sql`now()` }).where("job_id", "=", jobId).execute();
  }

  async registerAgents(jobId: string, agents: AgentRegistration[]): Promise<AgentCredential[]> {
    const build = await this.db.selectFrom("workspace_builds").select(["id", "workspace_id"]).where("job_id", "=", jobId).executeTakeFirstOrThrow();
    const credentials: AgentCredential[] = [];
    await this.db.transaction().execute(async (tx) => {
      // A retried registration (a resource re-created) replaces those agents of this build.
      if (agents.length > 0) {
        await tx.deleteFrom("workspace_agents").where("build_id", "=", build.id).where("name", "in", agents.map((a) => a.name)).execute();
      }
      for (const agent of agents) {
        const token = randomBytes(24).toString("base64url");
        const row = await tx
          .insertInto("workspace_agents")
          .values({
            workspace_id: build.workspace_id,
            build_id: build.id,
            name: agent.name,
            resource_name: agent.resource,
            token_hash: hashSecret(token),
            spec: JSON.stringify(agent.spec),
          })
          .returning("id")
          .executeTakeFirstOrThrow();
        credentials.push({ id: row.id, name: agent.name, token });
      }
    });
    return credentials;
  }

  async completeImport(jobId: string, result: ImportResult): Promise<void> {
    await this.db.transaction().execute(async (tx) => {
      await tx
        .updateTable("template_versions")
        .set({ spec: JSON.stringify(result.spec), readme: result.readme, updated_at: sql`now()` })
        .where("job_id", "=", jobId)
        .execute();
      await this.finish(tx, jobId, "succeeded", null);
    });
    await this.pubsub.publish(jobEvents.job(jobId), "succeeded");
  }

  async completeBuild(jobId: string, state: ResourceState[]): Promise<void> {
    let workspaceId = "";
    await this.db.transaction().execute(async (tx) => {
      const build = await tx
        .updateTable("workspace_builds")
        .set({ state: JSON.stringify(state), updated_at: sql`now()` })
        .where("job_id", "=", jobId)
        .returning(["workspace_id", "transition"])
        .executeTakeFirstOrThrow();
      workspaceId = build.workspace_id;
      if (build.transition === "delete") {
        await tx.updateTable("workspaces").set({ deleted: true, updated_at: sql`now()` }).where("id", "=", build.workspace_id).execute();
      }
      await this.finish(tx, jobId, "succeeded", null);
    });
    await this.publishDone(jobId, workspaceId, "succeeded");
  }

  async failJob(jobId: string, error: string, opts: { canceled?: boolean; state?: ResourceState[] } = {}): Promise<void> {
    const status = opts.canceled ? "canceled" : "failed";
    let workspaceId: string | undefined;
    await this.db.transaction().execute(async (tx) => {
      if (opts.state) {
        const build = await tx
          .updateTable("workspace_builds")
          .set({ state: JSON.stringify(opts.state), updated_at: sql`now()` })
          .where("job_id", "=", jobId)
          .returning("workspace_id")
          .executeTakeFirst();
        workspaceId = build?.workspace_id;
      }
      await this.finish(tx, jobId, status, error);
    });
    workspaceId ??= (await this.db.selectFrom("workspace_builds").select("workspace_id").where("job_id", "=", jobId).executeTakeFirst())?.workspace_id;
    await this.publishDone(jobId, workspaceId, status);
  }

  private async finish(tx: Database, jobId: string, status: "succeeded" | "failed" | "canceled", error: string | null): Promise<void> {
    await tx
      .updateTable("provisioner_jobs")
      .set({ status, error, completed_at: sql`now()`, updated_at: sql`now()` })
      .where("id", "=", jobId)
      .execute();
  }

  private async publishDone(jobId: string, workspaceId: string | undefined, status: string): Promise<void> {
    await this.pubsub.publish(jobEvents.job(jobId), status);
    if (workspaceId) await this.pubsub.publish(jobEvents.workspace(workspaceId), status);
  }
}
