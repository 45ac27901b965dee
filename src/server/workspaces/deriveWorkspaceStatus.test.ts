import { describe, expect, it } from "vitest";
import { JobStatus } from "../../sdk/schemas/provisionerJobs.js";
import { WorkspaceStatus, WorkspaceTransition } from "../../sdk/schemas/workspaces.js";
import { deriveWorkspaceStatus, statusConditions } from "./deriveWorkspaceStatus.js";

describe("deriveWorkspaceStatus", () => {
  it("maps each transition and job status", () => {
    expect(deriveWorkspaceStatus("start", "pending")).toBe("pending");
    expect(deriveWorkspaceStatus("start", "running")).toBe("starting");
    expect(deriveWorkspaceStatus("stop", "running")).toBe("stopping");
    expect(deriveWorkspaceStatus("delete", "running")).toBe("deleting");
    expect(deriveWorkspaceStatus("start", "succeeded")).toBe("running");
    expect(deriveWorkspaceStatus("stop", "succeeded")).toBe("stopped");
    expect(deriveWorkspaceStatus("delete", "succeeded")).toBe("deleted");
    expect(deriveWorkspaceStatus("stop", "failed")).toBe("failed");
    expect(deriveWorkspaceStatus("start", "canceling")).toBe("canceling");
    expect(deriveWorkspaceStatus("delete", "canceled")).toBe("canceled");
  });

  it("statusConditions is its inverse: every status comes back from its conditions", () => {
    for (const status of WorkspaceStatus.options) {
      const cond = statusConditions(status);
      const transitions = cond.transition ? [cond.transition] : WorkspaceTransition.options;
      for (const t of transitions) expect(deriveWorkspaceStatus(t, cond.job)).toBe(status);
    }
    // And every pair derives a status whose conditions contain it.
    for (const t of WorkspaceTransition.options) {
      for (const job of JobStatus.options) {
        const cond = statusConditions(deriveWorkspaceStatus(t, job));
        expect(cond.job).toBe(job);
        if (cond.transition) expect(cond.transition).toBe(t);
      }
    }
  });
});
