import type { WorkspaceStatus } from "../../../src/sdk/schemas/workspaces.js";

const TONE: Record<WorkspaceStatus, string> = {
  pending: "busy",
  starting: "busy",
  running: "ok",
  stopping: "busy",
  stopped: "idle",
  failed: "bad",
  canceling: "busy",
  canceled: "idle",
  deleting: "busy",
  deleted: "idle",
};

/** A workspace (or build) status as a coloured pill; the word is always there for screen readers. */
export function StatusBadge({ status }: { status: WorkspaceStatus }) {
  return <span className={`badge badge-${TONE[status]}`} data-status={status}>{status}</span>;
}

/** Statuses that change on their own soon: lists poll faster while one is shown. */
export function isTransitional(status: WorkspaceStatus): boolean {
  return TONE[status] === "busy";
}
