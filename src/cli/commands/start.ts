import type { Command } from "commander";
import { CommandContext, type CliIo } from "../context.js";
import { collectFlag, parseParameterFlags } from "../parameterPrompt.js";
import { requestBuild, startParameters } from "../requestBuild.js";
import { findWorkspace, formatWorkspaceRef, WORKSPACE_ARGUMENT } from "../workspaceRef.js";

type StartOptions = { parameter?: string[]; yes?: boolean };

export function startCommand(program: Command, io: CliIo): void {
  program
    .command("start")
    .summary("Start a workspace and wait until it runs.")
    .description(
      "Start a workspace with the template version of its latest build, and follow the build until the workspace runs.\n" +
        "Persistent resources (a home directory) are kept; ephemeral ones are created afresh.",
    )
    .argument("<workspace>", WORKSPACE_ARGUMENT)
    .option("--parameter <name=value>", "change a mutable parameter; repeat for several", collectFlag)
    .option("-y, --yes", "ask nothing")
    .addHelpText("after", "\nExamples:\n  $ den start dev\n  $ den start dev --parameter greeting=hi")
    .action(async (ref: string, opts: StartOptions, cmd: Command) => {
      const ctx = CommandContext.from(cmd, io);
      const given = parseParameterFlags(opts.parameter ?? []);
      const ws = await findWorkspace(ctx.client(), ref);
      if (ws.status === "running" && Object.keys(given).length === 0) {
        io.stderr.write(`${formatWorkspaceRef(ws)} is already running; \`den restart\` starts it afresh.\n`);
        return;
      }
      const versionId = ws.latest_build.template_version_id;
      const values = Object.keys(given).length > 0 ? await startParameters(ctx, ws, versionId, given) : [];
      await requestBuild(ctx, ws, { transition: "start", ...(values.length > 0 ? { rich_parameter_values: values } : {}) });
    });
}
