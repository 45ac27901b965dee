import type { DriverRegistry } from "../drivers/registry.js";
import { formatTemplateError } from "../sdk/schemas/templates.js";
import type { JobLogger } from "./jobLogger.js";
import type { ImportJob, ImportResult } from "./jobSource.js";
import { parseTemplate, positionOf, type TemplateError, type TemplateSpec } from "./template/parseTemplate.js";
import { ArchiveError, readTemplateArchive } from "./templateArchive.js";

export type ImportOutcome = { ok: true; value: ImportResult } | { ok: false; error: string };

/**
 * The import job of a template version: unpack the archive, parse and check
 * den.yaml, let each driver check its resources' settings, and report every
 * problem with file:line:column in the job log.
 */
export async function importTemplate(job: ImportJob, deps: { drivers: DriverRegistry; logger: JobLogger; signal: AbortSignal }): Promise<ImportOutcome> {
  const { logger } = deps;
  logger.startStage("Unpacking the template");
  let archive: Map<string, Buffer>;
  try {
    archive = await readTemplateArchive(job.archive);
  } catch (err) {
    if (err instanceof ArchiveError) return fail(logger, err.message);
    throw err;
  }
  logger.log("info", `${archive.size} file(s)`);
  const files: Record<string, string> = {};
  for (const [path, data] of archive) files[path] = data.toString("utf8");

  logger.startStage("Checking den.yaml");
  // A resource without `lifetime` takes its kind's default (a volume persists, a container does not).
  const parsed = parseTemplate(files, {
    defaultLifetime: (driver, kind) => deps.drivers.list().find((d) => d.name === driver)?.kinds[kind]?.defaultLifetime,
  });
  const errors: TemplateError[] = parsed.ok ? checkDrivers(parsed.template, deps.drivers, new Set(archive.keys())) : parsed.errors;
  if (errors.length > 0) {
    for (const e of errors) logger.log("error", formatTemplateError(e));
    return { ok: false, error: `${errors.length} error(s) in the template; the first: ${formatTemplateError(errors[0]!)}` };
  }
  const template = (parsed as { template: TemplateSpec }).template;
  logger.log("info", `${template.parameters.length} parameter(s), ${Object.keys(template.resources).length} resource(s), ${Object.keys(template.agents).length} agent(s)`);
  const readme = files["README.md"] ?? files["readme.md"] ?? "";
  return { ok: true, value: { spec: template, readme } };
}

/** Unknown drivers and kinds, and each driver's check of its settings (which may name the template's files). */
export function checkDrivers(template: TemplateSpec, drivers: DriverRegistry, files?: ReadonlySet<string>): TemplateError[] {
  const errors: TemplateError[] = [];
  for (const [name, resource] of Object.entries(template.resources)) {
    const at = (path: Array<string | number>) => positionOf(template, ["resources", name, ...path]);
    const driver = drivers.list().find((d) => d.name === resource.driver);
    if (!driver) {
      errors.push({ ...at(["driver"]), message: `resources.${name}.driver: unknown driver "${resource.driver}"; known drivers: ${drivers.list().map((d) => d.name).join(", ")}` });
      continue;
    }
    const kind = driver.kinds[resource.kind];
    if (!kind) {
      errors.push({ ...at(["kind"]), message: `resources.${name}.kind: the ${driver.name} driver has no kind "${resource.kind}"; its kinds: ${Object.keys(driver.kinds).join(", ")}` });
      continue;
    }
    for (const issue of kind.validate(resource.settings, files)) {
      const path = issue.path === "" ? [] : issue.path.split(".").map((p) => (/^\d+$/.test(p) ? Number(p) : p));
      errors.push({ ...at(path), message: `resources.${name}${issue.path ? "." + issue.path : ""}: ${issue.message}` });
    }
  }
  return errors;
}

function fail(logger: JobLogger, message: string): ImportOutcome {
  logger.log("error", message);
  return { ok: false, error: message };
}
