import type { Command } from "commander";
import { CommandContext, type CliIo } from "../context.js";
import { requestBuild } from "../requestBuild.js";
import { findWorkspace, formatWorkspaceRef, WORKSPACE_ARGUMENT } from "../workspaceRef.js";

export function stopCommand(program: Command, io: CliIo): void {
  program
    .command("stop")
    .summary("Stop a workspace; its persistent resources are kept.")
    .description("Stop a workspace: destroy its ephemeral resources (processes, containers) and keep its persistent ones (home directory, volumes). Follows the build until it ends.")
    .argument("<workspace>", WORKSPACE_ARGUMENT)
    .option("-y, --yes", "ask nothing")
    .addHelpText("after", "\nExample:\n  $ den stop dev")
    .action(async (ref: string, _opts: unknown, cmd: Command) => {
      const ctx = CommandContext.from(cmd, io);
      const ws = await findWorkspace(ctx.client(), ref);
      if (ws.status === "stopped") {
        io.stderr.write(`${formatWorkspaceRef(ws)} is already stopped.\n`);
        return;
      }
      await requestBuild(ctx, ws, { transition: "stop" });
    });
}
