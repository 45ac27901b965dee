import type { Command } from "commander";
import { CommandContext, type CliIo } from "../context.js";
import { CliError } from "../errors.js";
import { Prompter } from "../prompter.js";
import { requestBuild } from "../requestBuild.js";
import { findWorkspace, formatWorkspaceRef, WORKSPACE_ARGUMENT } from "../workspaceRef.js";

export function deleteCommand(program: Command, io: CliIo): void {
  program
    .command("delete")
    .alias("rm")
    .summary("Delete a workspace and everything it holds.")
    .description(
      "Delete a workspace: destroy all of its resources, persistent ones too (its home directory is gone), and follow the build.\n" +
        "Asks for confirmation on a terminal; without a terminal, --yes is required.",
    )
    .argument("<workspace>", WORKSPACE_ARGUMENT)
    .option("-y, --yes", "delete without asking")
    .addHelpText("after", "\nExamples:\n  $ den delete dev\n  $ den delete alice/dev --yes")
    .action(async (ref: string, opts: { yes?: boolean }, cmd: Command) => {
      const ctx = CommandContext.from(cmd, io);
      const ws = await findWorkspace(ctx.client(), ref);
      const name = formatWorkspaceRef(ws);
      if (!opts.yes) {
        if (ctx.io.stdin.isTTY !== true) throw new CliError(`deleting ${name} destroys its data: pass --yes to confirm (stdin is not a terminal, so den cannot ask)`);
        const prompter = new Prompter({ input: ctx.io.stdin, output: ctx.io.stderr });
        try {
          const answer = await prompter.ask(`Delete ${name} and all of its data? Type its name to confirm`);
          if (answer !== ws.name && answer !== name) throw new CliError(`canceled: ${name} was not deleted`);
        } finally {
          prompter.close();
        }
      }
      await requestBuild(ctx, ws, { transition: "delete" });
    });
}
