import type { Command } from "commander";
import { DenClient } from "../../sdk/client/DenClient.js";
import { ApiError } from "../../sdk/errors.js";
import { CommandContext, type CliIo } from "../context.js";
import { CliError } from "../errors.js";

export function logoutCommand(program: Command, io: CliIo): void {
  program
    .command("logout")
    .summary("End the stored session, on the server and on this machine.")
    .description(
      "End the stored session on the server and remove it from this machine.\n" +
        "The session is removed locally even when the server cannot be reached.",
    )
    .action(async (_opts: unknown, cmd: Command) => {
      const ctx = CommandContext.from(cmd, io);
      const token = ctx.config.read("session");
      if (!token) throw new CliError(`not logged in: there is no stored session in ${ctx.config.dir}`);
      const url = ctx.options.url ?? ctx.config.read("url");
      let warning: string | undefined;
      if (url) {
        try {
          await new DenClient({ url, token }).users.logout();
        } catch (err) {
          // A session the server no longer knows is as good as ended.
          if (!(err instanceof ApiError && err.status === 401)) {
            warning = `could not end the session on the server (${err instanceof ApiError ? err.describe() : (err as Error).message}); removed it from this machine anyway`;
          }
        }
      }
      ctx.config.remove("session");
      if (warning) io.stderr.write(`den: warning: ${warning}\n`);
      ctx.print(url ? `Logged out of ${url}\n` : "Logged out\n");
    });
}
