import { randomUUID } from "node:crypto";
import type { Database } from "../db/database.js";
import type { Transition } from "../db/workspaceTables.js";
import { jobEvents } from "../provisioners/jobEvents.js";
import { insertProvisionerJob, notifyJobQueued } from "../provisioners/jobQueries.js";
import type { PubSub } from "../pubsub/pubsub.js";
import { insertWorkspaceBuild } from "./queries.js";

export type BuildRequest = {
  workspaceId: string;
  organizationId: string;
  templateVersionId: string;
  buildNumber: number;
  transition: Transition;
  initiatorId: string;
  parameters: Record<string, string>;
  /** The state the build before it left behind. */
  state: unknown[];
};

/**
 * Inserts a build and its pending job, inside the caller's transaction.
 * The build starts out with the previous build's state, so that a build
 * canceled before any daemon claimed it still records what exists and the
 * build after it destroys exactly that.
 */
export async function enqueueBuild(tx: Database, req: BuildRequest): Promise<{ buildId: string; jobId: string }> {
  const buildId = randomUUID();
  const jobId = await insertProvisionerJob(tx, {
    type: "workspace_build",
    organizationId: req.organizationId,
    initiatorId: req.initiatorId,
    input: { build_id: buildId },
  });
  await insertWorkspaceBuild(tx, {
    id: buildId,
    workspaceId: req.workspaceId,
    templateVersionId: req.templateVersionId,
    buildNumber: req.buildNumber,
    transition: req.transition,
    initiatorId: req.initiatorId,
    jobId,
    parameters: req.parameters,
    state: req.state,
  });
  return { buildId, jobId };
}

/** After commit: wakes the provisioner daemons and tells watchers the workspace changed. */
export async function announceBuild(pubsub: PubSub, workspaceId: string): Promise<void> {
  await notifyJobQueued(pubsub);
  await pubsub.publish(jobEvents.workspace(workspaceId), "build");
}
