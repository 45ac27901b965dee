import type { LightMyRequestResponse } from "fastify";
import type { CreateWorkspaceBuildRequest, CreateWorkspaceRequest, Workspace, WorkspaceBuild } from "../../src/sdk/schemas/workspaces.js";
import { findRecordedGroup, killProcessGroup, type GroupRecord } from "../../src/drivers/process/processGroup.js";
import { isRunning, readProcStatSync } from "../../src/drivers/process/procStat.js";
import { withToken } from "../../src/server/users/testUsers.js";
import type { JobWatcher } from "./jobWatcher.js";
import type { TestServer } from "./testServer.js";

type Method = "GET" | "POST" | "PATCH" | "DELETE";

/** The workspace API through `app.inject`, with the waiting a test needs. */
export class WorkspaceTestApi {
  constructor(
    private readonly server: TestServer,
    private readonly jobs: JobWatcher,
  ) {}

  call(token: string, method: Method, url: string, payload?: unknown): Promise<LightMyRequestResponse> {
    return this.server.app.inject({ method, url: `/api/v2${url}`, headers: withToken(token), payload: payload as Record<string, unknown> | undefined });
  }

  async ok<T>(token: string, method: Method, url: string, payload?: unknown): Promise<T> {
    const res = await this.call(token, method, url, payload);
    if (res.statusCode >= 300) throw new Error(`${method} ${url}: ${res.statusCode} ${res.body}`);
    return res.json() as T;
  }

  create(token: string, body: CreateWorkspaceRequest, user = "me"): Promise<Workspace> {
    return this.ok<Workspace>(token, "POST", `/users/${user}/workspaces`, body);
  }

  build(token: string, workspaceId: string, body: CreateWorkspaceBuildRequest): Promise<WorkspaceBuild> {
    return this.ok<WorkspaceBuild>(token, "POST", `/workspaces/${workspaceId}/builds`, body);
  }

  get(token: string, workspaceId: string): Promise<Workspace> {
    return this.ok<Workspace>(token, "GET", `/workspaces/${workspaceId}?include_deleted=true`);
  }

  /** Waits for the build's job to end and answers the workspace as it is then. */
  async settle(token: string, build: Pick<WorkspaceBuild, "workspace_id" | "job">): Promise<Workspace> {
    await this.jobs.waitForJob(build.job.id);
    return this.get(token, build.workspace_id);
  }

  /** Creates a workspace and waits until its first build has ended. */
  async createAndSettle(token: string, body: CreateWorkspaceRequest, user = "me"): Promise<Workspace> {
    const ws = await this.create(token, body, user);
    return this.settle(token, ws.latest_build);
  }
}

/** The pid output of a workspace's `name` resource, from its latest build. */
export function pidOf(ws: Workspace, resource = "box"): number {
  const pid = ws.latest_build.resources.find((r) => r.name === resource)?.outputs.pid;
  if (typeof pid !== "number") throw new Error(`workspace ${ws.name} has no running ${resource} (status ${ws.status})`);
  return pid;
}

/**
 * Whether a process runs: `kill(pid, 0)` finds it and it is not a zombie that
 * has exited but not yet been reaped by this (its parent) process.
 */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "EPERM") return false;
  }
  const stat = readProcStatSync(pid);
  return stat !== undefined && isRunning(stat);
}

/**
 * Kills every process group that any build recorded and that still runs, so
 * that a failed test leaves no strays behind. The driver's own check guards
 * against signalling a group whose pid was reused.
 */
export async function killRecordedProcesses(server: TestServer): Promise<void> {
  const res = await server.database.pool.query<{ state: Array<{ kind?: string; data?: Record<string, unknown> }> }>("SELECT state FROM workspace_builds");
  for (const row of res.rows) {
    for (const s of row.state ?? []) {
      if (s.kind !== "process" || !s.data) continue;
      const rec = s.data as unknown as GroupRecord;
      if (typeof rec.pgid !== "number" || rec.pgid <= 1) continue;
      if ((await findRecordedGroup(rec)) === "running") await killProcessGroup(rec.pgid).catch(() => undefined);
    }
  }
}
