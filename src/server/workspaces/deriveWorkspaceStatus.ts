import type { JobStatus } from "../../sdk/schemas/provisionerJobs.js";
import type { WorkspaceStatus, WorkspaceTransition } from "../../sdk/schemas/workspaces.js";

const ACTIVE: Record<WorkspaceTransition, WorkspaceStatus> = { start: "starting", stop: "stopping", delete: "deleting" };
const DONE: Record<WorkspaceTransition, WorkspaceStatus> = { start: "running", stop: "stopped", delete: "deleted" };

/**
 * A workspace's status is never stored: it follows from its latest build's
 * transition and that build's job, so it cannot drift from what happened.
 */
export function deriveWorkspaceStatus(transition: WorkspaceTransition, job: JobStatus): WorkspaceStatus {
  switch (job) {
    case "pending":
      return "pending";
    case "running":
      return ACTIVE[transition];
    case "succeeded":
      return DONE[transition];
    case "failed":
    case "canceling":
    case "canceled":
      return job;
  }
}

/** The (transition, job status) pairs that give a status, for filtering in SQL. */
export function statusConditions(status: WorkspaceStatus): { transition?: WorkspaceTransition; job: JobStatus } {
  switch (status) {
    case "pending":
    case "failed":
    case "canceling":
    case "canceled":
      return { job: status };
    case "starting":
      return { transition: "start", job: "running" };
    case "stopping":
      return { transition: "stop", job: "running" };
    case "deleting":
      return { transition: "delete", job: "running" };
    case "running":
      return { transition: "start", job: "succeeded" };
    case "stopped":
      return { transition: "stop", job: "succeeded" };
    case "deleted":
      return { transition: "delete", job: "succeeded" };
  }
}
