import type { DeploymentHealth } from "../schemas/deployment.js";
import type { BuildInfo } from "../schemas/users.js";
import { HttpClient, type HttpClientOptions } from "./http.js";
import { PortSharesApi } from "./portShares.js";
import { TemplatesApi } from "./templates.js";
import { TokensApi } from "./tokens.js";
import { UsersApi } from "./users.js";
import { WorkspacesApi } from "./workspaces.js";

/**
 * The typed client of the Den API, used by the CLI and the dashboard.
 * Each resource area has its own class in this folder; add yours here.
 */
export class DenClient {
  readonly http: HttpClient;
  readonly users: UsersApi;
  readonly tokens: TokensApi;
  readonly templates: TemplatesApi;
  readonly workspaces: WorkspacesApi;
  readonly portShares: PortSharesApi;

  constructor(opts: HttpClientOptions) {
    this.http = new HttpClient(opts);
    this.users = new UsersApi(this.http);
    this.tokens = new TokensApi(this.http);
    this.templates = new TemplatesApi(this.http);
    this.workspaces = new WorkspacesApi(this.http);
    this.portShares = new PortSharesApi(this.http);
  }

  get url(): string {
    return this.http.url;
  }

  /** The token this client sends: the one it was given, or the session of its last login. */
  get token(): string | undefined {
    return this.http.token;
  }

  /** The server's version; needs no login. */
  buildInfo(): Promise<BuildInfo> {
    return this.http.request<BuildInfo>("GET", "/buildinfo");
  }

  /** Database, provisioners and agents at a glance (owners). */
  deploymentHealth(): Promise<DeploymentHealth> {
    return this.http.request<DeploymentHealth>("GET", "/deployment/health");
  }
}
