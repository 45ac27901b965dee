import type { ProvisionerJobLog } from "../schemas/provisionerJobs.js";
import type {
  CreateWorkspaceBuildRequest,
  CreateWorkspaceRequest,
  ListWorkspacesResponse,
  UpdateWorkspaceRequest,
  Workspace,
  WorkspaceBuild,
} from "../schemas/workspaces.js";
import type { HttpClient } from "./http.js";
import { userPath, type UserRef } from "./users.js";

export type ListWorkspacesParams = { q?: string; limit?: number; offset?: number };

/** Workspaces and their builds (`/api/v2/workspaces`, `/api/v2/workspacebuilds`). */
export class WorkspacesApi {
  private readonly http: HttpClient;

  constructor(http: HttpClient) {
    this.http = http;
  }

  /** Creates a workspace for `user` (usually "me"); its first build (start) is already enqueued. */
  create(user: UserRef, req: CreateWorkspaceRequest): Promise<Workspace> {
    return this.http.request<Workspace>("POST", `${userPath(user)}/workspaces`, { body: req });
  }

  list(params: ListWorkspacesParams = {}): Promise<ListWorkspacesResponse> {
    return this.http.request<ListWorkspacesResponse>("GET", "/workspaces", { query: params });
  }

  get(id: string, opts: { includeDeleted?: boolean } = {}): Promise<Workspace> {
    return this.http.request<Workspace>("GET", workspacePath(id), { query: { include_deleted: opts.includeDeleted ? "true" : undefined } });
  }

  /** A workspace by its owner ("me", a username or an id) and name. */
  getByOwnerAndName(owner: UserRef, name: string): Promise<Workspace> {
    return this.http.request<Workspace>("GET", `${userPath(owner)}/workspace/${encodeURIComponent(name)}`);
  }

  update(id: string, req: UpdateWorkspaceRequest): Promise<Workspace> {
    return this.http.request<Workspace>("PATCH", workspacePath(id), { body: req });
  }

  /** Starts, stops or deletes; answers 409 (ApiError) while another build of the workspace runs. */
  createBuild(id: string, req: CreateWorkspaceBuildRequest): Promise<WorkspaceBuild> {
    return this.http.request<WorkspaceBuild>("POST", `${workspacePath(id)}/builds`, { body: req });
  }

  /** Newest first. */
  listBuilds(id: string, params: { limit?: number; offset?: number } = {}): Promise<WorkspaceBuild[]> {
    return this.http.request<WorkspaceBuild[]>("GET", `${workspacePath(id)}/builds`, { query: params });
  }

  getBuild(buildId: string): Promise<WorkspaceBuild> {
    return this.http.request<WorkspaceBuild>("GET", buildPath(buildId));
  }

  getBuildByNumber(owner: UserRef, name: string, buildNumber: number): Promise<WorkspaceBuild> {
    return this.http.request<WorkspaceBuild>("GET", `${userPath(owner)}/workspace/${encodeURIComponent(name)}/builds/${buildNumber}`);
  }

  buildLogs(buildId: string, after = 0): Promise<ProvisionerJobLog[]> {
    return this.http.request<ProvisionerJobLog[]>("GET", buildLogsPath(buildId), { query: { after } });
  }

  cancelBuild(buildId: string): Promise<WorkspaceBuild> {
    return this.http.request<WorkspaceBuild>("PATCH", `${buildPath(buildId)}/cancel`);
  }

  /** URL of the server-sent events of a workspace (`event: data` with the Workspace JSON). */
  watchUrl(id: string): string {
    return this.http.apiUrl(`${workspacePath(id)}/watch`);
  }
}

/** The logs endpoint of a build; with ?follow=true it is a WebSocket. */
export function buildLogsPath(buildId: string): string {
  return `${buildPath(buildId)}/logs`;
}

function workspacePath(id: string): string {
  return `/workspaces/${encodeURIComponent(id)}`;
}

function buildPath(id: string): string {
  return `/workspacebuilds/${encodeURIComponent(id)}`;
}
