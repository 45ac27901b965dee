import { z } from "zod";
import { Timestamp, Uuid } from "./common.js";

export const JobStatus = z.enum(["pending", "running", "succeeded", "failed", "canceling", "canceled"]);
export type JobStatus = z.infer<typeof JobStatus>;

export const ProvisionerJob = z.object({
  id: Uuid,
  type: z.enum(["template_version_import", "workspace_build"]),
  status: JobStatus,
  error: z.string().nullable(),
  created_at: Timestamp,
  started_at: Timestamp.nullable(),
  completed_at: Timestamp.nullable(),
  worker_id: z.string().nullable(),
});
export type ProvisionerJob = z.infer<typeof ProvisionerJob>;

export const JobLogLevel = z.enum(["trace", "debug", "info", "warn", "error"]);

export const ProvisionerJobLog = z.object({
  id: z.number().int(),
  created_at: Timestamp,
  stage: z.string(),
  level: JobLogLevel,
  output: z.string(),
});
export type ProvisionerJobLog = z.infer<typeof ProvisionerJobLog>;

/** `?after=N` returns logs with id > N; `follow=true` upgrades to a WebSocket of ProvisionerJobLog JSON frames. */
export const JobLogsQuery = z.object({
  after: z.coerce.number().int().min(0).default(0),
  follow: z.enum(["true", "false"]).optional(),
});

export function isJobDone(status: JobStatus): boolean {
  return status === "succeeded" || status === "failed" || status === "canceled";
}
