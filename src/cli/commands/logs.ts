import { InvalidArgumentError, type Command } from "commander";
import { buildLogsPath } from "../../sdk/client/workspaces.js";
import { ApiError } from "../../sdk/errors.js";
import type { WorkspaceBuild } from "../../sdk/schemas/workspaces.js";
import type { DenClient } from "../../sdk/client/DenClient.js";
import { CommandContext, type CliIo } from "../context.js";
import { CliError } from "../errors.js";
import { followLogs, printJobLog } from "../followLogs.js";
import { renderJson } from "../output.js";
import { findWorkspace, formatWorkspaceRef, parseWorkspaceRef, WORKSPACE_ARGUMENT } from "../workspaceRef.js";

type LogsOptions = { build?: number; follow?: boolean };

export function logsCommand(program: Command, io: CliIo): void {
  program
    .command("logs")
    .summary("Show the log of a workspace's latest build (or of build N).")
    .description("Print the provisioner log of a workspace's latest build, or of the build numbered --build. With --follow, keep printing until the build ends.")
    .argument("<workspace>", WORKSPACE_ARGUMENT)
    .option("--build <n>", "the build number (see `den show`); default: the latest", parseBuildNumber)
    .option("-f, --follow", "follow the log until the build ends")
    .addHelpText("after", "\nExamples:\n  $ den logs dev\n  $ den logs dev --build 2\n  $ den logs dev --follow\n  $ den logs dev -o json")
    .action(async (ref: string, opts: LogsOptions, cmd: Command) => {
      const ctx = CommandContext.from(cmd, io);
      const client = ctx.client();
      const build = await buildOf(client, ref, opts.build);
      const write = (line: string) => ctx.print(`${line}\n`);
      if (opts.follow && ctx.options.output !== "json") {
        await followLogs({ client, path: buildLogsPath(build.id), write });
        return;
      }
      const logs = [];
      for (let after = 0; ; ) {
        const page = await client.workspaces.buildLogs(build.id, after);
        if (page.length === 0) break;
        logs.push(...page);
        after = page.at(-1)!.id;
      }
      if (ctx.options.output === "json") {
        ctx.print(renderJson(logs));
        return;
      }
      const state = { stage: undefined as string | undefined };
      for (const log of logs) printJobLog(log, state, write);
      if (logs.length === 0) io.stderr.write(`Build #${build.build_number} of ${build.workspace_owner_name}/${build.workspace_name} has no log yet (${build.job.status}).\n`);
    });
}

async function buildOf(client: DenClient, refText: string, buildNumber: number | undefined): Promise<WorkspaceBuild> {
  if (buildNumber === undefined) return (await findWorkspace(client, refText)).latest_build;
  const ref = parseWorkspaceRef(refText);
  try {
    return await client.workspaces.getBuildByNumber(ref.owner, ref.name, buildNumber);
  } catch (err) {
    if (err instanceof ApiError && err.status === 404) {
      const ws = await findWorkspace(client, refText);
      throw new CliError(`${formatWorkspaceRef(ws)} has no build #${buildNumber}; its latest is #${ws.latest_build.build_number}`);
    }
    throw err;
  }
}

function parseBuildNumber(text: string): number {
  const n = Number(text);
  if (!/^\d+$/.test(text.trim()) || n < 1 || n > 2 ** 31 - 1) throw new InvalidArgumentError("must be a build number (1, 2, …).");
  return n;
}
