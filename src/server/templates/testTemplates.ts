import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import type { FastifyInstance } from "fastify";
import { create } from "tar";
import { isJobDone } from "../../sdk/schemas/provisionerJobs.js";
import type { Template, TemplateVersion } from "../../sdk/schemas/templateApi.js";
import { withToken } from "../users/testUsers.js";

/**
 * Fixtures for tests of templates: archives built from file contents, and
 * versions pushed and imported through the API itself.
 */

/** A template that imports cleanly with the process driver. */
export const VALID_DEN_YAML = `name: local-dev
display_name: Local dev
description: A workspace on the server host
icon: /icon/terminal.svg
parameters:
  - name: greeting
    type: string
    default: hello
    mutable: true
resources:
  home:
    driver: process
    kind: directory
    lifetime: persistent
  box:
    driver: process
    kind: process
    lifetime: ephemeral
    command: ["sh", "-c", "echo \${{ params.greeting }}; exec sleep infinity"]
    env:
      HOME: "\${{ resources.home.path }}"
agents:
  main:
    resource: box
`;

/** A tar archive of these files (path → content). */
export async function tarOf(files: Record<string, string>): Promise<Buffer> {
  const dir = mkdtempSync(join(tmpdir(), "den-test-template-"));
  try {
    for (const [path, content] of Object.entries(files)) {
      mkdirSync(dirname(join(dir, path)), { recursive: true });
      writeFileSync(join(dir, path), content);
    }
    const chunks: Buffer[] = [];
    for await (const chunk of create({ cwd: dir, portable: true, noMtime: true }, Object.keys(files))) chunks.push(Buffer.from(chunk as Uint8Array));
    return Buffer.concat(chunks);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function uploadArchive(app: FastifyInstance, token: string, data: Buffer): Promise<{ id: string; hash: string }> {
  const res = await app.inject({ method: "POST", url: "/api/v2/files", headers: { ...withToken(token), "content-type": "application/x-tar" }, payload: data });
  if (res.statusCode !== 201) throw new Error(`upload: ${res.statusCode} ${res.body}`);
  return res.json();
}

export async function createVersion(app: FastifyInstance, token: string, body: Record<string, unknown>): Promise<TemplateVersion> {
  const res = await app.inject({ method: "POST", url: "/api/v2/organizations/default/templateversions", headers: withToken(token), payload: body });
  if (res.statusCode !== 201) throw new Error(`create version: ${res.statusCode} ${res.body}`);
  return res.json();
}

/** The import job has no event a test can wait on through inject(); poll it, with a deadline. */
export async function waitForImport(app: FastifyInstance, token: string, versionId: string, deadlineMs = 30_000): Promise<TemplateVersion> {
  const deadline = Date.now() + deadlineMs;
  for (;;) {
    const res = await app.inject({ method: "GET", url: `/api/v2/templateversions/${versionId}`, headers: withToken(token) });
    if (res.statusCode !== 200) throw new Error(`get version: ${res.statusCode} ${res.body}`);
    const version = res.json() as TemplateVersion;
    if (isJobDone(version.job.status)) return version;
    if (Date.now() > deadline) throw new Error(`import of ${versionId} still ${version.job.status} after ${deadlineMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Uploads files, creates a version from them and waits for its import to end. */
export async function pushVersion(
  app: FastifyInstance,
  token: string,
  files: Record<string, string>,
  opts: { templateId?: string; name?: string; message?: string } = {},
): Promise<TemplateVersion> {
  const file = await uploadArchive(app, token, await tarOf(files));
  const created = await createVersion(app, token, {
    file_id: file.id,
    ...(opts.templateId ? { template_id: opts.templateId } : {}),
    ...(opts.name ? { name: opts.name } : {}),
    ...(opts.message ? { message: opts.message } : {}),
  });
  return waitForImport(app, token, created.id);
}

/** Pushes a version of VALID_DEN_YAML (or the files given) and makes a template of it. */
export async function createTemplate(app: FastifyInstance, token: string, name: string, files: Record<string, string> = { "den.yaml": VALID_DEN_YAML }): Promise<Template> {
  const version = await pushVersion(app, token, files);
  if (version.job.status !== "succeeded") throw new Error(`import failed: ${version.job.error}`);
  const res = await app.inject({
    method: "POST",
    url: "/api/v2/organizations/default/templates",
    headers: withToken(token),
    payload: { name, version_id: version.id },
  });
  if (res.statusCode !== 201) throw new Error(`create template: ${res.statusCode} ${res.body}`);
  return res.json();
}
