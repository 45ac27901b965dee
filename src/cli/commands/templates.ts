import { existsSync, mkdirSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { Command } from "commander";
import type { Template, TemplateVersion } from "../../sdk/schemas/templateApi.js";
import { CommandContext, type CliIo } from "../context.js";
import { CliError } from "../errors.js";
import { formatRelative, renderJson, renderTable, type Column } from "../output.js";
import { packageRoot } from "../packageRoot.js";
import { Prompter } from "../prompter.js";
import { extractTemplateArchive } from "../templateArchive.js";
import { copyTemplateExample, listTemplateExamples } from "../templateExamples.js";
import { templatePushCommand } from "./templatePush.js";

const NAME_ARGUMENT = "name of the template";

export function templatesCommand(program: Command, io: CliIo): void {
  const templates = program
    .command("templates")
    .alias("template")
    .summary("Write, push, list, pull and delete templates and their versions.")
    .description(
      "Manage templates: folders with a den.yaml that describe workspaces. Everyone may list and pull them; owners and template admins push, promote and delete.",
    )
    .addHelpText("after", "\nGetting started:\n  $ den templates init --example process my-template\n  $ den templates push my-template");

  templates
    .command("init")
    .summary("Write an example template into a folder.")
    .description("Copy one of the example templates shipped with Den into a folder, to edit and push. Existing files are never overwritten.")
    .argument("[dir]", "where to write it (default: ./<example>)")
    .option("--example <name>", `which example (${listTemplateExamples().join(", ") || "none installed"})`, "process")
    .addHelpText("after", "\nExamples:\n  $ den templates init\n  $ den templates init --example process ./local-dev")
    .action((dir: string | undefined, opts: { example: string }, cmd: Command) => {
      const ctx = CommandContext.from(cmd, io);
      const dest = dir ?? opts.example;
      const files = copyTemplateExample(opts.example, dest);
      ctx.print(`Wrote the ${opts.example} example to ${dest}:\n${files.map((f) => `  ${f}\n`).join("")}Edit den.yaml, then: den templates push ${dest}\n`);
    });

  templatePushCommand(templates, io);

  templates
    .command("list")
    .alias("ls")
    .description("List the templates.")
    .addHelpText("after", "\nExamples:\n  $ den templates list\n  $ den templates list -o json")
    .action(async (_opts: unknown, cmd: Command) => {
      const ctx = CommandContext.from(cmd, io);
      const list = await ctx.client().templates.list();
      if (ctx.options.output === "json") ctx.print(renderJson(list));
      else if (list.length === 0) ctx.print("No templates yet: create one with `den templates init` and `den templates push`.\n");
      else ctx.print(renderTable(list, templateColumns()));
    });

  const versions = templates.command("versions").summary("List and promote the versions of a template.").description("Manage the versions of a template.");

  versions
    .command("list")
    .alias("ls")
    .description("List the versions of a template, newest first.")
    .argument("<name>", NAME_ARGUMENT)
    .addHelpText("after", "\nExample:\n  $ den templates versions list local-dev")
    .action(async (name: string, _opts: unknown, cmd: Command) => {
      const ctx = CommandContext.from(cmd, io);
      const client = ctx.client();
      const template = await client.templates.getByName(name);
      const list = await client.templates.listVersions(template.id);
      if (ctx.options.output === "json") ctx.print(renderJson(list));
      else ctx.print(renderTable([...list].reverse(), versionColumns(template)));
    });

  versions
    .command("promote")
    .summary("Make a version the active one.")
    .description("Make a version the template's active version: new workspaces and `den update` use it.")
    .argument("<name>", NAME_ARGUMENT)
    .requiredOption("--version <version>", "name or id of the version")
    .addHelpText("after", "\nExample:\n  $ den templates versions promote local-dev --version brave-otter-3")
    .action(async (name: string, opts: { version: string }, cmd: Command) => {
      const ctx = CommandContext.from(cmd, io);
      const client = ctx.client();
      const template = await client.templates.getByName(name);
      const version = findVersion(await client.templates.listVersions(template.id), opts.version, name);
      const promoted = await client.templates.promote(template.id, version.id);
      if (ctx.options.output === "json") ctx.print(renderJson(promoted));
      else ctx.print(`Version ${version.name} is now the active version of template ${promoted.name}.\n`);
    });

  templates
    .command("pull")
    .summary("Download a template's active version into a folder.")
    .description("Download the files of a template's active version into a folder, which must be new or empty.")
    .argument("<name>", NAME_ARGUMENT)
    .argument("[dir]", "where to write it (default: ./<name>)")
    .addHelpText("after", "\nExample:\n  $ den templates pull local-dev ./local-dev")
    .action(async (name: string, dir: string | undefined, _opts: unknown, cmd: Command) => {
      const ctx = CommandContext.from(cmd, io);
      const dest = dir ?? name;
      if (existsSync(dest) && readdirSync(dest).length > 0) throw new CliError(`${dest} is not empty: pull into a new or empty folder`);
      const client = ctx.client();
      const template = await client.templates.getByName(name);
      const version = await client.templates.getVersion(template.active_version_id);
      const archive = await client.templates.downloadFile(version.file_id);
      mkdirSync(dest, { recursive: true });
      await extractTemplateArchive(archive, dest);
      ctx.print(`Wrote version ${version.name} of template ${template.name} to ${dest}.\n`);
    });

  templates
    .command("delete")
    .alias("rm")
    .summary("Delete a template.")
    .description("Delete a template. The server refuses while workspaces use it.")
    .argument("<name>", NAME_ARGUMENT)
    .option("-y, --yes", "do not ask for confirmation")
    .addHelpText("after", "\nExample:\n  $ den templates delete local-dev --yes")
    .action(async (name: string, opts: { yes?: boolean }, cmd: Command) => {
      const ctx = CommandContext.from(cmd, io);
      const client = ctx.client();
      const template = await client.templates.getByName(name);
      if (!opts.yes) await confirmDelete(ctx, template);
      await client.templates.delete(template.id);
      ctx.print(`Deleted template ${template.name}.\n`);
    });

  templates
    .command("schema")
    .summary("Print the JSON Schema of den.yaml.")
    .description("Print the JSON Schema of den.yaml, for editors (e.g. the YAML language server's yaml.schemas setting).")
    .addHelpText("after", "\nExample:\n  $ den templates schema > den.schema.json")
    .action(() => {
      const path = join(packageRoot(), "schemas", "den.schema.json");
      if (!existsSync(path)) throw new CliError(`the schema file ${path} is missing from this installation`);
      io.stdout.write(readFileSync(path, "utf8"));
    });
}

/** Finds a version by id first (ids are unique), then by name. */
export function findVersion(versions: TemplateVersion[], ref: string, template: string): TemplateVersion {
  const found = versions.find((v) => v.id === ref) ?? versions.find((v) => v.name === ref);
  if (!found) throw new CliError(`template ${template} has no version named "${ref}" or with that id: see \`den templates versions list ${template}\``);
  return found;
}

async function confirmDelete(ctx: CommandContext, template: Template): Promise<void> {
  if (ctx.io.stdin.isTTY !== true) throw new CliError(`stdin is not a terminal, so den cannot ask: pass --yes to delete template ${template.name}`);
  const prompter = new Prompter({ input: ctx.io.stdin, output: ctx.io.stderr });
  try {
    if (!(await prompter.confirm(`Delete template ${template.name}?`, false))) throw new CliError("canceled: nothing was deleted");
  } finally {
    prompter.close();
  }
}

function templateColumns(): Column<Template>[] {
  const now = Date.now();
  return [
    { header: "name", value: (t) => t.name },
    { header: "display name", value: (t) => t.display_name },
    { header: "active version", value: (t) => t.active_version_name },
    { header: "created by", value: (t) => t.created_by_name },
    { header: "updated", value: (t) => formatRelative(t.updated_at, now) },
  ];
}

function versionColumns(template: Template): Column<TemplateVersion>[] {
  const now = Date.now();
  return [
    { header: "name", value: (v) => v.name },
    { header: "created", value: (v) => formatRelative(v.created_at, now) },
    { header: "created by", value: (v) => v.created_by_name },
    { header: "import", value: (v) => v.job.status },
    { header: "active", value: (v) => (v.id === template.active_version_id ? "active" : "") },
    { header: "message", value: (v) => v.message },
  ];
}
