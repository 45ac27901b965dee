import { ApiError } from "../errors.js";
import type { ListeningPort } from "../schemas/agentProtocol.js";
import type { ApplicationsHost } from "../schemas/applications.js";
import type { DeletePortShareRequest, UpsertPortShareRequest, WorkspacePortShare, WorkspacePortShares } from "../schemas/portShares.js";
import type { HttpClient } from "./http.js";

/**
 * Ports of workspaces: which ones listen, which ones are shared and where
 * they are served (`/api/v2/workspaces/{id}/port-share`,
 * `/api/v2/workspaceagents/{id}/listening-ports`, `/api/v2/applications/host`).
 */
export class PortSharesApi {
  private readonly http: HttpClient;

  constructor(http: HttpClient) {
    this.http = http;
  }

  /** The workspace's shared ports and the highest level its template allows. */
  list(workspaceId: string): Promise<WorkspacePortShares> {
    return this.http.request<WorkspacePortShares>("GET", portSharePath(workspaceId));
  }

  /** Shares a port, or changes the level or protocol it is shared with. */
  share(workspaceId: string, req: UpsertPortShareRequest): Promise<WorkspacePortShare> {
    return this.http.request<WorkspacePortShare>("POST", portSharePath(workspaceId), { body: req });
  }

  /** Stops sharing a port; the server answers 404 (ApiError) when it was not shared. */
  async unshare(workspaceId: string, req: DeletePortShareRequest): Promise<void> {
    await this.http.request<void>("DELETE", portSharePath(workspaceId), { body: req });
  }

  /** The TCP ports listening inside the workspace, as its (connected) agent sees them. */
  async listeningPorts(agentId: string): Promise<ListeningPort[]> {
    return (await this.http.request<{ ports: ListeningPort[] }>("GET", `/workspaceagents/${encodeURIComponent(agentId)}/listening-ports`)).ports;
  }

  /** Where apps and ports are served; an older server without the endpoint serves none on subdomains. */
  async host(): Promise<ApplicationsHost> {
    try {
      return await this.http.request<ApplicationsHost>("GET", "/applications/host");
    } catch (err) {
      if (err instanceof ApiError && err.status === 404) return { host: "", path_apps: false };
      throw err;
    }
  }
}

function portSharePath(workspaceId: string): string {
  return `/workspaces/${encodeURIComponent(workspaceId)}/port-share`;
}
