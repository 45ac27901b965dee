import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { create } from "tar";
import { parse as parseYaml } from "yaml";
import { z } from "zod";
import { isJobDone } from "../../sdk/schemas/provisionerJobs.js";
import { MAX_TEMPLATE_ARCHIVE_BYTES, Template, TemplateName } from "../../sdk/schemas/templateApi.js";
import type { Actor } from "../auth/actor.js";
import { authorize } from "../auth/policy.js";
import { auditRequestOf, type AuditService } from "../audit/auditService.js";
import type { Database } from "../db/database.js";
import { ConflictError, InputError } from "../errors.js";
import { defineRoute, type RouteSpec } from "../http/route.js";
import { jobEvents } from "../provisioners/jobEvents.js";
import type { PubSub } from "../pubsub/pubsub.js";
import { FileService } from "./fileService.js";
import { TemplateService } from "./templateService.js";
import { OrgParams } from "./templateVersionRoutes.js";
import { TemplateVersionService } from "./templateVersionService.js";

/** The examples folder of the package: this file is src/server/templates/ or, built, dist/server/templates/. */
export function defaultExamplesDir(): string {
  return join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..", "examples");
}

/** A bundled example as the dashboard lists it. */
export const TemplateExample = z.object({ name: z.string(), display_name: z.string(), description: z.string() });
export type TemplateExample = z.infer<typeof TemplateExample>;

/** An example's import runs on an in-process provisioner and takes well under a second; this only bounds a hang. */
const IMPORT_LIMIT_MS = 60_000;

export function listExamples(dir: string): TemplateExample[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((name) => existsSync(join(dir, name, "den.yaml")))
    .sort()
    .map((name) => {
      let spec: Record<string, unknown> = {};
      try {
        spec = (parseYaml(readFileSync(join(dir, name, "den.yaml"), "utf8")) ?? {}) as Record<string, unknown>;
      } catch {
        // A broken example still lists; its import will say what is wrong.
      }
      const text = (key: string, fallback: string) => (typeof spec[key] === "string" ? (spec[key] as string) : fallback);
      return { name, display_name: text("display_name", name), description: text("description", "") };
    });
}

/** Packs examples/<name>/ the way `den templates push` does: sorted paths, no times or owners. */
async function packExample(dir: string): Promise<Buffer> {
  const files: string[] = [];
  const walk = (rel: string) => {
    for (const entry of readdirSync(join(dir, rel), { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const path = rel ? `${rel}/${entry.name}` : entry.name;
      if (entry.isDirectory()) walk(path);
      else if (entry.isFile()) files.push(path);
    }
  };
  walk("");
  const chunks: Buffer[] = [];
  for await (const chunk of create({ cwd: dir, portable: true, noMtime: true, noDirRecurse: true }, files)) chunks.push(Buffer.from(chunk as Uint8Array));
  const archive = Buffer.concat(chunks);
  if (archive.length > MAX_TEMPLATE_ARCHIVE_BYTES) throw new Error(`example ${dir} packs to ${archive.length} bytes, more than the archive limit`);
  return archive;
}

type Deps = { db: Database; pubsub: PubSub; audit: AuditService; examplesDir?: string };

/**
 * One-click templates for newcomers: list the bundled examples, and create a
 * template from one through the same file, version and template services as
 * an upload (owner, template-admin), waiting for the version's import.
 */
export function exampleRoutes(deps: Deps): RouteSpec[] {
  const dir = deps.examplesDir ?? defaultExamplesDir();
  const files = new FileService(deps.db);
  const versions = new TemplateVersionService(deps.db, deps.pubsub);
  const templates = new TemplateService(deps.db, deps.audit);

  const waitForImport = async (actor: Actor, versionId: string, jobId: string) => {
    let wake: () => void = () => undefined;
    const unsubscribe = await deps.pubsub.subscribe(jobEvents.job(jobId), () => wake());
    const deadline = Date.now() + IMPORT_LIMIT_MS;
    try {
      for (;;) {
        // Subscribed before reading, so a change between the two still wakes us.
        const woken = new Promise<void>((resolve) => (wake = resolve));
        const version = await versions.get(actor, versionId);
        if (isJobDone(version.job.status)) return version;
        const left = deadline - Date.now();
        if (left <= 0) throw new ConflictError("The example's import is still running; its version will appear on the template page once done.");
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([woken, new Promise<void>((resolve) => (timer = setTimeout(resolve, Math.min(left, 2_000))))]);
        clearTimeout(timer);
      }
    } finally {
      await unsubscribe();
    }
  };

  return [
    defineRoute({
      method: "GET",
      url: "/templates/examples",
      summary: "The example templates bundled with the server.",
      tags: ["templates"],
      auth: "user",
      response: z.array(TemplateExample),
      handler: () => listExamples(dir),
    }),
    defineRoute({
      method: "POST",
      url: "/organizations/:org/templates/examples/:example",
      summary: "Create a template from a bundled example in one step (owner, template-admin).",
      tags: ["templates"],
      auth: "user",
      params: OrgParams.extend({ example: z.string().min(1).max(64) }).strict(),
      body: z.object({ name: TemplateName.optional().meta({ description: "Default: the example's name." }) }).strict(),
      response: Template,
      handler: async ({ actor, params, body, req }) => {
        authorize(actor!, "create", { type: "template" }, "Template");
        const example = listExamples(dir).find((e) => e.name === params.example);
        if (!example) {
          const names = listExamples(dir).map((e) => e.name);
          throw InputError.field("example", `no example named ${JSON.stringify(params.example)}; the examples are: ${names.join(", ") || "(none installed)"}`);
        }
        const file = await files.upload(actor!, await packExample(join(dir, example.name)));
        const created = await versions.create(actor!, params.org, { file_id: file.id, message: `From the example ${example.name}` });
        const version = await waitForImport(actor!, created.id, created.job.id);
        if (version.job.status !== "succeeded") {
          throw new ConflictError(`The import of example ${example.name} ${version.job.status}.`, version.job.error ?? undefined);
        }
        return templates.create(actor!, params.org, { name: body.name ?? example.name, version_id: version.id }, auditRequestOf(req));
      },
    }),
  ];
}
