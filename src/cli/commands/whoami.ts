import type { Command } from "commander";
import { CommandContext, type CliIo } from "../context.js";
import { renderDetails, renderJson } from "../output.js";

export function whoamiCommand(program: Command, io: CliIo): void {
  program
    .command("whoami")
    .description("Show the user you are logged in as, and to which server.")
    .addHelpText("after", "\nExamples:\n  $ den whoami\n  $ den whoami -o json | jq -r .user.username")
    .action(async (_opts: unknown, cmd: Command) => {
      const ctx = CommandContext.from(cmd, io);
      const client = ctx.client();
      const user = await client.users.me();
      if (ctx.options.output === "json") {
        ctx.print(renderJson({ url: client.url, user }));
        return;
      }
      ctx.print(
        renderDetails([
          ["Username", user.username],
          ["Email", user.email],
          ["Name", user.name],
          ["Roles", user.roles.join(", ")],
          ["URL", client.url],
        ]),
      );
    });
}
