import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { packTemplateFolder } from "../../src/cli/templateArchive.js";
import type { Template, TemplateVersion } from "../../src/sdk/schemas/templateApi.js";
import { withToken } from "../../src/server/users/testUsers.js";
import type { JobWatcher } from "./jobWatcher.js";
import type { TestServer } from "./testServer.js";

export type TemplateFiles = { "den.yaml": string } & Record<string, string>;

/** Packs files (path → content) into a template archive the way `den templates push` does. */
export async function packTemplate(files: TemplateFiles): Promise<Buffer> {
  const dir = mkdtempSync(join(tmpdir(), "den-test-template-"));
  try {
    for (const [path, content] of Object.entries(files)) {
      mkdirSync(dirname(join(dir, path)), { recursive: true });
      writeFileSync(join(dir, path), content);
    }
    return (await packTemplateFolder(dir)).archive;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function call<T>(server: TestServer, token: string, method: "GET" | "POST" | "PATCH", url: string, payload?: unknown): Promise<T> {
  const res = await server.app.inject({ method, url: `/api/v2${url}`, headers: withToken(token), payload: payload as Record<string, unknown> | undefined });
  if (res.statusCode >= 300) throw new Error(`${method} ${url}: ${res.statusCode} ${res.body}`);
  return res.json() as T;
}

/** Uploads a template version through the API and waits for its import; fails the test with the log when the import fails. */
export async function pushTemplateVersion(server: TestServer, jobs: JobWatcher, token: string, files: TemplateFiles, templateId?: string): Promise<TemplateVersion> {
  const archive = await packTemplate(files);
  const upload = await server.app.inject({
    method: "POST",
    url: "/api/v2/files",
    headers: { ...withToken(token), "content-type": "application/x-tar" },
    payload: archive,
  });
  if (upload.statusCode !== 201) throw new Error(`POST /files: ${upload.statusCode} ${upload.body}`);
  const file = upload.json() as { id: string };
  const version = await call<TemplateVersion>(server, token, "POST", "/organizations/default/templateversions", {
    file_id: file.id,
    ...(templateId ? { template_id: templateId } : {}),
  });
  const ended = await jobs.waitForJob(version.job.id);
  if (ended.status !== "succeeded") {
    const logs = await call<Array<{ output: string }>>(server, token, "GET", `/templateversions/${version.id}/logs`);
    throw new Error(`import of the test template ${ended.status}: ${ended.error}\n${logs.map((l) => l.output).join("\n")}`);
  }
  return call<TemplateVersion>(server, token, "GET", `/templateversions/${version.id}`);
}

/** Creates a template from files (den.yaml and the rest) as `token`'s user, an owner or template admin. */
export async function createTestTemplate(server: TestServer, jobs: JobWatcher, token: string, name: string, files: TemplateFiles): Promise<Template> {
  const version = await pushTemplateVersion(server, jobs, token, files);
  return call<Template>(server, token, "POST", "/organizations/default/templates", { name, version_id: version.id });
}

/** Pushes a new version of a template and makes it the active one. */
export async function promoteNewVersion(server: TestServer, jobs: JobWatcher, token: string, templateId: string, files: TemplateFiles): Promise<TemplateVersion> {
  const version = await pushTemplateVersion(server, jobs, token, files, templateId);
  await call<Template>(server, token, "PATCH", `/templates/${templateId}/versions`, { id: version.id });
  return version;
}
