import type { DenClient } from "../sdk/client/DenClient.js";
import type { Workspace, WorkspaceAgent } from "../sdk/schemas/workspaces.js";
import { findAgentTarget, type AgentTarget } from "./agentConnection.js";
import { CliError } from "./errors.js";

export type WaitOptions = {
  /** false: connect as soon as the agent is connected, without waiting for its start scripts. */
  wait: boolean;
  timeoutMs: number;
  /** Where the progress line goes (stderr); a line that changes is rewritten in place on a terminal. */
  progress: NodeJS.WritableStream & { isTTY?: boolean };
  /** How often to look again; the API has no event for agent changes that a CLI can follow cheaply. */
  pollMs?: number;
};

/** What a look at the workspace says: go, wait (with why), or give up (with why). */
export type AgentReadiness = { state: "go"; warning?: string } | { state: "wait"; why: string } | { state: "fail"; why: string };

/**
 * Decides from one look whether `den ssh` may connect. Start scripts that
 * block login are waited for (lifecycle `ready`); a failed start is a warning,
 * not a refusal, so that people can log in to find out what went wrong.
 */
export function agentReadiness(workspace: Workspace, agent: WorkspaceAgent | undefined, wait: boolean): AgentReadiness {
  const ref = `${workspace.owner_name}/${workspace.name}`;
  switch (workspace.status) {
    case "pending":
    case "starting":
      return { state: "wait", why: `workspace ${ref} is ${workspace.status}` };
    case "running":
      break;
    default:
      return { state: "fail", why: `workspace ${ref} is ${workspace.status}: start it with \`den start ${ref}\`` };
  }
  if (!agent) return { state: "fail", why: `workspace ${ref} has no agent: its template declares none, so there is nothing to connect to` };
  if (agent.status !== "connected") {
    const why = agent.status === "connecting" ? `waiting for agent ${agent.name} of ${ref} to connect` : `agent ${agent.name} of ${ref} is ${agent.status}; waiting for it to reconnect`;
    return wait ? { state: "wait", why } : { state: "fail", why: `agent ${agent.name} of ${ref} is ${agent.status}` };
  }
  switch (agent.lifecycle_state) {
    case "ready":
      return { state: "go" };
    case "created":
    case "starting":
      return wait ? { state: "wait", why: `waiting for the start scripts of agent ${agent.name} of ${ref}` } : { state: "go" };
    case "start_error":
    case "start_timeout":
      return { state: "go", warning: `the start scripts of agent ${agent.name} failed (${agent.lifecycle_state}); see \`den logs ${ref}\`` };
    default:
      return { state: "fail", why: `agent ${agent.name} of ${ref} is ${agent.lifecycle_state.replace("_", " ")}: the workspace is stopping` };
  }
}

/**
 * Finds the target's agent and waits until it can be logged in to, with a
 * progress line on stderr; throws a one-line CliError on a dead end or after
 * the timeout.
 */
export async function waitForAgent(client: DenClient, target: string, opts: WaitOptions): Promise<AgentTarget> {
  const deadline = Date.now() + opts.timeoutMs;
  let shown = "";
  const show = (line: string) => {
    if (line === shown) return;
    shown = line;
    opts.progress.write(opts.progress.isTTY ? `\r\x1b[K${line}` : `${line}\n`);
  };
  try {
    for (;;) {
      const { workspace, agent } = await findAgentTarget(client, target);
      const readiness = agentReadiness(workspace, agent, opts.wait);
      if (readiness.state === "go") {
        if (shown && opts.progress.isTTY) opts.progress.write("\r\x1b[K");
        shown = "";
        if (readiness.warning) opts.progress.write(`warning: ${readiness.warning}\n`);
        return { workspace, agent: agent! };
      }
      if (readiness.state === "fail") throw new CliError(readiness.why);
      if (Date.now() >= deadline) throw new CliError(`gave up after ${Math.round(opts.timeoutMs / 1000)}s: ${readiness.why} (use --wait-timeout to wait longer)`);
      show(`${readiness.why}…`);
      await new Promise((r) => setTimeout(r, opts.pollMs ?? 500));
    }
  } finally {
    if (shown && opts.progress.isTTY) opts.progress.write("\r\x1b[K");
  }
}
