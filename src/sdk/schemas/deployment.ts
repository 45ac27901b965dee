import { z } from "zod";
import { Timestamp } from "./common.js";

/** GET /api/v2/deployment/health (owners): what an operator checks first. */
export const DeploymentHealth = z.object({
  healthy: z.boolean(),
  database: z.object({ healthy: z.boolean(), latency_ms: z.number(), error: z.string() }),
  provisioners: z.object({
    /** Daemons inside this server process (--provisioner-daemons). */
    in_process_daemons: z.number().int(),
    /** Daemons (in any process) that heartbeated a job in the last 10 minutes. */
    recent_workers: z.array(z.object({ worker_id: z.string(), last_heartbeat_at: Timestamp })),
    jobs_pending: z.number().int(),
    jobs_running: z.number().int(),
    /** Age of the oldest pending job: a growing figure means no daemon takes jobs. */
    oldest_pending_seconds: z.number(),
  }),
  agents_connected: z.number().int(),
  version: z.string(),
});
export type DeploymentHealth = z.infer<typeof DeploymentHealth>;
