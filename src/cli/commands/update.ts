import type { Command } from "commander";
import { CommandContext, type CliIo } from "../context.js";
import { CliError } from "../errors.js";
import { collectFlag, parseParameterFlags } from "../parameterPrompt.js";
import { requestBuild, startParameters } from "../requestBuild.js";
import { findWorkspace, formatWorkspaceRef, WORKSPACE_ARGUMENT } from "../workspaceRef.js";

type UpdateOptions = { parameter?: string[]; yes?: boolean };

export function updateCommand(program: Command, io: CliIo): void {
  program
    .command("update")
    .summary("Start a workspace on its template's active version.")
    .description(
      "Start a workspace with the active version of its template (see `den show`: outdated), and follow the build.\n" +
        "Parameters the new version adds are asked for on a terminal; pass them with --parameter otherwise.",
    )
    .argument("<workspace>", WORKSPACE_ARGUMENT)
    .option("--parameter <name=value>", "a parameter value for the new version; repeat for several", collectFlag)
    .option("-y, --yes", "ask nothing that has a default")
    .addHelpText("after", "\nExamples:\n  $ den update dev\n  $ den update dev --parameter region=eu")
    .action(async (ref: string, opts: UpdateOptions, cmd: Command) => {
      const ctx = CommandContext.from(cmd, io);
      const given = parseParameterFlags(opts.parameter ?? []);
      const ws = await findWorkspace(ctx.client(), ref);
      const versionId = ws.template_active_version_id;
      if (!versionId) throw new CliError(`template ${ws.template_name} has no active version`);
      if (!ws.outdated && Object.keys(given).length === 0) {
        const how = ws.status === "running" ? "" : `; start it with \`den start ${formatWorkspaceRef(ws)}\``;
        ctx.io.stderr.write(`${formatWorkspaceRef(ws)} already uses the active version of ${ws.template_name}${how}.\n`);
        return;
      }
      const values = await startParameters(ctx, ws, versionId, given);
      await requestBuild(ctx, ws, { transition: "start", template_version_id: versionId, ...(values.length > 0 ? { rich_parameter_values: values } : {}) });
    });
}
