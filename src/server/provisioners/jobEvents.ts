import { PubSub } from "../pubsub/pubsub.js";

/** Channel names of the provisioner's events (LISTEN/NOTIFY). */
export const jobEvents = {
  /** A job was enqueued: idle daemons look at the queue. */
  queue: "den_job_queue",
  /** A job changed status (payload: the status). */
  job: (jobId: string) => PubSub.channel("den_job", jobId),
  /** New log lines of a job (payload: the last log id). */
  logs: (jobId: string) => PubSub.channel("den_joblog", jobId),
  /** Anything about a workspace changed: status, build, agents. */
  workspace: (workspaceId: string) => PubSub.channel("den_ws", workspaceId),
};
