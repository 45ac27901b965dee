import { describe, expect, it } from "vitest";
import type { Workspace, WorkspaceAgent } from "../sdk/schemas/workspaces.js";
import { agentReadiness } from "./waitForAgent.js";

const ws = (status: Workspace["status"]) => ({ name: "dev", owner_name: "alice", status }) as Workspace;
const agent = (status: WorkspaceAgent["status"], lifecycle_state: string) => ({ name: "main", status, lifecycle_state }) as WorkspaceAgent;

describe("agentReadiness", () => {
  it("waits for a starting workspace, a connecting agent and start scripts that block login", () => {
    expect(agentReadiness(ws("starting"), undefined, true)).toEqual({ state: "wait", why: "workspace alice/dev is starting" });
    expect(agentReadiness(ws("running"), agent("connecting", "created"), true).state).toBe("wait");
    expect(agentReadiness(ws("running"), agent("connected", "starting"), true).state).toBe("wait");
    expect(agentReadiness(ws("running"), agent("connected", "ready"), true)).toEqual({ state: "go" });
  });

  it("with --wait=no, goes as soon as the agent is connected and fails when it is not", () => {
    expect(agentReadiness(ws("running"), agent("connected", "starting"), false)).toEqual({ state: "go" });
    expect(agentReadiness(ws("running"), agent("disconnected", "ready"), false)).toEqual({ state: "fail", why: "agent main of alice/dev is disconnected" });
  });

  it("logs in after a failed start with a warning, and gives up on stopped workspaces and stopping agents", () => {
    expect(agentReadiness(ws("running"), agent("connected", "start_error"), true)).toMatchObject({ state: "go", warning: expect.stringContaining("start_error") });
    expect(agentReadiness(ws("stopped"), undefined, true)).toEqual({ state: "fail", why: "workspace alice/dev is stopped: start it with `den start alice/dev`" });
    expect(agentReadiness(ws("running"), undefined, true).state).toBe("fail");
    expect(agentReadiness(ws("running"), agent("connected", "shutting_down"), true).state).toBe("fail");
  });
});
