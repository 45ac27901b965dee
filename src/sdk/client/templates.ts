import type { ProvisionerJobLog } from "../schemas/provisionerJobs.js";
import {
  TEMPLATE_ARCHIVE_TYPE,
  type CreateTemplateRequest,
  type CreateTemplateVersionRequest,
  type Template,
  type TemplateVersion,
  type TemplateVersionResources,
  type UpdateTemplateRequest,
  type UploadFileResponse,
} from "../schemas/templateApi.js";
import type { ParameterSpec } from "../schemas/templates.js";
import type { HttpClient } from "./http.js";

/** The organization every server has; `{org}` may be its name or id. */
export const DEFAULT_ORGANIZATION = "default";

/** Template archives (`/files`), templates and template versions. */
export class TemplatesApi {
  private readonly http: HttpClient;

  constructor(http: HttpClient) {
    this.http = http;
  }

  /** Uploads a tar archive; the same bytes always give the same file id. */
  uploadFile(data: Uint8Array): Promise<UploadFileResponse> {
    return this.http.request<UploadFileResponse>("POST", "/files", { rawBody: { data, contentType: TEMPLATE_ARCHIVE_TYPE } });
  }

  async downloadFile(id: string): Promise<Uint8Array> {
    const res = await this.http.send("GET", `/files/${encodeURIComponent(id)}`);
    return new Uint8Array(await res.arrayBuffer());
  }

  list(org = DEFAULT_ORGANIZATION): Promise<Template[]> {
    return this.http.request<Template[]>("GET", `${orgPath(org)}/templates`);
  }

  create(req: CreateTemplateRequest, org = DEFAULT_ORGANIZATION): Promise<Template> {
    return this.http.request<Template>("POST", `${orgPath(org)}/templates`, { body: req });
  }

  get(id: string): Promise<Template> {
    return this.http.request<Template>("GET", templatePath(id));
  }

  getByName(name: string, org = DEFAULT_ORGANIZATION): Promise<Template> {
    return this.http.request<Template>("GET", `${orgPath(org)}/templates/${encodeURIComponent(name)}`);
  }

  update(id: string, req: UpdateTemplateRequest): Promise<Template> {
    return this.http.request<Template>("PATCH", templatePath(id), { body: req });
  }

  async delete(id: string): Promise<void> {
    await this.http.request<void>("DELETE", templatePath(id));
  }

  listVersions(id: string): Promise<TemplateVersion[]> {
    return this.http.request<TemplateVersion[]>("GET", `${templatePath(id)}/versions`);
  }

  /** Makes a version whose import succeeded the template's active one. */
  promote(id: string, versionId: string): Promise<Template> {
    return this.http.request<Template>("PATCH", `${templatePath(id)}/versions`, { body: { id: versionId } });
  }

  /** Creates a version from an uploaded file; its import job starts at once. */
  createVersion(req: CreateTemplateVersionRequest, org = DEFAULT_ORGANIZATION): Promise<TemplateVersion> {
    return this.http.request<TemplateVersion>("POST", `${orgPath(org)}/templateversions`, { body: req });
  }

  getVersion(id: string): Promise<TemplateVersion> {
    return this.http.request<TemplateVersion>("GET", versionPath(id));
  }

  versionParameters(id: string): Promise<ParameterSpec[]> {
    return this.http.request<ParameterSpec[]>("GET", `${versionPath(id)}/parameters`);
  }

  versionResources(id: string): Promise<TemplateVersionResources> {
    return this.http.request<TemplateVersionResources>("GET", `${versionPath(id)}/resources`);
  }

  versionLogs(id: string, after = 0): Promise<ProvisionerJobLog[]> {
    return this.http.request<ProvisionerJobLog[]>("GET", versionLogsPath(id), { query: { after } });
  }
}

/** The logs endpoint of a version's import job; with ?follow=true it is a WebSocket. */
export function versionLogsPath(id: string): string {
  return `${versionPath(id)}/logs`;
}

function orgPath(org: string): string {
  return `/organizations/${encodeURIComponent(org)}`;
}

function templatePath(id: string): string {
  return `/templates/${encodeURIComponent(id)}`;
}

function versionPath(id: string): string {
  return `/templateversions/${encodeURIComponent(id)}`;
}
