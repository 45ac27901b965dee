import type { Command } from "commander";
import { CommandContext, type CliIo } from "../context.js";
import { collectFlag, parseParameterFlags } from "../parameterPrompt.js";
import { requestBuild, startParameters } from "../requestBuild.js";
import { findWorkspace, WORKSPACE_ARGUMENT } from "../workspaceRef.js";

type RestartOptions = { parameter?: string[]; yes?: boolean };

export function restartCommand(program: Command, io: CliIo): void {
  program
    .command("restart")
    .summary("Stop a workspace, then start it again.")
    .description("Stop a workspace and start it again, following both builds. Persistent resources are kept; ephemeral ones are created afresh.")
    .argument("<workspace>", WORKSPACE_ARGUMENT)
    .option("--parameter <name=value>", "change a mutable parameter for the start; repeat for several", collectFlag)
    .option("-y, --yes", "ask nothing")
    .addHelpText("after", "\nExample:\n  $ den restart dev")
    .action(async (ref: string, opts: RestartOptions, cmd: Command) => {
      const ctx = CommandContext.from(cmd, io);
      const given = parseParameterFlags(opts.parameter ?? []);
      const ws = await findWorkspace(ctx.client(), ref);
      // Check the new values before stopping anything.
      const values = Object.keys(given).length > 0 ? await startParameters(ctx, ws, ws.latest_build.template_version_id, given) : [];
      await requestBuild(ctx, ws, { transition: "stop" }, { printJson: false });
      await requestBuild(ctx, ws, { transition: "start", ...(values.length > 0 ? { rich_parameter_values: values } : {}) });
    });
}
