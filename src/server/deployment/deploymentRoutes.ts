import { sql } from "kysely";
import { DeploymentHealth } from "../../sdk/schemas/deployment.js";
import { authorize } from "../auth/policy.js";
import type { Database } from "../db/database.js";
import { defineRoute, type RouteSpec } from "../http/route.js";

const RECENT_WORKERS = sql<Date>`now() - interval '10 minutes'`;

/** The deployment's health for owners: database, provisioners, agents, version. */
export function deploymentRoutes(deps: { db: Database; inProcessDaemons: number; version: string }): RouteSpec[] {
  return [
    defineRoute({
      method: "GET",
      url: "/deployment/health",
      summary: "Health of the deployment: database, provisioners, agents (owners)",
      tags: ["deployment"],
      auth: "user",
      response: DeploymentHealth,
      handler: async ({ actor }) => {
        authorize(actor!, "read", { type: "deployment" });
        const started = performance.now();
        let database: DeploymentHealth["database"];
        let provisioners: DeploymentHealth["provisioners"] = { in_process_daemons: deps.inProcessDaemons, recent_workers: [], jobs_pending: 0, jobs_running: 0, oldest_pending_seconds: 0 };
        let agents = 0;
        try {
          const jobs = await deps.db
            .selectFrom("provisioner_jobs")
            .select([
              sql<number>`count(*) FILTER (WHERE status = 'pending')`.as("pending"),
              sql<number>`count(*) FILTER (WHERE status IN ('running', 'canceling'))`.as("running"),
              sql<number>`COALESCE(EXTRACT(EPOCH FROM now() - min(created_at) FILTER (WHERE status = 'pending')), 0)`.as("oldest"),
            ])
            .executeTakeFirstOrThrow();
          database = { healthy: true, latency_ms: Math.round((performance.now() - started) * 100) / 100, error: "" };
          const workers = await deps.db
            .selectFrom("provisioner_jobs")
            .select(["worker_id", sql<Date>`max(heartbeat_at)`.as("last")])
            .where("worker_id", "is not", null)
            .where("heartbeat_at", ">", RECENT_WORKERS)
            .groupBy("worker_id")
            .orderBy("worker_id")
            .execute();
          const connected = await deps.db
            .selectFrom("workspace_agents")
            .select(sql<number>`count(*)`.as("n"))
            .where("connected_replica", "is not", null)
            .executeTakeFirstOrThrow();
          agents = Number(connected.n);
          provisioners = {
            ...provisioners,
            recent_workers: workers.map((w) => ({ worker_id: w.worker_id!, last_heartbeat_at: new Date(w.last).toISOString() })),
            jobs_pending: Number(jobs.pending),
            jobs_running: Number(jobs.running),
            oldest_pending_seconds: Math.round(Number(jobs.oldest)),
          };
        } catch (err) {
          database = { healthy: false, latency_ms: Math.round(performance.now() - started), error: (err as Error).message };
        }
        return { healthy: database.healthy, database, provisioners, agents_connected: agents, version: deps.version };
      },
    }),
  ];
}
