import type { Command } from "commander";
import { ApiError } from "../../sdk/errors.js";
import type { Template } from "../../sdk/schemas/templateApi.js";
import { WorkspaceName } from "../../sdk/schemas/workspaces.js";
import type { DenClient } from "../../sdk/client/DenClient.js";
import { CommandContext, type CliIo } from "../context.js";
import { CliError } from "../errors.js";
import { followBuild } from "../followBuild.js";
import { renderJson } from "../output.js";
import { collectFlag, parseParameterFlags, resolveParameters } from "../parameterPrompt.js";
import { Prompter } from "../prompter.js";
import { progressStream } from "../requestBuild.js";
import { validateFlag } from "../validateFlag.js";
import { parseWorkspaceRef } from "../workspaceRef.js";

type CreateOptions = { template: string; parameter?: string[]; yes?: boolean };

export function createCommand(program: Command, io: CliIo): void {
  program
    .command("create")
    .summary("Create a workspace from a template and wait until it runs.")
    .description(
      "Create a workspace from a template's active version, then follow its first build until the workspace runs.\n" +
        "Parameters not given with --parameter are asked for on a terminal (the default is shown; Enter keeps it).\n" +
        "Without a terminal, parameters take their defaults, and a required one without a default is an error.\n" +
        "Values are checked against the template's rules before anything is created.",
    )
    .argument("<name>", "workspace name (a DNS label), or OWNER/NAME to create one for someone else (owners)")
    .requiredOption("-t, --template <template>", "name of the template to build from")
    .option("--parameter <name=value>", "a parameter value; repeat for several", collectFlag)
    .option("-y, --yes", "ask nothing that has a default, and do not ask for confirmation")
    .addHelpText(
      "after",
      `
Examples:
  $ den create dev -t local-dev
  $ den create dev -t local-dev --parameter greeting=hi --yes
  $ den create alice/dev -t local-dev --yes      # as an owner, for alice`,
    )
    .action(async (refText: string, opts: CreateOptions, cmd: Command) => {
      const ctx = CommandContext.from(cmd, io);
      await createWorkspace(ctx, refText, opts);
    });
}

async function createWorkspace(ctx: CommandContext, refText: string, opts: CreateOptions): Promise<void> {
  const ref = parseWorkspaceRef(refText);
  const name = validateFlag("NAME", WorkspaceName, ref.name);
  const given = parseParameterFlags(opts.parameter ?? []);
  const client = ctx.client();
  const template = await findTemplate(client, opts.template);
  const specs = await client.templates.versionParameters(template.active_version_id);
  const terminal = ctx.io.stdin.isTTY === true;
  const prompter = terminal ? new Prompter({ input: ctx.io.stdin, output: ctx.io.stderr }) : undefined;
  let values: Record<string, string>;
  try {
    values = await resolveParameters(specs, given, { prompter, askAll: !opts.yes, transition: "create" });
    if (prompter && !opts.yes) {
      const owner = ref.owner === "me" ? "" : ` for ${ref.owner}`;
      if (!(await prompter.confirm(`Create workspace ${name}${owner} from template ${template.name}?`))) throw new CliError("canceled: nothing was created");
    }
  } finally {
    prompter?.close();
  }
  const ws = await client.workspaces.create(ref.owner, {
    name,
    template_version_id: template.active_version_id,
    rich_parameter_values: Object.entries(values).map(([n, value]) => ({ name: n, value })),
  });
  const out = progressStream(ctx);
  out.write(`Created workspace ${ws.owner_name}/${ws.name} from template ${template.name} (version ${ws.latest_build.template_version_name}).\n`);
  await followBuild(client, ws.latest_build, out);
  if (ctx.options.output === "json") ctx.print(renderJson(await client.workspaces.get(ws.id)));
}

async function findTemplate(client: DenClient, name: string): Promise<Template> {
  try {
    return await client.templates.getByName(name);
  } catch (err) {
    if (err instanceof ApiError && err.status === 404) throw new CliError(`no template named "${name}": see \`den templates list\``);
    throw err;
  }
}
