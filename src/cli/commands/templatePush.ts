import { existsSync, readFileSync, statSync } from "node:fs";
import { basename, join, resolve } from "node:path";
import { InvalidArgumentError, type Command } from "commander";
import { parse as parseYaml } from "yaml";
import type { DenClient } from "../../sdk/client/DenClient.js";
import { versionLogsPath } from "../../sdk/client/templates.js";
import { ApiError } from "../../sdk/errors.js";
import { TemplateName, type Template } from "../../sdk/schemas/templateApi.js";
import { CommandContext, type CliIo } from "../context.js";
import { CliError } from "../errors.js";
import { followLogs } from "../followLogs.js";
import { renderJson } from "../output.js";
import { Prompter } from "../prompter.js";
import { packTemplateFolder } from "../templateArchive.js";
import { flagProblem, validateFlag } from "../validateFlag.js";

type PushOptions = { name?: string; message?: string; activate: boolean; yes?: boolean };

/** `den templates push`: pack, upload, import (showing its log), then create or promote. */
export function templatePushCommand(templates: Command, io: CliIo): void {
  templates
    .command("push")
    .summary("Upload a template folder as a new version.")
    .description(
      "Pack a template folder (den.yaml and the files it uses), upload it as a new template version and show its import log.\n" +
        "Problems in den.yaml are printed as den.yaml:LINE:COLUMN: message, and den exits with 1.\n" +
        "When the import succeeds, the template is created if it does not exist yet; otherwise the new version is made active (unless --activate=false).",
    )
    .argument("[dir]", "the template folder", ".")
    .option("--name <name>", "template name (default: name in den.yaml, else the folder's name)")
    .option("-m, --message <message>", "what changed in this version")
    .option("--activate [bool]", "make the new version the active one: true or false", parseBool, true)
    .option("-y, --yes", "do not ask for confirmation on a terminal")
    .addHelpText(
      "after",
      `
Examples:
  $ den templates push ./local-dev
  $ den templates push --name local-dev -m "add a greeting parameter" --yes
  $ den templates push --activate=false     # upload and check, promote later`,
    )
    .action(async (dir: string, opts: PushOptions, cmd: Command) => {
      const ctx = CommandContext.from(cmd, io);
      await pushTemplate(ctx, dir, opts);
    });
}

async function pushTemplate(ctx: CommandContext, dir: string, opts: PushOptions): Promise<void> {
  const folder = resolve(dir);
  if (!existsSync(folder) || !statSync(folder).isDirectory()) throw new CliError(`${dir} is not a folder`);
  if (!existsSync(join(folder, "den.yaml"))) throw new CliError(`${dir} has no den.yaml: start from an example with \`den templates init\``);
  const name = templateNameFor(folder, opts.name);
  const json = ctx.options.output === "json";
  // With -o json, stdout carries only the result; the log goes to stderr.
  const say = (line: string) => (json ? ctx.io.stderr : ctx.io.stdout).write(`${line}\n`);

  const packed = await packTemplateFolder(folder);
  for (const file of packed.skipped) say(`Skipping ${file}: only regular files are uploaded.`);
  const client = ctx.client();
  const existing = await findTemplate(client, name);
  if (!opts.yes && ctx.io.stdin.isTTY === true) {
    const what = existing
      ? `a new version of template ${name}${opts.activate ? " and make it active" : ""}`
      : `the new template ${name}`;
    if (!(await confirm(ctx, `Push ${dir} (${packed.files.length} files) as ${what}?`))) throw new CliError("canceled: nothing was pushed");
  }

  const file = await client.templates.uploadFile(packed.archive);
  const created = await client.templates.createVersion({
    file_id: file.id,
    ...(existing ? { template_id: existing.id } : {}),
    ...(opts.message !== undefined ? { message: opts.message } : {}),
  });
  say(`Uploaded ${packed.files.length} files (${formatBytes(packed.archive.length)}); importing version ${created.name} of template ${name}.`);
  await followLogs({ client, path: versionLogsPath(created.id), write: say });
  const version = await client.templates.getVersion(created.id);
  if (version.job.status !== "succeeded") {
    const why = version.job.error ? `: ${version.job.error}` : "";
    throw new CliError(`the import of version ${version.name} ${version.job.status === "failed" ? "failed" : `ended ${version.job.status}`}${why}`);
  }

  let template: Template;
  if (!existing) {
    template = await client.templates.create({ name, version_id: version.id });
    say(`Created template ${template.name} with version ${version.name}.`);
  } else if (opts.activate) {
    template = await client.templates.promote(existing.id, version.id);
    say(`Version ${version.name} is now the active version of template ${template.name}.`);
  } else {
    template = existing;
    say(`Pushed version ${version.name} of template ${name}; it is not active. Make it active with:`);
    say(`  den templates versions promote ${name} --version ${version.name}`);
  }
  if (json) ctx.print(renderJson({ template, version }));
}

/** --name, else den.yaml's name, else the folder's name; checked here so the error names its source. */
export function templateNameFor(folder: string, flag: string | undefined): string {
  if (flag !== undefined) return validateFlag("--name", TemplateName, flag);
  const fromYaml = nameInDenYaml(join(folder, "den.yaml"));
  if (fromYaml !== undefined) {
    const checked = TemplateName.safeParse(fromYaml);
    if (!checked.success) throw new CliError(`den.yaml: name ${JSON.stringify(fromYaml)} ${flagProblem(checked.error)}`);
    return checked.data;
  }
  const fromFolder = basename(folder);
  const checked = TemplateName.safeParse(fromFolder);
  if (!checked.success) {
    throw new CliError(`the folder name ${JSON.stringify(fromFolder)} is not a template name (${flagProblem(checked.error)}): pass --name or set name in den.yaml`);
  }
  return checked.data;
}

/** The top-level name of den.yaml; a file that does not parse is left to the server's import, which says where. */
function nameInDenYaml(path: string): string | undefined {
  try {
    const doc = parseYaml(readFileSync(path, "utf8")) as unknown;
    if (doc && typeof doc === "object" && "name" in doc && typeof doc.name === "string") return doc.name;
  } catch {
    // Reported with line and column by the import.
  }
  return undefined;
}

async function findTemplate(client: DenClient, name: string): Promise<Template | undefined> {
  try {
    return await client.templates.getByName(name);
  } catch (err) {
    if (err instanceof ApiError && err.status === 404) return undefined;
    throw err;
  }
}

async function confirm(ctx: CommandContext, question: string): Promise<boolean> {
  const prompter = new Prompter({ input: ctx.io.stdin, output: ctx.io.stderr });
  try {
    return await prompter.confirm(question);
  } finally {
    prompter.close();
  }
}

function parseBool(text: string): boolean {
  if (text === "true") return true;
  if (text === "false") return false;
  throw new InvalidArgumentError("must be true or false.");
}

function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / 1024 / 1024).toFixed(1)} MiB`;
}
